// The load/store instructions whose stage-2 data-abort syndromes el2dbg and QEMU 7.2 must agree on.
// Each entry's base register points into the trapped page: one 4 KiB IPA page stage 2 leaves
// unmapped (RITM's filtered MMIO page), so the access meets a level-3 translation fault (DFSC 0x07).
//
// Left out on purpose, where QEMU 7.2 (measured with this harness) is no architectural reference:
// - DC CVAP/CVADP: QEMU probes the cache line as a read, so it reports CM = 0, WnR = 0 and FAR =
//   Xt aligned down to the 64-byte line; the Arm ARM wants CM = 1, WnR = 1 and FAR = Xt.
// - Store-exclusives with the monitor armed: QEMU (one vCPU, so no CF_PARALLEL) expands the
//   compare-and-swap as a load then a store, and the abort reports WnR = 0; the Arm ARM says 1.
// - LDLAR/STLLR: QEMU reports AR = 0. They have LOAcquire/LORelease semantics, and whether the
//   Arm ARM then wants AR = 1 is not settled, so they prove nothing either way.
// - Unaligned accesses with the MMU off: stage 1 off makes them Device-nGnRnE accesses, so the Arm
//   ARM raises an Alignment fault at EL1 first; QEMU 7.2 checks nothing and reports the stage-2 fault.
// - Faults on a stage-1 table walk (S1PTW = 1): QEMU before 8.1 puts the stage-1 level in DFSC.
// - Synchronous External aborts (ISV = 0 by FEAT_RAS): nothing on QEMU virt raises one where we aim.
// Not reachable: LDR/PRFM (literal) are PC-relative, and no code runs near the trapped page.
// Store-exclusives stay in the corpus with the monitor clear: neither QEMU nor unicorn accesses
// memory then (whether it faults is IMPLEMENTATION DEFINED), so no abort is expected.

/** One general-purpose register set before the instruction runs (every other one is zero). */
export type RegisterSetup = Readonly<{ reg: number; value: bigint }>;

export type CorpusEntry = Readonly<{
  asm: string;
  setup: readonly RegisterSetup[];
  /** The guest's stage-1 MMU is on (see MMU_VA_PAGES); otherwise VA = IPA. */
  mmu?: boolean;
}>;

/** The trapped IPA page: RITM's filtered MMIO page, an invalid level-3 entry in stage 2. */
export const TRAPPED_IPA = 0x0f00_0000n;
export const PAGE_SIZE = 0x1000n;

/** The VA pages the MMU-on entries reach, and where stage 1 sends them. */
export const MMU_VA_BASE = 0x1_0000_0000n;
export type MmuVaPage = Readonly<{ va: bigint; target: 'trapped' | 'scratch' }>;
export const MMU_VA_PAGES: readonly MmuVaPage[] = [
  { va: MMU_VA_BASE, target: 'trapped' },
  // A mapped RAM page, so an access can start in it and cross into the trapped page above.
  { va: MMU_VA_BASE + 0x1000n, target: 'scratch' },
  { va: MMU_VA_BASE + 0x2000n, target: 'trapped' },
];

/** X registers 0..30; XZR has no setup. */
type Registers = Readonly<Record<number, bigint>>;

function entry(asm: string, regs: Registers, options: { mmu?: boolean } = {}): CorpusEntry {
  const setup = Object.entries(regs).map(([reg, value]) => ({ reg: Number(reg), value: BigInt.asUintN(64, value) }));
  return options.mmu ? { asm, setup, mmu: true } : { asm, setup };
}

const T = TRAPPED_IPA;
const V = MMU_VA_BASE;
/** A 32-bit register value for W-register index and offset operands. */
const w = (n: bigint): bigint => BigInt.asUintN(32, n);

