// Which half of the EL1&0 VA space an address falls in (TTBR0_EL1 or TTBR1_EL1), and the walk
// parameters TCR_EL1 gives that half. ARM DDI 0487 chapter D8: VA ranges, top byte ignore,
// and the initial lookup level.
import { bits, type BitField } from '../arch/bits.js';
import { levelShift, type TranslationLevel } from './stage1-descriptor.js';

export const TCR_EL1_T0SZ: BitField = [5, 0];
export const TCR_EL1_EPD0 = 1n << 7n;
export const TCR_EL1_TG0: BitField = [15, 14];
export const TCR_EL1_T1SZ: BitField = [21, 16];
export const TCR_EL1_EPD1 = 1n << 23n;
export const TCR_EL1_TG1: BitField = [31, 30];
export const TCR_EL1_IPS: BitField = [34, 32];
export const TCR_EL1_TBI0 = 1n << 37n;
export const TCR_EL1_TBI1 = 1n << 38n;
export const TCR_EL1_HPD0 = 1n << 41n;
export const TCR_EL1_HPD1 = 1n << 42n;
export const TCR_EL1_TBID0 = 1n << 51n;
export const TCR_EL1_TBID1 = 1n << 52n;

/** TG0 and TG1 encode the same granule differently. */
export const TCR_EL1_TG0_4K = 0b00n;
export const TCR_EL1_TG1_4K = 0b10n;

/** TTBRn_EL1.BADDR; ASID is [63:48] and CnP is bit 0, neither part of the address. */
export const TTBR_EL1_BADDR: BitField = [47, 1];

/** The PA size we model (ID_AA64MMFR0_EL1.PARange = 0b0101). */
export const PA_SIZE_BITS = 48;

/** TxSZ bounds for the 4 KiB granule without FEAT_LVA or FEAT_TTST. */
const MIN_TXSZ = 16;
const MAX_TXSZ = 39;

/** TCR_ELx.IPS encodings 0b000..0b110; 52 is capped to PA_SIZE_BITS by the caller. */
const IPS_BITS = [32, 36, 40, 42, 44, 48, 52] as const;

export type Stage1Access = 'read' | 'write' | 'fetch';

/** The parameters a walk of one VA range needs, decoded from TCR_EL1 and TTBRn_EL1. */
export type Stage1Range = {
  ttbr: 0 | 1;
  /** 64 - TxSZ, after clamping TxSZ into [16, 39]. */
  inputSize: number;
  startLevel: TranslationLevel;
  /** The TTBR's BADDR with the bits below the start-level table's size treated as 0. */
  tableBase: bigint;
  /** min(IPS, PA size) in bits. */
  outputSize: number;
  /** False when TCR_EL1.HPDn disables APTable, PXNTable and UXNTable. */
  hierarchicalPermissions: boolean;
};

export type Stage1RangeSelection =
  | { kind: 'ok'; range: Stage1Range }
  | { kind: 'translation-fault'; reason: 'va-outside-range' | 'walk-disabled' | 'granule-not-supported' }
  | { kind: 'address-size-fault'; reason: 'table-base-above-output-size' };

/**
 * Picks TTBR0_EL1 or TTBR1_EL1 for va by VA[55] and checks that va lies inside that range.
 * Every fault here is reported at level 0, as the Arm ARM (and QEMU) do.
 */
