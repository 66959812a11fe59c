import { RazWiDevice, type MmioDevice } from '../devices/device.js';
import { Pl011, type SerialPort } from '../devices/pl011.js';
import { Pl031 } from '../devices/pl031.js';
import type { LoadedImage } from '../loader/loaded-image.js';
import { walkStage1, type Stage1Registers, type Stage1WalkResult, type TableRead } from '../mmu/stage1-walker.js';
import { buildMachineDeviceTree } from '../platform/device-tree.js';
import { virtRegion } from '../platform/virt-memory-map.js';
import { UC_ARM64_REG, UC_PROT } from '../unicorn/constants.js';
import { UC_PAGE_SIZE, UnicornEngine, type EmuStartResult, type MemAccessType, type TlbFillAnswer } from '../unicorn/engine.js';
import type { UnicornLibrary } from '../unicorn/library.js';
import { SILENT_LOGGER, type CoreLogger, type HaltReason, type MachineEvent } from './events.js';
import {
  EC_BRK64, EC_DABT_CURRENT, EC_DABT_LOWER, EC_IABT_CURRENT, EC_IABT_LOWER, EC_SVC64, EC_UNKNOWN,
  enterEl1Exception, makeEsr,
} from './exception-entry.js';
import { handleHypercall } from './hypercall.js';
import { classifyExceptionInstruction } from './instruction-classes.js';
import { SliceWatchdog } from './slice-watchdog.js';
import { PSTATE_EL1H_DAIF_MASKED, SCTLR_EL1_ENTRY, SYSREG, pstateEl } from './sysregs.js';

/** Everything needed to build a machine around one guest image. */
export interface MachineConfig {
  readonly lib: UnicornLibrary;
  readonly image: LoadedImage;
  /** Guest RAM size in bytes (RAM starts at 0x40000000 as on QEMU virt). */
  readonly ramSize: bigint;
  /** Where the PL011 transmits. */
  readonly console: SerialPort;
  readonly logger?: CoreLogger;
  /** Longest uninterrupted run, in milliseconds, before the machine yields to the event loop (default 10). */
  readonly sliceMs?: number;
  readonly bootargs?: string;
}

/** What a hook noticed during uc_emu_start, handled once the run has returned. */
type PendingStop =
  | { kind: 'cpu-exception'; intno: number; pc: bigint }
  | { kind: 'stage1-fault'; va: bigint; access: MemAccessType; el: 0 | 1; fault: Extract<Stage1WalkResult<WalkReadFault>, { kind: 'fault' }> }
  | { kind: 'unmapped'; access: MemAccessType; address: bigint }
  | { kind: 'insn-limit' };

/** Why a descriptor read on the stage-1 walk failed (the stage-2 seam: stage-2 faults join this union). */
export type WalkReadFault = { kind: 'no-memory'; pa: bigint };

// QEMU exception numbers unicorn passes to UC_HOOK_INTR (target/arm/cpu.h).
const EXCP_UDEF = 1;
const EXCP_SWI = 2;
const EXCP_BKPT = 7;

const PAGE_MASK = ~BigInt(UC_PAGE_SIZE - 1);
const MiB = 1n << 20n;

/**
 * The emulated machine: a QEMU-virt memory map, devices, our stage-1 walker behind unicorn's TLB, exception entry
 * into EL1, hypercalls, and run control in bounded slices. Owns its unicorn engine; nothing is shared between machines.
 */
