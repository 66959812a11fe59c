import type { CoreLogger, HaltReason, MachineEvent, Stage2TrapEvent } from './events.js';
import {
  EC,
  ESR_ISS_S1PTW,
  ESR_ISS_WNR,
  FSC_TRANSLATION_LEVEL0,
  esrExceptionClass,
  makeEsr,
  withExceptionClass,
} from '../arch/esr.js';
import { enterEl1Exception, syncVectorOffset } from '../arch/exception-entry.js';
import { PSTATE_M_MASK, PSTATE_M_EL1H, SYSREG, pstateEl } from '../arch/sysregs.js';
import type { Stage2Policy } from '../stage2/stage2-policy.js';
import { DecodeCache } from '../syndrome/decode-cache.js';
import type { MemoryAccess } from '../syndrome/memory-access.js';
import { dataAbortIss, esrEl2ForDataAbort, farForAccess, hpfarFor } from '../syndrome/data-abort-iss.js';
import { UC_ARM64_REG } from '../unicorn/constants.js';
import { xRegisterId } from '../unicorn/registers.js';
import type { UnicornEngine } from '../unicorn/engine.js';
import {
  abortSyndrome,
  decideDataAbort,
  type AbortSyndrome,
  type Decision,
  type DecisionOverride,
} from './decision.js';
import type { HandlerMatch } from '../stage2/stage2-types.js';
import type { El2State, InjectMode } from './el2-state.js';
import { handleHypercall } from './hypercalls.js';
import type { TrapFrame } from './trap-frame.js';
import { hex } from '../text/hex.js';
import { RegisterBatch } from '../unicorn/register-batch.js';

/** A stage-2 fault met by a data access, as the TLB fill saw it. */
export interface DataAbortFault {
  /** Page VA the access faulted on. */
  readonly pageVa: bigint;
  readonly access: 'read' | 'write';
  /** The IPA (page) that stage 2 does not map: the access's own, or a stage-1 table's (s1ptw). */
  readonly ipaPage: bigint;
  readonly level: number;
  readonly s1ptw: boolean;
}

/** Lets a debugger stop at traps: `before` the decision (then resume applies it) or `after` it is applied. */
export interface TrapStopRules {
  stopBefore(trap: Stage2TrapEvent): boolean;
  stopAfter(trap: Stage2TrapEvent, decision: Decision): boolean;
}

const RITM_VECTOR_OFFSET = 0x200n;

/** Reads the 32-bit instruction at a guest virtual address (null when it does not translate). */
export interface InstructionReader {
  readInstruction(va: bigint): number | null;
}

/** What the hypervisor is built from. */
export interface HypervisorConfig {
  readonly uc: UnicornEngine;
  readonly el2: El2State;
  readonly policy: Stage2Policy;
  readonly policyName: string;
  /** Reads the trapping instruction (through the guest's stage 1). */
  readonly instructions: InstructionReader;
  readonly injectMode: InjectMode;
  /** Where the hypervisor's events go (the machine's event stream). */
  readonly emit: (e: MachineEvent) => void;
  readonly logger: CoreLogger;
}

/**
 * The EL2 model: turns stage-2 faults into exact syndromes and a trap frame, dispatches them to the policy's
 * handlers (RITM's rules), applies the decision or injects an abort into EL1, and answers HVC/SMC.
 */
export class Hypervisor {
  private seq = 0;
  private readonly frameBatch: RegisterBatch;
  private readonly decodeCache = new DecodeCache();
  private readonly rtPcBatches: (RegisterBatch | undefined)[] = [];
  private readonly esrCache = new WeakMap<MemoryAccess, Map<number, bigint>>();
  /** A trap stopped "before" its decision: resuming applies it first. */
  private held: { trap: Stage2TrapEvent; override?: DecisionOverride } | null = null;
  stopRules: TrapStopRules | null = null;
  /**
   * A recording's log of decisions (core/machine/time-travel.ts): a replay takes the decision made the first time
   * instead of calling the handler again (it may keep state of its own); a live one is noted.
   */
  decisionLog: { replayed(): Decision | undefined; note(d: Decision): void } | null = null;
  /** Regions whose handler returned a value wider than the access (logged once each). */
  private readonly wideValueRegions = new Set<string>();

  private readonly uc: UnicornEngine;
  readonly el2: El2State;
  private currentPolicy: Stage2Policy;
  readonly policyName: string;
  readonly injectMode: InjectMode;
  private readonly instructions: InstructionReader;
  private readonly emit: (e: MachineEvent) => void;
  private readonly logger: CoreLogger;

