// The "Load/store register" encoding groups (ARM DDI 0487, C4.1 "Loads and Stores", op0 = xx11):
// unsigned offset, unscaled/pre-index/post-index/unprivileged (imm9), register offset, PAC, and
// (op0 = xx01) the literal loads.
import { bits } from '../arch/bits.js';
import { decodeAtomicMemoryOperation } from './a64-atomic-memory-operation.js';
import {
  memoryAccess,
  offsetAddress,
  signExtendFrom,
  UNALLOCATED,
  xOrSp,
  xOrZero,
  type GuestRegisters,
  type MemoryAccessDecode,
} from './memory-access.js';
import { registerTransfer, singleRegisterAccess, type RegisterTransfer } from './register-transfer.js';

// Register-offset option field (DecodeRegExtend).
const EXTEND_UXTW = 0b010;
const EXTEND_SXTW = 0b110;

/** Decodes the load/store register groups: bits 29:27 = 111, bit 25 = 0. */
export function decodeLoadStoreRegister(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  if (bits(w, 24, 24) === 1n) return decodeUnsignedOffset(w, regs);
  if (bits(w, 21, 21) === 0n) return decodeImmediate9(w, regs);
  switch (Number(bits(w, 11, 10))) {
    case 0b00:
      return decodeAtomicMemoryOperation(w, regs);
    case 0b10:
      return decodeRegisterOffset(w, regs);
    default:
      return decodePacLoad(w, regs);
  }
}

function transferOf(w: bigint): RegisterTransfer {
  return registerTransfer(Number(bits(w, 31, 30)), bits(w, 26, 26) === 1n, Number(bits(w, 23, 22)));
}

/** opc 00: LDR Wt; 01: LDR Xt; 10: LDRSW Xt; 11: PRFM. */
const LITERAL_TRANSFERS: readonly RegisterTransfer[] = [
  { kind: 'gpr', scale: 2, write: false, signExtend: false, dest64: false },
  { kind: 'gpr', scale: 3, write: false, signExtend: false, dest64: true },
  { kind: 'gpr', scale: 2, write: false, signExtend: true, dest64: true },
  { kind: 'prefetch', scale: 3 },
];

const rtOf = (w: bigint): number => Number(bits(w, 4, 0));
const baseOf = (w: bigint, regs: GuestRegisters): bigint => xOrSp(regs, Number(bits(w, 9, 5)));

/** LDR/STR (immediate, unsigned offset): address = Xn|SP + imm12 << scale. */
function decodeUnsignedOffset(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  const transfer = transferOf(w);
  if (transfer.kind === 'unallocated') return UNALLOCATED;
  const address = offsetAddress(baseOf(w, regs), bits(w, 21, 10) << BigInt(transfer.scale));
  return singleRegisterAccess(transfer, 'load-store-register', { address, rt: rtOf(w) });
}

/** LDUR/STUR, post-index, LDTR/STTR, pre-index: bits 11:10 select the form. */
function decodeImmediate9(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  const transfer = transferOf(w);
  const form = Number(bits(w, 11, 10));
  const base = baseOf(w, regs);
  const updated = offsetAddress(base, signExtendFrom(bits(w, 20, 12), 9));
  if (form === 0b00) return singleRegisterAccess(transfer, 'load-store-register', { address: updated, rt: rtOf(w) });
  // PRFUM exists only unscaled; there is no SIMD&FP LDTR/STTR.
  if (transfer.kind === 'prefetch') return UNALLOCATED;
  if (form === 0b10) {
    if (transfer.kind === 'simd') return UNALLOCATED;
    return singleRegisterAccess(transfer, 'load-store-unprivileged', {
      address: updated,
      rt: rtOf(w),
      unprivileged: true,
    });
  }
  const address = form === 0b01 ? base : updated;
  return singleRegisterAccess(transfer, 'load-store-register', { address, rt: rtOf(w), writeback: true });
}

/** LDR/STR (register): address = Xn|SP + (extend(Rm) << (S ? scale : 0)). */
function decodeRegisterOffset(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  const transfer = transferOf(w);
  const option = Number(bits(w, 15, 13));
  if (transfer.kind === 'unallocated' || (option & 0b010) === 0) return UNALLOCATED;
  const rm = xOrZero(regs, Number(bits(w, 20, 16)));
  const extended = option === EXTEND_UXTW ? bits(rm, 31, 0) : option === EXTEND_SXTW ? signExtendFrom(rm, 32) : rm;
  const shift = bits(w, 12, 12) === 1n ? BigInt(transfer.scale) : 0n;
  const address = offsetAddress(baseOf(w, regs), extended << shift);
  return singleRegisterAccess(transfer, 'load-store-register', { address, rt: rtOf(w) });
}

/**
 * LDRAA/LDRAB (FEAT_PAuth): a 64-bit load at Xn|SP + simm10 << 3, pre-indexed when W = 1.
 * The base is used as it stands, i.e. as authentication leaves a pointer that carries no PAC
 * (or with SCTLR_EL1.EnDA/EnDB = 0); a caller holding signed pointers must strip them first.
 */
function decodePacLoad(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  if (bits(w, 31, 30) !== 0b11n || bits(w, 26, 26) === 1n) return UNALLOCATED;
  const simm10 = signExtendFrom((bits(w, 22, 22) << 9n) | bits(w, 20, 12), 10);
  const address = offsetAddress(baseOf(w, regs), simm10 << 3n);
  const writeback = bits(w, 11, 11) === 1n;
  return memoryAccess({ class: 'load-register-pac', address, size: 8, rt: rtOf(w), dest64: true, writeback });
}

/** LDR (literal), LDRSW (literal), PRFM (literal), LDR (literal, SIMD&FP): address = PC + imm19 * 4. */
export function decodeLoadLiteral(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  const opc = Number(bits(w, 31, 30));
  const simd = bits(w, 26, 26) === 1n;
  const address = offsetAddress(regs.pc, signExtendFrom(bits(w, 23, 5), 19) << 2n);
  const rt = rtOf(w);
  if (simd) {
    if (opc === 0b11) return UNALLOCATED;
    return singleRegisterAccess({ kind: 'simd', scale: 2 + opc, write: false }, 'simd-fp-register', { address, rt });
  }
  return singleRegisterAccess(LITERAL_TRANSFERS[opc]!, 'load-register-literal', { address, rt });
}
