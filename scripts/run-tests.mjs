#!/usr/bin/env node
// Builds the TypeScript, runs every mocha test under dist/test, and ends with the one line CI reads:
// `tests: N passed, M failed`. Pending (skipped) tests, and tests that never ran because a hook failed, are counted
// as failures: a test we do not run proves nothing. Usage: npm test [-- --grep PATTERN]
// (--dir DIR --no-build run the compiled tests of another folder without building: the runner's own test uses it).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Mocha from 'mocha';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
if (!args.includes('--no-build')) {
  try {
    execFileSync(join(root, 'scripts/build-shim'), { stdio: 'inherit' });
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
      stdio: 'inherit',
    });
  } catch {
    console.log('tests: 0 passed, 1 failed');
    console.error('run-tests: the build (native shim or TypeScript) failed (see above)');
    process.exit(1);
  }
}

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const grep = option('--grep');
const { killTrackedProcesses } = await import(join(root, 'dist/test/helpers/processes.js'));
const mocha = new Mocha({
  reporter: 'spec',
  timeout: 60000,
  ...(grep !== undefined ? { grep } : {}),
  // Whatever a test started is ended when the test ends, pass or fail.
  rootHooks: {
    afterEach: async function () {
      const killed = await killTrackedProcesses();
      if (killed > 0 && this.currentTest?.state === 'passed') {
        console.error(`run-tests: ${this.currentTest.fullTitle()} left ${killed} process(es) running; ended them`);
      }
    },
  },
});
for (const f of collect(option('--dir') ?? join(root, 'dist/test'))) mocha.addFile(f);
await mocha.loadFilesAsync();
const runner = mocha.run();
// Count every test that did not pass: failed ones, pending (skipped) ones, and those that never ran because a
// hook before them failed; a failing after-hook counts too, though its tests passed.
let passes = 0;
let testFailures = 0;
let hookFailures = 0;
let pending = 0;
runner.on('pass', () => passes++);
runner.on('pending', () => pending++);
runner.on('fail', (t) => (t.type === 'hook' ? hookFailures++ : testFailures++));
runner.on('end', () => {
  const total = runner.total;
  const neverRan = Math.max(0, total - passes - testFailures - pending);
  const failed = total - passes + (neverRan === 0 ? hookFailures : 0);
  console.log('');
  if (pending > 0) console.log(`run-tests: ${pending} pending test(s) counted as failed`);
  if (neverRan > 0)
    console.log(`run-tests: ${neverRan} test(s) never ran (a hook before them failed), counted as failed`);
  console.log(`tests: ${passes} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
});
