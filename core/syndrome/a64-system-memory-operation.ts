// The SYS instructions that take a virtual address in Xt and can report a Data Abort (ARM DDI 0487,
// C5.3 "A64 System instructions for cache maintenance" and "for address translation").
import { bits } from '../arch/bits.js';
import {
  memoryAccess,
  OTHER_INSTRUCTION,
  outOfScope,
  xOrZero,
  type DecodeOptions,
  type GuestRegisters,
  type MemoryAccessDecode,
  QEMU_MAX_DCZ_BLOCK_BYTES,
} from './memory-access.js';

type SystemMemoryOperation =
  | { kind: 'zero' }
  /** qemuNop: QEMU 7.2 registers it as ARM_CP_NOP, so it never faults there. */
  | { kind: 'cache-maintenance'; qemuNop: boolean }
  | { kind: 'address-translation' }
  | { kind: 'mte' };

/** Key `op1:CRm:op2` (CRn = 7) of every by-VA operation available to EL1 on `-cpu max`. */
const SYSTEM_MEMORY_OPERATIONS: ReadonlyMap<string, SystemMemoryOperation> = new Map([
  ['0:6:1', { kind: 'cache-maintenance', qemuNop: true }], // DC IVAC
  ['3:4:1', { kind: 'zero' }], // DC ZVA
  ['3:5:1', { kind: 'cache-maintenance', qemuNop: true }], // IC IVAU
  ['3:10:1', { kind: 'cache-maintenance', qemuNop: true }], // DC CVAC
  ['3:11:1', { kind: 'cache-maintenance', qemuNop: true }], // DC CVAU
  ['3:12:1', { kind: 'cache-maintenance', qemuNop: false }], // DC CVAP (QEMU probes the line)
  ['3:13:1', { kind: 'cache-maintenance', qemuNop: false }], // DC CVADP
  ['3:14:1', { kind: 'cache-maintenance', qemuNop: true }], // DC CIVAC
  ['0:8:0', { kind: 'address-translation' }], // AT S1E1R
  ['0:8:1', { kind: 'address-translation' }], // AT S1E1W
  ['0:8:2', { kind: 'address-translation' }], // AT S1E0R
  ['0:8:3', { kind: 'address-translation' }], // AT S1E0W
  ['0:9:0', { kind: 'address-translation' }], // AT S1E1RP
  ['0:9:1', { kind: 'address-translation' }], // AT S1E1WP
  ...[
    '0:6:3',
    '0:6:5',
    '3:4:3',
    '3:4:4',
    '3:10:3',
    '3:10:5',
    '3:12:3',
    '3:12:5',
    '3:13:3',
    '3:13:5',
    '3:14:3',
    '3:14:5',
  ].map((key): [string, SystemMemoryOperation] => [key, { kind: 'mte' }]), // DC IGVAC, DC GVA, DC CGVAC, ...
]);

/** Decodes DC ZVA, DC/IC cache maintenance by VA and AT S1E{0,1}*; bits 31:19 = 1101010100001. */
export function decodeSystemMemoryOperation(
  w: bigint,
  regs: GuestRegisters,
  options: DecodeOptions,
): MemoryAccessDecode {
  if (bits(w, 15, 12) !== 7n) return OTHER_INSTRUCTION;
  const key = `${bits(w, 18, 16)}:${bits(w, 11, 8)}:${bits(w, 7, 5)}`;
  const operation = SYSTEM_MEMORY_OPERATIONS.get(key);
  if (operation === undefined) return OTHER_INSTRUCTION;
  const rt = Number(bits(w, 4, 0));
  const va = xOrZero(regs, rt);
  switch (operation.kind) {
    case 'zero': {
      // AArch64.DataMemZero: the block at Align(Xt, size) is written; an abort reports Xt itself.
      const block = options.dczBlockBytes ?? QEMU_MAX_DCZ_BLOCK_BYTES;
      const address = va & ~BigInt(block - 1);
      return memoryAccess({ class: 'data-cache-zero', address, faultAddress: va, size: block, rt, write: true });
    }
    case 'cache-maintenance':
      return memoryAccess({
        class: 'cache-maintenance',
        address: va,
        size: 0,
        rt,
        cacheMaintenance: true,
        neverFaults: operation.qemuNop,
      });
    case 'address-translation':
      return memoryAccess({ class: 'address-translation', address: va, size: 0, rt, cacheMaintenance: true });
    case 'mte':
      return outOfScope('FEAT_MTE');
    default: {
      const unreachable: never = operation;
      return unreachable;
    }
  }
}
