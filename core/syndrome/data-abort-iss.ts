// The syndrome of a stage-2 Data Abort taken to EL2 (ARM DDI 0487, D23 ESR_EL2 "ISS encoding for an
// exception from a Data Abort", and the AArch64.FaultSyndrome pseudocode), plus FAR_EL2 and
// HPFAR_EL2 for the same fault.
import type { BitField } from '../arch/bits.js';
import {
  ESR_ISS_AR,
  ESR_ISS_CM,
  ESR_ISS_DFSC,
  ESR_ISS_EA,
  ESR_ISS_FNV,
  ESR_ISS_ISV,
  ESR_ISS_S1PTW,
  ESR_ISS_SAS,
  ESR_ISS_SF,
  ESR_ISS_SRT,
  ESR_ISS_SSE,
  ESR_ISS_WNR,
  fieldValue,
  makeEsr,
  EC,
} from '../arch/esr.js';
import type { MemoryAccess, MemoryAccessClass } from './memory-access.js';

/** The fault part of the syndrome: what the stage-2 walk found, not what the instruction did. */
export type DataAbortFault = Readonly<{
  dfsc: number;
  /** The fault hit a stage-1 table read, not the instruction's own access. */
  s1ptw: boolean;
  ea?: boolean;
  fnv?: boolean;
  /**
   * Atomics only: would a plain read of the location have raised this fault? Default true, as
   * for every translation, access flag and address size fault (WnR is then 0).
   */
  readWouldFault?: boolean;
}>;

/**
 * Classes whose aborts carry an instruction syndrome, before the writeback rule. The Arm ARM's
 * ISV: "loads and stores of a single general-purpose register (including the register specified
 * with 0b11111, including those with Acquire/Release semantics, but excluding Load Exclusive or
 * Store Exclusive and excluding those with writeback)". QEMU 7.2 agrees class by class.
 */
const PROVIDES_INSTRUCTION_SYNDROME: Readonly<Record<MemoryAccessClass, boolean>> = {
  'load-store-register': true, // QEMU disas_ldst_reg_{imm9,roffset,unsigned_imm}
  'load-register-literal': true, // QEMU disas_ld_lit
  'load-store-unprivileged': true, // QEMU disas_ldst_reg_imm9, idx = 2
  'load-register-pac': true, // QEMU disas_ldst_pac: iss_valid = !is_wback
  'load-store-ordered': true, // QEMU disas_ldst_excl: LDAR/STLR/LDLAR/STLLR
  'load-acquire-rcpc': true, // QEMU disas_ldst_atomic: LDAPR
  'load-store-rcpc-unscaled': true, // QEMU disas_ldst_ldapr_stlr
  'load-store-exclusive': false, // excluded by name
  'atomic-memory-operation': false, // Rs and Rt: not a single-register load or store (QEMU: no syndrome)
  'compare-and-swap': false,
  'load-store-pair': false,
  'simd-fp-register': false, // not a general-purpose register
  'simd-fp-pair': false,
  'simd-structure-multiple': false,
  'simd-structure-single': false,
  'data-cache-zero': false, // not a load or store
  'cache-maintenance': false,
  'address-translation': false,
  prefetch: false,
};

/** True for the synchronous External abort and parity/ECC codes (DFSC 0b01xxxx except Tag Check). */
function isSynchronousExternalAbort(dfsc: number): boolean {
  return (dfsc & 0b110000) === 0b010000 && dfsc !== 0b010001;
}

/** True when the abort reports ISS[23:14] (ISV = 1) for `access`. */
export function hasInstructionSyndrome(access: MemoryAccess, fault: DataAbortFault): boolean {
  // AArch64.FaultSyndrome: only for a second-stage fault that is not on the stage-1 walk and
  // (FEAT_RAS, present on -cpu max) not a synchronous External abort.
  return (
    PROVIDES_INSTRUCTION_SYNDROME[access.class] &&
    !access.writeback &&
    !fault.s1ptw &&
    !isSynchronousExternalAbort(fault.dfsc)
  );
}

/** ISS[24:14]: ISV, SAS, SSE, SRT, SF, AR. */
function instructionSyndrome(access: MemoryAccess): bigint {
  // SAS = log2(size): 0 byte, 1 halfword, 2 word, 3 doubleword.
  const sas = BigInt(31 - Math.clz32(access.size));
  return (
    ESR_ISS_ISV |
    fieldValue(ESR_ISS_SAS, sas) |
    (access.signExtend ? ESR_ISS_SSE : 0n) |
    fieldValue(ESR_ISS_SRT, BigInt(access.rt)) |
    (access.dest64 ? ESR_ISS_SF : 0n) |
    (access.acquireRelease ? ESR_ISS_AR : 0n)
  );
}

/**
 * WnR: 1 for cache maintenance and AT; for an atomic, 0 when a read would have faulted too
 * (QEMU 7.2 reports 0 for LSE atomics); otherwise the direction of the access. On a stage-1
 * walk fault (S1PTW) it stays the instruction's direction, as in QEMU 7.2.
 */
function writeNotRead(access: MemoryAccess, fault: DataAbortFault): boolean {
  if (access.cacheMaintenance) return true;
  if (access.atomic) return fault.readWouldFault === false;
  return access.write;
}

/** Returns ISS (bits 24:0) of the stage-2 Data Abort that `access` met with `fault`. */
export function dataAbortIss(access: MemoryAccess, fault: DataAbortFault): bigint {
  return (
    (hasInstructionSyndrome(access, fault) ? instructionSyndrome(access) : 0n) |
    (fault.fnv ? ESR_ISS_FNV : 0n) |
    (fault.ea ? ESR_ISS_EA : 0n) |
    (access.cacheMaintenance ? ESR_ISS_CM : 0n) |
    (fault.s1ptw ? ESR_ISS_S1PTW : 0n) |
    (writeNotRead(access, fault) ? ESR_ISS_WNR : 0n) |
    fieldValue(ESR_ISS_DFSC, BigInt(fault.dfsc))
  );
}

/** Returns ESR_EL2 for a Data Abort from a lower Exception level (EC 0x24) with `iss`. */
export function esrEl2ForDataAbort(iss: bigint, il = true): bigint {
  return makeEsr(EC.DABT_LOWER, iss, il);
}

/**
 * Returns FAR_EL2 for a fault on `access`. If the access spans pages and the fault is in a later
 * page (`faultingPage`, its base), FAR holds the first byte of the access in that page, as QEMU
 * reports for the second half of a split access.
 */
export function farForAccess(access: MemoryAccess, faultingPage?: bigint): bigint {
  if (faultingPage === undefined || faultingPage <= access.address) return access.faultAddress;
  const end = access.address + BigInt(Math.max(access.totalSize, 1));
  return faultingPage < end ? faultingPage : access.faultAddress;
}

// HPFAR_EL2.FIPA holds IPA[51:12] in bits [43:4] (bits [47:4] with FEAT_LPA2's wider IPA).
const HPFAR_EL2_FIPA: BitField = [47, 4];
const FIPA_MASK = (1n << BigInt(HPFAR_EL2_FIPA[0] - HPFAR_EL2_FIPA[1] + 1)) - 1n;
const FIPA_SHIFT = BigInt(HPFAR_EL2_FIPA[1]);

/** Returns HPFAR_EL2 for a stage-2 fault at `ipa`: FIPA = ipa >> 12, NS = 0. */
export function hpfarFor(ipa: bigint): bigint {
  return ((ipa >> 12n) & FIPA_MASK) << FIPA_SHIFT; // fieldValue(HPFAR_EL2_FIPA, ipa >> 12n), masks built once
}
