// The "Load/store register pair" groups (ARM DDI 0487, C4.1 "Loads and Stores": opc 101 V 0 idx L
// imm7 Rt2 Rn Rt): LDP/STP/LDNP/STNP/LDPSW and their SIMD&FP forms, every addressing mode.
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

// idx (bits 24:23).
const IDX_NO_ALLOCATE = 0b00;
const IDX_POST_INDEX = 0b01;
const IDX_PRE_INDEX = 0b11;

type PairShape = { scale: number; signExtend: boolean; dest64: boolean };

/** opc for general-purpose pairs: 00 W, 01 LDPSW (or STGP), 10 X. */
function gprPairShape(opc: number, load: boolean, idx: number): PairShape | 'unallocated' | 'stgp' {
  if (opc === 0b00) return { scale: 2, signExtend: false, dest64: false };
  if (opc === 0b10) return { scale: 3, signExtend: false, dest64: true };
  if (opc === 0b01 && idx !== IDX_NO_ALLOCATE) return load ? { scale: 2, signExtend: true, dest64: true } : 'stgp';
  return 'unallocated';
}

/** Decodes the four pair groups (no-allocate, post-index, offset, pre-index). */
export function decodeLoadStorePair(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  const opc = Number(bits(w, 31, 30));
  const simd = bits(w, 26, 26) === 1n;
  const idx = Number(bits(w, 24, 23));
  const load = bits(w, 22, 22) === 1n;
  let shape: PairShape;
  if (simd) {
    if (opc === 0b11) return UNALLOCATED;
    shape = { scale: 2 + opc, signExtend: false, dest64: false };
  } else {
    const gpr = gprPairShape(opc, load, idx);
    if (gpr === 'unallocated') return UNALLOCATED;
    if (gpr === 'stgp') return outOfScope('FEAT_MTE');
    shape = gpr;
  }
  const base = xOrSp(regs, Number(bits(w, 9, 5)));
  const updated = offsetAddress(base, signExtendFrom(bits(w, 21, 15), 7) << BigInt(shape.scale));
  const bytes = 1 << shape.scale;
  return memoryAccess({
    class: simd ? 'simd-fp-pair' : 'load-store-pair',
    address: idx === IDX_POST_INDEX ? base : updated,
    size: bytes,
    totalSize: 2 * bytes,
    rt: Number(bits(w, 4, 0)),
    rt2: Number(bits(w, 14, 10)),
    write: !load,
    signExtend: shape.signExtend,
    dest64: shape.dest64,
    simd,
    pair: true,
    writeback: idx === IDX_POST_INDEX || idx === IDX_PRE_INDEX,
  });
}