export function selectStage1Range(
  va: bigint,
  access: Stage1Access,
  tcr: bigint,
  ttbr0: bigint,
  ttbr1: bigint,
): Stage1RangeSelection {
  const ttbr = bits(va, 55, 55) === 1n ? 1 : 0;
  const half =
    ttbr === 0
      ? { txsz: TCR_EL1_T0SZ, epd: TCR_EL1_EPD0, tg: TCR_EL1_TG0, tg4k: TCR_EL1_TG0_4K, hpd: TCR_EL1_HPD0, base: ttbr0 }
      : {
          txsz: TCR_EL1_T1SZ,
          epd: TCR_EL1_EPD1,
          tg: TCR_EL1_TG1,
          tg4k: TCR_EL1_TG1_4K,
          hpd: TCR_EL1_HPD1,
          base: ttbr1,
        };

  // An out-of-range TxSZ either acts as the nearest bound or gives a level-0 translation fault
  // (IMPLEMENTATION DEFINED). We clamp, as QEMU did before it implemented FEAT_LVA; current
  // QEMU faults instead.
  const txsz = Math.min(MAX_TXSZ, Math.max(MIN_TXSZ, Number(bits(tcr, ...half.txsz))));
  const inputSize = 64 - txsz;
  const top = addressTop(va, access, tcr);
  const width = top - inputSize + 1;
  const expectedTop = ttbr === 0 ? 0n : (1n << BigInt(width)) - 1n;
  if (bits(va, top, inputSize) !== expectedTop) {
    return { kind: 'translation-fault', reason: 'va-outside-range' };
  }
  if ((tcr & half.epd) !== 0n) return { kind: 'translation-fault', reason: 'walk-disabled' };
  // 16 KiB and 64 KiB granules are valid architecture but not implemented here; the reserved
  // TGn encodings (which the Arm ARM maps to an IMPLEMENTATION DEFINED granule) land here too.
  if (bits(tcr, ...half.tg) !== half.tg4k) {
    return { kind: 'translation-fault', reason: 'granule-not-supported' };
  }

  const outputSize = outputSizeBits(tcr);
  const baddr = bits(half.base, ...TTBR_EL1_BADDR) << 1n;
  if (baddr >> BigInt(outputSize) !== 0n) {
    return { kind: 'address-size-fault', reason: 'table-base-above-output-size' };
  }
  const startLevel = startLevelFor(inputSize);
  // A table must be aligned to its size; BADDR bits below that are RES0, and we take the
  // CONSTRAINED UNPREDICTABLE choice of treating them as 0 (as the pseudocode and QEMU do).
  const tableBytesLog2 = inputSize - levelShift(startLevel) + 3;
  const tableBase = (baddr >> BigInt(tableBytesLog2)) << BigInt(tableBytesLog2);
  return {
    kind: 'ok',
    range: {
      ttbr,
      inputSize,
      startLevel,
      tableBase,
      outputSize,
      hierarchicalPermissions: (tcr & half.hpd) === 0n,
    },
  };
}

/** Returns the top VA bit that takes part in translation: 55 under top-byte-ignore, else 63. */
export function addressTop(va: bigint, access: Stage1Access, tcr: bigint): number {
  const upper = bits(va, 55, 55) === 1n;
  const tbi = upper ? TCR_EL1_TBI1 : TCR_EL1_TBI0;
  const tbid = upper ? TCR_EL1_TBID1 : TCR_EL1_TBID0;
  // TBIDn = 1 limits TBIn to data accesses (AArch64.AddrTop); with TBIDn = 0 it covers fetches.
  if (access === 'fetch' && (tcr & tbid) !== 0n) return 63;
  return (tcr & tbi) !== 0n ? 55 : 63;
}

/** Returns the output address size TCR_EL1.IPS selects, capped at the PA size we model. */
export function outputSizeBits(tcr: bigint): number {
  // IPS = 0b111 is reserved; we treat it like a value above PARange, which the Arm ARM caps.
  const ips = IPS_BITS[Number(bits(tcr, ...TCR_EL1_IPS))] ?? PA_SIZE_BITS;
  return Math.min(ips, PA_SIZE_BITS);
}

/** Returns the first lookup level of a 4 KiB-granule walk over an inputSize-bit VA range. */
export function startLevelFor(inputSize: number): TranslationLevel {
  // Same as 4 - ceil((inputSize - 12) / 9): a level takes part when the VA has bits above its
  // index. inputSize is 25..48 after clamping, so the answer is 0, 1 or 2.
  if (inputSize > levelShift(0)) return 0;
  if (inputSize > levelShift(1)) return 1;
  if (inputSize > levelShift(2)) return 2;
  return 3;
}
