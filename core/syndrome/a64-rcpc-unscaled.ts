// The space at bits 29:27 = 011, 25:24 = 01 (ARM DDI 0487, C4.1 "Loads and Stores"): "LDAPR/STLR
// (unscaled immediate)" (FEAT_LRCPC2), beside the FEAT_MTE tag, FEAT_MOPS and FEAT_LRCPC3 groups.
import { bits } from '../arch/bits.js';
import {
  memoryAccess,
  offsetAddress,
  outOfScope,
  signExtendFrom,
  UNALLOCATED,
  xOrSp,
  type GuestRegisters,
  type MemoryAccessDecode,
} from './memory-access.js';

/** Decodes STLUR{B,H}, LDAPUR{B,H}, LDAPURS{B,H,W}; names the neighbouring out-of-scope groups. */
export function decodeRcpcUnscaled(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  const size = Number(bits(w, 31, 30));
  const simd = bits(w, 26, 26) === 1n;
  if (bits(w, 21, 21) === 1n) return !simd && size === 3 ? outOfScope('FEAT_MTE') : UNALLOCATED;
  switch (Number(bits(w, 11, 10))) {
    case 0b01:
      return outOfScope('FEAT_MOPS');
    case 0b10:
      return outOfScope('FEAT_LRCPC3');
    case 0b11:
      return UNALLOCATED;
    default:
      break;
  }
  if (simd) return UNALLOCATED;
  const opc = Number(bits(w, 23, 22));
  // opc 00 STLUR, 01 LDAPUR, 10 LDAPURS* into X (not size 0b11), 11 LDAPURS* into W (bytes/halves).
  if ((opc === 0b10 && size === 3) || (opc === 0b11 && size > 1)) return UNALLOCATED;
  const address = offsetAddress(xOrSp(regs, Number(bits(w, 9, 5))), signExtendFrom(bits(w, 20, 12), 9));
  return memoryAccess({
    class: 'load-store-rcpc-unscaled',
    address,
    size: 1 << size,
    rt: Number(bits(w, 4, 0)),
    write: opc === 0b00,
    signExtend: opc >= 0b10,
    dest64: opc === 0b10 || size === 3,
    acquireRelease: true,
  });
}
