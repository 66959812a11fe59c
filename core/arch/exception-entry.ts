import { UC_ARM64_REG } from '../unicorn/constants.js';
import type { UnicornEngine } from '../unicorn/engine.js';
import {
  PSTATE_EL1H_DAIF_MASKED,
  PSTATE_M_EL0T,
  PSTATE_M_EL1H,
  PSTATE_M_EL1T,
  PSTATE_M_MASK,
  SYSREG,
  pstateEl,
} from './sysregs.js';

/** A synchronous exception to deliver to the guest at EL1. */
export interface El1Exception {
  readonly esr: bigint;
  /** FAR_EL1 for aborts; left unchanged when undefined (the Arm ARM: UNKNOWN for other classes). */
  readonly far?: bigint;
  /** ELR_EL1: the preferred return address. */
  readonly preferredReturn: bigint;
  /** Vector offset override (RITM's injection always uses 0x200); default: the architectural offset. */
  readonly vectorOffset?: bigint;
}

/** Where an exception entry went: the vector address and the offset chosen. */
export interface El1EntryResult {
  readonly vector: bigint;
  readonly vectorOffset: bigint;
  readonly fromPstate: bigint;
}

/** Architectural vector offset for a synchronous exception taken to EL1 from the given PSTATE (Arm ARM D1.10.2). */
export function syncVectorOffset(pstate: bigint): bigint {
  const m = pstate & PSTATE_M_MASK;
  if (pstateEl(pstate) === 0) return 0x400n; // lower EL, AArch64
  return m === PSTATE_M_EL1H ? 0x200n : 0x000n; // current EL with SP_ELx, or with SP_EL0
}

/** Vector offset of an IRQ (0x80) or FIQ (0x100) taken to EL1 from the given PSTATE (Arm ARM D1.10.2). */
export function interruptVectorOffset(pstate: bigint, kind: 'irq' | 'fiq'): bigint {
  const base = syncVectorOffset(pstate);
  return base + (kind === 'irq' ? 0x80n : 0x100n);
}

/**
 * Takes a synchronous exception to EL1 the way the hardware does: SPSR_EL1 = PSTATE, ELR_EL1, ESR_EL1, FAR_EL1,
 * PSTATE = EL1h with DAIF masked, SP switched to SP_EL1, PC = VBAR_EL1 + offset. General registers are untouched.
 */
export function enterEl1Exception(uc: UnicornEngine, exc: El1Exception): El1EntryResult {
  const pstate = uc.readReg(UC_ARM64_REG.PSTATE);
  const vectorOffset = exc.vectorOffset ?? syncVectorOffset(pstate);
  uc.writeSysReg(SYSREG.ESR_EL1, exc.esr);
  if (exc.far !== undefined) uc.writeSysReg(SYSREG.FAR_EL1, exc.far);
  return enterEl1(uc, pstate, exc.preferredReturn, vectorOffset);
}

/**
 * Takes an IRQ or FIQ to EL1 before the instruction at PC: ELR_EL1 = PC (the preferred return of an asynchronous
 * exception is the next instruction not executed), SPSR_EL1 = PSTATE, ESR_EL1 and FAR_EL1 untouched.
 */
export function enterEl1Interrupt(uc: UnicornEngine, kind: 'irq' | 'fiq'): El1EntryResult {
  const pstate = uc.readReg(UC_ARM64_REG.PSTATE);
  return enterEl1(uc, pstate, uc.readReg(UC_ARM64_REG.PC), interruptVectorOffset(pstate, kind));
}

function enterEl1(uc: UnicornEngine, pstate: bigint, preferredReturn: bigint, vectorOffset: bigint): El1EntryResult {
  // unicorn keeps the live SP in one register and the banked copies in SP_EL0/SP_EL1: bank the current one first.
  const sp = uc.readReg(UC_ARM64_REG.SP);
  const usesSpEl0 = (pstate & PSTATE_M_MASK) === PSTATE_M_EL0T || (pstate & PSTATE_M_MASK) === PSTATE_M_EL1T;
  uc.writeReg(usesSpEl0 ? UC_ARM64_REG.SP_EL0 : UC_ARM64_REG.SP_EL1, sp);
  uc.writeSysReg(SYSREG.SPSR_EL1, pstate);
  uc.writeSysReg(SYSREG.ELR_EL1, preferredReturn);
  uc.writeReg(UC_ARM64_REG.PSTATE, PSTATE_EL1H_DAIF_MASKED);
  uc.writeReg(UC_ARM64_REG.SP, uc.readReg(UC_ARM64_REG.SP_EL1));
  const vbar = uc.readSysReg(SYSREG.VBAR_EL1);
  // A CP_REG write makes unicorn rebuild its cached hflags, so the new EL takes effect (a PSTATE write alone does not).
  uc.writeSysReg(SYSREG.VBAR_EL1, vbar);
  const vector = BigInt.asUintN(64, vbar + vectorOffset);
  uc.writeReg(UC_ARM64_REG.PC, vector);
  return { vector, vectorOffset, fromPstate: pstate };
}
