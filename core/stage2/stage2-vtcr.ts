// VTCR_EL2 as RITM programs it (src/hypervisor.rs), with field positions from ARM DDI 0487
// D24.2 VTCR_EL2. The stage-2 tables model reads its IPA size and start level from this value.
import { bits, type BitField } from '../arch/bits.js';
import type { Stage2Level } from './stage2-types.js';

export const VTCR_EL2_T0SZ: BitField = [5, 0];
export const VTCR_EL2_SL0: BitField = [7, 6];
export const VTCR_EL2_IRGN0: BitField = [9, 8];
export const VTCR_EL2_ORGN0: BitField = [11, 10];
export const VTCR_EL2_SH0: BitField = [13, 12];
export const VTCR_EL2_TG0: BitField = [15, 14];
export const VTCR_EL2_PS: BitField = [18, 16];
/** Bit 31 is RES1; RITM starts from `VtcrEl2::default()` (0) and leaves it clear. */
export const VTCR_EL2_RES1 = 1n << 31n;

const TG0_4K = 0b00n;
/** With TG0 = 4 KiB: SL0 0b10 starts at level 0, 0b01 at level 1, 0b00 at level 2. */
const SL0_LEVEL0 = 0b10n;
/** IRGN0/ORGN0 0b01: Normal, write-back read-allocate write-allocate cacheable. */
const RGN_WB_RA_WA = 0b01n;
const SH_INNER = 0b11n;
/** PS 0b010: 40-bit (1 TiB) output addresses. */
const PS_40_BITS = 0b010n;

function field(value: bigint, [, lo]: BitField): bigint {
  return value << BigInt(lo);
}

/**
 * RITM's VTCR_EL2: T0SZ = 24 (40-bit IPA), SL0 = 0b10 (walk starts at level 0), IRGN0 = ORGN0
 * = WB RA WA, SH0 = inner shareable, TG0 = 4 KiB, PS = 40 bits. Equals 0x23598.
 */
export const RITM_VTCR_EL2: bigint =
  field(64n - 40n, VTCR_EL2_T0SZ) |
  field(SL0_LEVEL0, VTCR_EL2_SL0) |
  field(RGN_WB_RA_WA, VTCR_EL2_IRGN0) |
  field(RGN_WB_RA_WA, VTCR_EL2_ORGN0) |
  field(SH_INNER, VTCR_EL2_SH0) |
  field(TG0_4K, VTCR_EL2_TG0) |
  field(PS_40_BITS, VTCR_EL2_PS);

/** Returns the IPA size in bits that VTCR_EL2.T0SZ selects (64 - T0SZ). */
export function vtcrInputAddressBits(vtcr: bigint): number {
  return 64 - Number(bits(vtcr, ...VTCR_EL2_T0SZ));
}

/** Returns the level a 4 KiB-granule stage-2 walk starts at, or null for SL0 = 0b11 (reserved here). */
export function vtcrStartLevel(vtcr: bigint): Stage2Level | null {
  const levels: readonly (Stage2Level | null)[] = [2, 1, 0, null];
  return levels[Number(bits(vtcr, ...VTCR_EL2_SL0))] ?? null;
}

/** IPA size of the modelled stage 2: 40 bits. */
export const STAGE2_IPA_BITS = vtcrInputAddressBits(RITM_VTCR_EL2);
/** First IPA outside the modelled stage 2: 2^40. */
export const STAGE2_IPA_LIMIT = 1n << BigInt(STAGE2_IPA_BITS);