export class Machine {
  readonly uc: UnicornEngine;
  readonly uart: Pl011;
  readonly devices: readonly MmioDevice[];
  readonly ram: { base: bigint; size: bigint };
  readonly dtbAddress: bigint;
  private readonly dtb: Uint8Array;
  private readonly logger: CoreLogger;
  private readonly watchdog: SliceWatchdog;
  private readonly sliceNs: bigint;
  private readonly listeners = new Set<(e: MachineEvent) => void>();
  private pending: PendingStop | null = null;
  private stopRequest: string | null = null;
  private executed = 0n;
  private insnLimit: bigint | null = null;
  private countingHook: ReturnType<UnicornEngine['addBlockHook']> | null = null;
  private halt: HaltReason | null = null;
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
      ...(['gic-dist', 'gic-redist', 'fw-cfg', 'virtio-mmio', 'pcie-mmio', 'pcie-pio', 'pcie-ecam'] as const).map((name) => {
        const r = virtRegion(name);
        return new RazWiDevice(name, r.base, r.size < 0x1000n ? 0x1000n : r.size);
      }),
    ];
    this.mapPlatform();
    this.dtb = buildMachineDeviceTree({ ramBase: this.ram.base, ramSize: this.ram.size, cpus: 1, ...(config.bootargs ? { bootargs: config.bootargs } : {}) });
    this.dtbAddress = this.chooseDtbAddress();
    this.uc.setTlbType('virtual');
    this.uc.addTlbFillHook((va, access) => this.fillTlb(va, access));
    this.uc.addInterruptHook((intno) => this.onCpuException(intno));
    this.uc.addUnmappedHook((access, address) => this.noteStop({ kind: 'unmapped', access, address }));
    this.watchdog = new SliceWatchdog(config.lib.path, this.uc.address, Number(this.sliceNs / 1000n));
    this.reset();
  }

  /** Subscribes to machine events; returns the unsubscribe function. */
  on(listener: (e: MachineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Puts the machine in its power-on state: image and DTB reloaded, devices reset, CPU at the entry point at EL1h. */
  reset(): void {
    this.uc.writeMemory(this.ram.base, new Uint8Array(0)); // ensures RAM is mapped; contents are rewritten below
    for (const seg of this.config.image.segments) {
      this.uc.writeMemory(seg.addr, seg.data);
      const zeros = seg.memSize - BigInt(seg.data.length);
      if (zeros > 0n) this.uc.writeMemory(seg.addr + BigInt(seg.data.length), new Uint8Array(Number(zeros)));
    }
    this.uc.writeMemory(this.dtbAddress, this.dtb);
    for (const d of this.devices) d.reset();
    // EL1 entry state of el2-model.md: x0 = DTB, other GPRs zero, EL1h with DAIF masked, MMU off.
    for (let i = 0; i <= 28; i++) this.uc.writeReg(UC_ARM64_REG.X0 + i, 0n);
    this.uc.writeReg(UC_ARM64_REG.X29, 0n);
    this.uc.writeReg(UC_ARM64_REG.X30, 0n);
    this.uc.writeReg(UC_ARM64_REG.X0, this.dtbAddress);
    for (let i = 0; i < 32; i++) this.uc.writeVector(UC_ARM64_REG.Q0 + i, new Uint8Array(16));
    this.uc.writeReg(UC_ARM64_REG.SP_EL0, 0n);
    this.uc.writeReg(UC_ARM64_REG.SP_EL1, 0n);
    this.uc.writeReg(UC_ARM64_REG.SP, 0n);
    this.uc.writeReg(UC_ARM64_REG.PSTATE, PSTATE_EL1H_DAIF_MASKED);
    for (const r of ['TTBR0_EL1', 'TTBR1_EL1', 'TCR_EL1', 'MAIR_EL1', 'VBAR_EL1', 'ELR_EL1', 'SPSR_EL1', 'ESR_EL1', 'FAR_EL1'] as const) {
      this.uc.writeSysReg(SYSREG[r], 0n);
    }
    this.uc.writeSysReg(SYSREG.SCTLR_EL1, SCTLR_EL1_ENTRY); // also makes unicorn rebuild its cached EL state
    this.uc.writeReg(UC_ARM64_REG.PC, this.config.image.entry);
    this.uc.flushTlb();
    this.executed = 0n;
    this.halt = null;
  }

  /** The guest's program counter. */
  get pc(): bigint {
    return this.uc.readReg(UC_ARM64_REG.PC);
  }

  /** Instructions counted so far (only while counting: when an instruction limit is set). */
  get instructionsExecuted(): bigint {
    return this.executed;
  }

  /** Asks a run in progress to stop at its next slice boundary (within one slice, 10 ms by default). */
  requestStop(why: string): void {
    this.stopRequest ??= why;
  }

  /** Runs the guest until it halts (power off, panic, error), a stop is requested, or `maxInsns` instructions have run. */
  async run(options: { maxInsns?: bigint } = {}): Promise<HaltReason> {
    if (this.halt && (this.halt.kind === 'power-off' || this.halt.kind === 'guest-panic')) return this.halt;
    this.stopRequest = null;
    this.setInstructionLimit(options.maxInsns ?? null);
    try {
      for (;;) {
        const halt = this.runSlice();
        if (halt) return (this.halt = halt);
        await new Promise<void>((resolve) => setImmediate(resolve)); // sockets, signals and timers get their turn
        if (this.stopRequest !== null) return (this.halt = { kind: 'stop-requested', why: this.stopRequest });
      }
    } finally {
      this.setInstructionLimit(null);
    }
  }

  private runSlice(): HaltReason | null {
    const sliceStart = process.hrtime.bigint();
    this.watchdog.beginSlice(sliceStart);
    try {
      do {
        if (this.stopRequest !== null) return { kind: 'stop-requested', why: this.stopRequest };
        const halt = this.startOnce();
        if (halt) return halt;
      } while (process.hrtime.bigint() - sliceStart < this.sliceNs);
      return null;
    } finally {
      this.watchdog.endSlice();
    }
  }

  /** One uc_emu_start from the current PC and the handling of whatever ended it. */
  private startOnce(): HaltReason | null {
    const pc = this.pc;
    let result: EmuStartResult;
    try {
      result = this.uc.start(pc);
    } catch (e) {
      this.pending = null;
      return { kind: 'emulator-error', pc: this.pc, description: `internal error while running the guest: ${(e as Error).message}` };
    }
    const pending = this.pending;
    this.pending = null;
    if (pending) return this.handlePending(pending);
    if (result.kind === 'error') return { kind: 'emulator-error', pc: this.pc, description: `unicorn stopped with ${result.strerror}` };
    return null;
  }

  private handlePending(p: PendingStop): HaltReason | null {
    switch (p.kind) {
      case 'insn-limit':
        return { kind: 'insn-limit', executed: this.executed };
      case 'unmapped':
        return { kind: 'emulator-error', pc: this.pc, description: `${p.access} of physical address 0x${p.address.toString(16)}, where nothing is mapped` };
      case 'stage1-fault':
        return this.deliverStage1Fault(p);
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

  private onCpuException(intno: number): void {
    // Leave PC where unicorn put it and stop: the exception is handled after the run returns.
    this.noteStop({ kind: 'cpu-exception', intno, pc: this.pc });
  }

  private handleCpuException(intno: number, pc: bigint): HaltReason | null {
    if (intno === EXCP_UDEF) {
      const insn = this.readInstruction(pc);
      const cls = insn === null ? { kind: 'other' as const } : classifyExceptionInstruction(insn);
      if (cls.kind === 'hvc' || cls.kind === 'smc') return this.handleHypercall(cls.kind, pc);
      return this.takeGuestException({ esr: makeEsr(EC_UNKNOWN, 0n), preferredReturn: pc }, pc, 'undefined instruction');
    }
    if (intno === EXCP_SWI) {
      // unicorn reports SVC with PC already past it; the preferred return is that next instruction.
      const insn = this.readInstruction(pc - 4n);
      const imm = insn === null ? 0 : (insn >>> 5) & 0xffff;
      return this.takeGuestException({ esr: makeEsr(EC_SVC64, BigInt(imm)), preferredReturn: pc }, pc - 4n, `SVC #${imm}`);
    }
    if (intno === EXCP_BKPT) {
      const insn = this.readInstruction(pc);
      const imm = insn === null ? 0 : (insn >>> 5) & 0xffff;
      return this.takeGuestException({ esr: makeEsr(EC_BRK64, BigInt(imm)), preferredReturn: pc }, pc, `BRK #${imm}`);
    }
    return { kind: 'emulator-error', pc, description: `CPU exception ${intno} that el2dbg does not model yet` };
  }

  private handleHypercall(conduit: 'hvc' | 'smc', pc: bigint): HaltReason | null {
    const functionId = this.uc.readReg(UC_ARM64_REG.X0);
    const outcome = handleHypercall(functionId);
    // HVC's preferred return is the next instruction; a trapped SMC returns to itself, so EL2 adds 4: both resume at pc + 4.
    this.uc.writeReg(UC_ARM64_REG.PC, pc + 4n);
    const result = outcome.kind === 'return' ? outcome.x0 : 0n;
    if (outcome.kind === 'return') this.uc.writeReg(UC_ARM64_REG.X0, outcome.x0);
    this.emit({ kind: 'hypercall', conduit, pc, functionId, result });
    if (outcome.kind === 'power-off') return { kind: 'power-off', via: conduit };
    if (outcome.kind === 'system-reset') return { kind: 'system-reset', via: conduit };
    return null;
  }

  private deliverStage1Fault(p: Extract<PendingStop, { kind: 'stage1-fault' }>): HaltReason | null {
    const pc = this.pc;
    const fsc = p.fault.type === 'stage2-on-walk' ? 0x14 + p.fault.level : p.fault.fsc; // external abort on the walk
    const s1ptw = p.fault.type === 'stage2-on-walk' ? 1n << 7n : 0n;
    const what = p.fault.type === 'stage2-on-walk' ? 'table walk abort' : `${p.fault.type} fault`;
    if (p.access === 'fetch') {
      const esr = makeEsr(p.el === 0 ? EC_IABT_LOWER : EC_IABT_CURRENT, s1ptw | BigInt(fsc));
      return this.takeGuestException({ esr, far: pc, preferredReturn: pc }, pc, `instruction abort (${what}, level ${p.fault.level}) at 0x${pc.toString(16)}`);
    }
    // FAR is the page address the TLB asked for until the syndrome decoder gives the exact byte address.
    const wnr = p.access === 'write' ? 1n << 6n : 0n;
    const esr = makeEsr(p.el === 0 ? EC_DABT_LOWER : EC_DABT_CURRENT, s1ptw | wnr | BigInt(fsc));
    return this.takeGuestException({ esr, far: p.va, preferredReturn: pc }, pc, `data abort (${what}, level ${p.fault.level}) on ${p.access} of VA 0x${p.va.toString(16)}`);
  }

  private takeGuestException(exc: { esr: bigint; far?: bigint; preferredReturn: bigint }, pc: bigint, description: string): HaltReason | null {
    const vbar = this.uc.readSysReg(SYSREG.VBAR_EL1);
    if (vbar === 0n) {
      return { kind: 'guest-panic', pc, description: `${description}, ESR_EL1=0x${exc.esr.toString(16)}, and the guest has no exception vectors (VBAR_EL1 = 0)` };
    }
    const entry = enterEl1Exception(this.uc, exc);
    this.logger.debug('guest exception', { pc: `0x${pc.toString(16)}`, esr: `0x${exc.esr.toString(16)}`, vector: `0x${entry.vector.toString(16)}`, description });
    this.emit({ kind: 'guest-exception', pc, esr: exc.esr, ...(exc.far !== undefined ? { far: exc.far } : {}), vector: entry.vector, description });
    return null;
  }

  private emit(e: MachineEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** The stage-1 registers the walker needs, read from the CPU. */
  readTranslationRegisters(): Stage1Registers {
    return {
      sctlrEl1: this.uc.readSysReg(SYSREG.SCTLR_EL1),
      tcrEl1: this.uc.readSysReg(SYSREG.TCR_EL1),
      ttbr0El1: this.uc.readReg(UC_ARM64_REG.TTBR0_EL1),
      ttbr1El1: this.uc.readReg(UC_ARM64_REG.TTBR1_EL1),
    };
  }

  /** Translates a guest virtual address as the CPU at its current EL would (for debuggers: no fault is raised). */
  translate(va: bigint, access: MemAccessType = 'read'): Stage1WalkResult<WalkReadFault> {
    const el = pstateEl(this.uc.readReg(UC_ARM64_REG.PSTATE)) === 0 ? 0 : 1;
    return walkStage1({ va, access, el, regs: this.readTranslationRegisters(), readTableEntry: (ipa) => this.readTableEntry(ipa) });
  }

  private fillTlb(va: bigint, access: MemAccessType): TlbFillAnswer {
    const el = pstateEl(this.uc.readReg(UC_ARM64_REG.PSTATE)) === 0 ? 0 : 1;
    const r = walkStage1({ va, access, el, regs: this.readTranslationRegisters(), readTableEntry: (ipa) => this.readTableEntry(ipa) });
    if (r.kind === 'fault') {
      this.pending ??= { kind: 'stage1-fault', va, access, el, fault: r };
      return null;
    }
    // Stage-2 seam: the IPA goes through the EL2 model's stage-2 translation here (identity until the EL2 core lands).
    const pa = r.ipa & PAGE_MASK; // va is TLB-page aligned, so ipa is the start of its physical page
    const rights = el === 0 ? r.perms.el0 : r.perms.el1;
    const perms = (rights.read ? UC_PROT.READ : 0) | (rights.write ? UC_PROT.WRITE : 0) | (rights.exec ? UC_PROT.EXEC : 0);
    return { paddr: pa, perms };
  }

  private readonly descriptorBuf = new Uint8Array(8);
  private readTableEntry(ipa: bigint): TableRead<WalkReadFault> {
    // Stage-2 seam: table reads are IPA accesses too (S1PTW); identity until the EL2 core lands.
    if (!this.uc.tryReadMemoryInto(ipa, this.descriptorBuf)) return { kind: 'fault', fault: { kind: 'no-memory', pa: ipa } };
    return { kind: 'ok', value: new DataView(this.descriptorBuf.buffer).getBigUint64(0, true) };
  }

  /** Reads the 32-bit instruction at a virtual address, or null if it does not translate. */
  readInstruction(va: bigint): number | null {
    const t = this.translate(va, 'fetch');
    if (t.kind !== 'ok') return null;
    const buf = new Uint8Array(4);
    if (!this.uc.tryReadMemoryInto(t.ipa, buf)) return null;
    return new DataView(buf.buffer).getUint32(0, true);
  }

  private setInstructionLimit(limit: bigint | null): void {
    this.insnLimit = limit;
    if (limit !== null && !this.countingHook) {
      // Counted per translated block (4 bytes an instruction): the limit is reached within one block.
      this.countingHook = this.uc.addBlockHook(1n, 0n, (_addr, size) => {
        this.executed += BigInt(size >>> 2);
        if (this.insnLimit !== null && this.executed >= this.insnLimit) this.noteStop({ kind: 'insn-limit' });
      });
    } else if (limit === null && this.countingHook) {
      this.uc.removeHook(this.countingHook);
      this.countingHook = null;
    }
  }

  private mapPlatform(): void {
    const flash = virtRegion('flash');
    this.uc.mapMemory(flash.base, flash.size, UC_PROT.ALL);
    this.uc.mapMemory(this.ram.base, this.ram.size, UC_PROT.ALL);
    for (const d of this.devices) {
      this.uc.mapMmio(d.base, d.size, (off, size) => d.read(off, size), (off, size, value) => d.write(off, size, value));
    }
  }

  private chooseDtbAddress(): bigint {
    // QEMU puts the DTB at the start of RAM; move it past the image if a segment sits there.
    const size = BigInt(this.dtb.length);
    const overlaps = (at: bigint) => this.config.image.segments.some((s) => s.addr < at + size && at < s.addr + s.memSize);
    if (!overlaps(this.ram.base)) return this.ram.base;
    const end = this.config.image.segments.reduce((m, s) => (s.addr + s.memSize > m ? s.addr + s.memSize : m), this.ram.base);
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