  constructor(config: HypervisorConfig) {
    this.uc = config.uc;
    this.el2 = config.el2;
    this.currentPolicy = config.policy;
    this.policyName = config.policyName;
    this.injectMode = config.injectMode;
    this.instructions = config.instructions;
    this.emit = config.emit;
    this.logger = config.logger;
    const uc = this.uc;
    const ids = Array.from({ length: 29 }, (_, i) => UC_ARM64_REG.X0 + i);
    this.frameBatch = new RegisterBatch(uc, [
      ...ids,
      UC_ARM64_REG.X29,
      UC_ARM64_REG.X30,
      UC_ARM64_REG.SP,
      UC_ARM64_REG.SP_EL1,
      UC_ARM64_REG.PSTATE,
    ]);
  }

  /** The stage-2 policy the traps are decided by. */
  get policy(): Stage2Policy {
    return this.currentPolicy;
  }

  /** Replaces the policy (a machine reset builds a fresh one, with its handlers' state back at the start). */
  setPolicy(policy: Stage2Policy): void {
    this.currentPolicy = policy;
  }

  /** The trap held before its decision, if the machine stopped there. */
  get heldTrap(): Stage2TrapEvent | null {
    return this.held?.trap ?? null;
  }

  /**
   * Replaces the decision of the held trap (monitor stage2 decide). 'no-trap' when none is held; 'no-syndrome' for a
   * value on a trap without an instruction syndrome (ISV=0: there is no Rt or size to emulate with).
   */
  overrideHeldDecision(o: DecisionOverride): 'ok' | 'no-trap' | 'no-syndrome' {
    if (!this.held) return 'no-trap';
    if (o.kind === 'value' && this.held.trap.access === null) return 'no-syndrome';
    this.held.override = o;
    return 'ok';
  }

  /** Forgets any held trap (machine reset). */
  reset(): void {
    this.held = null;
    this.seq = 0;
  }

  /** Reads x0-x30, SP, SP_EL1 and PSTATE in one batch; the copy stays valid after the next read. */
  private readFrameRegisters(): BigUint64Array {
    return this.frameBatch.readCopy();
  }

  private captureFrame(regs: BigUint64Array, pc: bigint, esrEl2: bigint, farEl2: bigint, hpfarEl2: bigint): TrapFrame {
    const pstate = regs[33]!;
    const spEl1 = (pstate & PSTATE_M_MASK) === PSTATE_M_EL1H ? regs[31]! : regs[32]!;
    return { x: regs.subarray(0, 31), spEl1, elrEl2: pc, spsrEl2: pstate, esrEl2, farEl2, hpfarEl2 };
  }

  private setSyndromeRegisters(f: TrapFrame): void {
    this.el2.setTrapRegisters(f.esrEl2, f.farEl2, f.hpfarEl2, f.elrEl2, f.spsrEl2);
  }

  /** A stage-2 data abort: exact syndrome, frame, trap event, then the decision (unless a stop rule holds it). */
  dataAbort(pc: bigint, fault: DataAbortFault): HaltReason | null {
    const insn = this.instructions.readInstruction(pc);
    const frameRegs = this.readFrameRegisters();
    const decoded =
      insn === null ? null : this.decodeCache.decode(insn, { x: (n) => frameRegs[n]!, sp: frameRegs[31]!, pc });
    const access = decoded?.kind === 'memory' ? decoded : null;
    const far = access ? farForAccess(access, fault.pageVa) : fault.pageVa;
    // The access's IPA keeps FAR's page offset; a fault on a table read reports the table's IPA page.
    const ipa = fault.s1ptw ? fault.ipaPage : fault.ipaPage | (far & 0xfffn);
    const dfsc = FSC_TRANSLATION_LEVEL0 + fault.level;
    const esr = access
      ? this.esrFor(access, dfsc, fault.s1ptw)
      : esrEl2ForDataAbort(
          BigInt(dfsc) | (fault.s1ptw ? ESR_ISS_S1PTW : 0n) | (fault.access === 'write' ? ESR_ISS_WNR : 0n),
        );
    const frame = this.captureFrame(frameRegs, pc, esr, far, hpfarFor(ipa));
    this.setSyndromeRegisters(frame);
    const syn = abortSyndrome(esr);
    const match = this.policy.lookupHandler(ipa);
    const trap: Stage2TrapEvent = {
      kind: 'stage2-trap',
      seq: ++this.seq,
      pc,
      esrEl2: esr,
      farEl2: far,
      hpfarEl2: frame.hpfarEl2,
      ipa,
      access: syn.isv ? { write: syn.write, width: syn.width, rt: syn.srt } : null,
      s1ptw: fault.s1ptw,
      region: match?.region.name ?? null,
      regionOffset: match?.offset ?? null,
      instruction: insn,
      frame,
    };
    this.emit(trap);
    if (this.stopRules?.stopBefore(trap)) {
      this.held = { trap };
      return { kind: 'trap-stop', when: 'before', trap };
    }
    return this.decideAndApply(trap, undefined, match, syn);
  }

