// A GICv3 for one CPU as QEMU 7.2's `-M virt,gic-version=3` (secure=off, its=off) presents it to a Non-secure EL1
// guest: one security state (GICD_CTLR.DS = 1), affinity routing always on, no LPIs and no ITS. The distributor and
// the redistributor are MMIO frames on the board; the CPU interface is reached through MRS/MSR of ICC_*_EL1, and
// drives the CPU's IRQ line for Group 1 and its FIQ line for Group 0. The model keeps no incremental cache the way
// QEMU does: after every change it recomputes the highest-priority pending interrupt from scratch, which gives the
// answer QEMU's cache is kept equal to.
import type { MmioDevice } from './device.js';
import type { InterruptController } from './interrupt-controller.js';
import { GicV3CpuInterface, type CpuLines } from './gicv3-cpu-interface.js';
import { GicV3Distributor } from './gicv3-distributor.js';
import { findIccRegister } from './gicv3-icc-registers.js';
import {
  GIC_INTERNAL_COUNT,
  GIC_SGI_COUNT,
  GICD_CTLR_ARE,
  GICD_CTLR_DS,
  GicInterruptState,
  type GicBitmapName,
} from './gicv3-interrupts.js';
import { GicV3Redistributor } from './gicv3-redistributor.js';

/** Where QEMU's virt maps the frames (hw/arm/virt.c VIRT_GIC_DIST, VIRT_GIC_REDIST). */
export const GICV3_DEFAULT_DIST_BASE = 0x0800_0000n;
export const GICV3_DEFAULT_REDIST_BASE = 0x080a_0000n;
/** QEMU virt's GIC: 256 SPIs after the 32 SGIs and PPIs (NUM_IRQS + GIC_INTERNAL). */
export const GICV3_DEFAULT_NUM_IRQS = 288;

/** Where the frames go and how many INTIDs (a multiple of 32, SGIs and PPIs included) the GIC implements. */
export interface GicV3Options {
  readonly distBase?: bigint;
  readonly redistBase?: bigint;
  readonly numIrqs?: number;
}

/** The GICv3: distributor and redistributor frames, CPU interface registers, interrupt inputs and CPU outputs. */
export class GicV3 implements InterruptController {
  readonly version = 3;
  /** GICD_* (64 KiB). */
  readonly distributor: MmioDevice;
  /** GICR_* of the one CPU: RD_base, then SGI_base at +64 KiB (128 KiB). */
  readonly redistributor: MmioDevice;
  /** Called whenever irqLine or fiqLine changes (the machine delivers the interrupt at the next boundary). */
  onLinesChanged: (() => void) | null = null;

  private readonly state: GicInterruptState;
  private readonly cpuInterface: GicV3CpuInterface;
  private readonly redistFrames: GicV3Redistributor;
  private lines: CpuLines = { irq: false, fiq: false };

  constructor(opts: GicV3Options = {}) {
    this.state = new GicInterruptState(opts.numIrqs ?? GICV3_DEFAULT_NUM_IRQS);
    const wiring = { state: this.state, update: () => this.update(), reset: () => this.reset() };
    this.distributor = new GicV3Distributor(opts.distBase ?? GICV3_DEFAULT_DIST_BASE, wiring);
    this.redistFrames = new GicV3Redistributor(opts.redistBase ?? GICV3_DEFAULT_REDIST_BASE, wiring);
    this.redistributor = this.redistFrames;
    this.cpuInterface = new GicV3CpuInterface(wiring);
  }

  get frames(): readonly MmioDevice[] {
    return [this.distributor, this.redistributor];
  }

  /** ICC_HPPIR1_EL1 for IRQ (Group 1), ICC_HPPIR0_EL1 for FIQ (Group 0). */
  pendingIntid(line: 'irq' | 'fiq'): number {
    return Number(this.cpuInterface.highestPendingIntid(line === 'irq' ? 1 : 0));
  }

  /** The CPU's IRQ input as the CPU interface drives it now. */
  get irqLine(): boolean {
    return this.lines.irq;
  }

  /** The CPU's FIQ input as the CPU interface drives it now. */
  get fiqLine(): boolean {
    return this.lines.fiq;
  }

  /** MRS of an ICC_*_EL1 register by its encoding; null when the encoding is no GIC register MRS can read. */
  readSysreg(op0: number, op1: number, crn: number, crm: number, op2: number): bigint | null {
    const reg = findIccRegister(op0, op1, crn, crm, op2);
    return reg?.read ? reg.read(this.cpuInterface) : null;
  }

