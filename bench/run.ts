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
import { benchTimeTravel } from './time-travel.js';
import { benchUbootBoot } from './uboot-boot.js';
import { benchLinuxBoot, linuxBootFills } from './linux-boot.js';

const quick = process.argv.includes('--quick');
// `--only=trap,gdb`: only the named sections (guest, debug, store, trap, fills, ctrlc, uboot, linux, gdb, travel,
// long).
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const want = (section: string): boolean => !only || only.includes(section);
const lib = loadUnicorn();
const rows: BenchRow[] = [];
const say = (s: string) => process.stderr.write(`${s}\n`);
type RowFields = Omit<BenchRow, 'better'>;
const higher = (r: RowFields): void => void rows.push({ ...r, better: 'higher' });
const lower = (r: RowFields): void => void rows.push({ ...r, better: 'lower' });
const ref = (name: string, value: number) => ({ name, value });
/** The native fill's rate, measured once: by the fills section, or by the Linux row when that runs alone. */
let nativeFillRate: number | undefined;

if (want('guest')) {
  say('guest MIPS, tight loop ...');
  const loop = await benchGuestMips(lib);
  higher({
    metric: 'tight loop (4 insns/block)',
    unit: 'MIPS',
    el2dbg: loop.el2dbgMips,
    reference: ref('raw unicorn', loop.rawMips),
    goal: 'ratio >= 0.9',
    met: loop.ratio >= 0.9,
  });
}

if (want('debug')) {
  say('breakpoints and watchpoints armed ...');
  const debug = await benchDebugOverhead(lib);
  higher({
    metric: 'tight loop, 16 bp + 4 wp set',
    unit: 'MIPS',
    el2dbg: debug.armed,
    reference: ref('none set', debug.plain),
    goal: 'ratio >= 0.97',
    met: debug.armed / debug.plain >= 0.97,
  });
}

if (want('store')) {
  say('store-heavy guest (hash) ...');
  const store = await benchStoreHeavy(lib);
  higher({
    metric: 'store-heavy guest (hash)',
    unit: 'MIPS',
    el2dbg: store.el2dbg,
    reference: ref('QEMU 7.2', store.qemu),
    goal: 'report',
    met: null,
  });
}

if (want('trap')) {
  say('trapped MMIO ...');
  const traps = await benchTrapRate(lib);
  const qemuTraps = qemuTrapRate();
  higher({
    metric: 'trapped + emulated MMIO reads',
    unit: 'k/s',
    el2dbg: traps.el2dbgPerSecond / 1e3,
    reference: ref('QEMU 7.2 EL2 loop', qemuTraps / 1e3),
    goal: 'ratio >= 1 (goal 2)',
    met: traps.el2dbgPerSecond >= qemuTraps,
  });
}

if (want('fills')) {
  say('TLB fills ...');
  const fills = (nativeFillRate = await benchTlbFills(lib));
  const tsFills = await benchTlbFills(lib, false);
  higher({
    metric: 'TLB fills (MMU + stage 2 on)',
    unit: 'k/s',
    el2dbg: fills / 1e3,
    reference: ref('TypeScript fill alone', tsFills / 1e3),
    goal: '>= 3000 k/s (goal 10000)',
    met: fills >= 3e6,
  });
}

if (want('ctrlc')) {
  say('Ctrl-C latency (1000 stops each) ...');
  const ctrlC = await benchCtrlC(quick ? 200 : 1000);
  lower({
    metric: 'Ctrl-C latency p50',
    unit: 'ms',
    el2dbg: ctrlC.el2dbg.p50,
    reference: ref('QEMU 7.2', ctrlC.qemu.p50),
    goal: 'report',
    met: null,
  });
  lower({
    metric: 'Ctrl-C latency p99',
    unit: 'ms',
    el2dbg: ctrlC.el2dbg.p99,
    reference: ref('QEMU 7.2', ctrlC.qemu.p99),
    goal: '<= 5 ms (goal 1)',
    met: ctrlC.el2dbg.p99 <= 5,
  });
  lower({
    metric: 'Ctrl-C latency max',
    unit: 'ms',
    el2dbg: ctrlC.el2dbg.max,
    reference: ref('QEMU 7.2', ctrlC.qemu.max),
    goal: '<= 10 ms',
    met: ctrlC.el2dbg.max <= 10,
  });
}

if (want('uboot')) {
  say('Debian U-Boot to its autoboot line ...');
  const uboot = await benchUbootBoot();
  lower({
    metric: 'U-Boot to "Hit any key"',
    unit: 's',
    el2dbg: uboot.el2dbg,
    reference: ref('QEMU 7.2', uboot.qemu),
    goal: '<= 2x QEMU (goal 1x)',
    met: uboot.el2dbg <= 2 * uboot.qemu,
  });
}

