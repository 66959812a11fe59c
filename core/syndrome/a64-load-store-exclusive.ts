// The groups at bits 29:24 = 001000 (ARM DDI 0487, C4.1 "Loads and Stores": size 001000 o2 L o1 Rs
// o0 Rt2 Rn Rt): load/store exclusive (register and pair), load/store ordered, CAS and CASP.
// A store-exclusive whose monitor is not armed fails without any access on QEMU 7.2 (whether it
// faults is IMPLEMENTATION DEFINED), so it can fault there only after a matching load-exclusive.
import { bits } from '../arch/bits.js';
import { memoryAccess, UNALLOCATED, xOrSp, type GuestRegisters, type MemoryAccessDecode } from './memory-access.js';

/** Decodes LDXR/STXR/LDAXR/STLXR, LDXP/STXP/LDAXP/STLXP, LDAR/STLR/LDLAR/STLLR, CAS*, CASP*. */
export function decodeLoadStoreExclusive(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  const size = Number(bits(w, 31, 30));
  const o2 = bits(w, 23, 23) === 1n;
  const load = bits(w, 22, 22) === 1n;
  const o1 = bits(w, 21, 21) === 1n;
  const rs = Number(bits(w, 20, 16));
  const o0 = bits(w, 15, 15) === 1n;
  const rt2 = Number(bits(w, 14, 10));
  const rt = Number(bits(w, 4, 0));
  const address = xOrSp(regs, Number(bits(w, 9, 5)));
  const bytes = 1 << size;
  const dest64 = size === 3;

  if (!o2 && (!o1 || size >= 2)) {
    // LDXR/STXR (o1 = 0) or LDXP/STXP (o1 = 1, size<0> selects W or X); a store-exclusive
    // writes its status to Ws; o0 selects the acquire/release form.
    const shape = o1 ? { totalSize: 2 * bytes, rt2, pair: true } : {};
    const status = load ? {} : { rs };
    return memoryAccess({
      class: 'load-store-exclusive',
      address,
      size: bytes,
      rt,
      ...shape,
      ...status,
      write: !load,
      dest64,
      acquireRelease: o0,
      exclusive: true,
    });
  }
  if (!o2 && o1) {
    // CASP{A,L,AL}: size<0> selects W or X pairs; Rs and Rt even, Rt2 = 0b11111.
    if (rt2 !== 31 || (rs & 1) !== 0 || (rt & 1) !== 0) return UNALLOCATED;
    const element = size === 0 ? 4 : 8;
    return memoryAccess({
      class: 'compare-and-swap',
      address,
      size: element,
      totalSize: 2 * element,
      rt,
      rt2: rt + 1,
      rs,
      write: true,
      dest64: size === 1,
      acquireRelease: load || o0,
      atomic: true,
      pair: true,
    });
  }
  if (o2 && !o1) {
    // o0 = 1: LDAR/STLR; o0 = 0: LDLAR/STLLR (FEAT_LOR), whose LORegion ordering QEMU 7.2
    // reports with AR = 0.
    return memoryAccess({
      class: 'load-store-ordered',
      address,
      size: bytes,
      rt,
      write: !load,
      dest64,
      acquireRelease: o0,
    });
  }
  // CAS{A,L,AL}{B,H}: L is acquire, o0 is release.
  if (rt2 !== 31) return UNALLOCATED;
  return memoryAccess({
    class: 'compare-and-swap',
    address,
    size: bytes,
    rt,
    rs,
    write: true,
    dest64,
    acquireRelease: load || o0,
    atomic: true,
  });
}
