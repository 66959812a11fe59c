// The register a single-register load/store moves, from its size, V and opc fields (ARM DDI 0487,
// C4.1 "Loads and Stores": the LDR/STR immediate, register-offset and literal encoding tables).
import {
  memoryAccess,
  UNALLOCATED,
  type MemoryAccessClass,
  type MemoryAccessDecode,
  type MemoryAccessInit,
} from './memory-access.js';

/** The transfer selected by size:V:opc. `scale` is log2 of the bytes moved (3 for PRFM). */
export type RegisterTransfer =
  | { kind: 'gpr'; scale: number; write: boolean; signExtend: boolean; dest64: boolean }
  | { kind: 'simd'; scale: number; write: boolean }
  | { kind: 'prefetch'; scale: 3 }
  | { kind: 'unallocated' };

/** Decodes size (31:30), V (26) and opc (23:22) of the LDR/STR (immediate and register) groups. */
export function registerTransfer(size: number, simd: boolean, opc: number): RegisterTransfer {
  if (simd) {
    // opc<1>:size gives 8 << scale bits; scale 4 (Q) exists only with size 0b00.
    const scale = ((opc >> 1) << 2) | size;
    return scale > 4 ? { kind: 'unallocated' } : { kind: 'simd', scale, write: (opc & 1) === 0 };
  }
  switch (opc) {
    case 0b00:
      return { kind: 'gpr', scale: size, write: true, signExtend: false, dest64: size === 3 };
    case 0b01:
      return { kind: 'gpr', scale: size, write: false, signExtend: false, dest64: size === 3 };
    case 0b10:
      // LDRSB/LDRSH/LDRSW into an X register; size 0b11 is PRFM.
      return size === 3
        ? { kind: 'prefetch', scale: 3 }
        : { kind: 'gpr', scale: size, write: false, signExtend: true, dest64: true };
    default:
      // LDRSB/LDRSH into a W register.
      return size <= 1
        ? { kind: 'gpr', scale: size, write: false, signExtend: true, dest64: false }
        : { kind: 'unallocated' };
  }
}

type Placement = Pick<MemoryAccessInit, 'address' | 'rt'> &
  Partial<Pick<MemoryAccessInit, 'writeback' | 'unprivileged'>>;

/** Builds the access of a single-register load/store; `gprClass` names the general-purpose form. */
export function singleRegisterAccess(
  transfer: RegisterTransfer,
  gprClass: MemoryAccessClass,
  placement: Placement,
): MemoryAccessDecode {
  switch (transfer.kind) {
    case 'unallocated':
      return UNALLOCATED;
    case 'prefetch':
      // Rt holds the prfop; a prefetch never generates an abort (Arm ARM C6.2 PRFM).
      return memoryAccess({ class: 'prefetch', ...placement, size: 0, prefetch: true, neverFaults: true });
    case 'simd':
      return memoryAccess({
        class: 'simd-fp-register',
        ...placement,
        size: 1 << transfer.scale,
        write: transfer.write,
        simd: true,
      });
    case 'gpr': {
      const { scale, write, signExtend, dest64 } = transfer;
      return memoryAccess({ class: gprClass, ...placement, size: 1 << scale, write, signExtend, dest64 });
    }
    default: {
      const unreachable: never = transfer;
      return unreachable;
    }
  }
}
