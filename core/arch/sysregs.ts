import type { SysRegEncoding } from '../unicorn/engine.js';

/** EL1 system registers the machine reads or writes through unicorn, by their MRS/MSR encoding (Arm ARM D17). */
export const SYSREG = {
  SCTLR_EL1: { op0: 3, op1: 0, crn: 1, crm: 0, op2: 0 },
  TTBR0_EL1: { op0: 3, op1: 0, crn: 2, crm: 0, op2: 0 },
  TTBR1_EL1: { op0: 3, op1: 0, crn: 2, crm: 0, op2: 1 },
  TCR_EL1: { op0: 3, op1: 0, crn: 2, crm: 0, op2: 2 },
  SPSR_EL1: { op0: 3, op1: 0, crn: 4, crm: 0, op2: 0 },
  ELR_EL1: { op0: 3, op1: 0, crn: 4, crm: 0, op2: 1 },
  SP_EL0: { op0: 3, op1: 0, crn: 4, crm: 1, op2: 0 },
  ESR_EL1: { op0: 3, op1: 0, crn: 5, crm: 2, op2: 0 },
  FAR_EL1: { op0: 3, op1: 0, crn: 6, crm: 0, op2: 0 },
  MAIR_EL1: { op0: 3, op1: 0, crn: 10, crm: 2, op2: 0 },
  VBAR_EL1: { op0: 3, op1: 0, crn: 12, crm: 0, op2: 0 },
  CNTFRQ_EL0: { op0: 3, op1: 3, crn: 14, crm: 0, op2: 0 },
} as const satisfies Record<string, SysRegEncoding>;

/** Name of one of the EL1 system registers above. */
export type El1SysRegName = keyof typeof SYSREG;

// PSTATE (SPSR layout) fields, Arm ARM C5.2.
export const PSTATE_M_MASK = 0xfn;
export const PSTATE_M_EL0T = 0b0000n;
export const PSTATE_M_EL1T = 0b0100n;
export const PSTATE_M_EL1H = 0b0101n;
export const PSTATE_DAIF = 0xfn << 6n;
/** EL1h with D, A, I and F masked: the state exception entry to EL1 (and reset into a kernel) produces. */
export const PSTATE_EL1H_DAIF_MASKED = PSTATE_DAIF | PSTATE_M_EL1H; // 0x3c5

/** SCTLR_EL1 value at EL1 entry (el2-model.md): MMU and caches off, RES1 bits set. */
export const SCTLR_EL1_ENTRY = 0x30d0_0800n;
export const SCTLR_EL1_M = 1n << 0n;

/** The exception level encoded in a PSTATE/SPSR value (M[3:2]). */
export function pstateEl(pstate: bigint): number {
  return Number((pstate >> 2n) & 3n);
}
