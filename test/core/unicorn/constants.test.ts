import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../../core/unicorn/library.js';

describe('core/unicorn constants', () => {
  it('match the headers of the libunicorn in .deps (regenerating gives the committed file)', () => {
    const root = projectRoot();
    const r = spawnSync(process.execPath, [join(root, 'scripts/gen-unicorn-constants.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
  });
});
