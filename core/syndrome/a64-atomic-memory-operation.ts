// The "Atomic memory operations" group (ARM DDI 0487, C4.1 "Loads and Stores": size 111 V 00 A R 1
// Rs o3 opc 00 Rn Rt): the FEAT_LSE read-modify-write instructions, SWP, and LDAPR (FEAT_LRCPC).
import { bits } from '../arch/bits.js';
import {
  memoryAccess,
  outOfScope,
  UNALLOCATED,
  xOrSp,
  type GuestRegisters,
  type MemoryAccessDecode,
} from './memory-access.js';

// o3:opc values outside LDADD..LDUMIN (o3 = 0).
const SWP = 0b1000;
const LDAPR = 0b1100;
// ST64B (Rs = 31), ST64BV0, ST64BV, LD64B (Rs = 31): size 0b11, A = R = 0.
const LS64_OPS: readonly number[] = [0b1001, 0b1010, 0b1011, 0b1101];

/** Decodes LDADD/LDCLR/LDEOR/LDSET/LD{S,U}{MAX,MIN}/SWP (+A/L/AL, B/H) and LDAPR{,B,H}. */
export function decodeAtomicMemoryOperation(w: bigint, regs: GuestRegisters): MemoryAccessDecode {
  if (bits(w, 26, 26) === 1n) return UNALLOCATED;
  const size = Number(bits(w, 31, 30));
  const acquire = bits(w, 23, 23) === 1n;
  const release = bits(w, 22, 22) === 1n;
  const rs = Number(bits(w, 20, 16));
  const op = Number(bits(w, 15, 12));
  const address = xOrSp(regs, Number(bits(w, 9, 5)));
  const rt = Number(bits(w, 4, 0));
  const shape = { address, size: 1 << size, rt, dest64: size === 3 };
  if (op === LDAPR) {
    if (!acquire || release || rs !== 31) return UNALLOCATED;
    return memoryAccess({ class: 'load-acquire-rcpc', ...shape, acquireRelease: true });
  }
  if (op < 0b1000 || op === SWP) {
    return memoryAccess({
      class: 'atomic-memory-operation',
      ...shape,
      rs,
      write: true,
      atomic: true,
      acquireRelease: acquire || release,
    });
  }
  if (size === 3 && !acquire && !release && LS64_OPS.includes(op)) return outOfScope('FEAT_LS64');
  return UNALLOCATED;
}
