// What one A64 instruction does to data memory, as the data-abort syndrome needs it (ARM DDI 0487,
// C3.3 "Loads and stores", C5.3 "A64 System instructions for cache maintenance").

/** The instruction groups of the Arm ARM's load/store encoding index, plus DC/IC/AT and prefetch. */
export type MemoryAccessClass =
  /** LDR/STR/LDRB/.../LDRSW (GPR): unscaled, pre/post-index, unsigned offset, register offset. */
  | 'load-store-register'
  /** LDR (literal), LDRSW (literal) into a general-purpose register. */
  | 'load-register-literal'
  /** LDTR/STTR and their byte, halfword and sign-extending forms. */
  | 'load-store-unprivileged'
  /** LDRAA/LDRAB (FEAT_PAuth). */
  | 'load-register-pac'
  /** LDP/STP/LDNP/STNP/LDPSW on general-purpose registers. */
  | 'load-store-pair'
  /** LDXR/STXR/LDAXR/STLXR and the pair forms LDXP/STXP/LDAXP/STLXP. */
  | 'load-store-exclusive'
  /** LDAR/STLR/LDLAR/STLLR (non-exclusive load-acquire/store-release). */
  | 'load-store-ordered'
  /** LDAPR (FEAT_LRCPC). */
  | 'load-acquire-rcpc'
  /** LDAPUR/STLUR and LDAPURS* (FEAT_LRCPC2). */
  | 'load-store-rcpc-unscaled'
  /** LDADD/LDCLR/LDEOR/LDSET/LD{S,U}{MAX,MIN}/SWP and their ST* aliases (FEAT_LSE). */
  | 'atomic-memory-operation'
  /** CAS and CASP with all acquire/release variants (FEAT_LSE). */
  | 'compare-and-swap'
  /** LDR/STR/LDUR/STUR of B/H/S/D/Q, all addressing modes including literal. */
  | 'simd-fp-register'
  /** LDP/STP/LDNP/STNP of S/D/Q. */
  | 'simd-fp-pair'
  /** LD1-LD4/ST1-ST4 (multiple structures). */
  | 'simd-structure-multiple'
  /** LD1-LD4/ST1-ST4 (single structure) and LD1R-LD4R. */
  | 'simd-structure-single'
  /** DC ZVA: writes one DCZID_EL0 block of zeros. */
  | 'data-cache-zero'
  /** DC IVAC/CVAC/CVAU/CVAP/CVADP/CIVAC and IC IVAU. */
  | 'cache-maintenance'
  /** AT S1E1R/S1E1W/S1E0R/S1E0W/S1E1RP/S1E1WP: can fault only on the stage-1 walk (S1PTW). */
  | 'address-translation'
  /** PRFM/PRFUM (immediate, register, literal). */
  | 'prefetch';

/** The data access of one instruction. */
export type MemoryAccess = Readonly<{
  kind: 'memory';
  class: MemoryAccessClass;
  /** First byte accessed: pre-index uses the updated base, post-index the old one. */
  address: bigint;
  /** What FAR_ELx reports for a fault on the first access: `address`, except DC ZVA (Xt). */
  faultAddress: bigint;
  /** Bytes of the first (or only) element access; 0 when no data moves (DC by VA, AT, PRFM). */
  size: number;
  /** Bytes of all element accesses together. */
  totalSize: number;
  /** The instruction writes memory (stores, store-exclusives, atomics, DC ZVA). */
  write: boolean;
  /** Rt (Vt for SIMD&FP), or the Xt operand of DC/IC/AT. */
  rt: number;
  rt2?: number;
  /** Rs: the status register of a store-exclusive, the operand of an atomic or CAS. */
  rs?: number;
  signExtend: boolean;
  /** The general-purpose register(s) transferred are X registers (ISS.SF). */
  dest64: boolean;
  /** Acquire or release semantics (ISS.AR). */
  acquireRelease: boolean;
  simd: boolean;
  pair: boolean;
  writeback: boolean;
  exclusive: boolean;
  atomic: boolean;
  unprivileged: boolean;
  /** Reported with ISS.CM = 1 (cache maintenance by VA and AT). */
  cacheMaintenance: boolean;
  prefetch: boolean;
  /** No abort is ever reported: prefetches (architecture) and the DC/IC ops QEMU 7.2 treats as NOPs. */
  neverFaults: boolean;
}>;

