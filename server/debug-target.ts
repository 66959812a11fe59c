// What the server debugs: one machine and its image, shared by the sessions that come one after another.
// It outlives a session: after a detach or a disconnect the next gdb finds the guest where the last one left it.
import type { El2RegisterName } from '../core/el2/el2-state.js';
import { EL2_REGISTER_NAMES } from '../core/el2/el2-state.js';
import type { Stage2TrapEvent } from '../core/el2/events.js';
import type { AddressKind, FullTranslation, RangeRead, RangeWrite } from '../core/machine/address-space.js';
import type { Machine } from '../core/machine/machine.js';
import type { TimeTravel } from '../core/machine/time-travel.js';
import { pstateEl, SCTLR_EL1_M, SYSREG } from '../core/arch/sysregs.js';
import { xRegisterId } from '../core/unicorn/registers.js';
import { UC_ARM64_REG } from '../core/unicorn/constants.js';
import { DebugObserver } from './debug/debug-observer.js';
import { buildMemoryMapXml, memoryMapRegions } from './memory-map.js';
import { lldbMemoryRegions, type LldbMemoryRegion } from './lldb-memory-regions.js';
import type { Stage2Policy } from '../core/stage2/stage2-policy.js';
import { RegisterFile } from './registers/register-file.js';
import { buildTargetDescription } from './registers/target-description.js';
import type { CatchDefault } from './debug/catch-rules.js';
import { TraceControl } from './trace-control.js';

/** The stage-2 side of the EL2 model, as reports read it. */
export interface Stage2View {
  readonly policy: Stage2Policy;
  readonly policyName: string;
  readonly stage2Enabled: boolean;
}

/** Session settings of a target: what every gdb starts with, and where `monitor trace start` may write. */
export interface DebugTargetOptions {
  /** Catch settings every gdb session starts with (`serve --catch`). */
  readonly catchDefaults?: readonly CatchDefault[];
  /** The only directory (and below) a client may write trace files to (`serve --trace-dir`; default: the cwd). */
  readonly traceDir?: string;
}

export class DebugTarget {
  /** Catch settings every gdb session starts with. */
  private readonly catchDefaults: readonly CatchDefault[];
  readonly registers: RegisterFile;
  /** qXfer:features:read documents, by annex. */
  readonly targetDescription: ReadonlyMap<string, string>;
  readonly memoryMapXml: string;
  /** The memory map as lldb reads it, one qMemoryRegionInfo at a time. */
  readonly lldbMemoryRegions: readonly LldbMemoryRegion[];
  /** Trap log, statistics and catch rules (monitor stage2 ..., catch ...). */
  readonly debug: DebugObserver;
  /** What m/M/X and watchpoint addresses mean (monitor memspace): guest virtual (default) or IPA. */
  memspace: AddressKind = 'va';
  /** monitor trace start/stop/status. */
  readonly traceControl: TraceControl;

  constructor(
    readonly machine: Machine,
    /** Absolute path of the guest image (qXfer:exec-file:read), so gdb can load its symbols. */
    readonly imagePath: string,
    ramSize: bigint,
    options: DebugTargetOptions = {},
  ) {
    this.catchDefaults = options.catchDefaults ?? [];
    this.registers = new RegisterFile(machine);
    this.targetDescription = buildTargetDescription();
    const memoryMap = memoryMapRegions(ramSize);
    this.memoryMapXml = buildMemoryMapXml(memoryMap);
    this.lldbMemoryRegions = lldbMemoryRegions(memoryMap);
    this.debug = new DebugObserver(machine);
    this.traceControl = new TraceControl(machine, imagePath, options.traceDir ?? process.cwd());
  }

  /** Reads guest memory in the current memory space, up to the first byte that does not translate. */
  readMemory(addr: bigint, length: number): RangeRead {
    return this.machine.space.readRange(this.memspace, addr, length);
  }

  /** Recording and reverse execution (monitor record, bs/bc). */
  get timeTravel(): TimeTravel {
    return this.machine.timeTravel;
  }

  /** Writes guest memory in the current memory space, up to the first byte that does not translate. */
  writeMemory(addr: bigint, data: Uint8Array): RangeWrite {
    const written = this.machine.space.writeRange(this.memspace, addr, data);
    this.noteChange();
    return written;
  }

  /**
   * The debugger changed the machine (registers, memory, a decision): a recording keeps the new state as a
   * checkpoint (before its end, the rest of the recording is forgotten).
   */
  noteChange(): void {
    this.machine.timeTravel.noteExternalChange();
  }

