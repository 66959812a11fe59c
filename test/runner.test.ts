// The line CI reads counts every test that did not pass: failed, skipped, and never run because a hook failed.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../core/unicorn/library.js';

describe('scripts/run-tests.mjs: an honest count', () => {
  it('counts tests a failed before-hook kept from running, failed and skipped tests as failed', () => {
    const root = projectRoot();
    const r = spawnSync(
      process.execPath,
      [join(root, 'scripts/run-tests.mjs'), '--no-build', '--dir', join(root, 'test/fixtures/runner')],
      { encoding: 'utf8' },
    );
    expect(r.stdout).to.match(/run-tests: 3 test\(s\) never ran/);
    expect(r.stdout).to.match(/run-tests: 1 pending test\(s\) counted as failed/);
    expect(r.stdout.trim().split('\n').at(-1)).to.equal('tests: 1 passed, 5 failed');
    expect(r.status).to.equal(1);
  });
});