  /** MSR of an ICC_*_EL1 register by its encoding; false when the encoding is no GIC register MSR can write. */
  // eslint-disable-next-line max-params -- the five encoding fields and the value, as the machine's MSR hook has them
  writeSysreg(op0: number, op1: number, crn: number, crm: number, op2: number, value: bigint): boolean {
    const reg = findIccRegister(op0, op1, crn, crm, op2);
    if (!reg?.write) return false;
    reg.write(this.cpuInterface, BigInt.asUintN(64, value));
    return true;
  }

  /**
   * Drives the input of a PPI (16-31) or SPI (32 up) from a device or timer. A level-sensitive interrupt is pending
   * while the input is high; an edge-triggered one (GICD_ICFGR / GICR_ICFGR1) latches pending on a rising edge.
   */
  setLine(intid: number, level: boolean): void {
    if (!this.state.implements(intid) || intid < GIC_SGI_COUNT) {
      throw new RangeError(`GICv3 inputs are INTIDs ${GIC_SGI_COUNT}-${this.state.numIrqs - 1}, not ${intid}`);
    }
    if (this.state.driveInput(intid, level)) this.update();
  }

  /** Power-on state of the distributor, the redistributor and the CPU interface; inputs read low again. */
  reset(): void {
    this.state.reset();
    this.redistFrames.resetFrame();
    this.cpuInterface.reset();
    this.update();
  }

  /** Text for `monitor` output: control registers, the lines, and every interrupt enabled, pending or active. */
  describe(): string {
    const icc = this.cpuInterface;
    const hex = (v: bigint | number) => `0x${v.toString(16)}`;
    const gicdCtlr = GICD_CTLR_DS | GICD_CTLR_ARE | this.state.groupEnables;
    const hppi = this.state.highestPending;
    const lines = [
      `GICD_CTLR=${hex(gicdCtlr)} GICR_WAKER=${hex(this.redistFrames.wakerValue)} ` +
        `ICC_PMR=${hex(icc.pmr)} ICC_RPR=${hex(icc.runningPriority())} ICC_CTLR=${hex(icc.ctlr)} ` +
        `ICC_BPR0=${icc.readBpr(0)} ICC_BPR1=${icc.readBpr(1)} ` +
        `ICC_IGRPEN0=${icc.readGroupEnable(0)} ICC_IGRPEN1=${icc.readGroupEnable(1)} ` +
        `ICC_AP0R0=${hex(icc.readActivePriorities(0))} ICC_AP1R0=${hex(icc.readActivePriorities(1))}`,
      `IRQ=${this.lines.irq ? 1 : 0} FIQ=${this.lines.fiq ? 1 : 0} highest pending: ` +
        (hppi ? `INTID ${hppi.intid} (priority ${hex(hppi.priority)}, group ${hppi.group})` : 'none'),
    ];
    for (let intid = 0; intid < this.state.numIrqs; intid++) {
      const line = this.describeInterrupt(intid);
      if (line !== null) lines.push(line);
    }
    return lines.join('\n');
  }

  /** One line for an interrupt that is enabled, pending or active; null for one that is none of them. */
  private describeInterrupt(intid: number): string | null {
    const has = (name: GicBitmapName) => (this.state.readWord(name, intid >>> 5) >>> (intid & 31)) & 1;
    const flags = (['enabled', 'pending', 'active'] as const).filter((name) => has(name));
    if (flags.length === 0) return null;
    const kind = intid < GIC_SGI_COUNT ? 'SGI' : intid < GIC_INTERNAL_COUNT ? 'PPI' : 'SPI';
    const trigger = (this.state.edgeWord(intid >>> 5) >>> (intid & 31)) & 1 ? 'edge' : 'level';
    const priority = `0x${this.state.priorityOf(intid).toString(16).padStart(2, '0')}`;
    return `  INTID ${intid} ${kind} group ${this.state.groupOf(intid)} priority ${priority} ${trigger} ${flags.join(' ')}`;
  }

  /** After any change: the highest-priority pending interrupt, then the lines (QEMU gicv3_update + cpuif_update). */
  private update(): void {
    this.state.refreshHighestPending();
    const next = this.cpuInterface.lines();
    if (next.irq === this.lines.irq && next.fiq === this.lines.fiq) return;
    this.lines = next;
    this.onLinesChanged?.();
  }
}
