// The GICv3 CPU interface (ICC_*_EL1, IHI 0069H chapters 4 and 12.2) as QEMU 7.2 hw/intc/arm_gicv3_cpuif.c gives it
// to a Non-secure EL1 on a PE without EL3 (virt,secure=off) whose hypervisor leaves HCR_EL2.IMO/FMO clear: no ICV_
// redirection, one register bank, Group 0 signalled as FIQ and Group 1 as IRQ. QEMU 7.2's cortex-a57/max CPUs have
// 5 priority bits (gic_pribits), hence ICC_CTLR_EL1.PRIbits = 4, ICC_PMR_EL1 keeping bits [7:3], minimum BPRs 2 and
// 3, and one active-priorities register per group (ICC_AP0R0_EL1, ICC_AP1R0_EL1: ICC_AP<n>R1-3 do not exist).
import { type GicGroup, type GicInterruptState, type PendingInterrupt } from './gicv3-interrupts.js';

/** Bits of priority the CPU interface implements, and of group priority (QEMU pribits / prebits). */
const PRIORITY_BITS = 5;
/** ICC_PMR_EL1 and the priority comparisons keep the top PRIORITY_BITS bits. */
const PRIORITY_FIELD_MASK = (0xff << (8 - PRIORITY_BITS)) & 0xff;
/** Writing a smaller BPR sets the minimum (QEMU icc_min_bpr / icc_min_bpr_ns). */
const MIN_BPR: Record<GicGroup, number> = { 0: 7 - PRIORITY_BITS, 1: 8 - PRIORITY_BITS };
/** An active priority's group priority, shifted down by this, is its bit in ICC_AP<g>R0_EL1. */
const APR_SHIFT = 8 - PRIORITY_BITS;

/** ICC_CTLR_EL1 (IHI 0069H 12.2.6): only CBPR and EOImode are writable without EL3. */
const ICC_CTLR_CBPR = 1n << 0n;
const ICC_CTLR_EOIMODE = 1n << 1n;
const ICC_CTLR_WRITABLE = ICC_CTLR_CBPR | ICC_CTLR_EOIMODE;
/** QEMU icc_reset: A3V [15] = 1, IDbits [13:11] = 1 (24-bit INTIDs), PRIbits [10:8] = pribits - 1. */
const ICC_CTLR_RESET = (1n << 15n) | (1n << 11n) | (BigInt(PRIORITY_BITS - 1) << 8n);

/** INTIDs 1020-1023 are special; 1023 is the spurious INTID (IHI 0069H 2.2.1). */
const INTID_SPURIOUS = 1023;
const INTID_SPECIAL_FIRST = 1020;

// ICC_SGI0R_EL1 / ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 fields (IHI 0069H 12.2.21).
const SGI_TARGET_LIST = 0xffffn;
const SGI_AFF1_SHIFT = 16n;
const SGI_INTID_SHIFT = 24n;
const SGI_AFF2_SHIFT = 32n;
const SGI_IRM = 1n << 40n;
const SGI_AFF3_SHIFT = 48n;

/** The CPU interface's view of the GIC. */
export interface CpuInterfaceWiring {
  readonly state: GicInterruptState;
  /** Recompute the highest-priority pending interrupt and the CPU's IRQ/FIQ lines. */
  readonly update: () => void;
}

/** The IRQ and FIQ outputs of the CPU interface. */
export interface CpuLines {
  readonly irq: boolean;
  readonly fiq: boolean;
}

/** ICC_*_EL1 state and behaviour; registers reach it through the encoding table in gicv3-icc-registers.ts. */
export class GicV3CpuInterface {
  /** ICC_PMR_EL1. */
  pmr = 0;
  /** ICC_CTLR_EL1. */
  ctlr = ICC_CTLR_RESET;
  private readonly bpr: Record<GicGroup, number> = { 0: MIN_BPR[0], 1: MIN_BPR[1] };
  private readonly groupEnable: Record<GicGroup, boolean> = { 0: false, 1: false };
  private readonly activePriorities: Record<GicGroup, number> = { 0: 0, 1: 0 };

  constructor(private readonly gic: CpuInterfaceWiring) {}