const GPR_SINGLE: readonly CorpusEntry[] = [
  // Unsigned offset, every size, at page offsets 0, 8 and 0xff8.
  entry('ldr x0, [x1]', { 1: T }),
  entry('ldr x19, [x0]', { 0: T }),
  entry('str x28, [x0]', { 0: T }),
  entry('ldr w0, [x1]', { 1: T }),
  entry('ldrb w2, [x3, #0xff8]', { 3: T }),
  entry('ldrh w4, [x5, #8]', { 5: T }),
  entry('ldr w6, [x7, #0xff8]', { 7: T }),
  entry('ldr x8, [x9, #0xff8]', { 9: T }),
  entry('strb w10, [x11, #8]', { 11: T }),
  entry('strh w12, [x13, #0xff8]', { 13: T }),
  entry('str w14, [x15, #8]', { 15: T }),
  entry('str x16, [x17, #0xff8]', { 17: T }),
  entry('str xzr, [x18]', { 18: T }),
  entry('ldr xzr, [x20, #8]', { 20: T }),
  entry('strb wzr, [x21]', { 21: T }),
  entry('ldrsb w22, [x23, #8]', { 23: T }),
  entry('ldrsb x24, [x25]', { 25: T }),
  entry('ldrsh w26, [x27, #0xff8]', { 27: T }),
  entry('ldrsh x29, [x30]', { 30: T }),
  entry('ldrsw x30, [x29, #8]', { 29: T }),
  entry('ldrsw x1, [x2, #0xff8]', { 2: T }),
  // Unscaled immediate, negative offsets.
  entry('ldur x3, [x4, #-8]', { 4: T + 0x100n }),
  entry('ldur w5, [x6, #-256]', { 6: T + 0x100n }),
  entry('ldurb w7, [x8, #-1]', { 8: T + 0x10n }),
  entry('ldurh w9, [x10, #254]', { 10: T }),
  entry('ldursb x11, [x12, #-16]', { 12: T + 0x20n }),
  entry('ldursh w13, [x14, #-2]', { 14: T + 0x10n }),
  entry('ldursw x15, [x16, #-4]', { 16: T + 0x10n }),
  entry('stur x17, [x18, #-8]', { 18: T + 0x100n }),
  entry('sturb w19, [x20, #-255]', { 20: T + 0x100n }),
  entry('sturh w21, [x22, #-2]', { 22: T + 0x100n }),
  entry('stur w23, [x24, #-4]', { 24: T + 0x100n }),
  entry('stur xzr, [x25, #-8]', { 25: T + 0x100n }),
  // Pre-index.
  entry('ldr x26, [x27, #8]!', { 27: T }),
  entry('ldr w28, [x29, #-8]!', { 29: T + 0x100n }),
  entry('ldrb w30, [x0, #1]!', { 0: T }),
  entry('ldrh w1, [x2, #2]!', { 2: T }),
  entry('ldrsb x3, [x4, #-1]!', { 4: T + 0x10n }),
  entry('ldrsh w5, [x6, #-2]!', { 6: T + 0x10n }),
  entry('ldrsw x7, [x8, #4]!', { 8: T }),
  entry('str x9, [x10, #-16]!', { 10: T + 0x100n }),
  entry('strb w11, [x12, #255]!', { 12: T }),
  entry('strh w13, [x14, #-256]!', { 14: T + 0x200n }),
  entry('str w15, [x16, #16]!', { 16: T }),
  // Post-index.
  entry('ldr x17, [x18], #8', { 18: T }),
  entry('ldr w19, [x20], #-4', { 20: T + 0xff8n }),
  entry('ldrb w21, [x22], #1', { 22: T }),
  entry('ldrh w23, [x24], #-2', { 24: T + 8n }),
  entry('ldrsb w25, [x26], #255', { 26: T }),
  entry('ldrsh x27, [x28], #2', { 28: T }),
  entry('ldrsw x29, [x30], #-4', { 30: T + 8n }),
  entry('str x30, [x0], #8', { 0: T }),
  entry('strb w1, [x2], #-1', { 2: T + 0xff8n }),
  entry('strh w3, [x4], #2', { 4: T }),
  entry('str w5, [x6], #-256', { 6: T + 0x100n }),
  entry('str xzr, [x7], #8', { 7: T }),
  // Register offset, with LSL, UXTW, SXTW and SXTX, including negative indexes.
  entry('ldr x8, [x9, x10]', { 9: T, 10: 0x10n }),
  entry('ldr x11, [x12, x13, lsl #3]', { 12: T, 13: 1n }),
  entry('ldr w14, [x15, w16, uxtw]', { 15: T, 16: 8n }),
  entry('ldr w17, [x18, w19, uxtw #2]', { 18: T, 19: 0x3fen }),
  entry('ldrb w20, [x21, x22]', { 21: T, 22: 0xff8n }),
  entry('ldrb w23, [x24, w25, sxtw]', { 24: T + 0x100n, 25: w(-0x100n) }),
  entry('ldrh w26, [x27, x28, lsl #1]', { 27: T, 28: 0x7fcn }),
  entry('ldrsh x29, [x30, w0, sxtw #1]', { 30: T + 0x10n, 0: w(-4n) }),
  entry('ldrsb w1, [x2, x3]', { 2: T, 3: 8n }),
  entry('ldrsw x4, [x5, x6, lsl #2]', { 5: T, 6: 2n }),
  entry('ldr x7, [x8, x9, sxtx]', { 8: T + 0x10n, 9: -8n }),
  entry('str x10, [x11, x12, lsl #3]', { 11: T, 12: 0x1ffn }),
  entry('strb w13, [x14, x15]', { 14: T, 15: 0n }),
  entry('strh w16, [x17, w18, uxtw #1]', { 17: T, 18: 4n }),
  entry('str w19, [x20, x21]', { 20: T + 0x800n, 21: -0x800n }),
  entry('str xzr, [x22, x23]', { 22: T, 23: 8n }),
  entry('ldr xzr, [x24, x25]', { 24: T, 25: 0xff8n }),
  // LDRAA/LDRAB with pointer authentication disabled (SCTLR_EL1.EnDA/EnDB = 0): no check, no trap.
  entry('ldraa x0, [x1]', { 1: T }),
  entry('ldrab x2, [x3, #-8]', { 3: T + 0x10n }),
  entry('ldraa x4, [x5, #8]!', { 5: T }),
];

