// Guest MIPS of a tight loop: el2dbg's Machine (the `el2dbg run` path: TLB-fill walker, sliced runs,
// watchdog thread) against the same loop in raw unicorn (no hooks, unicorn's own TLB), same process.
import { parseImage } from '../core/loader/image-loader.js';
import { Machine } from '../core/machine/machine.js';
import { UC_ARM64_REG, UC_PROT } from '../core/unicorn/constants.js';
import { UnicornEngine } from '../core/unicorn/engine.js';
import type { UnicornLibrary } from '../core/unicorn/library.js';
import { assemble } from '../test/helpers/asm.js';

const ITERATIONS = 150_000_000n;
const INSNS_PER_ITERATION = 4n;
const CODE = 0x4008_0000n;
// x0 = iterations; 4-instruction loop; then PSCI SYSTEM_OFF.
const LOOP = `
  ldr x0, =${ITERATIONS}
1: add x1, x1, #1
  add x2, x2, #3
  subs x0, x0, #1
  b.ne 1b
  movz x0, #0x0008
  movk x0, #0x8400, lsl #16
done:
  hvc #0
  .ltorg
`;

/** Result of one comparison: both MIPS figures and their ratio. */
export interface MipsResult {
  el2dbgMips: number;
  rawMips: number;
  ratio: number;
}

function mips(seconds: number): number {
  return Number(ITERATIONS * INSNS_PER_ITERATION) / seconds / 1e6;
}

async function timeMachine(lib: UnicornLibrary, code: Uint8Array): Promise<number> {
  const image = parseImage(code, { name: 'loop', loadAddr: CODE, ram: { base: 0x4000_0000n, size: 0x4000_0000n } });
  const m = new Machine({ lib, image, ramSize: 0x4000_0000n, console: { write: () => undefined } });
  try {
    const t0 = process.hrtime.bigint();
    const halt = await m.run();
    const t1 = process.hrtime.bigint();
    if (halt.kind !== 'power-off') throw new Error(`loop guest ended with ${halt.kind}`);
    return Number(t1 - t0) / 1e9;
  } finally {
    await m.close();
  }
}

function timeRaw(lib: UnicornLibrary, code: Uint8Array): number {
  const uc = UnicornEngine.open(lib);
  try {
    uc.mapMemory(0x4000_0000n, 0x20_0000n, UC_PROT.ALL);
    uc.writeMemory(CODE, code);
    const until = CODE + BigInt(code.length) - 8n; // stop on the hvc (before the literal pool)
    const t0 = process.hrtime.bigint();
    uc.start(CODE, { until: findHvc(code) ?? until });
    const t1 = process.hrtime.bigint();
    if (uc.readReg(UC_ARM64_REG.X1) !== ITERATIONS) throw new Error('raw loop did not complete');
    return Number(t1 - t0) / 1e9;
  } finally {
    uc.close();
  }
}

function findHvc(code: Uint8Array): bigint | null {
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  for (let i = 0; i + 4 <= code.length; i += 4) if (view.getUint32(i, true) === 0xd400_0002) return CODE + BigInt(i);
  return null;
}

/** Runs both sides `rounds` times, alternating, and compares the best time of each. */
export async function benchGuestMips(lib: UnicornLibrary, rounds = 3): Promise<MipsResult> {
  const code = assemble(LOOP);
  let bestMachine = Infinity;
  let bestRaw = Infinity;
  for (let i = 0; i < rounds; i++) {
    bestRaw = Math.min(bestRaw, timeRaw(lib, code));
    bestMachine = Math.min(bestMachine, await timeMachine(lib, code));
  }
  const el2dbgMips = mips(bestMachine);
  const rawMips = mips(bestRaw);
  return { el2dbgMips, rawMips, ratio: el2dbgMips / rawMips };
}