  /** QEMU icc_reset (the CPU's reset, which a machine reset includes). */
  reset(): void {
    this.pmr = 0;
    this.ctlr = ICC_CTLR_RESET;
    for (const g of [0, 1] as const) {
      this.bpr[g] = MIN_BPR[g];
      this.groupEnable[g] = false;
      this.activePriorities[g] = 0;
    }
  }

  /** The lines as the highest-priority pending interrupt drives them now (QEMU gicv3_cpuif_update). */
  lines(): CpuLines {
    const hppi = this.gic.state.highestPending;
    if (hppi === null || !this.canSignal(hppi)) return { irq: false, fiq: false };
    return { irq: hppi.group === 1, fiq: hppi.group === 0 };
  }

  writePmr(value: bigint): void {
    this.pmr = Number(value & BigInt(PRIORITY_FIELD_MASK));
    this.gic.update();
  }

  /** ICC_BPR0_EL1 / ICC_BPR1_EL1; with ICC_CTLR_EL1.CBPR, BPR1 reads as BPR0 + 1 (at most 7). */
  readBpr(group: GicGroup): bigint {
    if (group === 1 && this.ctlr & ICC_CTLR_CBPR) return BigInt(Math.min(this.bpr[0] + 1, 7));
    return BigInt(this.bpr[group]);
  }

  writeBpr(group: GicGroup, value: bigint): void {
    if (group === 1 && this.ctlr & ICC_CTLR_CBPR) return; // BPR1 writes are ignored while CBPR is set
    // BinaryPoint is bits [2:0]; a value below the minimum sets the minimum (IHI 0069H 12.2.3).
    this.bpr[group] = Math.max(Number(value & 7n), MIN_BPR[group]);
    this.gic.update();
  }

  writeCtlr(value: bigint): void {
    this.ctlr = (this.ctlr & ~ICC_CTLR_WRITABLE) | (value & ICC_CTLR_WRITABLE);
    this.gic.update();
  }

  /** ICC_IGRPEN0_EL1 / ICC_IGRPEN1_EL1. */
  readGroupEnable(group: GicGroup): bigint {
    return this.groupEnable[group] ? 1n : 0n;
  }

  writeGroupEnable(group: GicGroup, value: bigint): void {
    this.groupEnable[group] = (value & 1n) !== 0n;
    this.gic.update();
  }

  /** ICC_AP0R0_EL1 / ICC_AP1R0_EL1: one bit per group priority that is active. */
  readActivePriorities(group: GicGroup): bigint {
    return BigInt(this.activePriorities[group]);
  }

  writeActivePriorities(group: GicGroup, value: bigint): void {
    this.activePriorities[group] = Number(value & 0xffff_ffffn);
    this.gic.update();
  }

  /** ICC_RPR_EL1: the running priority, the highest active group priority, 0xff when idle. */
  runningPriority(): number {
    const apr = (this.activePriorities[0] | this.activePriorities[1]) >>> 0;
    return apr === 0 ? 0xff : lowestSetBit(apr) << APR_SHIFT;
  }

  /** ICC_HPPIR0_EL1 / ICC_HPPIR1_EL1: the highest-priority pending interrupt if it is of `group`, else 1023. */
  highestPendingIntid(group: GicGroup): bigint {
    const hppi = this.gic.state.highestPending;
    // QEMU icc_hppir*_value: only the one highest-priority interrupt is seen, and only if its group is enabled here.
    if (hppi === null || !this.groupEnable[hppi.group] || hppi.group !== group) return BigInt(INTID_SPURIOUS);
    return BigInt(hppi.intid);
  }

  /** ICC_IAR0_EL1 / ICC_IAR1_EL1: acknowledges and returns the INTID that can preempt now, or 1023. */
  acknowledge(group: GicGroup): bigint {
    const hppi = this.gic.state.highestPending;
    if (hppi === null || !this.canSignal(hppi)) return BigInt(INTID_SPURIOUS);
    const intid = Number(this.highestPendingIntid(group));
    if (intid >= INTID_SPECIAL_FIRST) return BigInt(intid);
    // QEMU icc_activate_irq: the group priority becomes active, the interrupt active and its latch cleared.
    const groupPriority = hppi.priority & this.groupPriorityMask(hppi.group);
    this.activePriorities[hppi.group] = (this.activePriorities[hppi.group] | (1 << (groupPriority >> APR_SHIFT))) >>> 0;
    this.gic.state.activate(intid);
    this.gic.update();
    return BigInt(intid);
  }