const GPR_UNPRIVILEGED: readonly CorpusEntry[] = [
  entry('ldtr x26, [x27]', { 27: T }),
  entry('ldtr w28, [x29, #8]', { 29: T }),
  entry('ldtrb w30, [x0, #-8]', { 0: T + 0x10n }),
  entry('ldtrh w1, [x2, #254]', { 2: T }),
  entry('ldtrsb w3, [x4]', { 4: T }),
  entry('ldtrsb x5, [x6, #1]', { 6: T }),
  entry('ldtrsh w7, [x8, #2]', { 8: T }),
  entry('ldtrsh x9, [x10, #-2]', { 10: T + 0x10n }),
  entry('ldtrsw x11, [x12, #4]', { 12: T }),
  entry('sttr x13, [x14, #-8]', { 14: T + 0x100n }),
  entry('sttr w15, [x16]', { 16: T }),
  entry('sttrb w17, [x18, #255]', { 18: T }),
  entry('sttrh w19, [x20, #-256]', { 20: T + 0x100n }),
  entry('sttr xzr, [x21]', { 21: T }),
];

const GPR_PAIR: readonly CorpusEntry[] = [
  entry('ldp x22, x23, [x24]', { 24: T }),
  entry('ldp w25, w26, [x27, #8]', { 27: T }),
  entry('ldp x28, x29, [x30, #-16]', { 30: T + 0x100n }),
  entry('ldp x0, x1, [x2, #16]!', { 2: T }),
  entry('ldp w3, w4, [x5], #-8', { 5: T + 0x100n }),
  entry('stp x6, x7, [x8, #0xf0]', { 8: T + 0xf00n }),
  entry('stp w9, w10, [x11, #-8]!', { 11: T + 0x100n }),
  entry('stp x12, x13, [x14], #16', { 14: T }),
  entry('stp xzr, xzr, [x15]', { 15: T }),
  entry('ldpsw x16, x17, [x18]', { 18: T }),
  entry('ldpsw x19, x20, [x21, #8]!', { 21: T }),
  entry('ldpsw x22, x23, [x24], #-8', { 24: T + 0x100n }),
  entry('ldnp x25, x26, [x27, #16]', { 27: T }),
  entry('ldnp w28, w29, [x30, #-8]', { 30: T + 0x100n }),
  entry('stnp x0, x1, [x2]', { 2: T }),
  entry('stnp w3, w4, [x5, #4]', { 5: T }),
  entry('ldp x9, x10, [x11, #0xf8]', { 11: T + 0xf00n }),
];

