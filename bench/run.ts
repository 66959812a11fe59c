// `npm run bench`: each benchmark prints its figures and a ratio against a reference measured in the same run.
import { loadUnicorn } from '../core/unicorn/library.js';
import { benchGuestMips } from './guest-mips.js';
import { benchGdbStubs } from './gdbstub.js';
import { benchStopLatency } from './stop-latency.js';
import { benchPolicyMips, benchTrapRate } from './trap-rate.js';

const lib = loadUnicorn();
const out = (s: string) => process.stdout.write(s + '\n');
out(`el2dbg benchmarks (unicorn ${lib.version.text}, node ${process.versions.node})\n`);

const mips = await benchGuestMips(lib);
out('guest MIPS, tight loop (best of 3):');
out(`  el2dbg run path   ${mips.el2dbgMips.toFixed(0).padStart(8)} MIPS`);
out(`  raw unicorn       ${mips.rawMips.toFixed(0).padStart(8)} MIPS`);
out(`  ratio             ${mips.ratio.toFixed(3).padStart(8)}   (goal >= 0.9)\n`);

const stop = await benchStopLatency(lib);
out('stop request -> run returns, spinning guest (40 stops; what Ctrl-C waits for):');
out(
  `  p50 ${stop.p50.toFixed(1)} ms, p99 ${stop.p99.toFixed(1)} ms, max ${stop.max.toFixed(1)} ms   (goal < 50 ms; the slice is 10 ms)\n`,
);

const traps = await benchTrapRate(lib);
out('trapped + emulated MMIO reads through the filtered page (best of 3):');
out(
  `  el2dbg (syndrome, frame, decision, handler)  ${(traps.el2dbgPerSecond / 1e3).toFixed(0).padStart(6)} k/s   (goal >= 300 k/s)`,
);
out(`  raw unicorn TLB-fill round trip              ${(traps.rawPerSecond / 1e3).toFixed(0).padStart(6)} k/s`);
out(`  ratio                                        ${traps.ratio.toFixed(3).padStart(6)}\n`);

const policy = await benchPolicyMips(lib);
out('guest MIPS under the ritm policy vs allow-all (best of 3):');
out(`  ritm        ${policy.ritm.toFixed(0).padStart(8)} MIPS`);
out(`  allow-all   ${policy.allowAll.toFixed(0).padStart(8)} MIPS`);
out(`  ratio       ${policy.ratio.toFixed(3).padStart(8)}`);

const stubs = await benchGdbStubs();
const row = (what: string, el2dbg: number, qemu: number, goal: string, digits = 0) =>
  out(
    `  ${what.padEnd(34)} ${el2dbg.toFixed(digits).padStart(9)} ${qemu.toFixed(digits).padStart(10)} ${(el2dbg / qemu).toFixed(2).padStart(7)}x   ${goal}`,
  );
out('\ngdb-multiarch against el2dbg serve vs QEMU 7.2 -gdb (same gdb script and guest, alternating, best of 2):');
out(`  ${''.padEnd(34)} ${'el2dbg'.padStart(9)} ${'QEMU 7.2'.padStart(10)} ${'ratio'.padStart(8)}   goal`);
row('stepi per second', stubs.el2dbg.stepiPerSecond, stubs.qemu.stepiPerSecond, '>= 2x');
row(
  'info registers/s (cache flushed)',
  stubs.el2dbg.infoRegistersPerSecond,
  stubs.qemu.infoRegistersPerSecond,
  '>= 5x',
);
row('dump binary memory 16 MiB, MiB/s', stubs.el2dbg.dumpMiBPerSecond, stubs.qemu.dumpMiBPerSecond, '>= 4x', 1);
row('free-run MIPS, no breakpoints', stubs.el2dbg.mipsNoBreakpoints, stubs.qemu.mipsNoBreakpoints, '');
row('free-run MIPS, 16 breakpoints', stubs.el2dbg.mips16Breakpoints, stubs.qemu.mips16Breakpoints, '');
const withBp = (f: typeof stubs.el2dbg) => (f.mips16Breakpoints / f.mipsNoBreakpoints).toFixed(3);
out(`  16 breakpoints / none: el2dbg ${withBp(stubs.el2dbg)} (goal >= 0.9), QEMU ${withBp(stubs.qemu)}`);