  /** Reads guest virtual memory as EL1 sees it (whatever the memory space); null if any byte does not translate. */
  readVirtual(addr: bigint, length: number): Uint8Array | null {
    const r = this.machine.space.readRange('va', addr, length);
    return r.faultAt === null ? r.data : null;
  }

  /** General-purpose register Xn (0..30). */
  readX(n: number): bigint {
    return this.machine.uc.readReg(xRegisterId(n));
  }

  /** The guest's program counter. */
  get pc(): bigint {
    return this.machine.pc;
  }

  /** Moves the guest's program counter (`c ADDR`, `s ADDR`, `jump`). */
  setPc(addr: bigint): void {
    this.machine.uc.writeReg(UC_ARM64_REG.PC, addr);
    this.noteChange();
  }

  /** The stage-2 trap the guest is stopped before (a `catch before` rule), if any. */
  get heldTrap(): Stage2TrapEvent | null {
    return this.machine.hypervisor.heldTrap;
  }

  /** The stage-2 policy and whether stage 2 is on (monitor stage2 map, translate). */
  get stage2(): Stage2View {
    const h = this.machine.hypervisor;
    return { policy: h.policy, policyName: h.policyName, stage2Enabled: this.machine.el2.stage2Enabled };
  }

  /** The EL2 model's configuration and registers (monitor el2). */
  el2Status(): {
    policyName: string;
    injectMode: string;
    stage2Enabled: boolean;
    smcTrapped: boolean;
    registers: [El2RegisterName, bigint][];
  } {
    const { hypervisor: h, el2 } = this.machine;
    return {
      policyName: h.policyName,
      injectMode: h.injectMode,
      stage2Enabled: el2.stage2Enabled,
      smcTrapped: el2.smcTrapped,
      registers: EL2_REGISTER_NAMES.map((n) => [n, el2.read(n)]),
    };
  }

  /** Translates a guest virtual address through stage 1 and stage 2, without side effects. */
  translate(va: bigint): FullTranslation {
    return this.machine.translate(va, 'read');
  }

  /** What `monitor stats` reports besides the trap statistics. */
  executionStats(): { instructions: bigint; runNs: bigint } {
    return { instructions: this.machine.instructionsExecuted, runNs: this.machine.runTimeNs };
  }

  /** A gdb attached: settings left by the previous one (catch rules, event catches, memspace) start over. */
  beginSession(): void {
    this.debug.startSession(this.catchDefaults);
    this.memspace = 'va';
    if (this.exited) this.reset(); // a guest that powered off under the previous gdb starts again for this one
  }

  /** The gdb left: a trace it started is finished (the file is complete), as the next gdb starts clean. */
  endSession(): string | null {
    return this.traceControl.active ? this.traceControl.stop() : null;
  }

  /** The guest powered off: a new session (or `run`) starts it again from its initial state. */
  get exited(): boolean {
    return this.machine.lastHalt?.kind === 'power-off';
  }

  /**
   * Back to the initial state: image reloaded, CPU at the entry point, halted; the trap log and statistics start over.
   */
  reset(): void {
    this.machine.reset();
    this.debug.log.clear();
    this.debug.stats.reset();
    this.debug.takeCatchStop();
  }

  /** Finishes what the target holds open (a trace started from gdb). */
  close(): void {
    this.traceControl.stop();
  }

  /** `monitor irq`: the interrupt controller, the timers and the interrupts taken since reset, by INTID. */
  describeInterrupts(): string {
    const { interrupts, gic } = this.machine;
    const taken = [...interrupts.taken].sort((a, b) => a[0] - b[0]).map(([id, n]) => `INTID ${id}: ${n}`);
    const lines = [gic.describe(), interrupts.timer.describe(), `taken: ${taken.length ? taken.join(', ') : 'none'}`];
    return `${lines.join('\n')}\n`;
  }

  /** A short description of the CPU for `info threads`: exception level, stack and MMU. */
  describeCpu(): string {
    const pstate = this.machine.uc.readReg(UC_ARM64_REG.PSTATE);
    const el = pstateEl(pstate);
    const stack = el === 0 ? 't' : pstate & 1n ? 'h' : 't';
    const mmu = this.machine.uc.readSysReg(SYSREG.SCTLR_EL1) & SCTLR_EL1_M ? 'MMU on' : 'MMU off';
    return `EL${el}${stack}, ${mmu}, stage 2 ${this.machine.el2.stage2Enabled ? 'on' : 'off'}`;
  }
}