const EXCLUSIVE_AND_ORDERED: readonly CorpusEntry[] = [
  entry('ldxr x12, [x13]', { 13: T }),
  entry('ldxr w14, [x15]', { 15: T + 8n }),
  entry('ldxrb w16, [x17]', { 17: T + 0xff8n }),
  entry('ldxrh w18, [x19]', { 19: T }),
  entry('ldaxr x20, [x21]', { 21: T }),
  entry('ldaxrb w22, [x23]', { 23: T }),
  entry('ldaxrh w24, [x25]', { 25: T }),
  entry('ldaxr w26, [x27]', { 27: T }),
  entry('ldxp x28, x29, [x30]', { 30: T }),
  entry('ldxp w0, w1, [x2]', { 2: T + 8n }),
  entry('ldaxp x3, x4, [x5]', { 5: T + 0xff0n }),
  entry('ldaxp w6, w7, [x8]', { 8: T }),
  // Monitor clear: no access, no abort (see the top of this file).
  entry('stxr w9, x10, [x11]', { 11: T }),
  entry('stlxr w12, w13, [x14]', { 14: T }),
  entry('stxrb w15, w16, [x17]', { 17: T }),
  entry('stlxrh w18, w19, [x20]', { 20: T }),
  entry('stxp w21, x22, x23, [x24]', { 24: T }),
  entry('stlxp w25, w26, w27, [x28]', { 28: T }),
  entry('ldar x29, [x30]', { 30: T }),
  entry('ldar w0, [x1]', { 1: T + 8n }),
  entry('ldarb w2, [x3]', { 3: T }),
  entry('ldarh w4, [x5]', { 5: T + 0xff8n }),
  entry('stlr x6, [x7]', { 7: T }),
  entry('stlr w8, [x9]', { 9: T }),
  entry('stlrb w10, [x11]', { 11: T }),
  entry('stlrh w12, [x13]', { 13: T }),
  entry('stlr xzr, [x14]', { 14: T }),
  entry('ldar xzr, [x15]', { 15: T }),
];

const RCPC: readonly CorpusEntry[] = [
  entry('ldapr x16, [x17]', { 17: T }),
  entry('ldapr w18, [x19]', { 19: T + 8n }),
  entry('ldaprb w20, [x21]', { 21: T }),
  entry('ldaprh w22, [x23]', { 23: T }),
  entry('ldapur x24, [x25, #-8]', { 25: T + 0x10n }),
  entry('ldapur w26, [x27, #8]', { 27: T }),
  entry('ldapurb w28, [x29, #1]', { 29: T }),
  entry('ldapurh w30, [x0, #-2]', { 0: T + 0x10n }),
  entry('ldapursb w1, [x2]', { 2: T }),
  entry('ldapursb x3, [x4, #3]', { 4: T }),
  entry('ldapursh w5, [x6, #-4]', { 6: T + 0x10n }),
  entry('ldapursh x7, [x8, #6]', { 8: T }),
  entry('ldapursw x9, [x10, #-8]', { 10: T + 0x10n }),
  entry('stlur x11, [x12, #8]', { 12: T }),
  entry('stlur w13, [x14, #-4]', { 14: T + 0x10n }),
  entry('stlurb w15, [x16, #255]', { 16: T }),
  entry('stlurh w17, [x18, #-256]', { 18: T + 0x100n }),
];

