// Decodes an A64 instruction word into the data access it makes, by the encoding index of ARM DDI
// 0487 C4.1 ("Loads and Stores", op0 = x1x0) plus the SYS cache-maintenance/AT space. The FAR and
// ISS of a stage-2 data abort are built from this (see data-abort-iss.ts), because unicorn reports
// only the faulting PC and page.
import { decodeLoadStoreExclusive } from './a64-load-store-exclusive.js';
import { decodeLoadLiteral, decodeLoadStoreRegister } from './a64-load-store-register.js';
import { decodeLoadStorePair } from './a64-load-store-pair.js';
import { decodeRcpcUnscaled } from './a64-rcpc-unscaled.js';
import { decodeSimdMultipleStructures, decodeSimdSingleStructure } from './a64-simd-structure.js';
import { decodeSystemMemoryOperation } from './a64-system-memory-operation.js';
import {
  OTHER_INSTRUCTION,
  outOfScope,
  UNALLOCATED,
  type DecodeOptions,
  type GuestRegisters,
  type MemoryAccessDecode,
} from './memory-access.js';

export type {
  DecodeOptions,
  GuestRegisters,
  MemoryAccess,
  MemoryAccessClass,
  MemoryAccessDecode,
  NotAMemoryAccess,
  OutOfScopeFeature,
} from './memory-access.js';
export { QEMU_MAX_DCZ_BLOCK_BYTES } from './memory-access.js';

type GroupDecoder = (w: bigint, regs: GuestRegisters, options: DecodeOptions) => MemoryAccessDecode;

/** One encoding group: `pattern` is bits 31..0 as the Arm ARM writes them (x = any; spaces ignored). */
type EncodingGroup = Readonly<{ pattern: string; decode: GroupDecoder }>;

/** The first group whose pattern matches decodes the word. */
const ENCODING_GROUPS: readonly EncodingGroup[] = [
  // Advanced SIMD load/store multiple structures, and post-indexed.
  { pattern: '0x00 1100 0x00 0000 xxxx xxxx xxxx xxxx', decode: decodeSimdMultipleStructures },
  { pattern: '0x00 1100 1x0x xxxx xxxx xxxx xxxx xxxx', decode: decodeSimdMultipleStructures },
  // Advanced SIMD load/store single structure, and post-indexed.
  { pattern: '0x00 1101 0xx0 0000 xxxx xxxx xxxx xxxx', decode: decodeSimdSingleStructure },
  { pattern: '0x00 1101 1xxx xxxx xxxx xxxx xxxx xxxx', decode: decodeSimdSingleStructure },
  // Load/store exclusive, load/store ordered, compare and swap (pair).
  { pattern: 'xx00 1000 xxxx xxxx xxxx xxxx xxxx xxxx', decode: decodeLoadStoreExclusive },
  // LDAPR/STLR (unscaled immediate), with MTE tags, MOPS and LRCPC3 beside it.
  { pattern: 'xx01 1x01 xxxx xxxx xxxx xxxx xxxx xxxx', decode: decodeRcpcUnscaled },
  // Load register (literal).
  { pattern: 'xx01 1x00 xxxx xxxx xxxx xxxx xxxx xxxx', decode: decodeLoadLiteral },
  // Load/store register pair (no-allocate, post-index, offset, pre-index).
  { pattern: 'xx10 1x0x xxxx xxxx xxxx xxxx xxxx xxxx', decode: decodeLoadStorePair },
  // Load/store register (all single-register forms and atomics).
  { pattern: 'xx11 1x0x xxxx xxxx xxxx xxxx xxxx xxxx', decode: decodeLoadStoreRegister },
  // Anything else in the loads-and-stores space (op0 = x1x0).
  { pattern: 'xxxx 1x0x xxxx xxxx xxxx xxxx xxxx xxxx', decode: () => UNALLOCATED },
  // SYS #op1, C7, Cm, #op2, Xt: DC, IC, AT.
  { pattern: '1101 0101 0000 1xxx xxxx xxxx xxxx xxxx', decode: decodeSystemMemoryOperation },
  // SVE memory encodings (op0 = 0010, bit 31 set) and the SME space (op0 = 0000, bit 31 set).
  { pattern: '1xx0 010x xxxx xxxx xxxx xxxx xxxx xxxx', decode: () => outOfScope('FEAT_SVE') },
  { pattern: '1xx0 000x xxxx xxxx xxxx xxxx xxxx xxxx', decode: () => outOfScope('FEAT_SME') },
];

type CompiledGroup = Readonly<{ mask: bigint; value: bigint; decode: GroupDecoder }>;

function compilePattern({ pattern, decode }: EncodingGroup): CompiledGroup {
  const digits = pattern.replaceAll(' ', '');
  if (digits.length !== 32) throw new Error(`encoding pattern must have 32 bits: ${pattern}`);
  let mask = 0n;
  let value = 0n;
  for (const digit of digits) {
    mask = (mask << 1n) | (digit === 'x' ? 0n : 1n);
    value = (value << 1n) | (digit === '1' ? 1n : 0n);
  }
  return { mask, value, decode };
}

const COMPILED_GROUPS: readonly CompiledGroup[] = ENCODING_GROUPS.map(compilePattern);

/** Decodes the data access of the A64 instruction `insn`, computing its address from `regs`. */
export function decodeMemoryAccess(
  insn: number,
  regs: GuestRegisters,
  options: DecodeOptions = {},
): MemoryAccessDecode {
  const w = BigInt(insn >>> 0);
  const group = COMPILED_GROUPS.find((g) => (w & g.mask) === g.value);
  return group === undefined ? OTHER_INSTRUCTION : group.decode(w, regs, options);
}
