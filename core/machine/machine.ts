import type { MmioDevice } from '../devices/device.js';
import type { InterruptController } from '../devices/interrupt-controller.js';
import type { Pl011 } from '../devices/pl011.js';
import { El2State } from '../el2/el2-state.js';
import { SILENT_LOGGER, type CoreLogger, type HaltReason, type MachineEvent } from '../el2/events.js';
import { Hypervisor } from '../el2/hypervisor.js';
import { virtRegion } from '../platform/virt-memory-map.js';
import { buildAllowAllPolicy } from '../stage2/ritm-qemu-policy.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../stage2/stage2-policy.js';
import { UC_ARM64_REG } from '../unicorn/constants.js';
import { UnicornEngine, type MemAccessType } from '../unicorn/engine.js';
import { RomDevice } from '../unicorn/rom-device.js';
import { RunState } from '../unicorn/run-state.js';
import { NativeFillControl } from './native-fill-control.js';
import { AddressSpace, type FullTranslation, type Watchpoint } from './address-space.js';
import { VirtBoard } from './board.js';
import { BreakpointHooks } from './breakpoint-hooks.js';
import { guestView } from './guest-view.js';
import { EngineStarts, type StartOutcome } from './engine-starts.js';
import { GuestExceptions } from './guest-exceptions.js';
import { Interrupts } from './interrupts.js';
import { applyCpuModel, UC_CPU_OF } from './cpu-model.js';
import { machineTimeTravel, type TimeTravel } from './time-travel.js';
import { MachineEvents } from './machine-events.js';

import type { MachineConfig } from './machine-config.js';

export { CPU_MODELS, type CpuModel } from './cpu-model.js';
export type { MachineConfig } from './machine-config.js';
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** A guest in WFI with nothing due is looked at again this often (a stop request or an interrupt ends it sooner). */
const IDLE_RECHECK_MS = 100;

/**
 * The emulated machine: a QEMU-virt memory map and devices, our stage-1 walker and the EL2 model's stage 2 behind
 * unicorn's TLB, the hypervisor (traps, decisions, injection, HVC/SMC), guest exceptions into EL1, breakpoints,
 * watchpoints, single steps, and run control in bounded slices. Owns its unicorn engine; nothing is shared.
 *
 * Runs stop only where no instruction is half done: at a block boundary (the slice deadline, a stop request, an
 * instruction limit: the native shim's block hook), before an instruction (a breakpoint, a count), or at an
 * exception. A guest therefore runs exactly as it would without the debugger (docs/architecture.md, "Run control").
 */
export class Machine {
  readonly uc: UnicornEngine;
  readonly uart: Pl011;
  /** The GIC (its frames are among `devices`). */
  readonly gic: InterruptController;
  readonly devices: readonly MmioDevice[];
  readonly ram: { base: bigint; size: bigint };
  readonly dtbAddress: bigint;
  readonly el2 = new El2State();
  readonly space: AddressSpace;
  readonly hypervisor: Hypervisor;
  /** The generic timers, virtual time and interrupt delivery. */
  readonly interrupts: Interrupts;
  /** Recording and replay (reverse execution). */
  readonly timeTravel: TimeTravel;
  /** The native TLB fill, for tests and measurements. */
  readonly nativeFill: NativeFillControl;
  private readonly runState: RunState;
  private readonly exceptions: GuestExceptions;
  private readonly breakpoints: BreakpointHooks;
  private readonly board: VirtBoard;
  private readonly logger: CoreLogger;
  private readonly sliceNs: bigint;
  private readonly events: MachineEvents;
  private readonly makePolicy: () => Stage2Policy;
  private readonly starts: EngineStarts;
  private stopRequest: string | null = null;
  private runNs = 0n;
  private halted: HaltReason | null = null;
  private activeRun: Promise<HaltReason> | null = null;
  private closing = false;
  private closed = false;
  private watchList: readonly Watchpoint[] = [];

