// A GICv2 for one CPU as QEMU 7.2's `-M virt,gic-version=2` (secure=off) presents it: a memory-mapped distributor
// and CPU interface, no Security Extensions, no virtualization extensions (GICH/GICV are not modelled: our EL2 is a
// model, not a guest hypervisor) and no system-register interface, so MRS/MSR of ICC_*_EL1 are UNDEFINED. The
// per-INTID state (groups, enables, pending latches and input levels, priorities, edge/level) is the one the GICv3
// model keeps (gicv3-interrupts.ts); after every change the highest-priority pending interrupt is computed again.
import type { MmioDevice } from './device.js';
import { GicV2CpuInterface } from './gicv2-cpu-interface.js';
import { GicV2Distributor, type GicV2Wiring } from './gicv2-distributor.js';
import type { CpuLines } from './gicv3-cpu-interface.js';
import {
  GIC_INTERNAL_COUNT,
  GIC_SGI_COUNT,
  GICD_CTLR_ENABLE_GRP0,
  GICD_CTLR_ENABLE_GRP1,
  GicInterruptState,
  type GicBitmapName,
} from './gicv3-interrupts.js';
import type { InterruptController } from './interrupt-controller.js';

/** Where QEMU's virt maps the frames with gic-version=2 (hw/arm/virt.c VIRT_GIC_DIST, VIRT_GIC_CPU). */
export const GICV2_DEFAULT_DIST_BASE = 0x0800_0000n;
export const GICV2_DEFAULT_CPU_BASE = 0x0801_0000n;
/** As QEMU virt: 256 SPIs after the 32 SGIs and PPIs (GICD_TYPER.ITLinesNumber 8). */
export const GICV2_DEFAULT_NUM_IRQS = 288;

export interface GicV2Options {
  readonly distBase?: bigint;
  readonly cpuBase?: bigint;
  readonly numIrqs?: number;
}

/** The GICv2: distributor and CPU interface frames, interrupt inputs and CPU outputs. */
export class GicV2 implements InterruptController {
  readonly version = 2;
  /** GICD_* (64 KiB). */
  readonly distributor: GicV2Distributor;
  /** GICC_* (64 KiB; GICC_DIR at 0x1000). */
  readonly cpuInterface: GicV2CpuInterface;
  onLinesChanged: (() => void) | null = null;

  private readonly state: GicInterruptState;
  private readonly sgiSources = new Uint8Array(GIC_SGI_COUNT);
  private lines: CpuLines = { irq: false, fiq: false };

  constructor(opts: GicV2Options = {}) {
    this.state = new GicInterruptState(opts.numIrqs ?? GICV2_DEFAULT_NUM_IRQS);
    const wiring: GicV2Wiring = {
      state: this.state,
      sgiSources: this.sgiSources,
      update: () => this.update(),
      reset: () => this.reset(),
    };
    this.distributor = new GicV2Distributor(opts.distBase ?? GICV2_DEFAULT_DIST_BASE, wiring);
    this.cpuInterface = new GicV2CpuInterface(opts.cpuBase ?? GICV2_DEFAULT_CPU_BASE, wiring);
    this.reset();
  }

  get frames(): readonly MmioDevice[] {
    return [this.distributor, this.cpuInterface];
  }

  get irqLine(): boolean {
    return this.lines.irq;
  }

  get fiqLine(): boolean {
    return this.lines.fiq;
  }

  /** GICC_HPPIR without its Group 1 / AckCtl hiding: the INTID an IRQ or FIQ handler would acknowledge. */
  pendingIntid(): number {
    return this.lines.irq || this.lines.fiq ? (this.state.highestPending?.intid ?? 1023) : 1023;
  }

  /** No system-register interface: every ICC_*_EL1 encoding is UNDEFINED. */
  readSysreg(): bigint | null {
    return null;
  }

  writeSysreg(): boolean {
    return false;
  }

  /** Drives the input of a PPI (16-31) or SPI (32 up): pending while high (level) or latched on a rising edge. */
  setLine(intid: number, level: boolean): void {
    if (!this.state.implements(intid) || intid < GIC_SGI_COUNT) {
      throw new RangeError(`GICv2 inputs are INTIDs ${GIC_SGI_COUNT}-${this.state.numIrqs - 1}, not ${intid}`);
    }
    if (this.state.driveInput(intid, level)) this.update();
  }

  /** Power-on state (QEMU arm_gic_common_reset); inputs read low again. */
  reset(): void {
    this.state.reset();
    this.distributor.resetFrame();
    this.cpuInterface.resetFrame();
    this.update();
  }

  describe(): string {
    const icc = this.cpuInterface;
    const hex = (v: number) => `0x${v.toString(16)}`;
    const hppi = this.state.highestPending;
    const lines = [
      `GICD_CTLR=${hex(this.state.groupEnables)} GICC_CTLR=${hex(icc.ctlr)} GICC_PMR=${hex(icc.pmr)} ` +
        `GICC_RPR=${hex(Math.min(icc.runningPriority(), 0xff))} GICC_BPR=${icc.bpr} GICC_ABPR=${icc.abpr}`,
      `IRQ=${this.lines.irq ? 1 : 0} FIQ=${this.lines.fiq ? 1 : 0} highest pending: ` +
        (hppi ? `INTID ${hppi.intid} (priority ${hex(hppi.priority)}, group ${hppi.group})` : 'none'),
    ];
    for (let intid = 0; intid < this.state.numIrqs; intid++) {
      const line = this.describeInterrupt(intid);
      if (line !== null) lines.push(line);
    }
    return lines.join('\n');
  }

  /** One line for an interrupt that is pending or active, or an enabled PPI or SPI (SGIs are always enabled). */
  private describeInterrupt(intid: number): string | null {
    const has = (name: GicBitmapName) => (this.state.readWord(name, intid >>> 5) >>> (intid & 31)) & 1;
    const flags = (['enabled', 'pending', 'active'] as const).filter((name) => has(name));
    if (flags.length === 0 || (intid < GIC_SGI_COUNT && flags.length === 1)) return null;
    const kind = intid < GIC_SGI_COUNT ? 'SGI' : intid < GIC_INTERNAL_COUNT ? 'PPI' : 'SPI';
    const trigger = (this.state.edgeWord(intid >>> 5) >>> (intid & 31)) & 1 ? 'edge' : 'level';
    const priority = `0x${this.state.priorityOf(intid).toString(16).padStart(2, '0')}`;
    return `  INTID ${intid} ${kind} group ${this.state.groupOf(intid)} priority ${priority} ${trigger} ${flags.join(' ')}`;
  }

  /** After any change: the best pending interrupt of either group (QEMU gic_get_best_irq), then the lines. */
  private update(): void {
    this.state.refreshHighestPending(GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1);
    const next = this.cpuInterface.lines();
    if (next.irq === this.lines.irq && next.fiq === this.lines.fiq) return;
    this.lines = next;
    this.onLinesChanged?.();
  }
}
