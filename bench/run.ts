// `npm run bench`: each benchmark prints its figures and a ratio against a reference measured in the same run.
import { loadUnicorn } from '../src/core/unicorn/library.js';
import { benchGuestMips } from './guest-mips.js';

const lib = loadUnicorn();
process.stdout.write(`el2dbg benchmarks (unicorn ${lib.version.text}, node ${process.versions.node})\n\n`);

const mips = await benchGuestMips(lib);
process.stdout.write(
  `guest MIPS, tight loop (best of 3):\n` +
    `  el2dbg run path   ${mips.el2dbgMips.toFixed(0).padStart(6)} MIPS\n` +
    `  raw unicorn       ${mips.rawMips.toFixed(0).padStart(6)} MIPS\n` +
    `  ratio             ${mips.ratio.toFixed(3)}   (goal >= 0.9)\n`,
);
