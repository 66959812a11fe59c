// Trapped-and-emulated MMIO reads per second through RITM's filtered page (exact syndrome, trap frame, decision
// record, handler, Rt write-back), against the bare TLB-fill trap round trip of raw unicorn measured in the same run.
import { parseImage } from '../core/loader/image-loader.js';
import { Machine } from '../core/machine/machine.js';
import { buildAllowAllPolicy, buildRitmQemuPolicy } from '../core/stage2/ritm-qemu-policy.js';
import { Stage2PolicyBuilder } from '../core/stage2/stage2-policy.js';
import { UC_ARM64_REG, UC_PROT } from '../core/unicorn/constants.js';
import { UnicornEngine } from '../core/unicorn/engine.js';
import type { UnicornLibrary } from '../core/unicorn/library.js';
import { assemble } from '../test/helpers/asm.js';

const TRAPS = 200_000;
const CODE = 0x4008_0000n;
const RAM = { base: 0x4000_0000n, size: 0x4000_0000n };
const TRAP_LOOP = `
  ldr x21, =${TRAPS}
  movz x20, #0x0f00, lsl #16
1: ldr x0, [x20]
  subs x21, x21, #1
  b.ne 1b
  movz x0, #0x0008
  movk x0, #0x8400, lsl #16
  hvc #0
  .ltorg`;

/** Traps per second for el2dbg and for the raw unicorn round trip, and their ratio. */
export interface TrapRateResult {
  el2dbgPerSecond: number;
  rawPerSecond: number;
  ratio: number;
}

async function timeEl2dbg(lib: UnicornLibrary): Promise<number> {
  const b = new Stage2PolicyBuilder();
  buildRitmQemuPolicy(b, RAM.size);
  const image = parseImage(assemble(TRAP_LOOP), { name: 'trap-loop', loadAddr: CODE, ram: RAM });
  const m = new Machine({ lib, image, ramSize: RAM.size, console: { write: () => undefined }, policy: b.build() });
  let decisions = 0;
  m.on((e) => {
    if (e.kind === 'decision' && e.decision.why === 'handler-value') decisions++;
  });
  try {
    const t0 = process.hrtime.bigint();
    const halt = await m.run();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (halt.kind !== 'power-off' || decisions !== TRAPS)
      throw new Error(`trap loop ended with ${halt.kind} after ${decisions} decisions`);
    return TRAPS / s;
  } finally {
    await m.close();
  }
}

/**
 * The reference: fill answers a miss for the trapped page, JS writes x0 and restarts at pc+4 (no syndrome, no
 * decision).
 */
function timeRaw(lib: UnicornLibrary): number {
  const uc = UnicornEngine.open(lib);
  try {
    uc.mapMemory(RAM.base, 0x20_0000n, UC_PROT.ALL);
    const code = assemble(TRAP_LOOP);
    uc.writeMemory(CODE, code);
    uc.setTlbType('virtual');
    uc.hooks.addTlbFillHook((va) => (va === 0x0f00_0000n ? null : { paddr: va, perms: UC_PROT.ALL }));
    let done = false;
    uc.hooks.addInterruptHook(() => {
      done = true;
      uc.stop();
    });
    let traps = 0;
    const t0 = process.hrtime.bigint();
    let pc = CODE;
    while (!done) {
      uc.start(pc);
      if (done) break;
      traps++;
      uc.writeReg(UC_ARM64_REG.X0, 0xfeed_face_cafe_beefn);
      pc = uc.readReg(UC_ARM64_REG.PC) + 4n;
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (traps !== TRAPS) throw new Error(`raw loop trapped ${traps} times`);
    return TRAPS / s;
  } finally {
    uc.close();
  }
}

/** Best of `rounds` for each side. */
export async function benchTrapRate(lib: UnicornLibrary, rounds = 3): Promise<TrapRateResult> {
  let el2dbg = 0;
  let raw = 0;
  for (let i = 0; i < rounds; i++) {
    raw = Math.max(raw, timeRaw(lib));
    el2dbg = Math.max(el2dbg, await timeEl2dbg(lib));
  }
  return { el2dbgPerSecond: el2dbg, rawPerSecond: raw, ratio: el2dbg / raw };
}

/** Guest MIPS of a tight loop under the ritm policy vs allow-all (stage 2 must cost nothing once the TLB is warm). */
export async function benchPolicyMips(lib: UnicornLibrary): Promise<{ ritm: number; allowAll: number; ratio: number }> {
  const ITER = 100_000_000n;
  const code = assemble(
    `ldr x0, =${ITER}\n1: add x1, x1, #1\n add x2, x2, #3\n subs x0, x0, #1\n b.ne 1b\n movz x0, #0x0008\n movk x0, #0x8400, lsl #16\n hvc #0\n .ltorg`,
  );
  const run = async (build: (b: Stage2PolicyBuilder) => void) => {
    const b = new Stage2PolicyBuilder();
    build(b);
    const image = parseImage(code, { name: 'loop', loadAddr: CODE, ram: RAM });
    const m = new Machine({ lib, image, ramSize: RAM.size, console: { write: () => undefined }, policy: b.build() });
    try {
      const t0 = process.hrtime.bigint();
      await m.run();
      return Number(ITER * 4n) / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6;
    } finally {
      await m.close();
    }
  };
  let ritm = 0;
  let allowAll = 0;
  for (let i = 0; i < 3; i++) {
    ritm = Math.max(ritm, await run((b) => buildRitmQemuPolicy(b, RAM.size)));
    allowAll = Math.max(allowAll, await run((b) => buildAllowAllPolicy(b, RAM.size)));
  }
  return { ritm, allowAll, ratio: ritm / allowAll };
}