const ATOMIC: readonly CorpusEntry[] = [
  entry('ldadd x19, x20, [x21]', { 21: T }),
  entry('ldadda w22, w23, [x24]', { 24: T + 8n }),
  entry('ldaddal x25, x26, [x27]', { 27: T }),
  entry('ldaddl w28, w29, [x30]', { 30: T }),
  entry('ldaddb w0, w1, [x2]', { 2: T }),
  entry('ldaddh w3, w4, [x5]', { 5: T + 0xff8n }),
  entry('ldclr x6, x7, [x8]', { 8: T }),
  entry('ldclral w9, w10, [x11]', { 11: T }),
  entry('ldeor x12, x13, [x14]', { 14: T }),
  entry('ldeorab w15, w16, [x17]', { 17: T }),
  entry('ldset x18, x19, [x20]', { 20: T }),
  entry('ldsetlh w21, w22, [x23]', { 23: T }),
  entry('ldsmax x24, x25, [x26]', { 26: T }),
  entry('ldsmin w27, w28, [x29]', { 29: T }),
  entry('ldumax x30, x0, [x1]', { 1: T }),
  entry('ldumin w2, w3, [x4]', { 4: T }),
  entry('stadd x5, [x6]', { 6: T }),
  entry('stclrl w7, [x8]', { 8: T }),
  entry('steorb w9, [x10]', { 10: T }),
  entry('stseth w11, [x12]', { 12: T }),
  entry('stsmax x13, [x14]', { 14: T }),
  entry('swp x15, x16, [x17]', { 17: T }),
  entry('swpa w18, w19, [x20]', { 20: T }),
  entry('swpal x21, x22, [x23]', { 23: T }),
  entry('swpb w24, w25, [x26]', { 26: T }),
  entry('swplh w27, w28, [x29]', { 29: T }),
  entry('cas x30, x0, [x1]', { 1: T }),
  entry('casa w2, w3, [x4]', { 4: T }),
  entry('casal x5, x6, [x7]', { 7: T }),
  entry('casl w8, w9, [x10]', { 10: T }),
  entry('casb w11, w12, [x13]', { 13: T }),
  entry('casah w14, w15, [x16]', { 16: T }),
  entry('casp x18, x19, x20, x21, [x22]', { 22: T }),
  entry('caspal w24, w25, w26, w27, [x28]', { 28: T + 8n }),
  entry('caspa x0, x1, x2, x3, [x4]', { 4: T + 0xff0n }),
];

const SIMD_FP_REGISTER: readonly CorpusEntry[] = [
  entry('ldr b0, [x1]', { 1: T }),
  entry('ldr h1, [x2, #8]', { 2: T }),
  entry('ldr s2, [x3, #0xff8]', { 3: T }),
  entry('ldr d3, [x4, #8]', { 4: T }),
  entry('ldr q4, [x5]', { 5: T }),
  entry('ldr q5, [x6, #0xff0]', { 6: T }),
  entry('str b6, [x7, #1]', { 7: T }),
  entry('str h7, [x8, #-2]!', { 8: T + 0x10n }),
  entry('str s8, [x9], #4', { 9: T }),
  entry('str d9, [x10, x11, lsl #3]', { 10: T, 11: 1n }),
  entry('str q10, [x12, #16]', { 12: T }),
  entry('ldur q11, [x13, #-16]', { 13: T + 0x100n }),
  entry('ldur d12, [x14, #-8]', { 14: T + 0x100n }),
  entry('ldr s13, [x15, w16, uxtw #2]', { 15: T, 16: 0x3fen }),
  entry('ldr q14, [x17], #16', { 17: T }),
  entry('ldr d15, [x18, #8]!', { 18: T }),
  entry('stur s16, [x19, #-4]', { 19: T + 0x10n }),
  // Pairs.
  entry('ldp s17, s18, [x20]', { 20: T }),
  entry('ldp d19, d20, [x21, #16]', { 21: T }),
  entry('ldp q21, q22, [x22, #-32]', { 22: T + 0x100n }),
  entry('stp s23, s24, [x23], #8', { 23: T }),
  entry('stp d25, d26, [x24, #-16]!', { 24: T + 0x100n }),
  entry('stp q27, q28, [x25]', { 25: T + 0xfe0n }),
  entry('ldnp d29, d30, [x26]', { 26: T }),
  entry('stnp q0, q1, [x27, #32]', { 27: T }),
  entry('ldnp s2, s3, [x28, #-8]', { 28: T + 0x10n }),
];

