// `npm run bench`: every figure beside a reference measured in the same run (QEMU 7.2, raw unicorn, or an absolute
// goal), printed as one table and written as JSON under bench/results/. Outside CI: it takes several minutes.
// `npm run bench -- --quick` skips the long runs (the million-packet fuzz, 3000 connection cycles).
import { cpus } from 'node:os';
import { loadUnicorn, projectRoot } from '../core/unicorn/library.js';
import { benchGdbStubs } from './gdbstub.js';
import { benchGuestMips } from './guest-mips.js';
import { benchDebugOverhead, benchStoreHeavy, benchTlbFills } from './machine-figures.js';
import { qemuTrapRate } from './qemu-trap-rate.js';
import { benchCtrlC, benchDisconnectCycles, benchFuzz } from './server-figures.js';
import { formatTable, writeResults, type BenchRow } from './table.js';
import { benchTrapRate } from './trap-rate.js';

const quick = process.argv.includes('--quick');
const lib = loadUnicorn();
const rows: BenchRow[] = [];
const say = (s: string) => process.stderr.write(`${s}\n`);
const higher = (
  metric: string,
  unit: string,
  el2dbg: number,
  reference: BenchRow['reference'],
  goal: string,
  met: boolean | null,
): void => void rows.push({ metric, unit, el2dbg, reference, goal, met, better: 'higher' });
const lower = (
  metric: string,
  unit: string,
  el2dbg: number,
  reference: BenchRow['reference'],
  goal: string,
  met: boolean | null,
): void => void rows.push({ metric, unit, el2dbg, reference, goal, met, better: 'lower' });

say('guest MIPS, tight loop ...');
const loop = await benchGuestMips(lib);
higher(
  'tight loop (4 insns/block)',
  'MIPS',
  loop.el2dbgMips,
  { name: 'raw unicorn', value: loop.rawMips },
  'ratio >= 0.9',
  loop.ratio >= 0.9,
);

say('breakpoints and watchpoints armed ...');
const debug = await benchDebugOverhead(lib);
higher(
  'tight loop, 16 bp + 4 wp set',
  'MIPS',
  debug.armed,
  { name: 'none set', value: debug.plain },
  'ratio >= 0.97',
  debug.armed / debug.plain >= 0.97,
);

say('store-heavy guest (hash) ...');
const store = await benchStoreHeavy(lib);
higher('store-heavy guest (hash)', 'MIPS', store.el2dbg, { name: 'QEMU 7.2', value: store.qemu }, 'report', null);

say('trapped MMIO ...');
const traps = await benchTrapRate(lib);
const qemuTraps = qemuTrapRate();
higher(
  'trapped + emulated MMIO reads',
  'k/s',
  traps.el2dbgPerSecond / 1e3,
  { name: 'QEMU 7.2 EL2 loop', value: qemuTraps / 1e3 },
  'ratio >= 1 (goal 2)',
  traps.el2dbgPerSecond >= qemuTraps,
);

say('TLB fills ...');
const fills = await benchTlbFills(lib);
higher('TLB fills (MMU + stage 2 on)', 'k/s', fills / 1e3, null, '>= 3000 k/s (goal 10000)', fills >= 3e6);

say('Ctrl-C latency (1000 stops each) ...');
const ctrlC = await benchCtrlC(quick ? 200 : 1000);
lower('Ctrl-C latency p50', 'ms', ctrlC.el2dbg.p50, { name: 'QEMU 7.2', value: ctrlC.qemu.p50 }, 'report', null);
lower(
  'Ctrl-C latency p99',
  'ms',
  ctrlC.el2dbg.p99,
  { name: 'QEMU 7.2', value: ctrlC.qemu.p99 },
  '<= 5 ms (goal 1)',
  ctrlC.el2dbg.p99 <= 5,
);
lower(
  'Ctrl-C latency max',
  'ms',
  ctrlC.el2dbg.max,
  { name: 'QEMU 7.2', value: ctrlC.qemu.max },
  '<= 10 ms',
  ctrlC.el2dbg.max <= 10,
);

say('gdb against el2dbg serve and QEMU -gdb ...');
const stubs = await benchGdbStubs();
higher(
  'stepi through gdb',
  '/s',
  stubs.el2dbg.stepiPerSecond,
  { name: 'QEMU 7.2', value: stubs.qemu.stepiPerSecond },
  'ratio >= 1 (goal 1.3)',
  stubs.el2dbg.stepiPerSecond >= stubs.qemu.stepiPerSecond,
);
higher(
  'info registers, cache flushed',
  '/s',
  stubs.el2dbg.infoRegistersPerSecond,
  { name: 'QEMU 7.2', value: stubs.qemu.infoRegistersPerSecond },
  'ratio >= 5',
  stubs.el2dbg.infoRegistersPerSecond >= 5 * stubs.qemu.infoRegistersPerSecond,
);
higher(
  'dump 16 MiB of random bytes',
  'MiB/s',
  stubs.el2dbg.dumpMiBPerSecond,
  { name: 'QEMU 7.2', value: stubs.qemu.dumpMiBPerSecond },
  'ratio >= 4 (goal 8)',
  stubs.el2dbg.dumpMiBPerSecond >= 4 * stubs.qemu.dumpMiBPerSecond,
);
higher(
  'free-run MIPS, 16 breakpoints',
  'MIPS',
  stubs.el2dbg.mips16Breakpoints,
  { name: 'no breakpoints', value: stubs.el2dbg.mipsNoBreakpoints },
  'ratio >= 0.9',
  stubs.el2dbg.mips16Breakpoints >= 0.9 * stubs.el2dbg.mipsNoBreakpoints,
);

if (!quick) {
  say('3000 connect-disconnect cycles ...');
  const rss = await benchDisconnectCycles(3000);
  lower(
    'RSS growth, cycles 100 to 3000',
    'MiB',
    Math.max(0, rss.afterAll - rss.after100),
    null,
    '<= 10 MiB',
    rss.afterAll - rss.after100 <= 10,
  );
  say('fuzzing 1 000 000 packets ...');
  const fuzz = await benchFuzz(1_000_000);
  higher(
    'fuzzed packets (framing checked)',
    'k/s',
    fuzz.perSecond / 1e3,
    null,
    '0 bad replies',
    fuzz.framingErrors === 0,
  );
}

process.stdout.write(
  `el2dbg benchmarks (unicorn ${lib.version.text}, node ${process.versions.node}, ${cpus().length} CPUs)\n\n`,
);
process.stdout.write(formatTable(rows) + '\n');
const file = writeResults(projectRoot(), rows, {
  unicorn: lib.version.text,
  node: process.versions.node,
  cpus: String(cpus().length),
  cpu: cpus()[0]?.model ?? '?',
  quick: String(quick),
});
process.stdout.write(`\nwritten to ${file}\n`);