  /** A prepared two-register write (Xt, PC) per Rt: an emulated read is one FFI call. */
  private rtAndPcBatch(rt: number): RegisterBatch {
    let b = this.rtPcBatches[rt];
    if (!b) this.rtPcBatches[rt] = b = new RegisterBatch(this.uc, [xRegisterId(rt), UC_ARM64_REG.PC]);
    return b;
  }

  /** ESR_EL2 of a data abort, memoized per (cached) decode result: it depends only on the access and the fault. */
  private esrFor(access: MemoryAccess, dfsc: number, s1ptw: boolean): bigint {
    let byFault = this.esrCache.get(access);
    if (!byFault) this.esrCache.set(access, (byFault = new Map()));
    const key = dfsc | (s1ptw ? 0x100 : 0);
    let esr = byFault.get(key);
    if (esr === undefined) byFault.set(key, (esr = esrEl2ForDataAbort(dataAbortIss(access, { dfsc, s1ptw }))));
    return esr;
  }

  /** Applies the held trap's decision (called when the machine resumes after a 'before' stop). */
  resumeHeld(): HaltReason | null {
    const held = this.held;
    if (!held) return null;
    this.held = null;
    // The debugger moved PC away from the access: the trap is abandoned and the guest runs from the new PC.
    if (this.uc.readReg(UC_ARM64_REG.PC) !== held.trap.pc) return null;
    // Registers may have been edited while stopped (e.g. `set $x1 = ...`): decide on them as they are now.
    const f = held.trap.frame;
    const now = this.captureFrame(this.readFrameRegisters(), f.elrEl2, f.esrEl2, f.farEl2, f.hpfarEl2);
    return this.decideAndApply({ ...held.trap, frame: now }, held.override);
  }

  /** True if resuming now would apply a held decision (PC still on the held access). */
  get holdsTrapAtPc(): boolean {
    return this.held !== null && this.uc.readReg(UC_ARM64_REG.PC) === this.held.trap.pc;
  }

  private decideAndApply(
    trap: Stage2TrapEvent,
    override?: DecisionOverride,
    match?: HandlerMatch | null,
    syndrome?: AbortSyndrome,
  ): HaltReason | null {
    const syn = syndrome ?? abortSyndrome(trap.esrEl2);
    const t0 = performance.now(); // no bigint allocation on the trap path
    const replayed = this.decisionLog?.replayed();
    const decision =
      replayed ?? decideDataAbort(this.policy, { ipa: trap.ipa, syn, frame: trap.frame }, { override, known: match });
    if (!replayed) this.decisionLog?.note(decision);
    const handlerNs = Math.round((performance.now() - t0) * 1e6);
    if (decision.why === 'handler-threw' || decision.why === 'handler-invalid' || decision.why === 'handler-timeout') {
      this.logger.warn('MMIO handler failed; treated as Fault', {
        policy: this.policyName,
        region: decision.region,
        access: syn.write ? 'write' : 'read',
        width: syn.width,
        ipa: hex(trap.ipa),
        error: decision.error,
      });
    }
    if (decision.why === 'handler-value' && decision.error && !this.wideValueRegions.has(decision.region ?? '')) {
      this.wideValueRegions.add(decision.region ?? '');
      const where = { policy: this.policyName, region: decision.region, width: syn.width, ipa: hex(trap.ipa) };
      this.logger.warn('MMIO read handler returned a value wider than the access; cut to its width', where);
    }
    this.emit({ kind: 'decision', seq: trap.seq, trap, decision, handlerNs });
    let halt: HaltReason | null = null;
    if (decision.outcome === 'elr+4') {
      if (decision.rtValue !== null && syn.srt !== 31)
        this.rtAndPcBatch(syn.srt).write([decision.rtValue, trap.pc + 4n]);
      else this.uc.writeReg(UC_ARM64_REG.PC, trap.pc + 4n);
    } else {
      halt = this.injectDataAbort(trap);
    }
    if (halt === null && this.stopRules?.stopAfter(trap, decision)) return { kind: 'trap-stop', when: 'after', trap };
    return halt;
  }