  constructor(config: MachineConfig) {
    this.logger = config.logger ?? SILENT_LOGGER;
    this.events = new MachineEvents(this.logger, (e) => {
      if (e.kind === 'stage2-trap' && !this.events.silent) this.timeTravel.noteTrap(e);
    });
    this.sliceNs = BigInt(Math.round((config.sliceMs ?? 1) * 1e6));
    this.uc = UnicornEngine.open(config.lib, UC_CPU_OF[config.cpu ?? 'max']);
    this.uc.setTlbType('virtual');
    this.runState = new RunState(this.uc);
    applyCpuModel(this.uc, this.runState, config.cpu ?? 'max');
    this.nativeFill = new NativeFillControl(this.runState);
    const policy = config.policy;
    this.makePolicy = typeof policy === 'function' ? policy : () => policy ?? defaultPolicy(config.ramSize);
    const firstPolicy = this.makePolicy();
    // RAM and flash come from the shim, so its TLB fill reads descriptors without calling into unicorn. The device
    // tree describes what stage 2 lets the guest reach (a reset rebuilds the policy with the same layout).
    const view = guestView(firstPolicy, virtRegion('ram').base, config.ramSize);
    // What a replay prints was printed the first time: the console hears it once.
    const console = { write: (b: Uint8Array) => this.timeTravel.repeating || config.console.write(b) };
    this.board = new VirtBoard(
      this.uc,
      { ...config, view, console },
      {
        mapMemory: (base, size, perms) => this.runState.mapHostMemory(base, size, perms),
        zeroMemory: (base, size) => this.runState.zeroHostMemory(base, size),
        romDevice: (index, base, size, read, write) =>
          new RomDevice(this.runState, index, base, size, this.uc.hooks.mmioCallbacks(read, write)),
      },
    );
    this.uart = this.board.uart;
    this.gic = this.board.gic;
    this.devices = this.board.devices;
    this.ram = this.board.ram;
    this.dtbAddress = this.board.dtbAddress;
    this.breakpoints = new BreakpointHooks(this.uc, this.runState);
    this.space = new AddressSpace(this.uc, this.el2, firstPolicy, {
      isBacked: (pa) => this.board.isBacked(pa),
      noteBlockMapping: (vaBase, size) => this.runState.noteBlockMapping(vaBase, size),
      backedRanges: () => this.board.backedRanges(),
      flashAccess: (pa, access) => this.board.flashAccess(pa, access),
      writePhysical: (pa, bytes) => this.board.writePhysical(pa, bytes),
      nativeFill: this.runState,
    });
    this.hypervisor = new Hypervisor({
      uc: this.uc,
      el2: this.el2,
      policy: firstPolicy,
      policyName: config.policyName ?? 'allow-all',
      instructions: this.space,
      injectMode: config.injectMode ?? 'ritm',
      emit: (e) => this.events.emit(e),
      logger: this.logger,
    });
    this.exceptions = new GuestExceptions({
      uc: this.uc,
      space: this.space,
      el2: this.el2,
      hypervisor: this.hypervisor,
      emit: (e) => this.events.emit(e),
      logger: this.logger,
    });
    this.el2.onTranslationChange = () => this.flushTlb();
    this.interrupts = new Interrupts({
      uc: this.uc,
      runState: this.runState,
      gic: this.board.gic,
      emit: (e) => this.events.emit(e),
    });
    const { uc, runState, board, el2, interrupts, hypervisor, events, breakpoints } = this;
    this.timeTravel = machineTimeTravel({
      ...{ uc, runState, board, el2, interrupts, hypervisor, events, breakpoints, config },
      watchpoints: { get: () => this.watchList, set: (list) => this.setWatchpoints(list) },
      resumeHeld: () => this.resume().halt,
      flushAll: () => {
        this.flushTlb();
        this.uc.flushTranslationBlocks();
        this.halted = null;
      },
    });
    this.starts = new EngineStarts({
      uc: this.uc,
      runState: this.runState,
      space: this.space,
      exceptions: this.exceptions,
      isBreakpoint: (pc) => this.breakpoints.has(pc),
      flushTlb: () => this.flushTlb(),
      remapFlash: () => this.board.remapFlash(),
      interrupts: { deliver: () => this.timeTravel.deliverInterrupt(), poll: () => this.interrupts.poll() },
    });
    this.hypervisor.decisionLog = this.timeTravel.decisionLog;
    this.powerOn(firstPolicy);
  }

  /** Subscribes to machine events; returns the unsubscribe function. */
  on(listener: (e: MachineEvent) => void): () => void {
    return this.events.on(listener);
  }

  /** Console input for the guest's UART (a recording logs it; while replaying it waits for the end). */
  consoleInput(bytes: Uint8Array): void {
    this.timeTravel.consoleInput(bytes);
  }

  /** True while a recording replays (observers that keep a log of events should not log them twice). */
  get replaying(): boolean {
    return this.events.silent || this.timeTravel.repeating;
  }