  /**
   * ICC_EOIR0_EL1 / ICC_EOIR1_EL1 (QEMU icc_eoir_write): drops the highest active priority when it belongs to
   * `group`, and deactivates the written INTID too unless ICC_CTLR_EL1.EOImode splits that off to ICC_DIR_EL1.
   */
  endOfInterrupt(group: GicGroup, value: bigint): void {
    const intid = Number(value & 0xff_ffffn);
    // Special and unimplemented INTIDs are ignored; EOI with no active priority of this group too.
    if (intid >= this.gic.state.numIrqs || this.highestActiveGroup() !== group) return;
    const apr = this.activePriorities[group];
    this.activePriorities[group] = (apr & (apr - 1)) >>> 0;
    if ((this.ctlr & ICC_CTLR_EOIMODE) === 0n) this.gic.state.deactivate(intid);
    this.gic.update();
  }

  /** ICC_DIR_EL1: deactivates the written INTID when EOImode is 1 (ignored otherwise, as QEMU does). */
  deactivate(value: bigint): void {
    const intid = Number(value & 0xff_ffffn);
    if (intid >= this.gic.state.numIrqs || (this.ctlr & ICC_CTLR_EOIMODE) === 0n) return;
    this.gic.state.deactivate(intid);
    this.gic.update();
  }

  /**
   * ICC_SGI0R_EL1 (`group` 0), ICC_SGI1R_EL1 (1) and ICC_ASGI1R_EL1 (Secure Group 1, which GICD_CTLR.DS = 1 makes
   * Group 0): the SGI becomes pending here when this CPU (affinity 0.0.0.0) is a target and the SGI is configured
   * in that group (QEMU icc_generate_sgi / gicv3_redist_send_sgi). IRM = 1 means every PE but this one.
   */
  generateSgi(group: GicGroup, value: bigint): void {
    if (value & SGI_IRM) return;
    const affinity = ((value >> SGI_AFF3_SHIFT) | (value >> SGI_AFF2_SHIFT) | (value >> SGI_AFF1_SHIFT)) & 0xffn;
    if (affinity !== 0n || (value & SGI_TARGET_LIST & 1n) === 0n) return;
    const intid = Number((value >> SGI_INTID_SHIFT) & 0xfn);
    if (this.gic.state.groupOf(intid) !== group) return;
    this.gic.state.makePending(intid);
    this.gic.update();
  }

  /** Enabled here, below ICC_PMR_EL1, and preempting what runs (QEMU icc_hppi_can_preempt). */
  private canSignal(hppi: PendingInterrupt): boolean {
    if (!this.groupEnable[hppi.group] || hppi.priority >= this.pmr) return false;
    const running = this.runningPriority();
    if (running === 0xff) return true;
    // Only the group priority preempts: subpriority bits (below the BPR's binary point) do not count.
    const mask = this.groupPriorityMask(hppi.group);
    return (hppi.priority & mask) < (running & mask);
  }

  /** The group-priority bits of a priority of `group` (the Arm GroupBits() pseudocode, QEMU icc_gprio_mask). */
  private groupPriorityMask(group: GicGroup): number {
    const cbpr = group === 1 && (this.ctlr & ICC_CTLR_CBPR) !== 0n;
    const bpr = cbpr ? this.bpr[0] : this.bpr[group] - group; // BPR1's binary point is one bit lower than BPR0's
    return (0xff << (bpr + 1)) & 0xff;
  }

  /** The group whose active priority is highest (QEMU icc_highest_active_group), null when none is active. */
  private highestActiveGroup(): GicGroup | null {
    const g0 = this.activePriorities[0];
    const g1 = this.activePriorities[1];
    if (g0 === 0 && g1 === 0) return null;
    if (g0 === 0) return 1;
    if (g1 === 0) return 0;
    return lowestSetBit(g1) < lowestSetBit(g0) ? 1 : 0;
  }
}

/** Index of the lowest set bit of a non-zero 32-bit value. */
function lowestSetBit(value: number): number {
  return 31 - Math.clz32(value & -value);
}