  /** Injects the trapped abort into EL1 (ritm or architectural mode); without VBAR_EL1 it is RITM's panic. */
  private injectDataAbort(trap: Stage2TrapEvent): HaltReason | null {
    const vbar = this.uc.readSysReg(SYSREG.VBAR_EL1);
    if (vbar === 0n) {
      return {
        kind: 'guest-panic',
        pc: trap.pc,
        description: `unhandled stage-2 data abort at IPA ${hex(trap.ipa)} (ESR_EL2=${hex(trap.esrEl2)}, FAR_EL2=${hex(trap.farEl2)}) and VBAR_EL1 = 0, so it cannot be injected`,
      };
    }
    const pstate = trap.frame.spsrEl2;
    const fromEl0 = pstateEl(pstate) === 0;
    let esrEl1: bigint;
    let vectorOffset: bigint;
    if (this.injectMode === 'ritm') {
      // RITM: EC 0x24 -> 0x25 (ISS and IL unchanged), always the current-EL-with-SP_ELx vector (+0x200).
      esrEl1 =
        esrExceptionClass(trap.esrEl2) === EC.DABT_LOWER
          ? withExceptionClass(trap.esrEl2, EC.DABT_CURRENT)
          : trap.esrEl2;
      vectorOffset = RITM_VECTOR_OFFSET;
    } else {
      // The architecture: EC 0x24 from EL0, 0x25 from EL1; vector by source EL and SP selection.
      const ec = fromEl0 ? EC.DABT_LOWER : EC.DABT_CURRENT;
      esrEl1 = withExceptionClass(trap.esrEl2, ec);
      vectorOffset = syncVectorOffset(pstate);
    }
    this.uc.writeReg(UC_ARM64_REG.PC, trap.pc);
    const entry = enterEl1Exception(this.uc, { esr: esrEl1, far: trap.farEl2, preferredReturn: trap.pc, vectorOffset });
    this.emit({
      kind: 'injection',
      seq: trap.seq,
      pc: trap.pc,
      esrEl1,
      farEl1: trap.farEl2,
      elrEl1: trap.pc,
      vector: entry.vector,
      mode: this.injectMode,
    });
    return null;
  }

  /** A stage-2 fault on an instruction fetch (EC 0x20): RITM panics; the syndrome is recorded and reported. */
  instructionAbort(pc: bigint, ipaPage: bigint, level: number, s1ptw: boolean): HaltReason {
    const ipa = s1ptw ? ipaPage : ipaPage | (pc & 0xfffn);
    const esr = makeEsr(EC.IABT_LOWER, (s1ptw ? ESR_ISS_S1PTW : 0n) | BigInt(FSC_TRANSLATION_LEVEL0 + level));
    const frame = this.captureFrame(this.readFrameRegisters(), pc, esr, pc, hpfarFor(ipa));
    this.setSyndromeRegisters(frame);
    this.emit({ kind: 'instruction-abort', pc, esrEl2: esr, farEl2: pc, hpfarEl2: frame.hpfarEl2, ipa });
    return {
      kind: 'guest-panic',
      pc,
      description: `stage-2 instruction abort: fetch from IPA ${hex(ipa)} (level ${level} translation fault, ESR_EL2=${hex(esr)}), which RITM does not handle`,
    };
  }

  /** HVC or trapped SMC at `pc`: the SMCCC/PSCI model; resumes at pc + 4 unless the machine powers off or resets. */
  hypercall(conduit: 'hvc' | 'smc', pc: bigint): HaltReason | null {
    const args = [UC_ARM64_REG.X0, UC_ARM64_REG.X1, UC_ARM64_REG.X2, UC_ARM64_REG.X3].map((r) => this.uc.readReg(r));
    const outcome = handleHypercall(args);
    // HVC's preferred return is already the next instruction; a trapped SMC returns to itself, so EL2 adds 4.
    this.uc.writeReg(UC_ARM64_REG.PC, pc + 4n);
    const results: bigint[] = [];
    if (outcome.kind === 'return') {
      const r = outcome.regs;
      this.uc.writeReg(UC_ARM64_REG.X0, r.x0);
      results.push(r.x0);
      for (const [i, v] of [r.x1, r.x2, r.x3].entries()) {
        if (v === undefined) continue;
        this.uc.writeReg(UC_ARM64_REG.X1 + i, v);
        results.push(v);
      }
    }
    this.emit({
      kind: 'hypercall',
      conduit,
      pc,
      functionId: args[0]!,
      family: outcome.family,
      name: outcome.name,
      args,
      results,
    });
    if (outcome.kind === 'power-off') return { kind: 'power-off', via: conduit };
    if (outcome.kind === 'system-reset') return { kind: 'system-reset', via: conduit };
    return null;
  }
}
