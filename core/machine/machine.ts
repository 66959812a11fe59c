import { SYSREG, PSTATE_EL1H_DAIF_MASKED, SCTLR_EL1_ENTRY } from '../arch/sysregs.js';
import { RazWiDevice, type MmioDevice } from '../devices/device.js';
import { Pl011, type SerialPort } from '../devices/pl011.js';
import { Pl031 } from '../devices/pl031.js';
import { El2State, type InjectMode } from '../el2/el2-state.js';
import { SILENT_LOGGER, type CoreLogger, type HaltReason, type MachineEvent } from '../el2/events.js';
import { Hypervisor } from '../el2/hypervisor.js';
import type { LoadedImage } from '../loader/loaded-image.js';
import { buildMachineDeviceTree } from '../platform/device-tree.js';
import { virtRegion } from '../platform/virt-memory-map.js';
import { buildAllowAllPolicy } from '../stage2/ritm-qemu-policy.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../stage2/stage2-policy.js';
import { hex } from '../text/hex.js';
import { UC_ARM64_REG, UC_PROT } from '../unicorn/constants.js';
import { UnicornEngine, type MemAccessType } from '../unicorn/engine.js';
import type { UnicornLibrary } from '../unicorn/library.js';
import { RUN_STOP, RunState } from '../unicorn/run-state.js';
import { AddressSpace, type FillStop, type FullTranslation, type Watchpoint } from './address-space.js';
import { BreakpointHooks } from './breakpoint-hooks.js';
import { GuestExceptions } from './guest-exceptions.js';

/** Everything needed to build a machine around one guest image. */
export interface MachineConfig {
  readonly lib: UnicornLibrary;
  readonly image: LoadedImage;
  /** Guest RAM size in bytes (RAM starts at 0x40000000 as on QEMU virt). */
  readonly ramSize: bigint;
  /** Where the PL011 transmits. */
  readonly console: SerialPort;
  /**
   * The stage-2 policy of the EL2 model (default: allow everything, no traps), or a function that builds one: it is
   * called again at every reset, so handler state (counters, device models) starts over with the guest.
   */
  readonly policy?: Stage2Policy | (() => Stage2Policy);
  readonly policyName?: string;
  /** How aborts the model does not emulate reach EL1 (default 'ritm'). */
  readonly injectMode?: InjectMode;
  readonly logger?: CoreLogger;
  /** Longest uninterrupted run, in milliseconds, before the machine yields to the event loop (default 1). */
  readonly sliceMs?: number;
  readonly bootargs?: string;
}

/** What a hook noticed during uc_emu_start, handled once the run has returned. */
type PendingStop =
  | { kind: 'cpu-exception'; intno: number; pc: bigint }
  | { kind: 'fill'; stop: FillStop }
  | { kind: 'unmapped'; access: MemAccessType; address: bigint };

/** How one uc_emu_start ended, for the run loop: a halt to report, the slice is over, or run on. */
type StartOutcome = HaltReason | 'slice-over' | null;

