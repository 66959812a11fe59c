// ESR_ELx fields, named as ARM DDI 0487 D23 "ESR_EL2" and its ISS encodings name them. Single bits
// are masks; wider fields are [hi, lo] positions for `bits`.
import type { BitField } from '../arch/bits.js';

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

export const ESR_EC_UNKNOWN = 0x00;
export const ESR_EC_SVC64 = 0x15;
export const ESR_EC_HVC64 = 0x16;
export const ESR_EC_SMC64 = 0x17;
export const ESR_EC_SYS64 = 0x18;
export const ESR_EC_IABT_LOW = 0x20;
export const ESR_EC_IABT_CUR = 0x21;
export const ESR_EC_DABT_LOW = 0x24;
export const ESR_EC_DABT_CUR = 0x25;
export const ESR_EC_BRK64 = 0x3c;

/** Places `value` in `field`, dropping bits that do not fit. */
export function fieldValue([hi, lo]: BitField, value: bigint): bigint {
  return (value & ((1n << BigInt(hi - lo + 1)) - 1n)) << BigInt(lo);
}

/** Returns the [n, n] position of a single-bit mask. */
export function flagPosition(mask: bigint): BitField {
  const n = mask.toString(2).length - 1;
  return [n, n];
}
