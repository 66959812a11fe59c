// ESR_ELx, one vocabulary for the whole model (ARM DDI 0487, D23 "ESR_EL2" and its ISS encodings): field
// positions named once, the exception-class table, and the few helpers that build and take syndromes apart.
// Single bits are masks; wider fields are [hi, lo] positions for `bits` and `fieldValue`.
import { bits, type BitField } from './bits.js';

export const ESR_EC: BitField = [31, 26];
export const ESR_IL = 1n << 25n;
export const ESR_ISS: BitField = [24, 0];
export const ESR_ISS2: BitField = [55, 32];

// ISS encoding for an exception from a Data Abort (and, where shared, an Instruction Abort).
export const ESR_ISS_ISV = 1n << 24n;
export const ESR_ISS_SAS: BitField = [23, 22];
export const ESR_ISS_SSE = 1n << 21n;
export const ESR_ISS_SRT: BitField = [20, 16];
export const ESR_ISS_SF = 1n << 15n;
export const ESR_ISS_AR = 1n << 14n;
export const ESR_ISS_VNCR = 1n << 13n;
export const ESR_ISS_SET: BitField = [12, 11];
export const ESR_ISS_FNV = 1n << 10n;
export const ESR_ISS_EA = 1n << 9n;
export const ESR_ISS_CM = 1n << 8n;
export const ESR_ISS_S1PTW = 1n << 7n;
export const ESR_ISS_WNR = 1n << 6n;
export const ESR_ISS_DFSC: BitField = [5, 0];

// ISS encoding for an exception from MSR, MRS, or System instruction execution (EC 0x18).
export const ESR_ISS_SYS_OP0: BitField = [21, 20];
export const ESR_ISS_SYS_OP2: BitField = [19, 17];
export const ESR_ISS_SYS_OP1: BitField = [16, 14];
export const ESR_ISS_SYS_CRN: BitField = [13, 10];
export const ESR_ISS_SYS_RT: BitField = [9, 5];
export const ESR_ISS_SYS_CRM: BitField = [4, 1];
export const ESR_ISS_SYS_DIRECTION = 1n << 0n;

/** ISS encoding for HVC, SMC, SVC (imm16) and BRK (comment). */
export const ESR_ISS_IMM16: BitField = [15, 0];

/** Fault status code (DFSC/IFSC) of a translation fault at `level` (0b0001LL). */
export const FSC_TRANSLATION_LEVEL0 = 0b000100;
/** Fault status code of a synchronous external abort that is not on a table walk. */
export const FSC_SYNC_EXTERNAL = 0b010000;
/** Fault status code of a synchronous external abort on a table walk at `level` (0b0101LL). */
export const FSC_SYNC_EXTERNAL_WALK_LEVEL0 = 0b010100;

/** ESR_ELx.EC values, named after the Arm ARM's exception classes. */
export const EC = {
  UNKNOWN: 0x00,
  WFX: 0x01,
  MCR_MRC_CP15: 0x03,
  MCRR_MRRC_CP15: 0x04,
  MCR_MRC_CP14: 0x05,
  LDC_STC: 0x06,
  SIMD_FP: 0x07,
  VMRS: 0x08,
  PAC: 0x09,
  LD64B_ST64B: 0x0a,
  MRRC_CP14: 0x0c,
  BTI: 0x0d,
  ILLEGAL_STATE: 0x0e,
  SVC32: 0x11,
  HVC32: 0x12,
  SMC32: 0x13,
  SVC64: 0x15,
  HVC64: 0x16,
  SMC64: 0x17,
  SYS64: 0x18,
  SVE: 0x19,
  ERET: 0x1a,
  TSTART: 0x1b,
  FPAC: 0x1c,
  SME: 0x1d,
  IMP_DEF_EL3: 0x1f,
  IABT_LOWER: 0x20,
  IABT_CURRENT: 0x21,
  PC_ALIGNMENT: 0x22,
  DABT_LOWER: 0x24,
  DABT_CURRENT: 0x25,
  SP_ALIGNMENT: 0x26,
  MOPS: 0x27,
  FP32: 0x28,
  FP64: 0x2c,
  SERROR: 0x2f,
  BREAKPOINT_LOWER: 0x30,
  BREAKPOINT_CURRENT: 0x31,
  SOFTWARE_STEP_LOWER: 0x32,
  SOFTWARE_STEP_CURRENT: 0x33,
  WATCHPOINT_LOWER: 0x34,
  WATCHPOINT_CURRENT: 0x35,
  BKPT32: 0x38,
  VECTOR_CATCH32: 0x3a,
  BRK64: 0x3c,
} as const;

/** An exception class the table knows. */
export type ExceptionClass = (typeof EC)[keyof typeof EC];