const MiB = 1n << 20n;
const PAGE = 0x1000n;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  readonly devices: readonly MmioDevice[];
  readonly ram: { base: bigint; size: bigint };
  readonly dtbAddress: bigint;
  readonly el2 = new El2State();
  readonly space: AddressSpace;
  readonly hypervisor: Hypervisor;
  private readonly runState: RunState;
  private readonly exceptions: GuestExceptions;
  private readonly breakpoints: BreakpointHooks;
  private readonly dtb: Uint8Array;
  private readonly logger: CoreLogger;
  private readonly sliceNs: bigint;
  private readonly listeners = new Set<(e: MachineEvent) => void>();
  private readonly makePolicy: () => Stage2Policy;
  /** [base, end) of every physical range something answers at, RAM first. */
  private readonly backed: readonly (readonly [bigint, bigint])[];
  private pending: PendingStop | null = null;
  /** True inside uc_emu_start: only then does a failed fill or an exception stop the guest. */
  private inStart = false;
  /** unicorn's instruction-count hook is in the translated code (the last start was a counted one). */
  private countMode = false;
  private stopRequest: string | null = null;
  private runNs = 0n;
  private halted: HaltReason | null = null;
  private activeRun: Promise<HaltReason> | null = null;
  private closing = false;
  private closed = false;

  constructor(private readonly config: MachineConfig) {
    this.logger = config.logger ?? SILENT_LOGGER;
    this.sliceNs = BigInt(Math.round((config.sliceMs ?? 1) * 1e6));
    this.ram = { base: virtRegion('ram').base, size: config.ramSize };
    this.uc = UnicornEngine.open(config.lib);
    this.uart = new Pl011(virtRegion('uart').base, config.console);
    const windows = ['gic-dist', 'gic-redist', 'fw-cfg', 'virtio-mmio', 'pcie-mmio', 'pcie-pio', 'pcie-ecam'] as const;
    this.devices = [
      this.uart,
      new Pl031(virtRegion('rtc').base),
      ...windows.map((name) => {
        const r = virtRegion(name);
        return new RazWiDevice(name, r.base, r.size < PAGE ? PAGE : r.size);
      }),
    ];
    const flash = virtRegion('flash');
    this.backed = [
      [this.ram.base, this.ram.base + this.ram.size],
      [flash.base, flash.base + flash.size],
      ...this.devices.map((d) => [d.base, d.base + d.size] as const),
    ];
    this.mapPlatform();
    const policy = config.policy;
    this.makePolicy = typeof policy === 'function' ? policy : () => policy ?? defaultPolicy(config.ramSize);
    const firstPolicy = this.makePolicy();
    this.uc.setTlbType('virtual');
    this.runState = new RunState(this.uc);
    this.breakpoints = new BreakpointHooks(this.uc, this.runState);
    this.space = new AddressSpace(this.uc, this.el2, firstPolicy, {
      isBacked: (pa) => this.backed.some(([b, e]) => pa >= b && pa < e),
      noteBlockMapping: (vaBase, size) => this.runState.noteBlockMapping(vaBase, size),
    });
    this.hypervisor = new Hypervisor({
      uc: this.uc,
      el2: this.el2,
      policy: firstPolicy,
      policyName: config.policyName ?? 'allow-all',
      instructions: this.space,
      injectMode: config.injectMode ?? 'ritm',
      emit: (e) => this.emit(e),
      logger: this.logger,
    });
    this.exceptions = new GuestExceptions({
      uc: this.uc,
      space: this.space,
      el2: this.el2,
      hypervisor: this.hypervisor,
      emit: (e) => this.emit(e),
      logger: this.logger,
    });
    this.el2.onTranslationChange = () => this.flushTlb();
    const bootargs = config.bootargs ? { bootargs: config.bootargs } : {};
    this.dtb = buildMachineDeviceTree({ ramBase: this.ram.base, ramSize: this.ram.size, cpus: 1, ...bootargs });
    this.dtbAddress = this.chooseDtbAddress();
    this.uc.addTlbFillHook((va, access) => {
      const r = this.space.fill(va, access);
      if ('paddr' in r) return r;
      if (this.inStart && !this.space.probing) this.pending ??= { kind: 'fill', stop: r };
      return null;
    });
    this.uc.addInterruptHook((intno) => this.noteStop({ kind: 'cpu-exception', intno, pc: this.pc }));
    this.uc.addUnmappedHook((access, address) => this.noteStop({ kind: 'unmapped', access, address }));
    this.powerOn(firstPolicy);
  }

  /** Subscribes to machine events; returns the unsubscribe function. */
  on(listener: (e: MachineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: MachineEvent): void {
    // An observer (trace writer, debugger, script) that throws must not leave a trap half-applied.
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        this.logger.warn('machine event listener failed', { event: e.kind, error });
      }
    }
  }

  /**
   * Puts the machine in its power-on state: RAM and flash hold the image and the DTB and nothing else, devices and
   * the EL2 model are reset with a freshly built stage-2 policy, and the CPU is at the entry at EL1h. Breakpoints and
   * watchpoints stay.
   */
  reset(): void {
    this.powerOn(this.makePolicy());
  }

  private powerOn(policy: Stage2Policy): void {
    // Unmapping and mapping again gives zeroed memory at once (pages are allocated when first touched).
    for (const [base, size] of [
      [this.ram.base, this.ram.size],
      [virtRegion('flash').base, virtRegion('flash').size],
    ]) {
      this.uc.unmapMemory(base!, size!);
      this.uc.mapMemory(base!, size!, UC_PROT.ALL);
    }
    for (const seg of this.config.image.segments) this.uc.writeMemory(seg.addr, seg.data); // the rest is zero
    this.uc.writeMemory(this.dtbAddress, this.dtb);
    for (const d of this.devices) d.reset();
    this.el2.reset();
    this.space.setPolicy(policy);
    this.hypervisor.setPolicy(policy);
    this.hypervisor.reset();
    // EL1 entry state of el2-model.md: x0 = DTB, other GPRs and SIMD registers zero, EL1h with DAIF masked, MMU off.
    for (let i = 0; i <= 28; i++) this.uc.writeReg(UC_ARM64_REG.X0 + i, 0n);
    this.uc.writeReg(UC_ARM64_REG.X29, 0n);
    this.uc.writeReg(UC_ARM64_REG.X30, 0n);
    this.uc.writeReg(UC_ARM64_REG.X0, this.dtbAddress);
    for (let i = 0; i < 32; i++) this.uc.writeVector(UC_ARM64_REG.Q0 + i, new Uint8Array(16));
    for (const r of [UC_ARM64_REG.SP_EL0, UC_ARM64_REG.SP_EL1, UC_ARM64_REG.SP]) this.uc.writeReg(r, 0n);
    this.uc.writeReg(UC_ARM64_REG.PSTATE, PSTATE_EL1H_DAIF_MASKED);
    const zeroed = ['TTBR0_EL1', 'TTBR1_EL1', 'TCR_EL1', 'MAIR_EL1', 'VBAR_EL1', 'ELR_EL1', 'SPSR_EL1'] as const;
    for (const r of [...zeroed, 'ESR_EL1', 'FAR_EL1'] as const) this.uc.writeSysReg(SYSREG[r], 0n);
    this.uc.writeSysReg(SYSREG.SCTLR_EL1, SCTLR_EL1_ENTRY); // also makes unicorn rebuild its cached EL state
    this.uc.writeReg(UC_ARM64_REG.PC, this.config.image.entry);
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
    this.space.setWatchpoints(list);
    this.flushTlb();
  }

  /** Translates a guest virtual address through stage 1 and stage 2 without side effects. */
  translate(va: bigint, access: MemAccessType = 'read'): FullTranslation {
    return this.space.translate(va, access);
  }

  /**
   * Runs the guest until it halts, stops at a breakpoint/watchpoint/trap rule, a stop is requested, or `maxInsns`
   * instructions have run (exactly that many).
   */
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
    try {
      const resumed = this.resume();
      if (resumed.halt) return (this.halted = resumed.halt);
      for (;;) {
        const halt = this.runSlice(limit);
        if (halt) return (this.halted = halt);
        await yieldToEventLoop(); // sockets, signals and timers get their turn
        if (this.closing) return (this.halted = { kind: 'stop-requested', why: 'the machine is closing' });
        if (this.stopRequest !== null) return (this.halted = { kind: 'stop-requested', why: this.stopRequest });
      }
    } finally {
      this.runNs += process.hrtime.bigint() - t0;
    }
  }

  /** Executes one instruction (an exception it raises counts as the step) and reports how it ended. */
  step(): HaltReason {
    if (this.isTerminal()) return this.halted!;
    if (this.activeRun) throw new Error('the machine is already running');
    const t0 = process.hrtime.bigint();
    try {
      const resumed = this.resume();
      if (resumed.halt) return (this.halted = resumed.halt);
      if (resumed.appliedHeldAccess) return (this.halted = { kind: 'step-done' }); // that was the step
      const outcome = this.startOnce(1, null, 0n);
      return (this.halted = outcome === null || outcome === 'slice-over' ? { kind: 'step-done' } : outcome);
    } finally {
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

  /** Runs until the slice deadline; null when the slice ended without a halt. */
  private runSlice(limit: bigint | null): HaltReason | null {
    const deadline = process.hrtime.bigint() + this.sliceNs;
    for (;;) {
      if (this.stopRequest !== null) return { kind: 'stop-requested', why: this.stopRequest };
      const outcome = this.startOnce(0, limit, deadline);
      if (outcome === 'slice-over') return null;
      if (outcome) return outcome;
      if (process.hrtime.bigint() >= deadline) return null;
    }
  }

  /** One uc_emu_start from the current PC (count 0: until stopped) and the handling of whatever ended it. */
  private startOnce(count: number, limit: bigint | null, deadlineNs: bigint): StartOutcome {
    const pc = this.pc;
    if (count > 0 && !this.countMode) this.uc.flushTranslationBlocks(); // blocks must carry unicorn's count hook
    this.countMode = count > 0; // (unicorn drops the hook and flushes by itself when a count-free start follows)
    this.runState.prepare(limit, deadlineNs);
    let failure: unknown = null;
    let result: ReturnType<UnicornEngine['start']> | null = null;
    this.inStart = true;
    try {
      result = this.uc.start(pc, count ? { count } : {});
    } catch (e) {
      failure = e;
    } finally {
      this.inStart = false;
    }
    const end = this.pc;
    this.runState.settle(end);
    const pending = this.pending;
    this.pending = null;
    if (failure !== null) {
      const description = `internal error while running the guest: ${(failure as Error).message}`;
      return { kind: 'emulator-error', pc: end, description };
    }
    if (pending) return this.handlePending(pending);
    if (result?.kind === 'error') {
      return { kind: 'emulator-error', pc: end, description: `unicorn stopped with ${this.uc.strerror(result.err)}` };
    }
    switch (this.runState.stopReason) {
      case RUN_STOP.BREAKPOINT:
        return { kind: 'breakpoint', pc: end };
      case RUN_STOP.LIMIT:
        return this.finishAtLimit(limit!);
      case RUN_STOP.DEADLINE:
      case RUN_STOP.REQUEST:
        return 'slice-over';
      default:
        return null;
    }
  }

  /** The block hook stopped before a block that would pass the limit: the last few instructions one by one. */
  private finishAtLimit(limit: bigint): HaltReason {
    while (this.runState.executed < limit) {
      const outcome = this.startOnce(Number(limit - this.runState.executed), null, 0n);
      if (outcome !== null && outcome !== 'slice-over') return outcome;
    }
    return { kind: 'insn-limit', executed: this.runState.executed };
  }

  private handlePending(p: PendingStop): HaltReason | null {
    const pc = this.pc;
    let halt: HaltReason | null;
    switch (p.kind) {
      case 'unmapped':
        return {
          kind: 'emulator-error',
          pc,
          description: `${p.access} of physical address ${hex(p.address)}, where nothing is mapped`,
        };
      case 'fill':
        if (p.stop.kind === 'watch-page') return this.handleWatchPage();
        halt =
          p.stop.kind === 'external-abort'
            ? this.exceptions.externalAbort(p.stop, pc)
            : this.exceptions.translationFault(p.stop, pc);
        break;
      case 'cpu-exception':
        halt = this.exceptions.cpuException(p.intno, p.pc);
        break;
      default: {
        const never: never = p;
        throw new Error(`unhandled stop ${JSON.stringify(never)}`);
      }
    }
    // The EL2 model emulated the instruction (a trapped access, an HVC): it executed.
    if (this.pc === pc + 4n) this.runState.executed++;
    return halt;
  }

  private noteStop(p: PendingStop): void {
    this.pending ??= p;
    this.uc.stop(); // from a hook on the CPU thread, at an exception: nothing is half done
  }

  /** A watched page faulted: stop if the access really touches a watchpoint, else run that one instruction past it. */
  private handleWatchPage(): HaltReason | null {
    const pc = this.pc;
    const access = this.exceptions.decodeAccessAt(pc);
    if (access?.kind === 'memory') {
      const hit = this.space.watchHit(access.address, access.totalSize, access.write);
      if (hit) return { kind: 'watchpoint', pc, watch: hit.watch.kind, addr: hit.addr };
    }
    this.space.watchBypass = true;
    try {
      const outcome = this.countMode ? this.startOnce(1, null, 0n) : this.runOneAccess(pc);
      return outcome === 'slice-over' ? null : outcome;
    } finally {
      this.space.watchBypass = false;
      this.flushTlb(); // drop the unwatched translation the bypass cached
    }
  }

  /**
   * Runs the load or store at `pc` alone without leaving free-running translation: a one-shot code hook on the next
   * instruction (a counted start would drop every translated block, twice).
   */
  private runOneAccess(pc: bigint): StartOutcome {
    const next = pc + 4n;
    const hook = this.runState.addBreakpoint(next);
    this.space.probing = true; // translating `next` for the cache removal must not count as the guest's fault
    try {
      this.uc.removeCache(next, next + 4n);
    } finally {
      this.space.probing = false;
    }
    try {
      this.runState.skipBreakpointOnce(null);
      const outcome = this.startOnce(0, null, 0n);
      if (outcome !== null && outcome !== 'slice-over' && outcome.kind === 'breakpoint') {
        if (outcome.pc === next && !this.breakpoints.has(next)) return null;
      }
      return outcome;
    } finally {
      this.uc.deleteHook(hook);
    }
  }

  private mapPlatform(): void {
    for (const d of this.devices) {
      this.uc.mapMmio(
        d.base,
        d.size,
        (off, size) => d.read(off, size),
        (off, size, value) => d.write(off, size, value),
      );
    }
    const flash = virtRegion('flash');
    this.uc.mapMemory(flash.base, flash.size, UC_PROT.ALL);
    this.uc.mapMemory(this.ram.base, this.ram.size, UC_PROT.ALL);
  }

  private chooseDtbAddress(): bigint {
    // QEMU puts the DTB at the start of RAM; move it past the image if a segment sits there.
    const size = BigInt(this.dtb.length);
    const segments = this.config.image.segments;
    const overlaps = (at: bigint) => segments.some((s) => s.addr < at + size && at < s.addr + s.memSize);
    if (!overlaps(this.ram.base)) return this.ram.base;
    const end = segments.reduce((m, s) => (s.addr + s.memSize > m ? s.addr + s.memSize : m), this.ram.base);
    return (end + 2n * MiB - 1n) & ~(2n * MiB - 1n);
  }

  /** Stops a run in progress (at its next slice boundary) and releases the engine. */
  async close(): Promise<void> {
    if (this.closing || this.closed) return;
    this.closing = true;
    await this.activeRun?.catch(() => undefined);
    this.closed = true;
    this.uc.close();
  }
}

function defaultPolicy(ramSize: bigint): Stage2Policy {
  const b = new Stage2PolicyBuilder();
  buildAllowAllPolicy(b, ramSize);
  return b.build();
}