/** Architectural features whose memory accesses this decoder does not describe. */
export type OutOfScopeFeature = 'FEAT_MTE' | 'FEAT_LS64' | 'FEAT_LRCPC3' | 'FEAT_MOPS' | 'FEAT_SVE' | 'FEAT_SME';

/** An instruction that is not a data access we describe. */
export type NotAMemoryAccess =
  /** Outside the load/store and DC/IC/AT encoding space. */
  | { kind: 'not-memory'; reason: 'other-instruction' }
  /** An unallocated encoding inside the load/store space (UNDEFINED on QEMU 7.2 -cpu max). */
  | { kind: 'not-memory'; reason: 'unallocated' }
  /** A memory access of a feature this decoder leaves out. */
  | { kind: 'not-memory'; reason: 'out-of-scope'; feature: OutOfScopeFeature };

export type MemoryAccessDecode = MemoryAccess | NotAMemoryAccess;

/** The guest state an address computation reads. */
export type GuestRegisters = Readonly<{
  /** X0..X30. */
  x: (n: number) => bigint;
  sp: bigint;
  /** Address of the instruction being decoded (for literal loads). */
  pc: bigint;
}>;

export type DecodeOptions = Readonly<{
  /** Bytes DC ZVA zeroes (4 << DCZID_EL0.BS). */
  dczBlockBytes?: number;
}>;

/** DCZID_EL0.BS = 4 on QEMU 7.2 system-mode `-cpu max` (the A57 value; 512 bytes is user-mode only). */
export const QEMU_MAX_DCZ_BLOCK_BYTES = 64;

export const UNALLOCATED: NotAMemoryAccess = { kind: 'not-memory', reason: 'unallocated' };
export const OTHER_INSTRUCTION: NotAMemoryAccess = { kind: 'not-memory', reason: 'other-instruction' };

/** Returns the decode result for a memory access of an out-of-scope feature. */
export function outOfScope(feature: OutOfScopeFeature): NotAMemoryAccess {
  return { kind: 'not-memory', reason: 'out-of-scope', feature };
}

type AccessFlags =
  | 'signExtend'
  | 'dest64'
  | 'acquireRelease'
  | 'simd'
  | 'pair'
  | 'writeback'
  | 'exclusive'
  | 'atomic'
  | 'unprivileged'
  | 'cacheMaintenance'
  | 'prefetch'
  | 'neverFaults'
  | 'write';

/** The fields a decoder must give; every flag it leaves out is false. */
export type MemoryAccessInit = Pick<MemoryAccess, 'class' | 'address' | 'size' | 'rt'> &
  Partial<Pick<MemoryAccess, AccessFlags | 'faultAddress' | 'totalSize' | 'rt2' | 'rs'>>;

/** Builds a MemoryAccess from a decoder's fields. */
export function memoryAccess(init: MemoryAccessInit): MemoryAccess {
  return {
    kind: 'memory',
    faultAddress: init.address,
    totalSize: init.size,
    write: false,
    signExtend: false,
    dest64: false,
    acquireRelease: false,
    simd: false,
    pair: false,
    writeback: false,
    exclusive: false,
    atomic: false,
    unprivileged: false,
    cacheMaintenance: false,
    prefetch: false,
    neverFaults: false,
    ...init,
  };
}

/** Xn, with register 31 read as XZR. */
export function xOrZero(regs: GuestRegisters, n: number): bigint {
  return n === 31 ? 0n : BigInt.asUintN(64, regs.x(n));
}

/** Xn, with register 31 read as SP (the base register of every load/store). */
export function xOrSp(regs: GuestRegisters, n: number): bigint {
  return BigInt.asUintN(64, n === 31 ? regs.sp : regs.x(n));
}

/** base + offset, wrapped to 64 bits. */
export function offsetAddress(base: bigint, offset: bigint): bigint {
  return BigInt.asUintN(64, base + offset);
}

/** Sign-extends the low `width` bits of `value`. */
export function signExtendFrom(value: bigint, width: number): bigint {
  return BigInt.asIntN(width, value);
}
