import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../core/unicorn/library.js';

describe('layering (STYLE.md): protocol/ and core/ import nothing above them', () => {
  it('scripts/check-imports.mjs finds no import that breaks the rule', () => {
    const r = spawnSync(process.execPath, [join(projectRoot(), 'scripts/check-imports.mjs')], { encoding: 'utf8' });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
  });
});
