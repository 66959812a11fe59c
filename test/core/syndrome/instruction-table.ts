// Real instructions with the data access and stage-2 data-abort ISS the Arm ARM gives them, written
// out by hand (ARM DDI 0487: C6/C7 instruction pages for addresses and sizes; D23 ESR_EL2 "ISS
// encoding for an exception from a Data Abort" for ISV: single general-purpose register loads and
// stores incl. acquire/release, excluding exclusives and writeback; QEMU 7.2 translate-a64.c for
// LDTR/STTR, LDAPR, LDLAR/STLLR AR = 0 and LSE WnR = 0). Nothing here is computed by the code under test.

/** The registers every row decodes against. */
export const X: Readonly<Record<number, bigint>> = {
  0: 0x0f00_0000n,
  1: 0x4000_1000n,
  2: 0x10n,
  3: 0xffff_ffff_ffff_fff8n, // -8
  4: 0xffff_fffcn, // W4 = -4
  5: 0x4700_0000n,
};
/** X6..X30 hold 0x5000_0000 + n * 0x100. */
export const xValue = (n: number): bigint => X[n] ?? 0x5000_0000n + BigInt(n) * 0x100n;
export const SP = 0x4010_0000n;
export const PC = 0x4008_0000n;

/**
 * Flags that must be true (every other one false): W write, wb writeback, P pair, V simd,
 * X exclusive, A atomic, U unprivileged, CM cacheMaintenance, PF prefetch, NF neverFaults,
 * S signExtend, 64 dest64, AR acquireRelease.
 */
export type FlagName = 'W' | 'wb' | 'P' | 'V' | 'X' | 'A' | 'U' | 'CM' | 'PF' | 'NF' | 'S' | '64' | 'AR';

/** ISS fields for DFSC 0x07, S1PTW 0: [ISV, SAS, SSE, SRT, SF, AR, WnR, CM]. */
export type IssFields = readonly [isv: number, sas: number, sse: number, srt: number, sf: number, ar: number, wnr: number, cm: number];

export type Row = Readonly<{
  asm: string;
  cls: string;
  addr: bigint;
  /** FAR when it differs from addr (DC ZVA). */
  far?: bigint;
  size: number;
  total?: number;
  rt: number;
  rt2?: number;
  rs?: number;
  flags: string;
  iss: IssFields;
}>;

const NO_ISS_READ: IssFields = [0, 0, 0, 0, 0, 0, 0, 0];
const NO_ISS_WRITE: IssFields = [0, 0, 0, 0, 0, 0, 1, 0];
const CM_ISS: IssFields = [0, 0, 0, 0, 0, 0, 1, 1];

const LSR = 'load-store-register';