/** The Arm ARM's description of each exception class (a class missing here is a compile error). */
const EC_NAMES: { readonly [K in keyof typeof EC]: string } = {
  UNKNOWN: 'Unknown reason',
  WFX: 'Trapped WF* instruction',
  MCR_MRC_CP15: 'Trapped MCR or MRC access (coproc 0b1111)',
  MCRR_MRRC_CP15: 'Trapped MCRR or MRRC access (coproc 0b1111)',
  MCR_MRC_CP14: 'Trapped MCR or MRC access (coproc 0b1110)',
  LDC_STC: 'Trapped LDC or STC access',
  SIMD_FP: 'Access to SME, SVE, Advanced SIMD or floating-point functionality trapped',
  VMRS: 'Trapped VMRS access (ID group trap)',
  PAC: 'Trapped pointer authentication instruction',
  LD64B_ST64B: 'Trapped LD64B/ST64B* instruction',
  MRRC_CP14: 'Trapped MRRC access (coproc 0b1110)',
  BTI: 'Branch Target Exception',
  ILLEGAL_STATE: 'Illegal Execution state',
  SVC32: 'SVC instruction execution in AArch32 state',
  HVC32: 'HVC instruction execution in AArch32 state',
  SMC32: 'SMC instruction execution in AArch32 state',
  SVC64: 'SVC instruction execution in AArch64 state',
  HVC64: 'HVC instruction execution in AArch64 state',
  SMC64: 'SMC instruction execution in AArch64 state',
  SYS64: 'Trapped MSR, MRS or System instruction execution in AArch64 state',
  SVE: 'Access to SVE functionality trapped',
  ERET: 'Trapped ERET, ERETAA or ERETAB instruction',
  TSTART: 'Exception from TSTART instruction',
  FPAC: 'Pointer authentication failure (FPAC)',
  SME: 'Access to SME functionality trapped',
  IMP_DEF_EL3: 'IMPLEMENTATION DEFINED exception to EL3',
  IABT_LOWER: 'Instruction Abort from a lower Exception level',
  IABT_CURRENT: 'Instruction Abort taken without a change in Exception level',
  PC_ALIGNMENT: 'PC alignment fault',
  DABT_LOWER: 'Data Abort from a lower Exception level',
  DABT_CURRENT: 'Data Abort taken without a change in Exception level',
  SP_ALIGNMENT: 'SP alignment fault',
  MOPS: 'Memory Operation Exception',
  FP32: 'Trapped floating-point exception (AArch32)',
  FP64: 'Trapped floating-point exception (AArch64)',
  SERROR: 'SError exception',
  BREAKPOINT_LOWER: 'Breakpoint exception from a lower Exception level',
  BREAKPOINT_CURRENT: 'Breakpoint exception taken without a change in Exception level',
  SOFTWARE_STEP_LOWER: 'Software Step exception from a lower Exception level',
  SOFTWARE_STEP_CURRENT: 'Software Step exception taken without a change in Exception level',
  WATCHPOINT_LOWER: 'Watchpoint exception from a lower Exception level',
  WATCHPOINT_CURRENT: 'Watchpoint exception taken without a change in Exception level',
  BKPT32: 'BKPT instruction execution in AArch32 state',
  VECTOR_CATCH32: 'Vector Catch exception (AArch32)',
  BRK64: 'BRK instruction execution in AArch64 state',
};

const NAME_BY_CODE: ReadonlyMap<number, string> = new Map(
  (Object.keys(EC) as (keyof typeof EC)[]).map((k) => [EC[k], EC_NAMES[k]]),
);

/** Names the exception class `ec` (ESR_ELx bits [31:26]). */
export function exceptionClassName(ec: number): string {
  return NAME_BY_CODE.get(ec) ?? 'Unallocated exception class';
}

/** Places `value` in `field`, dropping bits that do not fit. */
export function fieldValue([hi, lo]: BitField, value: bigint): bigint {
  return (value & ((1n << BigInt(hi - lo + 1)) - 1n)) << BigInt(lo);
}

/** Returns the [n, n] position of a single-bit mask. */
export function flagPosition(mask: bigint): BitField {
  const n = mask.toString(2).length - 1;
  return [n, n];
}

/** The exception class of an ESR value. */
export function esrExceptionClass(esr: bigint): number {
  return Number(bits(esr, ...ESR_EC));
}

/** Builds an ESR value from its exception class, IL (default: a 32-bit instruction) and ISS. */
export function makeEsr(ec: ExceptionClass, iss: bigint, il = true): bigint {
  return fieldValue(ESR_EC, BigInt(ec)) | (il ? ESR_IL : 0n) | fieldValue(ESR_ISS, iss);
}

/** The same ESR with its exception class replaced (ISS and IL kept), as an injection into EL1 rewrites it. */
export function withExceptionClass(esr: bigint, ec: ExceptionClass): bigint {
  return (esr & ~fieldValue(ESR_EC, -1n)) | fieldValue(ESR_EC, BigInt(ec));
}

/**
 * Bits [hi:lo] of an ISS held as a number (25 bits fit): the trap path's form of `bits`, which decides on these
 * fields once per trap without allocating bigints.
 */
export function issField(iss: number, [hi, lo]: BitField): number {
  return (iss >>> lo) & ((1 << (hi - lo + 1)) - 1);
}

/** A single-bit ISS field (given as its mask) of an ISS held as a number. */
export function issFlag(iss: number, mask: bigint): boolean {
  return (iss & Number(mask)) !== 0; // ISS masks are below bit 25: the number form is exact
}
