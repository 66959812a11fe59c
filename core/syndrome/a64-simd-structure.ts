// The "Advanced SIMD load/store multiple structures" and "single structure" groups, with and
// without post-index (ARM DDI 0487, C4.1 "Loads and Stores"; decode as in C7.2 LD1..ST4, LD1R..LD4R).
import { bits } from '../arch/bits.js';
import { memoryAccess, UNALLOCATED, xOrSp, type GuestRegisters, type MemoryAccessDecode } from './memory-access.js';

/** opcode (15:12) of the multiple-structure forms -> registers repeated (rpt) x elements (selem). */
const MULTIPLE_STRUCTURE_LAYOUT: ReadonlyMap<number, { rpt: number; selem: number }> = new Map([
  [0b0000, { rpt: 1, selem: 4 }], // LD4/ST4
  [0b0010, { rpt: 4, selem: 1 }], // LD1/ST1, four registers
  [0b0100, { rpt: 1, selem: 3 }], // LD3/ST3
  [0b0110, { rpt: 3, selem: 1 }], // LD1/ST1, three registers
  [0b0111, { rpt: 1, selem: 1 }], // LD1/ST1, one register
  [0b1000, { rpt: 1, selem: 2 }], // LD2/ST2
  [0b1010, { rpt: 2, selem: 1 }], // LD1/ST1, two registers
]);

type StructureShape = { elementBytes: number; totalBytes: number };

function structureAccess(
  w: bigint,
  regs: GuestRegisters,
  single: boolean,
  { elementBytes, totalBytes }: StructureShape,
): MemoryAccessDecode {
  return memoryAccess({
    class: single ? 'simd-structure-single' : 'simd-structure-multiple',
    // Post-index (bit 23) accesses the old base; Xn + (Rm = 31 ? totalBytes : Xm) is only written back.
    address: xOrSp(regs, Number(bits(w, 9, 5))),
    size: elementBytes,
    totalSize: totalBytes,
    rt: Number(bits(w, 4, 0)),
    write: bits(w, 22, 22) === 0n,
    simd: true,
    writeback: bits(w, 23, 23) === 1n,
  });
}

/** Decodes LD1-LD4/ST1-ST4 (multiple structures), with or without post-index. */
export function decodeSimdMultipleStructures(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  const layout = MULTIPLE_STRUCTURE_LAYOUT.get(Number(bits(w, 15, 12)));
  const size = Number(bits(w, 11, 10));
  const q = bits(w, 30, 30) === 1n;
  if (layout === undefined || (size === 3 && !q && layout.selem !== 1)) return UNALLOCATED;
  const totalBytes = layout.rpt * layout.selem * (q ? 16 : 8);
  return structureAccess(w, regs, false, { elementBytes: 1 << size, totalBytes });
}

/** Decodes LD1-LD4/ST1-ST4 (single structure) and LD1R-LD4R, with or without post-index. */
export function decodeSimdSingleStructure(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  const opcode = Number(bits(w, 15, 13));
  const s = bits(w, 12, 12) === 1n;
  const size = Number(bits(w, 11, 10));
  const load = bits(w, 22, 22) === 1n;
  const selem = (((opcode & 1) << 1) | Number(bits(w, 21, 21))) + 1;
  let scale = opcode >> 1;
  switch (scale) {
    case 3:
      // LDnR: replicate one element of `size`; there is no store form.
      if (!load || s) return UNALLOCATED;
      scale = size;
      break;
    case 1:
      if ((size & 1) !== 0) return UNALLOCATED;
      break;
    case 2:
      if ((size & 2) !== 0) return UNALLOCATED;
      if ((size & 1) === 1) {
        if (s) return UNALLOCATED;
        scale = 3;
      }
      break;
    default:
      break;
  }
  const elementBytes = 1 << scale;
  return structureAccess(w, regs, true, { elementBytes, totalBytes: selem * elementBytes });
}
