// `npm run bench`: each benchmark prints its figures and a ratio against a reference measured in the same run.
import { loadUnicorn } from '../src/core/unicorn/library.js';
import { benchGuestMips } from './guest-mips.js';
import { benchPolicyMips, benchTrapRate } from './trap-rate.js';

const lib = loadUnicorn();
const out = (s: string) => process.stdout.write(s + '\n');
out(`el2dbg benchmarks (unicorn ${lib.version.text}, node ${process.versions.node})\n`);

const mips = await benchGuestMips(lib);
out('guest MIPS, tight loop (best of 3):');
out(`  el2dbg run path   ${mips.el2dbgMips.toFixed(0).padStart(8)} MIPS`);
out(`  raw unicorn       ${mips.rawMips.toFixed(0).padStart(8)} MIPS`);
out(`  ratio             ${mips.ratio.toFixed(3).padStart(8)}   (goal >= 0.9)\n`);

const traps = await benchTrapRate(lib);
out('trapped + emulated MMIO reads through the filtered page (best of 3):');
out(`  el2dbg (syndrome, frame, decision, handler)  ${(traps.el2dbgPerSecond / 1e3).toFixed(0).padStart(6)} k/s   (goal >= 300 k/s)`);
out(`  raw unicorn TLB-fill round trip              ${(traps.rawPerSecond / 1e3).toFixed(0).padStart(6)} k/s`);
out(`  ratio                                        ${traps.ratio.toFixed(3).padStart(6)}\n`);

const policy = await benchPolicyMips(lib);
out('guest MIPS under the ritm policy vs allow-all (best of 3):');
out(`  ritm        ${policy.ritm.toFixed(0).padStart(8)} MIPS`);
out(`  allow-all   ${policy.allowAll.toFixed(0).padStart(8)} MIPS`);
out(`  ratio       ${policy.ratio.toFixed(3).padStart(8)}`);
