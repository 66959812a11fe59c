import { RazWiDevice, type MmioDevice } from '../devices/device.js';
import { Pl011, type SerialPort } from '../devices/pl011.js';
import { Pl031 } from '../devices/pl031.js';
import { El2State, type InjectMode } from '../el2/el2-state.js';
import { Hypervisor } from '../el2/hypervisor.js';
import type { LoadedImage } from '../loader/loaded-image.js';
import { buildMachineDeviceTree } from '../platform/device-tree.js';
import { virtRegion } from '../platform/virt-memory-map.js';
import { buildAllowAllPolicy } from '../stage2/ritm-qemu-policy.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../stage2/stage2-policy.js';
import { decodeMemoryAccess } from '../syndrome/a64-memory-access.js';
import type { MemoryAccessDecode } from '../syndrome/memory-access.js';
import { xRegisterId } from '../unicorn/registers.js';
import { UC_ARM64_REG, UC_PROT } from '../unicorn/constants.js';
import { UnicornEngine, type EmuStartResult, type HookHandle, type MemAccessType } from '../unicorn/engine.js';
import type { UnicornLibrary } from '../unicorn/library.js';
import { AddressSpace, type FillStop, type FullTranslation, type Watchpoint } from './address-space.js';
import { SILENT_LOGGER, type CoreLogger, type HaltReason, type MachineEvent } from '../el2/events.js';
import { EC, ESR_ISS_CM, ESR_ISS_WNR, FSC_SYNC_EXTERNAL_WALK_LEVEL0, makeEsr } from '../arch/esr.js';
import { enterEl1Exception } from '../arch/exception-entry.js';
import { classifyExceptionInstruction } from '../arch/instruction-classes.js';
import { SliceWatchdog } from './slice-watchdog.js';
import { PSTATE_EL1H_DAIF_MASKED, SCTLR_EL1_ENTRY, SYSREG } from '../arch/sysregs.js';

/** Everything needed to build a machine around one guest image. */
export interface MachineConfig {
  readonly lib: UnicornLibrary;
  readonly image: LoadedImage;
  /** Guest RAM size in bytes (RAM starts at 0x40000000 as on QEMU virt). */
  readonly ramSize: bigint;
  /** Where the PL011 transmits. */
  readonly console: SerialPort;
  /** The stage-2 policy of the EL2 model (default: allow everything, no traps). */
  readonly policy?: Stage2Policy;
  readonly policyName?: string;
  /** How aborts the model does not emulate reach EL1 (default 'ritm'). */
  readonly injectMode?: InjectMode;
  readonly logger?: CoreLogger;
  /** Longest uninterrupted run, in milliseconds, before the machine yields to the event loop (default 10). */
  readonly sliceMs?: number;
  readonly bootargs?: string;
}

/** What a hook noticed during uc_emu_start, handled once the run has returned. */
type PendingStop =
  | { kind: 'cpu-exception'; intno: number; pc: bigint }
  | { kind: 'fill'; stop: FillStop }
  | { kind: 'unmapped'; access: MemAccessType; address: bigint }
  | { kind: 'insn-limit' };

// QEMU exception numbers unicorn passes to UC_HOOK_INTR (target/arm/cpu.h).
const EXCP_UDEF = 1;
const EXCP_SWI = 2;
const EXCP_BKPT = 7;
const EXCP_HVC = 11;
const EXCP_SMC = 13;

const MiB = 1n << 20n;

