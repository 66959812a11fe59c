#!/usr/bin/env node
// Builds the TypeScript, runs every mocha test under dist/test, and ends with the one line CI reads:
// `tests: N passed, M failed`. Pending (skipped) tests are counted as failures: a test we do not run
// proves nothing. Usage: npm test [-- --grep PATTERN]
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Mocha from 'mocha';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
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

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const grepAt = args.indexOf('--grep');
const mocha = new Mocha({ reporter: 'spec', timeout: 60000, ...(grepAt >= 0 ? { grep: args[grepAt + 1] } : {}) });
for (const f of collect(join(root, 'dist/test'))) mocha.addFile(f);
await mocha.loadFilesAsync();
const runner = mocha.run();
runner.on('end', () => {
  const { passes = 0, failures = 0, pending = 0 } = runner.stats ?? {};
  console.log('');
  if (pending > 0) console.log(`run-tests: ${pending} pending test(s) counted as failed`);
  console.log(`tests: ${passes} passed, ${failures + pending} failed`);
  process.exitCode = failures + pending > 0 ? 1 : 0;
});
