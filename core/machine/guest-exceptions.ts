// What happens after a run returns because the CPU raised an exception or a translation failed: HVC/SMC go to the
// EL2 model, stage-2 faults to the hypervisor, and everything else is taken to the guest's EL1 vectors as the
// architecture does (ESR_EL1, FAR_EL1, ELR_EL1, SPSR_EL1, PSTATE), or ends the run when it has no vectors.
import { EC, ESR_ISS_CM, ESR_ISS_WNR, FSC_SYNC_EXTERNAL, FSC_SYNC_EXTERNAL_WALK_LEVEL0, makeEsr } from '../arch/esr.js';
import { enterEl1Exception, type El1Exception } from '../arch/exception-entry.js';
import { classifyExceptionInstruction } from '../arch/instruction-classes.js';
import { SYSREG } from '../arch/sysregs.js';
import type { El2State } from '../el2/el2-state.js';
import type { CoreLogger, HaltReason, MachineEvent } from '../el2/events.js';
import type { Hypervisor } from '../el2/hypervisor.js';
import { decodeMemoryAccess } from '../syndrome/a64-memory-access.js';
import type { MemoryAccessDecode } from '../syndrome/memory-access.js';
import { hex } from '../text/hex.js';
import { UC_ARM64_REG } from '../unicorn/constants.js';
import type { MemAccessType, UnicornEngine } from '../unicorn/engine.js';
import { xRegisterId } from '../unicorn/registers.js';
import type { AddressSpace, FillStop } from './address-space.js';

// QEMU exception numbers unicorn passes to UC_HOOK_INTR (target/arm/cpu.h).
export const EXCP_UDEF = 1;
export const EXCP_SWI = 2;
export const EXCP_BKPT = 7;
export const EXCP_HVC = 11;
export const EXCP_SMC = 13;

type TranslationStop = Extract<FillStop, { kind: 'translation' }>;
type ExternalAbortStop = Extract<FillStop, { kind: 'external-abort' }>;

/** The parts of the machine exception delivery works on. */
export interface GuestExceptionContext {
  readonly uc: UnicornEngine;
  readonly space: AddressSpace;
  readonly el2: El2State;
  readonly hypervisor: Hypervisor;
  readonly emit: (e: MachineEvent) => void;
  readonly logger: CoreLogger;
}

/** Delivers CPU exceptions and translation faults of one machine. */
export class GuestExceptions {
  constructor(private readonly m: GuestExceptionContext) {}

  /** An exception unicorn raised at `pc` (QEMU's EXCP_* number). */
  cpuException(intno: number, pc: bigint): HaltReason | null {
    const { space, hypervisor, el2 } = this.m;
    if (intno === EXCP_UDEF) {
      const insn = space.readInstruction(pc);
      const cls = insn === null ? { kind: 'other' as const } : classifyExceptionInstruction(insn);
      if (cls.kind === 'hvc') return hypervisor.hypercall('hvc', pc);
      if (cls.kind === 'smc' && el2.smcTrapped) return hypervisor.hypercall('smc', pc);
      const why = cls.kind === 'smc' ? 'SMC with HCR_EL2.TSC=0 and no EL3 (undefined)' : 'undefined instruction';
      return this.take({ esr: makeEsr(EC.UNKNOWN, 0n), preferredReturn: pc }, pc, why);
    }
    if (intno === EXCP_HVC || intno === EXCP_SMC) {
      // With -cpu max unicorn raises these (not UDEF) with PC already past the instruction.
      const at = this.exceptionInstructionAt(pc, intno === EXCP_HVC ? 'hvc' : 'smc');
      if (intno === EXCP_HVC) return hypervisor.hypercall('hvc', at);
      if (el2.smcTrapped) return hypervisor.hypercall('smc', at);
      const why = 'SMC with HCR_EL2.TSC=0 and no EL3 (undefined)';
      return this.take({ esr: makeEsr(EC.UNKNOWN, 0n), preferredReturn: at }, at, why);
    }
    if (intno === EXCP_SWI) {
      // unicorn reports SVC with PC already past it; the preferred return is that next instruction.
      const imm = this.exceptionImmediate(pc - 4n);
      return this.take({ esr: makeEsr(EC.SVC64, BigInt(imm)), preferredReturn: pc }, pc - 4n, `SVC #${imm}`);
    }
    if (intno === EXCP_BKPT) {
      const imm = this.exceptionImmediate(pc);
      return this.take({ esr: makeEsr(EC.BRK64, BigInt(imm)), preferredReturn: pc }, pc, `BRK #${imm}`);
    }
    return { kind: 'emulator-error', pc, description: `CPU exception ${intno} that el2dbg does not model yet` };
  }

  /** A translation fault the TLB fill reported for the instruction at `pc`: stage 2 to EL2, stage 1 to EL1. */
  translationFault(stop: TranslationStop, pc: bigint): HaltReason | null {
    const { hypervisor } = this.m;
    const f = stop.fault;
    if (f.stage === 2) {
      if (stop.access === 'fetch') return hypervisor.instructionAbort(pc, f.ipa & ~0xfffn, f.level, false);
      const fault = { pageVa: stop.va, access: stop.access, ipaPage: f.ipa & ~0xfffn, level: f.level, s1ptw: false };
      return hypervisor.dataAbort(pc, fault);
    }
    if (f.fault.type === 'stage2-on-walk' && f.fault.stage2.kind === 'stage2') {
      const s2 = f.fault.stage2;
      if (stop.access === 'fetch') return hypervisor.instructionAbort(pc, s2.ipa & ~0xfffn, s2.level, true);
      const fault = { pageVa: stop.va, access: stop.access, ipaPage: s2.ipa & ~0xfffn, level: s2.level, s1ptw: true };
      return hypervisor.dataAbort(pc, fault);
    }
    return this.stage1Fault(stop, pc);
  }

