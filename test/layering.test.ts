import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../core/unicorn/library.js';

describe('npm run lint: layering, formatting and style', () => {
  const root = projectRoot();
  const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

  it('scripts/check-imports.mjs finds no upward import, no circle and no handler reaching around its context', () => {
    const r = run([join(root, 'scripts/check-imports.mjs')]);
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
  });

  it('every source file is formatted as Prettier would format it', () => {
    const r = run([join(root, 'node_modules/prettier/bin/prettier.cjs'), '--check', '.']);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
  });

  it('eslint (line length, naming, parameter count) reports nothing', () => {
    const r = run([join(root, 'node_modules/eslint/bin/eslint.js'), '.']);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
  });
});