  /**
   * Puts the machine in its power-on state: RAM and flash hold the image and the DTB and nothing else, devices and
   * the EL2 model are reset with a new stage-2 policy, the CPU is at the entry at EL1h; breakpoints, watchpoints stay.
   */
  reset(): void {
    this.timeTravel.stop(); // instruction counts start again at zero: a recording cannot span a reset
    this.powerOn(this.makePolicy());
  }

  private powerOn(policy: Stage2Policy): void {
    this.board.powerOnMemoryAndDevices();
    this.interrupts.reset();
    this.el2.reset();
    this.space.setPolicy(policy);
    this.hypervisor.setPolicy(policy);
    this.hypervisor.reset();
    this.board.powerOnCpu();
    this.flushTlb();
    this.uc.flushTranslationBlocks();
    this.runState.executed = 0n;
    this.halted = null;
  }

  /** Invalidates every translation the TLB holds (the EL2 model's stage 2 or the debugger changed a mapping). */
  flushTlb(): void {
    this.space.invalidate();
    this.uc.flushTlb();
    this.runState.clearBlockRange();
  }

  /** The guest's program counter. */
  get pc(): bigint {
    return this.uc.readReg(UC_ARM64_REG.PC);
  }

  /**
   * Instructions executed since the last reset, exactly. An instruction the EL2 model emulates (a trapped access, an
   * HVC) counts as one; one that raises an exception the guest handles (BRK, an abort) does not, as in QEMU.
   */
  get instructionsExecuted(): bigint {
    return this.runState.executed;
  }

  /** Wall time spent running the guest (run() and step()), in nanoseconds. */
  get runTimeNs(): bigint {
    return this.runNs;
  }

  /** Why the last run ended, or null if it has not run or was reset. */
  get lastHalt(): HaltReason | null {
    return this.halted;
  }

  /** Full TLB flushes made because the guest invalidated a VA inside a block mapping. */
  get blockTlbiFlushes(): bigint {
    return this.runState.tlbiFlushes;
  }

  /** Asks a run in progress to stop at its next slice boundary (within one slice, 1 ms by default). */
  requestStop(why: string): void {
    this.stopRequest ??= why;
    this.interrupts.interruptWait(); // a guest waiting in WFI stops at once
  }

  /** Sets a breakpoint (guest virtual address): runs stop before executing the instruction there. */
  addBreakpoint(address: bigint): void {
    this.breakpoints.add(address);
  }

  /** Removes the breakpoint at `address`, if any. */
  removeBreakpoint(address: bigint): void {
    this.breakpoints.remove(address);
  }

  /** Replaces every breakpoint with `addresses`. */
  setBreakpoints(addresses: readonly bigint[]): void {
    this.breakpoints.replaceAll(addresses);
  }

  /** Sets the watchpoints (guest virtual ranges): a run stops before an instruction that accesses one. */
  setWatchpoints(list: readonly Watchpoint[]): void {
    if (list.length === 0 && this.watchList.length === 0) return; // no change: no TLB flush, no garbage
    this.watchList = [...list];
    this.space.setWatchpoints(list);
    this.flushTlb();
  }

  /** Translates a guest virtual address through stage 1 and stage 2 without side effects. */
  translate(va: bigint, access: MemAccessType = 'read'): FullTranslation {
    return this.space.translate(va, access);
  }

  /** Runs until the guest halts, a breakpoint/watchpoint/trap rule or a stop request, or `maxInsns` have run. */
  run(options: { maxInsns?: bigint } = {}): Promise<HaltReason> {
    if (this.activeRun) throw new Error('the machine is already running');
    if (this.closed || this.closing) throw new Error('the machine is closed');
    const run = this.runLoop(options.maxInsns ?? null).finally(() => (this.activeRun = null));
    this.activeRun = run;
    return run;
  }

  private async runLoop(maxInsns: bigint | null): Promise<HaltReason> {
    if (this.isTerminal()) return this.halted!;
    this.stopRequest = null;
    const limit = maxInsns === null ? null : this.runState.executed + maxInsns;
    const t0 = process.hrtime.bigint();
    this.interrupts.resumeTime();
    this.timeTravel.runStarting();
    try {
      const resumed = this.resume();
      if (resumed.halt) return (this.halted = resumed.halt);
      for (;;) {
        const halt = this.runSlice(limit);
        if (halt === 'wfi') {
          // WFI: sleep until an interrupt, a timer, console input or a stop request (no busy wait).
          await this.interrupts.waitForInterrupt(IDLE_RECHECK_MS);
        } else if (halt) return (this.halted = halt);
        else await yieldToEventLoop(); // sockets, signals and timers get their turn
        if (this.closing) return (this.halted = { kind: 'stop-requested', why: 'the machine is closing' });
        if (this.stopRequest !== null) return (this.halted = { kind: 'stop-requested', why: this.stopRequest });
      }
    } finally {
      this.interrupts.pauseTime();
      this.timeTravel.afterRun();
      this.runNs += process.hrtime.bigint() - t0;
    }
  }