const SIMD_STRUCTURE: readonly CorpusEntry[] = [
  // Multiple structures, with immediate and register post-index.
  entry('ld1 {v0.16b}, [x0]', { 0: T }),
  entry('ld1 {v1.8h, v2.8h}, [x1]', { 1: T + 0x100n }),
  entry('ld1 {v3.4s, v4.4s, v5.4s}, [x2]', { 2: T }),
  entry('ld1 {v6.2d, v7.2d, v8.2d, v9.2d}, [x3]', { 3: T + 0xfc0n }),
  entry('ld1 {v10.8b}, [x4], #8', { 4: T }),
  entry('ld1 {v11.4h, v12.4h}, [x5], x6', { 5: T, 6: 16n }),
  entry('ld2 {v13.4s, v14.4s}, [x7]', { 7: T }),
  entry('ld2 {v15.8b, v16.8b}, [x8], #16', { 8: T }),
  entry('ld3 {v17.8h, v18.8h, v19.8h}, [x9]', { 9: T }),
  entry('ld3 {v20.2s, v21.2s, v22.2s}, [x10], #24', { 10: T + 0x8n }),
  entry('ld4 {v23.16b, v24.16b, v25.16b, v26.16b}, [x11]', { 11: T }),
  entry('ld4 {v27.2d, v28.2d, v29.2d, v30.2d}, [x12], x13', { 12: T, 13: 64n }),
  entry('st1 {v31.16b}, [x14]', { 14: T }),
  entry('st1 {v0.2d, v1.2d}, [x15], #32', { 15: T }),
  entry('st2 {v2.8h, v3.8h}, [x16]', { 16: T + 0xfe0n }),
  entry('st3 {v4.4s, v5.4s, v6.4s}, [x17], #48', { 17: T }),
  entry('st4 {v7.8b, v8.8b, v9.8b, v10.8b}, [x18]', { 18: T }),
  entry('st4 {v11.4s, v12.4s, v13.4s, v14.4s}, [x19], x20', { 19: T, 20: 64n }),
  // Single structure and replicate, with post-index.
  entry('ld1 {v15.b}[3], [x21]', { 21: T }),
  entry('ld1 {v16.h}[2], [x22], #2', { 22: T }),
  entry('ld1 {v17.s}[1], [x23]', { 23: T + 0xff8n }),
  entry('ld1 {v18.d}[1], [x24], x25', { 24: T, 25: 8n }),
  entry('ld2 {v19.s, v20.s}[0], [x26]', { 26: T }),
  entry('ld3 {v21.h, v22.h, v23.h}[7], [x27], #6', { 27: T }),
  entry('ld4 {v24.d, v25.d, v26.d, v27.d}[0], [x28]', { 28: T }),
  entry('ld1r {v28.4s}, [x29]', { 29: T }),
  entry('ld2r {v29.8b, v30.8b}, [x30], #2', { 30: T }),
  entry('ld3r {v0.2d, v1.2d, v2.2d}, [x0]', { 0: T }),
  entry('ld4r {v3.8h, v4.8h, v5.8h, v6.8h}, [x1], x2', { 1: T, 2: 8n }),
  entry('st1 {v7.b}[15], [x3]', { 3: T + 8n }),
  entry('st1 {v8.d}[0], [x4], #8', { 4: T }),
  entry('st2 {v9.h, v10.h}[4], [x5]', { 5: T }),
  entry('st3 {v11.s, v12.s, v13.s}[3], [x6], #12', { 6: T }),
  entry('st4 {v14.b, v15.b, v16.b, v17.b}[9], [x7]', { 7: T }),
];

