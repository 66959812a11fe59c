#!/usr/bin/env -S node --max-semi-space-size=2
// --max-semi-space-size=2: V8's young generation stays at 2 x 2 MiB instead of growing to 2 x 16 MiB under a long
// server's allocation (RSS over 3000 gdb connect-disconnect cycles grows 6.7 MiB instead of 16 MiB; trapped MMIO
// 4% slower). Run through the shebang (`npx el2dbg`, `./bin/el2dbg.js`); `node bin/el2dbg.js` gets V8's defaults.
// Entry point: the compiled CLI lives in dist/ (built by scripts/setup or `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/server/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'el2dbg: not built yet; run scripts/setup (or npm run build) in ' +
      fileURLToPath(new URL('..', import.meta.url)) +
      '\n',
  );
  process.exit(1);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv);