  /**
   * An access that translated to a physical address where the machine has nothing (no RAM, flash or device): a
   * synchronous external abort (FSC 0x10) taken to EL1, as QEMU's virt gives for a hole in its memory map.
   */
  externalAbort(stop: ExternalAbortStop, pc: bigint): HaltReason | null {
    const what = (va: bigint) =>
      `synchronous external abort: nothing at physical address ${hex(stop.pa + (va - stop.va))}`;
    if (stop.access === 'fetch') {
      const esr = makeEsr(stop.el === 0 ? EC.IABT_LOWER : EC.IABT_CURRENT, BigInt(FSC_SYNC_EXTERNAL));
      return this.take({ esr, far: pc, preferredReturn: pc }, pc, `instruction abort (${what(pc)})`);
    }
    return this.dataAbortToEl1(stop, pc, FSC_SYNC_EXTERNAL, (far) => `data abort (${what(far)}) of VA ${hex(far)}`);
  }

  /** The data access of the instruction at `pc` with the current registers, or null if it cannot be read. */
  decodeAccessAt(pc: bigint): MemoryAccessDecode | null {
    const { uc, space } = this.m;
    const insn = space.readInstruction(pc);
    if (insn === null) return null;
    return decodeMemoryAccess(insn, { x: (n) => uc.readReg(xRegisterId(n)), sp: uc.readReg(UC_ARM64_REG.SP), pc });
  }

  private stage1Fault(stop: TranslationStop, pc: bigint): HaltReason | null {
    if (stop.fault.stage !== 1) throw new Error('stage-1 fault expected');
    const f = stop.fault.fault;
    // A table read that hit no memory at all is a synchronous external abort on the walk (FSC 0b0101LL).
    const fsc = f.type === 'stage2-on-walk' ? FSC_SYNC_EXTERNAL_WALK_LEVEL0 + f.level : f.fsc;
    const what = f.type === 'stage2-on-walk' ? 'external abort on the table walk' : `${f.type} fault`;
    if (stop.access === 'fetch') {
      const esr = makeEsr(stop.el === 0 ? EC.IABT_LOWER : EC.IABT_CURRENT, BigInt(fsc));
      return this.take(
        { esr, far: pc, preferredReturn: pc },
        pc,
        `instruction abort (${what}, level ${f.level}) at ${hex(pc)}`,
      );
    }
    const describe = (far: bigint) => `data abort (${what}, level ${f.level}) on ${stop.access} of VA ${hex(far)}`;
    return this.dataAbortToEl1(stop, pc, fsc, describe);
  }

  /** A data abort taken to EL1 with `fsc`: FAR is the first byte of the access in the faulting page. */
  private dataAbortToEl1(
    stop: { va: bigint; access: MemAccessType; el: 0 | 1 },
    pc: bigint,
    fsc: number,
    describe: (far: bigint) => string,
  ): HaltReason | null {
    const access = this.decodeAccessAt(pc);
    const memory = access?.kind === 'memory' ? access : null;
    const far = memory ? (memory.address >= stop.va ? memory.faultAddress : stop.va) : stop.va;
    const wnr = stop.access === 'write' || memory?.cacheMaintenance ? ESR_ISS_WNR : 0n;
    const cm = memory?.cacheMaintenance ? ESR_ISS_CM : 0n;
    const esr = makeEsr(stop.el === 0 ? EC.DABT_LOWER : EC.DABT_CURRENT, cm | wnr | BigInt(fsc));
    return this.take({ esr, far, preferredReturn: pc }, pc, describe(far));
  }

  /** Takes a synchronous exception to EL1; without vectors (VBAR_EL1 = 0) the run ends as a guest panic. */
  take(exc: El1Exception, pc: bigint, description: string): HaltReason | null {
    const { uc, emit, logger } = this.m;
    const vbar = uc.readSysReg(SYSREG.VBAR_EL1);
    if (vbar === 0n) {
      const why = `${description}, ESR_EL1=${hex(exc.esr)}, and the guest has no exception vectors (VBAR_EL1 = 0)`;
      return { kind: 'guest-panic', pc, description: why };
    }
    const entry = enterEl1Exception(uc, exc);
    logger.debug('guest exception', { pc: hex(pc), esr: hex(exc.esr), vector: hex(entry.vector), description });
    const far = exc.far !== undefined ? { far: exc.far } : {};
    emit({ kind: 'guest-exception', pc, esr: exc.esr, ...far, vector: entry.vector, description });
    return null;
  }

  /** The imm16 of the SVC/BRK at `pc` (the ISS of its exception), 0 if it cannot be read. */
  private exceptionImmediate(pc: bigint): number {
    const insn = this.m.space.readInstruction(pc);
    const cls = insn === null ? null : classifyExceptionInstruction(insn);
    return cls && cls.kind !== 'other' ? cls.imm16 : 0;
  }

  /** Where the HVC/SMC that raised an exception sits: unicorn reports PC on it or just past it. */
  private exceptionInstructionAt(pc: bigint, kind: 'hvc' | 'smc'): bigint {
    const before = this.m.space.readInstruction(pc - 4n);
    if (before !== null && classifyExceptionInstruction(before).kind === kind) return pc - 4n;
    return pc;
  }
}