if (want('linux')) {
  say('Debian Linux to the initramfs /init line ...');
  const linux = await benchLinuxBoot();
  lower({
    metric: 'Linux to /init',
    unit: 's',
    el2dbg: linux.el2dbg,
    reference: ref('QEMU 7.2', linux.qemu),
    goal: '<= 10x QEMU (goal 2x)',
    met: linux.el2dbg <= 10 * linux.qemu,
  });
  // The fill path's share of a boot: its fills at the rate the 'fills' section measures for the native fill.
  const boot = await linuxBootFills(lib);
  const fillRate = nativeFillRate ?? (await benchTlbFills(lib));
  lower({
    metric: 'Linux boot: TLB fills, share of boot time',
    unit: '%',
    el2dbg: (100 * boot.fills) / fillRate / boot.seconds,
    reference: ref(`${Math.round(boot.fills / 1e3)} k fills, ${boot.passed} to TS`, boot.seconds),
    goal: '< 10% (must not dominate)',
    met: boot.fills / fillRate / boot.seconds < 0.1,
  });
}

if (want('gdb')) {
  say('gdb against el2dbg serve and QEMU -gdb ...');
  const stubs = await benchGdbStubs();
  higher({
    metric: 'stepi through gdb',
    unit: '/s',
    el2dbg: stubs.el2dbg.stepiPerSecond,
    reference: ref('QEMU 7.2', stubs.qemu.stepiPerSecond),
    goal: 'ratio >= 1 (goal 1.3)',
    met: stubs.el2dbg.stepiPerSecond >= stubs.qemu.stepiPerSecond,
  });
  higher({
    metric: 'info registers, cache flushed',
    unit: '/s',
    el2dbg: stubs.el2dbg.infoRegistersPerSecond,
    reference: ref('QEMU 7.2', stubs.qemu.infoRegistersPerSecond),
    goal: 'ratio >= 5',
    met: stubs.el2dbg.infoRegistersPerSecond >= 5 * stubs.qemu.infoRegistersPerSecond,
  });
  higher({
    metric: 'dump 16 MiB of random bytes',
    unit: 'MiB/s',
    el2dbg: stubs.el2dbg.dumpMiBPerSecond,
    reference: ref('QEMU 7.2', stubs.qemu.dumpMiBPerSecond),
    goal: 'ratio >= 4 (goal 8)',
    met: stubs.el2dbg.dumpMiBPerSecond >= 4 * stubs.qemu.dumpMiBPerSecond,
  });
  higher({
    metric: 'free-run MIPS, 16 breakpoints',
    unit: 'MIPS',
    el2dbg: stubs.el2dbg.mips16Breakpoints,
    reference: ref('no breakpoints', stubs.el2dbg.mipsNoBreakpoints),
    goal: 'ratio >= 0.9',
    met: stubs.el2dbg.mips16Breakpoints >= 0.9 * stubs.el2dbg.mipsNoBreakpoints,
  });
}

if (want('travel')) {
  say('time travel (recording, reverse steps) ...');
  const travel = await benchTimeTravel(lib);
  lower({
    metric: 'recording, trap-heavy demo guest',
    unit: 's/M insns',
    el2dbg: travel.recordSeconds,
    reference: ref('not recording', travel.plainSeconds),
    goal: 'ratio <= 1.5',
    met: travel.recordSeconds <= 1.5 * travel.plainSeconds,
  });
  lower({
    metric: 'reverse-stepi, median / worst of 25',
    unit: 'ms',
    el2dbg: travel.reverseStepMedianMs,
    reference: ref('worst', travel.reverseStepMaxMs),
    goal: 'worst < 50 ms',
    met: travel.reverseStepMaxMs < 50,
  });
  lower({
    metric: 'recording memory',
    unit: 'MiB/M insns',
    el2dbg: travel.mibPerMillion,
    reference: null,
    goal: 'report',
    met: null,
  });
}

if (!quick && want('long')) {
  say('3000 connect-disconnect cycles ...');
  const rss = await benchDisconnectCycles(3000);
  lower({
    metric: 'RSS growth, cycles 100 to 3000',
    unit: 'MiB',
    el2dbg: Math.max(0, rss.afterAll - rss.after100),
    reference: null,
    goal: '<= 10 MiB',
    met: rss.afterAll - rss.after100 <= 10,
  });
  say('fuzzing 1 000 000 packets ...');
  const fuzz = await benchFuzz(1_000_000);
  higher({
    metric: 'fuzzed packets (framing checked)',
    unit: 'k/s',
    el2dbg: fuzz.perSecond / 1e3,
    reference: null,
    goal: '0 bad replies',
    met: fuzz.framingErrors === 0,
  });
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