/**
 * The emulated machine: a QEMU-virt memory map and devices, our stage-1 walker and the EL2 model's stage 2 behind
 * unicorn's TLB, the hypervisor (traps, decisions, injection, HVC/SMC), guest exceptions into EL1, breakpoints,
 * watchpoints, single steps, and run control in bounded slices. Owns its unicorn engine; nothing is shared.
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
  private readonly dtb: Uint8Array;
  private readonly logger: CoreLogger;
  private readonly watchdog: SliceWatchdog;
  private readonly sliceNs: bigint;
  private readonly listeners = new Set<(e: MachineEvent) => void>();
  private pending: PendingStop | null = null;
  private stopRequest: string | null = null;
  private executed = 0n;
  private insnLimit: bigint | null = null;
  private countingHook: HookHandle | null = null;
  private countingUsers = 0;
  private runNs = 0n;
  private breakpoints: bigint[] = [];
  private halted: HaltReason | null = null;
  private closed = false;

  constructor(private readonly config: MachineConfig) {
    this.logger = config.logger ?? SILENT_LOGGER;
    this.sliceNs = BigInt(Math.round((config.sliceMs ?? 10) * 1e6));
    this.ram = { base: virtRegion('ram').base, size: config.ramSize };
    this.uc = UnicornEngine.open(config.lib);
    this.uart = new Pl011(virtRegion('uart').base, config.console);
    this.devices = [
      this.uart,
      new Pl031(virtRegion('rtc').base),
      ...(['gic-dist', 'gic-redist', 'fw-cfg', 'virtio-mmio', 'pcie-mmio', 'pcie-pio', 'pcie-ecam'] as const).map(
        (name) => {
          const r = virtRegion(name);
          return new RazWiDevice(name, r.base, r.size < 0x1000n ? 0x1000n : r.size);
        },
      ),
    ];
    this.mapPlatform();
    const policy = config.policy ?? defaultPolicy(config.ramSize);
    this.space = new AddressSpace(this.uc, this.el2, policy);
    this.hypervisor = new Hypervisor({
      uc: this.uc,
      el2: this.el2,
      policy,
      policyName: config.policyName ?? 'allow-all',
      instructions: this.space,
      injectMode: config.injectMode ?? 'ritm',
      emit: (e) => this.emit(e),
      logger: this.logger,
    });
    this.el2.onTranslationChange = () => {
      this.space.invalidate();
      this.uc.flushTlb();
    };
    this.dtb = buildMachineDeviceTree({
      ramBase: this.ram.base,
      ramSize: this.ram.size,
      cpus: 1,
      ...(config.bootargs ? { bootargs: config.bootargs } : {}),
    });
    this.dtbAddress = this.chooseDtbAddress();
    this.uc.setTlbType('virtual');
    this.uc.addTlbFillHook((va, access) => {
      const r = this.space.fill(va, access);
      if ('paddr' in r) return r;
      if (!this.space.probing) this.pending ??= { kind: 'fill', stop: r };
      return null;
    });
    this.uc.addInterruptHook((intno) => this.noteStop({ kind: 'cpu-exception', intno, pc: this.pc }));
    this.uc.addUnmappedHook((access, address) => this.noteStop({ kind: 'unmapped', access, address }));
    this.uc.useExits(true);
    this.uc.setExits([]);
    this.watchdog = new SliceWatchdog(config.lib.path, this.uc.address, Number(this.sliceNs / 1000n));
    this.reset();
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
        this.logger.warn('machine event listener failed', {
          event: e.kind,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }

  /**
   * Puts the machine in its power-on state: image and DTB reloaded, devices and EL2 reset, CPU at the entry at EL1h.
   */
  reset(): void {
    for (const seg of this.config.image.segments) {
      this.uc.writeMemory(seg.addr, seg.data);
      const zeros = seg.memSize - BigInt(seg.data.length);
      if (zeros > 0n) this.uc.writeMemory(seg.addr + BigInt(seg.data.length), new Uint8Array(Number(zeros)));
    }
    this.uc.writeMemory(this.dtbAddress, this.dtb);
    for (const d of this.devices) d.reset();
    this.el2.reset();
    this.hypervisor.reset();
    // EL1 entry state of el2-model.md: x0 = DTB, other GPRs and SIMD registers zero, EL1h with DAIF masked, MMU off.
    for (let i = 0; i <= 28; i++) this.uc.writeReg(UC_ARM64_REG.X0 + i, 0n);
    this.uc.writeReg(UC_ARM64_REG.X29, 0n);
    this.uc.writeReg(UC_ARM64_REG.X30, 0n);
    this.uc.writeReg(UC_ARM64_REG.X0, this.dtbAddress);
    for (let i = 0; i < 32; i++) this.uc.writeVector(UC_ARM64_REG.Q0 + i, new Uint8Array(16));
    for (const r of [UC_ARM64_REG.SP_EL0, UC_ARM64_REG.SP_EL1, UC_ARM64_REG.SP]) this.uc.writeReg(r, 0n);
    this.uc.writeReg(UC_ARM64_REG.PSTATE, PSTATE_EL1H_DAIF_MASKED);
    for (const r of [
      'TTBR0_EL1',
      'TTBR1_EL1',
      'TCR_EL1',
      'MAIR_EL1',
      'VBAR_EL1',
      'ELR_EL1',
      'SPSR_EL1',
      'ESR_EL1',
      'FAR_EL1',
    ] as const) {
      this.uc.writeSysReg(SYSREG[r], 0n);
    }
    this.uc.writeSysReg(SYSREG.SCTLR_EL1, SCTLR_EL1_ENTRY); // also makes unicorn rebuild its cached EL state
    this.uc.writeReg(UC_ARM64_REG.PC, this.config.image.entry);
    this.space.invalidate();
    this.uc.flushTlb();
    this.executed = 0n;
    this.halted = null;
  }

  /** The guest's program counter. */
  get pc(): bigint {
    return this.uc.readReg(UC_ARM64_REG.PC);
  }

  /**
   * Instructions counted so far, per translated block (only while counting: an instruction limit or enableCounting).
   */
  get instructionsExecuted(): bigint {
    return this.executed;
  }

  /** Counts instructions from now on (a block hook: costs speed); each call needs a disableCounting(). */
  enableCounting(): void {
    this.countingUsers++;
    this.updateCountingHook();
  }

  /** Ends one enableCounting(); the block hook goes when nobody counts any more. */
  disableCounting(): void {
    this.countingUsers = Math.max(0, this.countingUsers - 1);
    this.updateCountingHook();
  }

  /** Whether instructions are being counted now. */
  get counting(): boolean {
    return this.countingHook !== null;
  }

  /** Wall time spent running the guest (run() and step()), in nanoseconds. */
  get runTimeNs(): bigint {
    return this.runNs;
  }

  /** Why the last run ended, or null if it has not run or was reset. */
  get lastHalt(): HaltReason | null {
    return this.halted;
  }

  /** Asks a run in progress to stop at its next slice boundary (within one slice, 10 ms by default). */
  requestStop(why: string): void {
    this.stopRequest ??= why;
  }

  /** Sets the breakpoint addresses (guest virtual): a run stops before executing any of them. */
  setBreakpoints(addresses: readonly bigint[]): void {
    this.breakpoints = [...new Set(addresses)];
    this.uc.setExits(this.breakpoints);
  }

  /** Sets the watchpoints (guest virtual ranges): a run stops before an instruction that accesses one. */
  setWatchpoints(list: readonly Watchpoint[]): void {
    this.space.setWatchpoints(list);
    this.uc.flushTlb();
  }

  /** Translates a guest virtual address through stage 1 and stage 2 without side effects. */
  translate(va: bigint, access: MemAccessType = 'read'): FullTranslation {
    return this.space.translate(va, access);
  }

  /**
   * Runs the guest until it halts, stops at a breakpoint/watchpoint/trap rule, a stop is requested, or `maxInsns` ran.
   */
  async run(options: { maxInsns?: bigint } = {}): Promise<HaltReason> {
    if (this.halted && (this.halted.kind === 'power-off' || this.halted.kind === 'guest-panic')) return this.halted;
    this.stopRequest = null; // a request made while waiting for the watchdog below still counts
    await this.watchdog.whenReady();
    this.insnLimit = options.maxInsns ?? null;
    this.updateCountingHook();
    const t0 = process.hrtime.bigint();
    try {
      const first = this.resumeFromStop();
      if (first) return (this.halted = first);
      for (;;) {
        const halt = this.runSlice();
        if (halt) return (this.halted = halt);
        await new Promise<void>((resolve) => setImmediate(resolve)); // sockets, signals and timers get their turn
        if (this.stopRequest !== null) return (this.halted = { kind: 'stop-requested', why: this.stopRequest });
      }
    } finally {
      this.runNs += process.hrtime.bigint() - t0;
      this.insnLimit = null;
      this.updateCountingHook();
    }
  }

  /** Executes one instruction (an exception it raises counts as the step) and reports how it ended. */
  step(): HaltReason {
    if (this.halted && (this.halted.kind === 'power-off' || this.halted.kind === 'guest-panic')) return this.halted;
    if (this.hypervisor.heldTrap) {
      const atPc = this.hypervisor.holdsTrapAtPc;
      const resumed = this.hypervisor.resumeHeld();
      if (resumed) return (this.halted = resumed);
      if (atPc) return (this.halted = { kind: 'step-done' }); // applying the held trap's decision was the step
    }
    return (this.halted = this.stepOnce() ?? { kind: 'step-done' });
  }

  /** Before running on: apply a held trap decision, and step off a breakpoint under PC. */
  private resumeFromStop(): HaltReason | null {
    if (this.hypervisor.heldTrap) {
      const atPc = this.hypervisor.holdsTrapAtPc;
      const resumed = this.hypervisor.resumeHeld();
      if (resumed || atPc) return resumed;
    }
    if (this.breakpoints.includes(this.pc)) return this.stepOnce();
    return null;
  }

  private stepOnce(): HaltReason | null {
    const pc = this.pc;
    const atBreakpoint = this.breakpoints.includes(pc);
    // unicorn runs nothing when started on an exit: take it out for this one instruction.
    if (atBreakpoint) this.uc.setExits(this.breakpoints.filter((b) => b !== pc));
    try {
      return this.startOnce(1);
    } finally {
      if (atBreakpoint) this.uc.setExits(this.breakpoints);
    }
  }

  private runSlice(): HaltReason | null {
    const sliceStart = process.hrtime.bigint();
    const sliceEndMs = performance.now() + Number(this.sliceNs) / 1e6;
    this.watchdog.beginSlice(sliceStart);
    try {
      do {
        if (this.stopRequest !== null) return { kind: 'stop-requested', why: this.stopRequest };
        const halt = this.startOnce(0);
        if (halt) return halt;
      } while (performance.now() < sliceEndMs); // a double compare: this check runs once per trap
      return null;
    } finally {
      this.watchdog.endSlice();
    }
  }

  /** One uc_emu_start from the current PC (count 0: until stopped) and the handling of whatever ended it. */
  private startOnce(count: number): HaltReason | null {
    const pc = this.pc;
    let result: EmuStartResult;
    try {
      result = this.uc.start(pc, count ? { count } : {});
    } catch (e) {
      this.pending = null;
      return {
        kind: 'emulator-error',
        pc: this.pc,
        description: `internal error while running the guest: ${(e as Error).message}`,
      };
    }
    const pending = this.pending;
    this.pending = null;
    if (pending) return this.handlePending(pending);
    if (result.kind === 'error')
      return {
        kind: 'emulator-error',
        pc: this.pc,
        description: `unicorn stopped with ${this.uc.strerror(result.err)}`,
      };
    if (count === 0 && this.breakpoints.includes(this.pc)) return { kind: 'breakpoint', pc: this.pc };
    return null;
  }

  private handlePending(p: PendingStop): HaltReason | null {
    switch (p.kind) {
      case 'insn-limit':
        return { kind: 'insn-limit', executed: this.executed };
      case 'unmapped':
        return {
          kind: 'emulator-error',
          pc: this.pc,
          description: `${p.access} of physical address 0x${p.address.toString(16)}, where nothing is mapped`,
        };
      case 'fill':
        return p.stop.kind === 'watch-page' ? this.handleWatchPage() : this.handleTranslationFault(p.stop);
      case 'cpu-exception':
        return this.handleCpuException(p.intno, p.pc);
      default: {
        const never: never = p;
        throw new Error(`unhandled stop ${JSON.stringify(never)}`);
      }
    }
  }

  private noteStop(p: PendingStop): void {
    this.pending ??= p;
    this.uc.stop();
  }

  private handleTranslationFault(stop: Extract<FillStop, { kind: 'translation' }>): HaltReason | null {
    const pc = this.pc;
    const f = stop.fault;
    if (f.stage === 2) {
      if (stop.access === 'fetch') return this.hypervisor.instructionAbort(pc, f.ipa & ~0xfffn, f.level, false);
      return this.hypervisor.dataAbort(pc, {
        pageVa: stop.va,
        access: stop.access,
        ipaPage: f.ipa & ~0xfffn,
        level: f.level,
        s1ptw: false,
      });
    }
    if (f.fault.type === 'stage2-on-walk' && f.fault.stage2.kind === 'stage2') {
      const s2 = f.fault.stage2;
      if (stop.access === 'fetch') return this.hypervisor.instructionAbort(pc, s2.ipa & ~0xfffn, s2.level, true);
      return this.hypervisor.dataAbort(pc, {
        pageVa: stop.va,
        access: stop.access,
        ipaPage: s2.ipa & ~0xfffn,
        level: s2.level,
        s1ptw: true,
      });
    }
    return this.deliverStage1Fault(stop, pc);
  }

  /** A watched page faulted: stop if the access really touches a watchpoint, else run that one instruction past it. */
  private handleWatchPage(): HaltReason | null {
    const pc = this.pc;
    const access = this.decodeAccessAt(pc);
    if (access?.kind === 'memory') {
      const hit = this.space.watchHit(access.address, access.totalSize, access.write);
      if (hit) return { kind: 'watchpoint', pc, watch: hit.watch.kind, addr: hit.addr };
    }
    this.space.watchBypass = true;
    try {
      return this.startOnce(1);
    } finally {
      this.space.watchBypass = false;
      this.uc.flushTlb(); // drop the unwatched translation the bypass cached
    }
  }

  private handleCpuException(intno: number, pc: bigint): HaltReason | null {
    if (intno === EXCP_UDEF) {
      const insn = this.space.readInstruction(pc);
      const cls = insn === null ? { kind: 'other' as const } : classifyExceptionInstruction(insn);
      if (cls.kind === 'hvc') return this.hypervisor.hypercall('hvc', pc);
      if (cls.kind === 'smc' && this.el2.smcTrapped) return this.hypervisor.hypercall('smc', pc);
      return this.takeGuestException(
        { esr: makeEsr(EC.UNKNOWN, 0n), preferredReturn: pc },
        pc,
        cls.kind === 'smc' ? 'SMC with HCR_EL2.TSC=0 and no EL3 (undefined)' : 'undefined instruction',
      );
    }
    if (intno === EXCP_HVC || intno === EXCP_SMC) {
      // With -cpu max unicorn raises these (not UDEF) with PC already past the instruction.
      const at = this.exceptionInstructionAt(pc, intno === EXCP_HVC ? 'hvc' : 'smc');
      if (intno === EXCP_HVC) return this.hypervisor.hypercall('hvc', at);
      if (this.el2.smcTrapped) return this.hypervisor.hypercall('smc', at);
      return this.takeGuestException(
        { esr: makeEsr(EC.UNKNOWN, 0n), preferredReturn: at },
        at,
        'SMC with HCR_EL2.TSC=0 and no EL3 (undefined)',
      );
    }
    if (intno === EXCP_SWI) {
      // unicorn reports SVC with PC already past it; the preferred return is that next instruction.
      const imm = this.exceptionImmediate(pc - 4n);
      return this.takeGuestException(
        { esr: makeEsr(EC.SVC64, BigInt(imm)), preferredReturn: pc },
        pc - 4n,
        `SVC #${imm}`,
      );
    }
    if (intno === EXCP_BKPT) {
      const imm = this.exceptionImmediate(pc);
      return this.takeGuestException({ esr: makeEsr(EC.BRK64, BigInt(imm)), preferredReturn: pc }, pc, `BRK #${imm}`);
    }
    return { kind: 'emulator-error', pc, description: `CPU exception ${intno} that el2dbg does not model yet` };
  }

  /** The imm16 of the SVC/BRK at `pc` (the ISS of its exception), 0 if it cannot be read. */
  private exceptionImmediate(pc: bigint): number {
    const insn = this.space.readInstruction(pc);
    const cls = insn === null ? null : classifyExceptionInstruction(insn);
    return cls && cls.kind !== 'other' ? cls.imm16 : 0;
  }

  /** The data access of the instruction at `pc` with the current registers, or null if it cannot be read. */
  private decodeAccessAt(pc: bigint): MemoryAccessDecode | null {
    const insn = this.space.readInstruction(pc);
    if (insn === null) return null;
    return decodeMemoryAccess(insn, {
      x: (n) => this.uc.readReg(xRegisterId(n)),
      sp: this.uc.readReg(UC_ARM64_REG.SP),
      pc,
    });
  }

  /** Where the HVC/SMC that raised an exception sits: unicorn reports PC on it or just past it. */
  private exceptionInstructionAt(pc: bigint, kind: 'hvc' | 'smc'): bigint {
    const before = this.space.readInstruction(pc - 4n);
    if (before !== null && classifyExceptionInstruction(before).kind === kind) return pc - 4n;
    return pc;
  }

  private deliverStage1Fault(stop: Extract<FillStop, { kind: 'translation' }>, pc: bigint): HaltReason | null {
    if (stop.fault.stage !== 1) throw new Error('stage-1 fault expected');
    const f = stop.fault.fault;
    // A table read that hit no memory at all is a synchronous external abort on the walk (FSC 0b0101LL).
    const fsc = f.type === 'stage2-on-walk' ? FSC_SYNC_EXTERNAL_WALK_LEVEL0 + f.level : f.fsc;
    const what = f.type === 'stage2-on-walk' ? 'external abort on the table walk' : `${f.type} fault`;
    if (stop.access === 'fetch') {
      const esr = makeEsr(stop.el === 0 ? EC.IABT_LOWER : EC.IABT_CURRENT, BigInt(fsc));
      return this.takeGuestException(
        { esr, far: pc, preferredReturn: pc },
        pc,
        `instruction abort (${what}, level ${f.level}) at 0x${pc.toString(16)}`,
      );
    }
    const access = this.decodeAccessAt(pc);
    const far = access?.kind === 'memory' ? (access.address >= stop.va ? access.faultAddress : stop.va) : stop.va;
    const wnr = stop.access === 'write' || (access?.kind === 'memory' && access.cacheMaintenance) ? ESR_ISS_WNR : 0n;
    const cm = access?.kind === 'memory' && access.cacheMaintenance ? ESR_ISS_CM : 0n;
    const esr = makeEsr(stop.el === 0 ? EC.DABT_LOWER : EC.DABT_CURRENT, cm | wnr | BigInt(fsc));
    return this.takeGuestException(
      { esr, far, preferredReturn: pc },
      pc,
      `data abort (${what}, level ${f.level}) on ${stop.access} of VA 0x${far.toString(16)}`,
    );
  }

  private takeGuestException(
    exc: { esr: bigint; far?: bigint; preferredReturn: bigint },
    pc: bigint,
    description: string,
  ): HaltReason | null {
    const vbar = this.uc.readSysReg(SYSREG.VBAR_EL1);
    if (vbar === 0n) {
      return {
        kind: 'guest-panic',
        pc,
        description: `${description}, ESR_EL1=0x${exc.esr.toString(16)}, and the guest has no exception vectors (VBAR_EL1 = 0)`,
      };
    }
    const entry = enterEl1Exception(this.uc, exc);
    this.logger.debug('guest exception', {
      pc: `0x${pc.toString(16)}`,
      esr: `0x${exc.esr.toString(16)}`,
      vector: `0x${entry.vector.toString(16)}`,
      description,
    });
    this.emit({
      kind: 'guest-exception',
      pc,
      esr: exc.esr,
      ...(exc.far !== undefined ? { far: exc.far } : {}),
      vector: entry.vector,
      description,
    });
    return null;
  }

  private updateCountingHook(): void {
    const want = this.countingUsers > 0 || this.insnLimit !== null;
    if (want && !this.countingHook) {
      // Counted per translated block (4 bytes an instruction): a limit is reached within one block.
      this.countingHook = this.uc.addBlockHook(1n, 0n, (_addr, size) => {
        this.executed += BigInt(size >>> 2);
        if (this.insnLimit !== null && this.executed >= this.insnLimit) this.noteStop({ kind: 'insn-limit' });
      });
    } else if (!want && this.countingHook) {
      this.uc.removeHook(this.countingHook);
      this.countingHook = null;
    }
  }

  private mapPlatform(): void {
    const flash = virtRegion('flash');
    this.uc.mapMemory(flash.base, flash.size, UC_PROT.ALL);
    this.uc.mapMemory(this.ram.base, this.ram.size, UC_PROT.ALL);
    for (const d of this.devices) {
      this.uc.mapMmio(
        d.base,
        d.size,
        (off, size) => d.read(off, size),
        (off, size, value) => d.write(off, size, value),
      );
    }
  }

  private chooseDtbAddress(): bigint {
    // QEMU puts the DTB at the start of RAM; move it past the image if a segment sits there.
    const size = BigInt(this.dtb.length);
    const overlaps = (at: bigint) =>
      this.config.image.segments.some((s) => s.addr < at + size && at < s.addr + s.memSize);
    if (!overlaps(this.ram.base)) return this.ram.base;
    const end = this.config.image.segments.reduce(
      (m, s) => (s.addr + s.memSize > m ? s.addr + s.memSize : m),
      this.ram.base,
    );
    return (end + 2n * MiB - 1n) & ~(2n * MiB - 1n);
  }

  /** Releases the engine and the watchdog thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watchdog.close(); // before uc_close: the watchdog must never stop a freed engine
    this.uc.close();
  }
}

function defaultPolicy(ramSize: bigint): Stage2Policy {
  const b = new Stage2PolicyBuilder();
  buildAllowAllPolicy(b, ramSize);
  return b.build();
}