export const ROWS: readonly Row[] = [
  // The worked values of el2-model.md.
  { asm: 'ldr x0, [x1]', cls: LSR, addr: 0x4000_1000n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldr x19, [x0]', cls: LSR, addr: 0x0f00_0000n, size: 8, rt: 19, flags: '64', iss: [1, 3, 0, 19, 1, 0, 0, 0] },
  { asm: 'str x28, [x0]', cls: LSR, addr: 0x0f00_0000n, size: 8, rt: 28, flags: 'W 64', iss: [1, 3, 0, 28, 1, 0, 1, 0] },
  { asm: 'ldr w0, [x1]', cls: LSR, addr: 0x4000_1000n, size: 4, rt: 0, flags: '', iss: [1, 2, 0, 0, 0, 0, 0, 0] },
  // Unsigned offset.
  { asm: 'ldrb w2, [x1, #4095]', cls: LSR, addr: 0x4000_1fffn, size: 1, rt: 2, flags: '', iss: [1, 0, 0, 2, 0, 0, 0, 0] },
  { asm: 'ldrh w3, [x1, #2]', cls: LSR, addr: 0x4000_1002n, size: 2, rt: 3, flags: '', iss: [1, 1, 0, 3, 0, 0, 0, 0] },
  { asm: 'ldr w4, [sp, #16]', cls: LSR, addr: 0x4010_0010n, size: 4, rt: 4, flags: '', iss: [1, 2, 0, 4, 0, 0, 0, 0] },
  { asm: 'ldr x5, [x1, #32760]', cls: LSR, addr: 0x4000_8ff8n, size: 8, rt: 5, flags: '64', iss: [1, 3, 0, 5, 1, 0, 0, 0] },
  { asm: 'strb w6, [x1, #1]', cls: LSR, addr: 0x4000_1001n, size: 1, rt: 6, flags: 'W', iss: [1, 0, 0, 6, 0, 0, 1, 0] },
  { asm: 'strh w7, [x1, #4]', cls: LSR, addr: 0x4000_1004n, size: 2, rt: 7, flags: 'W', iss: [1, 1, 0, 7, 0, 0, 1, 0] },
  { asm: 'str w8, [x1, #8]', cls: LSR, addr: 0x4000_1008n, size: 4, rt: 8, flags: 'W', iss: [1, 2, 0, 8, 0, 0, 1, 0] },
  { asm: 'str xzr, [x1]', cls: LSR, addr: 0x4000_1000n, size: 8, rt: 31, flags: 'W 64', iss: [1, 3, 0, 31, 1, 0, 1, 0] },
  { asm: 'str wzr, [sp]', cls: LSR, addr: 0x4010_0000n, size: 4, rt: 31, flags: 'W', iss: [1, 2, 0, 31, 0, 0, 1, 0] },
  { asm: 'ldrsb x9, [x1, #3]', cls: LSR, addr: 0x4000_1003n, size: 1, rt: 9, flags: 'S 64', iss: [1, 0, 1, 9, 1, 0, 0, 0] },
  { asm: 'ldrsb w9, [x1, #3]', cls: LSR, addr: 0x4000_1003n, size: 1, rt: 9, flags: 'S', iss: [1, 0, 1, 9, 0, 0, 0, 0] },
  { asm: 'ldrsh x10, [x1, #6]', cls: LSR, addr: 0x4000_1006n, size: 2, rt: 10, flags: 'S 64', iss: [1, 1, 1, 10, 1, 0, 0, 0] },
  { asm: 'ldrsh w10, [x1, #6]', cls: LSR, addr: 0x4000_1006n, size: 2, rt: 10, flags: 'S', iss: [1, 1, 1, 10, 0, 0, 0, 0] },
  { asm: 'ldrsw x11, [x1, #12]', cls: LSR, addr: 0x4000_100cn, size: 4, rt: 11, flags: 'S 64', iss: [1, 2, 1, 11, 1, 0, 0, 0] },
  { asm: 'ldr x30, [x0, #8]', cls: LSR, addr: 0x0f00_0008n, size: 8, rt: 30, flags: '64', iss: [1, 3, 0, 30, 1, 0, 0, 0] },
  // Unscaled immediate.
  { asm: 'ldur x0, [x1, #-8]', cls: LSR, addr: 0x4000_0ff8n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldur w1, [x1, #255]', cls: LSR, addr: 0x4000_10ffn, size: 4, rt: 1, flags: '', iss: [1, 2, 0, 1, 0, 0, 0, 0] },
  { asm: 'sturb w2, [x1, #-256]', cls: LSR, addr: 0x4000_0f00n, size: 1, rt: 2, flags: 'W', iss: [1, 0, 0, 2, 0, 0, 1, 0] },
  { asm: 'sturh w3, [x1, #-1]', cls: LSR, addr: 0x4000_0fffn, size: 2, rt: 3, flags: 'W', iss: [1, 1, 0, 3, 0, 0, 1, 0] },
  { asm: 'stur x4, [sp, #-16]', cls: LSR, addr: 0x400f_fff0n, size: 8, rt: 4, flags: 'W 64', iss: [1, 3, 0, 4, 1, 0, 1, 0] },
  { asm: 'ldursb w5, [x1, #1]', cls: LSR, addr: 0x4000_1001n, size: 1, rt: 5, flags: 'S', iss: [1, 0, 1, 5, 0, 0, 0, 0] },
  { asm: 'ldursh x6, [x1, #-2]', cls: LSR, addr: 0x4000_0ffen, size: 2, rt: 6, flags: 'S 64', iss: [1, 1, 1, 6, 1, 0, 0, 0] },
  { asm: 'ldursw x7, [x1, #4]', cls: LSR, addr: 0x4000_1004n, size: 4, rt: 7, flags: 'S 64', iss: [1, 2, 1, 7, 1, 0, 0, 0] },
  { asm: 'ldurb w8, [x1]', cls: LSR, addr: 0x4000_1000n, size: 1, rt: 8, flags: '', iss: [1, 0, 0, 8, 0, 0, 0, 0] },
  // Post-index: the old base is accessed; writeback means ISV = 0.
  { asm: 'ldr x0, [x1], #8', cls: LSR, addr: 0x4000_1000n, size: 8, rt: 0, flags: 'wb 64', iss: NO_ISS_READ },
  { asm: 'str w3, [x6], #4', cls: LSR, addr: 0x5000_0600n, size: 4, rt: 3, flags: 'W wb', iss: NO_ISS_WRITE },
  { asm: 'ldrb w2, [x1], #-1', cls: LSR, addr: 0x4000_1000n, size: 1, rt: 2, flags: 'wb', iss: NO_ISS_READ },
  { asm: 'ldrsh x2, [x1], #2', cls: LSR, addr: 0x4000_1000n, size: 2, rt: 2, flags: 'wb S 64', iss: NO_ISS_READ },
  { asm: 'strh w2, [sp], #-16', cls: LSR, addr: 0x4010_0000n, size: 2, rt: 2, flags: 'W wb', iss: NO_ISS_WRITE },
  // Pre-index: the updated base is accessed.
  { asm: 'ldr x0, [x1, #16]!', cls: LSR, addr: 0x4000_1010n, size: 8, rt: 0, flags: 'wb 64', iss: NO_ISS_READ },
  { asm: 'str x0, [sp, #-16]!', cls: LSR, addr: 0x400f_fff0n, size: 8, rt: 0, flags: 'W wb 64', iss: NO_ISS_WRITE },
  { asm: 'ldrsw x2, [x1, #-4]!', cls: LSR, addr: 0x4000_0ffcn, size: 4, rt: 2, flags: 'wb S 64', iss: NO_ISS_READ },
  { asm: 'strb w0, [x1, #255]!', cls: LSR, addr: 0x4000_10ffn, size: 1, rt: 0, flags: 'W wb', iss: NO_ISS_WRITE },
  { asm: 'ldrsb w0, [x1, #-256]!', cls: LSR, addr: 0x4000_0f00n, size: 1, rt: 0, flags: 'wb S', iss: NO_ISS_READ },
  // Register offset.
  { asm: 'ldr x0, [x1, x2]', cls: LSR, addr: 0x4000_1010n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldr x0, [x1, x2, lsl #3]', cls: LSR, addr: 0x4000_1080n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldr w0, [x1, w4, sxtw #2]', cls: LSR, addr: 0x4000_0ff0n, size: 4, rt: 0, flags: '', iss: [1, 2, 0, 0, 0, 0, 0, 0] },
  { asm: 'ldr x0, [x1, w4, sxtw #3]', cls: LSR, addr: 0x4000_0fe0n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldr x0, [x1, w4, uxtw]', cls: LSR, addr: 0x1_4000_0ffcn, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldr x0, [x1, w4, uxtw #3]', cls: LSR, addr: 0x8_4000_0fe0n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'str w0, [x1, x3]', cls: LSR, addr: 0x4000_0ff8n, size: 4, rt: 0, flags: 'W', iss: [1, 2, 0, 0, 0, 0, 1, 0] },
  { asm: 'strb w0, [x1, x3, sxtx]', cls: LSR, addr: 0x4000_0ff8n, size: 1, rt: 0, flags: 'W', iss: [1, 0, 0, 0, 0, 0, 1, 0] },
  { asm: 'ldrh w0, [x1, x2, lsl #1]', cls: LSR, addr: 0x4000_1020n, size: 2, rt: 0, flags: '', iss: [1, 1, 0, 0, 0, 0, 0, 0] },
  { asm: 'ldrsb x0, [x1, x2]', cls: LSR, addr: 0x4000_1010n, size: 1, rt: 0, flags: 'S 64', iss: [1, 0, 1, 0, 1, 0, 0, 0] },
  { asm: 'ldrsw x0, [x1, w4, sxtw #2]', cls: LSR, addr: 0x4000_0ff0n, size: 4, rt: 0, flags: 'S 64', iss: [1, 2, 1, 0, 1, 0, 0, 0] },
  { asm: 'ldr x0, [sp, x2]', cls: LSR, addr: 0x4010_0010n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldr x0, [x1, xzr]', cls: LSR, addr: 0x4000_1000n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldrsh w0, [x1, x3, sxtx #1]', cls: LSR, addr: 0x4000_0ff0n, size: 2, rt: 0, flags: 'S', iss: [1, 1, 1, 0, 0, 0, 0, 0] },
  { asm: 'strh wzr, [x1, x2, lsl #1]', cls: LSR, addr: 0x4000_1020n, size: 2, rt: 31, flags: 'W', iss: [1, 1, 0, 31, 0, 0, 1, 0] },
  // Literal: PC-relative.
  { asm: 'ldr x0, .+256', cls: 'load-register-literal', addr: 0x4008_0100n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldr w1, .-4', cls: 'load-register-literal', addr: 0x4007_fffcn, size: 4, rt: 1, flags: '', iss: [1, 2, 0, 1, 0, 0, 0, 0] },
  { asm: 'ldrsw x2, .+1048572', cls: 'load-register-literal', addr: 0x4017_fffcn, size: 4, rt: 2, flags: 'S 64', iss: [1, 2, 1, 2, 1, 0, 0, 0] },
  { asm: 'ldr x3, .-1048576', cls: 'load-register-literal', addr: 0x3ff8_0000n, size: 8, rt: 3, flags: '64', iss: [1, 3, 0, 3, 1, 0, 0, 0] },
  // Unprivileged (QEMU 7.2 and the Arm ARM: ISV = 1).
  { asm: 'ldtr x0, [x1, #8]', cls: 'load-store-unprivileged', addr: 0x4000_1008n, size: 8, rt: 0, flags: 'U 64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldtr w1, [x1, #-4]', cls: 'load-store-unprivileged', addr: 0x4000_0ffcn, size: 4, rt: 1, flags: 'U', iss: [1, 2, 0, 1, 0, 0, 0, 0] },
  { asm: 'sttr x2, [sp]', cls: 'load-store-unprivileged', addr: 0x4010_0000n, size: 8, rt: 2, flags: 'W U 64', iss: [1, 3, 0, 2, 1, 0, 1, 0] },
  { asm: 'sttrb w3, [x1, #255]', cls: 'load-store-unprivileged', addr: 0x4000_10ffn, size: 1, rt: 3, flags: 'W U', iss: [1, 0, 0, 3, 0, 0, 1, 0] },
  { asm: 'sttrh w4, [x1, #-256]', cls: 'load-store-unprivileged', addr: 0x4000_0f00n, size: 2, rt: 4, flags: 'W U', iss: [1, 1, 0, 4, 0, 0, 1, 0] },
  { asm: 'ldtrb w5, [x1]', cls: 'load-store-unprivileged', addr: 0x4000_1000n, size: 1, rt: 5, flags: 'U', iss: [1, 0, 0, 5, 0, 0, 0, 0] },
  { asm: 'ldtrh w6, [x1, #2]', cls: 'load-store-unprivileged', addr: 0x4000_1002n, size: 2, rt: 6, flags: 'U', iss: [1, 1, 0, 6, 0, 0, 0, 0] },
  { asm: 'ldtrsb x7, [x1]', cls: 'load-store-unprivileged', addr: 0x4000_1000n, size: 1, rt: 7, flags: 'U S 64', iss: [1, 0, 1, 7, 1, 0, 0, 0] },
  { asm: 'ldtrsh w8, [x1]', cls: 'load-store-unprivileged', addr: 0x4000_1000n, size: 2, rt: 8, flags: 'U S', iss: [1, 1, 1, 8, 0, 0, 0, 0] },
  { asm: 'ldtrsw x9, [x1, #-4]', cls: 'load-store-unprivileged', addr: 0x4000_0ffcn, size: 4, rt: 9, flags: 'U S 64', iss: [1, 2, 1, 9, 1, 0, 0, 0] },
  // Load-acquire/store-release (ISV = 1, AR = 1); LDLAR/STLLR have AR = 0 (QEMU disas_ldst_excl).
  { asm: 'ldar x0, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 8, rt: 0, flags: 'AR 64', iss: [1, 3, 0, 0, 1, 1, 0, 0] },
  { asm: 'ldar w2, [sp]', cls: 'load-store-ordered', addr: 0x4010_0000n, size: 4, rt: 2, flags: 'AR', iss: [1, 2, 0, 2, 0, 1, 0, 0] },
  { asm: 'ldarb w3, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 1, rt: 3, flags: 'AR', iss: [1, 0, 0, 3, 0, 1, 0, 0] },
  { asm: 'ldarh w4, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 2, rt: 4, flags: 'AR', iss: [1, 1, 0, 4, 0, 1, 0, 0] },
  { asm: 'stlr x5, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 8, rt: 5, flags: 'W AR 64', iss: [1, 3, 0, 5, 1, 1, 1, 0] },
  { asm: 'stlr w6, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 4, rt: 6, flags: 'W AR', iss: [1, 2, 0, 6, 0, 1, 1, 0] },
  { asm: 'stlrb w7, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 1, rt: 7, flags: 'W AR', iss: [1, 0, 0, 7, 0, 1, 1, 0] },
  { asm: 'stlrh wzr, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 2, rt: 31, flags: 'W AR', iss: [1, 1, 0, 31, 0, 1, 1, 0] },
  { asm: 'ldlar x8, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 8, rt: 8, flags: '64', iss: [1, 3, 0, 8, 1, 0, 0, 0] },
  { asm: 'stllr w9, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 4, rt: 9, flags: 'W', iss: [1, 2, 0, 9, 0, 0, 1, 0] },
  { asm: 'ldlarb w10, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 1, rt: 10, flags: '', iss: [1, 0, 0, 10, 0, 0, 0, 0] },
  { asm: 'stllrh w10, [x1]', cls: 'load-store-ordered', addr: 0x4000_1000n, size: 2, rt: 10, flags: 'W', iss: [1, 1, 0, 10, 0, 0, 1, 0] },
  // LDAPR (FEAT_LRCPC; QEMU 7.2: ISV = 1, AR = 1).
  { asm: 'ldapr x0, [x1]', cls: 'load-acquire-rcpc', addr: 0x4000_1000n, size: 8, rt: 0, flags: 'AR 64', iss: [1, 3, 0, 0, 1, 1, 0, 0] },
  { asm: 'ldapr w1, [x1]', cls: 'load-acquire-rcpc', addr: 0x4000_1000n, size: 4, rt: 1, flags: 'AR', iss: [1, 2, 0, 1, 0, 1, 0, 0] },
  { asm: 'ldaprb w2, [sp]', cls: 'load-acquire-rcpc', addr: 0x4010_0000n, size: 1, rt: 2, flags: 'AR', iss: [1, 0, 0, 2, 0, 1, 0, 0] },
  { asm: 'ldaprh w3, [x1]', cls: 'load-acquire-rcpc', addr: 0x4000_1000n, size: 2, rt: 3, flags: 'AR', iss: [1, 1, 0, 3, 0, 1, 0, 0] },
  // LDAPUR/STLUR (FEAT_LRCPC2).
  { asm: 'ldapur x0, [x1, #-3]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_0ffdn, size: 8, rt: 0, flags: 'AR 64', iss: [1, 3, 0, 0, 1, 1, 0, 0] },
  { asm: 'ldapur w1, [x1, #255]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_10ffn, size: 4, rt: 1, flags: 'AR', iss: [1, 2, 0, 1, 0, 1, 0, 0] },
  { asm: 'stlur w2, [sp, #5]', cls: 'load-store-rcpc-unscaled', addr: 0x4010_0005n, size: 4, rt: 2, flags: 'W AR', iss: [1, 2, 0, 2, 0, 1, 1, 0] },
  { asm: 'stlur x3, [x1, #-256]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_0f00n, size: 8, rt: 3, flags: 'W AR 64', iss: [1, 3, 0, 3, 1, 1, 1, 0] },
  { asm: 'stlurb w4, [x1, #1]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_1001n, size: 1, rt: 4, flags: 'W AR', iss: [1, 0, 0, 4, 0, 1, 1, 0] },
  { asm: 'stlurh w5, [x1, #2]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_1002n, size: 2, rt: 5, flags: 'W AR', iss: [1, 1, 0, 5, 0, 1, 1, 0] },
  { asm: 'ldapursb x3, [x1]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_1000n, size: 1, rt: 3, flags: 'S AR 64', iss: [1, 0, 1, 3, 1, 1, 0, 0] },
  { asm: 'ldapursb w3, [x1]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_1000n, size: 1, rt: 3, flags: 'S AR', iss: [1, 0, 1, 3, 0, 1, 0, 0] },
  { asm: 'ldapursh x4, [x1, #2]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_1002n, size: 2, rt: 4, flags: 'S AR 64', iss: [1, 1, 1, 4, 1, 1, 0, 0] },
  { asm: 'ldapursw x5, [x1, #4]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_1004n, size: 4, rt: 5, flags: 'S AR 64', iss: [1, 2, 1, 5, 1, 1, 0, 0] },
  { asm: 'ldapurb w6, [x1]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_1000n, size: 1, rt: 6, flags: 'AR', iss: [1, 0, 0, 6, 0, 1, 0, 0] },
  { asm: 'ldapurh w7, [x1]', cls: 'load-store-rcpc-unscaled', addr: 0x4000_1000n, size: 2, rt: 7, flags: 'AR', iss: [1, 1, 0, 7, 0, 1, 0, 0] },
  // LDRAA/LDRAB (FEAT_PAuth; QEMU disas_ldst_pac: ISV unless writeback, SF = 1).
  { asm: 'ldraa x0, [x1, #-8]', cls: 'load-register-pac', addr: 0x4000_0ff8n, size: 8, rt: 0, flags: '64', iss: [1, 3, 0, 0, 1, 0, 0, 0] },
  { asm: 'ldrab x0, [x1, #16]!', cls: 'load-register-pac', addr: 0x4000_1010n, size: 8, rt: 0, flags: 'wb 64', iss: NO_ISS_READ },
  { asm: 'ldraa x2, [sp, #4088]', cls: 'load-register-pac', addr: 0x4010_0ff8n, size: 8, rt: 2, flags: '64', iss: [1, 3, 0, 2, 1, 0, 0, 0] },
  // Exclusives: never ISV.
  { asm: 'ldxr x0, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 8, rt: 0, flags: 'X 64', iss: NO_ISS_READ },
  { asm: 'ldxr w2, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 4, rt: 2, flags: 'X', iss: NO_ISS_READ },
  { asm: 'ldaxr x3, [sp]', cls: 'load-store-exclusive', addr: 0x4010_0000n, size: 8, rt: 3, flags: 'X AR 64', iss: NO_ISS_READ },
  { asm: 'ldxrb w4, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 1, rt: 4, flags: 'X', iss: NO_ISS_READ },
  { asm: 'ldaxrh w5, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 2, rt: 5, flags: 'X AR', iss: NO_ISS_READ },
  { asm: 'stxr w2, x0, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 8, rt: 0, rs: 2, flags: 'W X 64', iss: NO_ISS_WRITE },
  { asm: 'stlxr w3, w0, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 4, rt: 0, rs: 3, flags: 'W X AR', iss: NO_ISS_WRITE },
  { asm: 'stxrb w4, w5, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 1, rt: 5, rs: 4, flags: 'W X', iss: NO_ISS_WRITE },
  { asm: 'stlxrh w6, w7, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 2, rt: 7, rs: 6, flags: 'W X AR', iss: NO_ISS_WRITE },
  { asm: 'ldxp x0, x1, [x2]', cls: 'load-store-exclusive', addr: 0x10n, size: 8, total: 16, rt: 0, rt2: 1, flags: 'X P 64', iss: NO_ISS_READ },
  { asm: 'ldaxp w0, w1, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 4, total: 8, rt: 0, rt2: 1, flags: 'X P AR', iss: NO_ISS_READ },
  { asm: 'stxp w4, x0, x1, [x2]', cls: 'load-store-exclusive', addr: 0x10n, size: 8, total: 16, rt: 0, rt2: 1, rs: 4, flags: 'W X P 64', iss: NO_ISS_WRITE },
  { asm: 'stlxp w4, w0, w1, [x1]', cls: 'load-store-exclusive', addr: 0x4000_1000n, size: 4, total: 8, rt: 0, rt2: 1, rs: 4, flags: 'W X P AR', iss: NO_ISS_WRITE },
  // LSE atomics: ISV = 0 and, for a translation fault, WnR = 0 (a read faults too; QEMU 7.2 agrees).
  { asm: 'ldadd w0, w1, [x2]', cls: 'atomic-memory-operation', addr: 0x10n, size: 4, rt: 1, rs: 0, flags: 'W A', iss: NO_ISS_READ },
  { asm: 'ldaddal x0, x1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 8, rt: 1, rs: 0, flags: 'W A AR 64', iss: NO_ISS_READ },
  { asm: 'ldadda x3, x4, [sp]', cls: 'atomic-memory-operation', addr: 0x4010_0000n, size: 8, rt: 4, rs: 3, flags: 'W A AR 64', iss: NO_ISS_READ },
  { asm: 'ldaddl w5, w6, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 4, rt: 6, rs: 5, flags: 'W A AR', iss: NO_ISS_READ },
  { asm: 'ldaddb w0, w1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 1, rt: 1, rs: 0, flags: 'W A', iss: NO_ISS_READ },
  { asm: 'ldclrh w0, w1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 2, rt: 1, rs: 0, flags: 'W A', iss: NO_ISS_READ },
  { asm: 'ldeoral x0, x1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 8, rt: 1, rs: 0, flags: 'W A AR 64', iss: NO_ISS_READ },
  { asm: 'ldset w0, w1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 4, rt: 1, rs: 0, flags: 'W A', iss: NO_ISS_READ },
  { asm: 'ldsmaxab w0, w1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 1, rt: 1, rs: 0, flags: 'W A AR', iss: NO_ISS_READ },
  { asm: 'ldsmin x0, x1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 8, rt: 1, rs: 0, flags: 'W A 64', iss: NO_ISS_READ },
  { asm: 'ldumaxlh w0, w1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 2, rt: 1, rs: 0, flags: 'W A AR', iss: NO_ISS_READ },
  { asm: 'lduminal w0, w1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 4, rt: 1, rs: 0, flags: 'W A AR', iss: NO_ISS_READ },
  { asm: 'stadd w0, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 4, rt: 31, rs: 0, flags: 'W A', iss: NO_ISS_READ },
  { asm: 'stclrl x0, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 8, rt: 31, rs: 0, flags: 'W A AR 64', iss: NO_ISS_READ },
  { asm: 'swp x0, x1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 8, rt: 1, rs: 0, flags: 'W A 64', iss: NO_ISS_READ },
  { asm: 'swpal w0, w1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 4, rt: 1, rs: 0, flags: 'W A AR', iss: NO_ISS_READ },
  { asm: 'swpb w0, w1, [x1]', cls: 'atomic-memory-operation', addr: 0x4000_1000n, size: 1, rt: 1, rs: 0, flags: 'W A', iss: NO_ISS_READ },
  // CAS and CASP.
  { asm: 'cas w0, w1, [x2]', cls: 'compare-and-swap', addr: 0x10n, size: 4, rt: 1, rs: 0, flags: 'W A', iss: NO_ISS_READ },
  { asm: 'casal x5, x6, [sp]', cls: 'compare-and-swap', addr: 0x4010_0000n, size: 8, rt: 6, rs: 5, flags: 'W A AR 64', iss: NO_ISS_READ },
  { asm: 'casab w0, w1, [x1]', cls: 'compare-and-swap', addr: 0x4000_1000n, size: 1, rt: 1, rs: 0, flags: 'W A AR', iss: NO_ISS_READ },
  { asm: 'caslh w0, w1, [x1]', cls: 'compare-and-swap', addr: 0x4000_1000n, size: 2, rt: 1, rs: 0, flags: 'W A AR', iss: NO_ISS_READ },
  { asm: 'casp x0, x1, x2, x3, [x4]', cls: 'compare-and-swap', addr: 0xffff_fffcn, size: 8, total: 16, rt: 2, rt2: 3, rs: 0, flags: 'W A P 64', iss: NO_ISS_READ },
  { asm: 'caspal w4, w5, w6, w7, [x1]', cls: 'compare-and-swap', addr: 0x4000_1000n, size: 4, total: 8, rt: 6, rt2: 7, rs: 4, flags: 'W A P AR', iss: NO_ISS_READ },
  // General-purpose pairs: never ISV.
  { asm: 'ldp x0, x1, [x1]', cls: 'load-store-pair', addr: 0x4000_1000n, size: 8, total: 16, rt: 0, rt2: 1, flags: 'P 64', iss: NO_ISS_READ },
  { asm: 'ldp w2, w3, [x1, #-4]', cls: 'load-store-pair', addr: 0x4000_0ffcn, size: 4, total: 8, rt: 2, rt2: 3, flags: 'P', iss: NO_ISS_READ },
  { asm: 'ldp x4, x5, [sp, #16]!', cls: 'load-store-pair', addr: 0x4010_0010n, size: 8, total: 16, rt: 4, rt2: 5, flags: 'P wb 64', iss: NO_ISS_READ },
  { asm: 'ldp x6, x7, [x1], #-16', cls: 'load-store-pair', addr: 0x4000_1000n, size: 8, total: 16, rt: 6, rt2: 7, flags: 'P wb 64', iss: NO_ISS_READ },
  { asm: 'stp x29, x30, [sp, #-16]!', cls: 'load-store-pair', addr: 0x400f_fff0n, size: 8, total: 16, rt: 29, rt2: 30, flags: 'W P wb 64', iss: NO_ISS_WRITE },
  { asm: 'stp w0, w1, [x1, #252]', cls: 'load-store-pair', addr: 0x4000_10fcn, size: 4, total: 8, rt: 0, rt2: 1, flags: 'W P', iss: NO_ISS_WRITE },
  { asm: 'ldpsw x0, x1, [x1, #8]', cls: 'load-store-pair', addr: 0x4000_1008n, size: 4, total: 8, rt: 0, rt2: 1, flags: 'P S 64', iss: NO_ISS_READ },
  { asm: 'ldpsw x2, x3, [x1], #8', cls: 'load-store-pair', addr: 0x4000_1000n, size: 4, total: 8, rt: 2, rt2: 3, flags: 'P S 64 wb', iss: NO_ISS_READ },
  { asm: 'ldnp x0, x1, [x1, #-512]', cls: 'load-store-pair', addr: 0x4000_0e00n, size: 8, total: 16, rt: 0, rt2: 1, flags: 'P 64', iss: NO_ISS_READ },
  { asm: 'stnp w0, w1, [x1, #4]', cls: 'load-store-pair', addr: 0x4000_1004n, size: 4, total: 8, rt: 0, rt2: 1, flags: 'W P', iss: NO_ISS_WRITE },
  { asm: 'stp xzr, xzr, [x1]', cls: 'load-store-pair', addr: 0x4000_1000n, size: 8, total: 16, rt: 31, rt2: 31, flags: 'W P 64', iss: NO_ISS_WRITE },
  // SIMD&FP single register: never ISV.
  { asm: 'ldr q0, [x1, #16]', cls: 'simd-fp-register', addr: 0x4000_1010n, size: 16, rt: 0, flags: 'V', iss: NO_ISS_READ },
  { asm: 'str b1, [x1, #1]', cls: 'simd-fp-register', addr: 0x4000_1001n, size: 1, rt: 1, flags: 'W V', iss: NO_ISS_WRITE },
  { asm: 'ldr h2, [x1], #2', cls: 'simd-fp-register', addr: 0x4000_1000n, size: 2, rt: 2, flags: 'V wb', iss: NO_ISS_READ },
  { asm: 'str s3, [x1, #-4]!', cls: 'simd-fp-register', addr: 0x4000_0ffcn, size: 4, rt: 3, flags: 'W V wb', iss: NO_ISS_WRITE },
  { asm: 'ldur d4, [x1, #-8]', cls: 'simd-fp-register', addr: 0x4000_0ff8n, size: 8, rt: 4, flags: 'V', iss: NO_ISS_READ },
  { asm: 'ldr d5, [x1, x2, lsl #3]', cls: 'simd-fp-register', addr: 0x4000_1080n, size: 8, rt: 5, flags: 'V', iss: NO_ISS_READ },
  { asm: 'ldr q6, .+32', cls: 'simd-fp-register', addr: 0x4008_0020n, size: 16, rt: 6, flags: 'V', iss: NO_ISS_READ },
  { asm: 'ldr s7, .-8', cls: 'simd-fp-register', addr: 0x4007_fff8n, size: 4, rt: 7, flags: 'V', iss: NO_ISS_READ },
  { asm: 'str q8, [sp, #-32]!', cls: 'simd-fp-register', addr: 0x400f_ffe0n, size: 16, rt: 8, flags: 'W V wb', iss: NO_ISS_WRITE },
  { asm: 'ldr b9, [x1, w4, sxtw]', cls: 'simd-fp-register', addr: 0x4000_0ffcn, size: 1, rt: 9, flags: 'V', iss: NO_ISS_READ },
  { asm: 'stur q10, [x1, #1]', cls: 'simd-fp-register', addr: 0x4000_1001n, size: 16, rt: 10, flags: 'W V', iss: NO_ISS_WRITE },
  { asm: 'ldr d11, [x1, #32760]', cls: 'simd-fp-register', addr: 0x4000_8ff8n, size: 8, rt: 11, flags: 'V', iss: NO_ISS_READ },
  { asm: 'ldr q12, [x1, x2, lsl #4]', cls: 'simd-fp-register', addr: 0x4000_1100n, size: 16, rt: 12, flags: 'V', iss: NO_ISS_READ },
  // SIMD&FP pairs.
  { asm: 'ldp q0, q1, [x1, #32]', cls: 'simd-fp-pair', addr: 0x4000_1020n, size: 16, total: 32, rt: 0, rt2: 1, flags: 'V P', iss: NO_ISS_READ },
  { asm: 'stnp d0, d1, [x1]', cls: 'simd-fp-pair', addr: 0x4000_1000n, size: 8, total: 16, rt: 0, rt2: 1, flags: 'W V P', iss: NO_ISS_WRITE },
  { asm: 'ldp s0, s1, [x1], #8', cls: 'simd-fp-pair', addr: 0x4000_1000n, size: 4, total: 8, rt: 0, rt2: 1, flags: 'V P wb', iss: NO_ISS_READ },
  { asm: 'stp q2, q3, [sp, #-64]!', cls: 'simd-fp-pair', addr: 0x400f_ffc0n, size: 16, total: 32, rt: 2, rt2: 3, flags: 'W V P wb', iss: NO_ISS_WRITE },
  { asm: 'ldnp q4, q5, [x1, #-1024]', cls: 'simd-fp-pair', addr: 0x4000_0c00n, size: 16, total: 32, rt: 4, rt2: 5, flags: 'V P', iss: NO_ISS_READ },
  // SIMD multiple structures.
  { asm: 'ld1 {v0.16b}, [x1]', cls: 'simd-structure-multiple', addr: 0x4000_1000n, size: 1, total: 16, rt: 0, flags: 'V', iss: NO_ISS_READ },
  { asm: 'ld1 {v0.4s, v1.4s}, [x1], #32', cls: 'simd-structure-multiple', addr: 0x4000_1000n, size: 4, total: 32, rt: 0, flags: 'V wb', iss: NO_ISS_READ },
  { asm: 'st4 {v0.4h, v1.4h, v2.4h, v3.4h}, [x1]', cls: 'simd-structure-multiple', addr: 0x4000_1000n, size: 2, total: 32, rt: 0, flags: 'W V', iss: NO_ISS_WRITE },
  { asm: 'ld2 {v0.2d, v1.2d}, [x1], x2', cls: 'simd-structure-multiple', addr: 0x4000_1000n, size: 8, total: 32, rt: 0, flags: 'V wb', iss: NO_ISS_READ },
  { asm: 'ld3 {v0.8b, v1.8b, v2.8b}, [sp]', cls: 'simd-structure-multiple', addr: 0x4010_0000n, size: 1, total: 24, rt: 0, flags: 'V', iss: NO_ISS_READ },
  { asm: 'st1 {v0.1d, v1.1d, v2.1d, v3.1d}, [x1]', cls: 'simd-structure-multiple', addr: 0x4000_1000n, size: 8, total: 32, rt: 0, flags: 'W V', iss: NO_ISS_WRITE },
  { asm: 'ld1 {v31.2s, v0.2s, v1.2s}, [x1]', cls: 'simd-structure-multiple', addr: 0x4000_1000n, size: 4, total: 24, rt: 31, flags: 'V', iss: NO_ISS_READ },
  { asm: 'st2 {v4.8h, v5.8h}, [x1], #32', cls: 'simd-structure-multiple', addr: 0x4000_1000n, size: 2, total: 32, rt: 4, flags: 'W V wb', iss: NO_ISS_WRITE },
  // SIMD single structure and replicate.
  { asm: 'ld1 {v0.s}[1], [x1]', cls: 'simd-structure-single', addr: 0x4000_1000n, size: 4, total: 4, rt: 0, flags: 'V', iss: NO_ISS_READ },
  { asm: 'st1 {v0.d}[1], [x1], #8', cls: 'simd-structure-single', addr: 0x4000_1000n, size: 8, total: 8, rt: 0, flags: 'W V wb', iss: NO_ISS_WRITE },
  { asm: 'ld4r {v0.4s, v1.4s, v2.4s, v3.4s}, [x1]', cls: 'simd-structure-single', addr: 0x4000_1000n, size: 4, total: 16, rt: 0, flags: 'V', iss: NO_ISS_READ },
  { asm: 'ld1r {v0.8b}, [x1], x2', cls: 'simd-structure-single', addr: 0x4000_1000n, size: 1, total: 1, rt: 0, flags: 'V wb', iss: NO_ISS_READ },
  { asm: 'ld2 {v0.h, v1.h}[3], [x1]', cls: 'simd-structure-single', addr: 0x4000_1000n, size: 2, total: 4, rt: 0, flags: 'V', iss: NO_ISS_READ },
  { asm: 'st3 {v0.b, v1.b, v2.b}[15], [x1], #3', cls: 'simd-structure-single', addr: 0x4000_1000n, size: 1, total: 3, rt: 0, flags: 'W V wb', iss: NO_ISS_WRITE },
  { asm: 'ld3r {v0.2d, v1.2d, v2.2d}, [sp]', cls: 'simd-structure-single', addr: 0x4010_0000n, size: 8, total: 24, rt: 0, flags: 'V', iss: NO_ISS_READ },
  { asm: 'st4 {v0.s, v1.s, v2.s, v3.s}[3], [x1]', cls: 'simd-structure-single', addr: 0x4000_1000n, size: 4, total: 16, rt: 0, flags: 'W V', iss: NO_ISS_WRITE },
  { asm: 'ld2r {v0.4h, v1.4h}, [x1], #4', cls: 'simd-structure-single', addr: 0x4000_1000n, size: 2, total: 4, rt: 0, flags: 'V wb', iss: NO_ISS_READ },
  // DC ZVA: a 64-byte write (DCZID_EL0.BS = 4 on QEMU -cpu max), CM = 0, FAR = Xt.
  { asm: 'dc zva, x1', cls: 'data-cache-zero', addr: 0x4000_1000n, size: 64, rt: 1, flags: 'W', iss: NO_ISS_WRITE },
  { asm: 'dc zva, x2', cls: 'data-cache-zero', addr: 0x0n, far: 0x10n, size: 64, rt: 2, flags: 'W', iss: NO_ISS_WRITE },
  // Cache maintenance by VA: CM = 1, WnR = 1; QEMU 7.2 treats IVAC/CVAC/CVAU/CIVAC/IC IVAU as NOPs.
  { asm: 'dc civac, x1', cls: 'cache-maintenance', addr: 0x4000_1000n, size: 0, rt: 1, flags: 'CM NF', iss: CM_ISS },
  { asm: 'dc cvac, x2', cls: 'cache-maintenance', addr: 0x10n, size: 0, rt: 2, flags: 'CM NF', iss: CM_ISS },
  { asm: 'dc ivac, x0', cls: 'cache-maintenance', addr: 0x0f00_0000n, size: 0, rt: 0, flags: 'CM NF', iss: CM_ISS },
  { asm: 'dc cvau, x1', cls: 'cache-maintenance', addr: 0x4000_1000n, size: 0, rt: 1, flags: 'CM NF', iss: CM_ISS },
  { asm: 'ic ivau, x1', cls: 'cache-maintenance', addr: 0x4000_1000n, size: 0, rt: 1, flags: 'CM NF', iss: CM_ISS },
  { asm: 'dc cvap, x1', cls: 'cache-maintenance', addr: 0x4000_1000n, size: 0, rt: 1, flags: 'CM', iss: CM_ISS },
  { asm: 'dc cvadp, x3', cls: 'cache-maintenance', addr: 0xffff_ffff_ffff_fff8n, size: 0, rt: 3, flags: 'CM', iss: CM_ISS },
  // AT: faults only on the stage-1 walk, reported with CM = 1, WnR = 1.
  { asm: 'at s1e1r, x1', cls: 'address-translation', addr: 0x4000_1000n, size: 0, rt: 1, flags: 'CM', iss: CM_ISS },
  { asm: 'at s1e0w, x5', cls: 'address-translation', addr: 0x4700_0000n, size: 0, rt: 5, flags: 'CM', iss: CM_ISS },
  { asm: 'at s1e1wp, x1', cls: 'address-translation', addr: 0x4000_1000n, size: 0, rt: 1, flags: 'CM', iss: CM_ISS },
  // Prefetch: never faults; Rt is the prfop.
  { asm: 'prfm pldl1keep, [x1, #8]', cls: 'prefetch', addr: 0x4000_1008n, size: 0, rt: 0, flags: 'PF NF', iss: NO_ISS_READ },
  { asm: 'prfum pldl1keep, [x1, #-1]', cls: 'prefetch', addr: 0x4000_0fffn, size: 0, rt: 0, flags: 'PF NF', iss: NO_ISS_READ },
  { asm: 'prfm pstl2strm, [x1, x2]', cls: 'prefetch', addr: 0x4000_1010n, size: 0, rt: 0b10011, flags: 'PF NF', iss: NO_ISS_READ },
  { asm: 'prfm pldl1keep, .+64', cls: 'prefetch', addr: 0x4008_0040n, size: 0, rt: 0, flags: 'PF NF', iss: NO_ISS_READ },
  { asm: 'prfm plil3keep, [x1, x2, lsl #3]', cls: 'prefetch', addr: 0x4000_1080n, size: 0, rt: 0b01100, flags: 'PF NF', iss: NO_ISS_READ },
];
