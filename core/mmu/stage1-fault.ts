// The faults a stage-1 walk reports, and the fault status codes (ESR_ELx.ISS DFSC/IFSC) the
// Arm ARM assigns them (ARM DDI 0487, ESR_ELx ISS encoding for Data and Instruction Aborts).
import type { TranslationLevel } from './stage1-descriptor.js';
import type { Stage1Permissions } from './stage1-permissions.js';

/** One descriptor read on the walk: the table's base, the entry's index, what it held. */
export type WalkStep = Readonly<{
  level: TranslationLevel;
  tableAddr: bigint;
  index: number;
  descriptor: bigint;
}>;

export type TranslationFaultReason =
  /** VA bits above the range size are not all 0 (TTBR0) or all 1 (TTBR1). */
  | 'va-outside-range'
  /** TCR_EL1.EPDn = 1. */
  | 'walk-disabled'
  /** TCR_EL1.TGn selects a granule other than 4 KiB; the walker only implements 4 KiB. */
  | 'granule-not-supported'
  /** Descriptor bit 0 = 0. */
  | 'invalid-descriptor'
  /** A block encoding the 4 KiB granule lacks: 0b01 at level 0 or level 3. */
  | 'reserved-descriptor';

export type AddressSizeFaultReason =
  /** SCTLR_EL1.M = 0 and the VA has bits set at or above the PA size. */
  | 'va-above-pa-size'
  /** TTBRn_EL1.BADDR has bits set at or above the TCR_EL1.IPS size. */
  | 'table-base-above-output-size'
  | 'table-address-above-output-size'
  | 'output-address-above-output-size';

/** Fault types that have a stage-1 fault status code. */
export type Stage1FaultType = 'address-size' | 'translation' | 'access-flag' | 'permission';

type FaultWalk = { kind: 'fault'; level: TranslationLevel; walk: readonly WalkStep[] };

/** A stage-1 fault. F is the type of fault the table-read callback returns from stage 2. */
export type Stage1Fault<F = unknown> =
  | (FaultWalk & { type: 'translation'; fsc: number; reason: TranslationFaultReason })
  | (FaultWalk & { type: 'address-size'; fsc: number; reason: AddressSizeFaultReason })
  | (FaultWalk & { type: 'access-flag'; fsc: number })
  /** perms are what the leaf allows; the requested access was not among them. */
  | (FaultWalk & { type: 'permission'; fsc: number; perms: Stage1Permissions })
  /**
   * Reading the descriptor at `ipa` for `level` failed in stage 2 (S1PTW = 1). The fault
   * status code is stage 2's, so it is inside `stage2`, not here.
   */
  | (FaultWalk & { type: 'stage2-on-walk'; ipa: bigint; stage2: F });

const FSC_BASE: Readonly<Record<Stage1FaultType, number>> = {
  'address-size': 0b000000,
  translation: 0b000100,
  'access-flag': 0b001000,
  permission: 0b001100,
};

/** Returns the DFSC/IFSC code 0bTTTTLL for a fault of `type` at `level`. */
export function faultStatusCode(type: Stage1FaultType, level: TranslationLevel): number {
  return FSC_BASE[type] + level;
}

/** Builds a translation fault at `level`. */
export function translationFault(
  level: TranslationLevel,
  reason: TranslationFaultReason,
  walk: readonly WalkStep[],
): Stage1Fault<never> {
  const fsc = faultStatusCode('translation', level);
  return { kind: 'fault', type: 'translation', level, fsc, reason, walk };
}

/** Builds an address size fault at `level`. */
export function addressSizeFault(
  level: TranslationLevel,
  reason: AddressSizeFaultReason,
  walk: readonly WalkStep[],
): Stage1Fault<never> {
  const fsc = faultStatusCode('address-size', level);
  return { kind: 'fault', type: 'address-size', level, fsc, reason, walk };
}