const CACHE_AND_PREFETCH: readonly CorpusEntry[] = [
  // DC ZVA reports Xt itself, not the block it zeroes.
  entry('dc zva, x8', { 8: T + 0x40n }),
  entry('dc zva, x9', { 9: T + 0x8cn }),
  // Never fault: QEMU treats them as NOPs (the Arm ARM allows it for DC by VA to a faulting
  // stage-2 page only as IMPLEMENTATION DEFINED; PRFM never faults).
  entry('dc civac, x10', { 10: T }),
  entry('dc cvac, x11', { 11: T + 8n }),
  entry('prfm pldl1keep, [x12]', { 12: T }),
  entry('prfm pstl2strm, [x13, #8]', { 13: T }),
  entry('prfum pldl3keep, [x14, #-8]', { 14: T + 0x10n }),
  entry('prfm pldl1keep, [x15, x16]', { 15: T, 16: 0xff8n }),
];

/** With the MMU on, VA 0x1_0000_0000 reaches the trapped IPA: FAR holds the VA, HPFAR the IPA. */
const MMU_ON: readonly CorpusEntry[] = [
  entry('ldr x0, [x1]', { 1: V }, { mmu: true }),
  entry('str w2, [x3, #8]', { 3: V }, { mmu: true }),
  entry('ldrb w4, [x5, #0xff8]', { 5: V }, { mmu: true }),
  entry('ldp x6, x7, [x8, #-16]', { 8: V + 0x100n }, { mmu: true }),
  entry('ld1 {v0.16b}, [x9]', { 9: V }, { mmu: true }),
  entry('ldtr x10, [x11]', { 11: V + 0x2000n }, { mmu: true }),
  entry('ldadd w12, w13, [x14]', { 14: V + 0x2008n }, { mmu: true }),
  entry('dc zva, x15', { 15: V + 0x80n }, { mmu: true }),
  entry('ldar x23, [x24]', { 24: V }, { mmu: true }),
  entry('str x25, [x26, #0xf8]!', { 26: V + 0xf00n }, { mmu: true }),
  entry('ldr w29, [x30, #8]', { 30: V + 0x2000n }, { mmu: true }),
  entry('dc civac, x22', { 22: V }, { mmu: true }),
  // Unaligned, from the mapped scratch page into the trapped page: FAR is the first trapped byte.
  entry('ldr x16, [x17]', { 17: V + 0x1ffcn }, { mmu: true }),
  entry('str x27, [x28]', { 28: V + 0x1ffan }, { mmu: true }),
  entry('stp x18, x19, [x20]', { 20: V + 0x1ff8n }, { mmu: true }),
  entry('ld1 {v1.16b, v2.16b}, [x21]', { 21: V + 0x1ff0n }, { mmu: true }),
];

export const CORPUS: readonly CorpusEntry[] = [
  ...GPR_SINGLE,
  ...GPR_UNPRIVILEGED,
  ...GPR_PAIR,
  ...EXCLUSIVE_AND_ORDERED,
  ...RCPC,
  ...ATOMIC,
  ...SIMD_FP_REGISTER,
  ...SIMD_STRUCTURE,
  ...CACHE_AND_PREFETCH,
  ...MMU_ON,
];