  /** Executes one instruction (an exception it raises counts as the step) and reports how it ended. */
  step(): HaltReason {
    if (this.isTerminal()) return this.halted!;
    if (this.activeRun) throw new Error('the machine is already running');
    const t0 = process.hrtime.bigint();
    this.timeTravel.runStarting();
    try {
      const resumed = this.resume();
      if (resumed.halt) return (this.halted = resumed.halt);
      if (resumed.appliedHeldAccess) return (this.halted = { kind: 'step-done' }); // that was the step
      if (this.timeTravel.beforeStart(null).resumedHeld) return (this.halted = { kind: 'step-done' }); // the step
      // A step executes the instruction, not an interrupt handler (QEMU's gdbstub steps with interrupts held too).
      this.interrupts.setDelivery(false);
      let outcome: StartOutcome;
      try {
        outcome = this.starts.start(1, null, 0n);
      } finally {
        this.interrupts.setDelivery(true);
      }
      const done = outcome === null || outcome === 'slice-over' || outcome === 'wfi';
      return (this.halted = done ? { kind: 'step-done' } : (outcome as HaltReason));
    } finally {
      this.timeTravel.afterRun();
      this.runNs += process.hrtime.bigint() - t0;
    }
  }

  private isTerminal(): boolean {
    return this.halted?.kind === 'power-off' || this.halted?.kind === 'guest-panic';
  }

  /**
   * Before running on: applies breakpoint changes, then a held trap's decision. `halt` is set when applying the
   * decision ended the resume; `appliedHeldAccess` when it completed the held access (for a step, that is the step).
   */
  private resume(): { halt: HaltReason | null; appliedHeldAccess: boolean } {
    if (this.breakpoints.apply()) this.uc.flushTranslationBlocks();
    let appliedHeldAccess = false;
    if (this.hypervisor.heldTrap) {
      appliedHeldAccess = this.hypervisor.holdsTrapAtPc;
      const pc = this.pc;
      const halt = this.hypervisor.resumeHeld();
      if (this.pc === pc + 4n) this.runState.executed++; // the held access was emulated
      if (halt) return { halt, appliedHeldAccess };
    }
    // Resuming from a breakpoint executes the instruction under it (gdb also steps over it itself).
    this.runState.skipBreakpointOnce(this.breakpoints.has(this.pc) ? this.pc : null);
    return { halt: null, appliedHeldAccess };
  }

  /** Runs until the slice deadline; null when the slice ended without a halt, 'wfi' when the guest waits. */
  private runSlice(limit: bigint | null): HaltReason | 'wfi' | null {
    const deadline = process.hrtime.bigint() + this.sliceNs;
    for (;;) {
      if (this.stopRequest !== null) return { kind: 'stop-requested', why: this.stopRequest };
      this.interrupts.poll();
      const next = this.timeTravel.beforeStart(limit);
      if (next.halt) return next.halt;
      if (this.stopRequest !== null) return { kind: 'stop-requested', why: this.stopRequest }; // catch irq, replayed
      const outcome = this.starts.start(0, next.stopAt, deadline);
      if (outcome === 'slice-over') return null;
      if (outcome === 'wfi') return this.timeTravel.deliverInterrupt() ? null : 'wfi';
      // A stop the recording or a timer asked for (not the caller's limit): go on from there.
      if (outcome?.kind === 'insn-limit' && (limit === null || outcome.executed < limit)) continue;
      if (outcome) return outcome;
      if (process.hrtime.bigint() >= deadline) return null;
    }
  }

  /** Stops a run in progress (at its next slice boundary) and releases the engine. */
  async close(): Promise<void> {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.interrupts.interruptWait();
    await this.activeRun?.catch(() => undefined);
    this.closed = true;
    this.timeTravel.close();
    this.uc.close();
    this.runState.releaseHostMemory();
  }
}

function defaultPolicy(ramSize: bigint): Stage2Policy {
  const b = new Stage2PolicyBuilder();
  buildAllowAllPolicy(b, ramSize);
  return b.build();
}
