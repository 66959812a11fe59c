// The GICv2 CPU interface (GICC_*, IHI 0048B chapter 4.4), memory-mapped, for one CPU as QEMU 7.2 hw/intc/arm_gic.c
// gives it on `-M virt,gic-version=2`: no Security Extensions, so the guest sees the Secure view (GICC_CTLR with
// EnableGrp0/1, AckCtl, FIQEn, CBPR and EOImode; Group 0 signalled as FIQ when FIQEn is set, as IRQ otherwise), 8
// priority bits, minimum binary point 0 (GICC_BPR) and 1 (GICC_ABPR), four active-priority registers per group.
// GICC_AIAR, GICC_AEOIR and GICC_AHPPIR exist only with the Security Extensions: RAZ/WI here, as in QEMU.
import type { MmioDevice } from './device.js';
import type { GicV2Wiring } from './gicv2-distributor.js';
import type { CpuLines } from './gicv3-cpu-interface.js';
import { GIC_SGI_COUNT, type GicGroup } from './gicv3-interrupts.js';

const GICC_CTLR = 0x00;
const GICC_PMR = 0x04;
const GICC_BPR = 0x08;
const GICC_IAR = 0x0c;
const GICC_EOIR = 0x10;
const GICC_RPR = 0x14;
const GICC_HPPIR = 0x18;
const GICC_ABPR = 0x1c;
const GICC_APR = 0xd0;
const GICC_NSAPR = 0xe0;
const GICC_IIDR = 0xfc;
const GICC_DIR = 0x1000;

/** GICC_CTLR bits (IHI 0048B 4.4.1, the layout without Security Extensions); QEMU GICC_CTLR_V2_MASK. */
const GICC_CTLR_ENABLE_GRP0 = 1 << 0;
const GICC_CTLR_ENABLE_GRP1 = 1 << 1;
const GICC_CTLR_ACK_CTL = 1 << 2;
const GICC_CTLR_FIQ_EN = 1 << 3;
const GICC_CTLR_CBPR = 1 << 4;
const GICC_CTLR_EOIMODE = 1 << 9;
const GICC_CTLR_WRITABLE =
  GICC_CTLR_ENABLE_GRP0 |
  GICC_CTLR_ENABLE_GRP1 |
  GICC_CTLR_ACK_CTL |
  GICC_CTLR_FIQ_EN |
  GICC_CTLR_CBPR |
  GICC_CTLR_EOIMODE;

/** GICC_IIDR: architecture version 2 [19:16], implementer Arm (QEMU: revision << 16 | 0x43b). */
const GICC_IIDR_VALUE = 0x0002_043b;
/** GIC_MIN_BPR and GIC_MIN_ABPR of QEMU. */
const MIN_BPR = 0;
const MIN_ABPR = 1;
/** 128 preemption levels (priority >> 1) in four 32-bit active-priority registers per group. */
const APR_COUNT = 4;
/** No interrupt active: the running priority is above every priority (QEMU keeps 0x100; GICC_RPR reads 0xff). */
const IDLE_PRIORITY = 0x100;
const INTID_SPURIOUS = 1023;
/** Group 1 pending while GICC_CTLR.AckCtl is 0: the Secure view acknowledges nothing (IHI 0048B 3.2.3). */
const INTID_GROUP1_HIDDEN = 1022;
const INTID_SPECIAL_FIRST = 1020;
const SGI_SOURCE_SHIFT = 10;

/** GICC_* at `base`: the registers in the first 4 KiB, GICC_DIR at 0x1000 (QEMU's virt maps 64 KiB). */
export class GicV2CpuInterface implements MmioDevice {
  readonly name = 'gicv2-cpu-interface';
  readonly size = 0x1_0000n;
  ctlr = 0;
  pmr = 0;
  bpr = MIN_BPR;
  abpr = MIN_ABPR;
  /** Active priorities of Group 0 (GICC_APR<n>) and Group 1 (GICC_NSAPR<n>). */
  private readonly apr: Record<GicGroup, number[]> = { 0: [0, 0, 0, 0], 1: [0, 0, 0, 0] };

  constructor(
    readonly base: bigint,
    private readonly gic: GicV2Wiring,
  ) {}

  /** Power-on state of the whole GIC. */
  reset(): void {
    this.gic.reset();
  }

  /** QEMU arm_gic_common_reset of the CPU interface. */
  resetFrame(): void {
    this.ctlr = 0;
    this.pmr = 0;
    this.bpr = MIN_BPR;
    this.abpr = MIN_ABPR;
    for (const g of [0, 1] as const) this.apr[g].fill(0);
  }

  read(offset: bigint, width: number): bigint {
    if (width > 4 || offset >= this.size) return 0n;
    const o = Number(offset);
    if (o >= GICC_APR && o < GICC_APR + 4 * APR_COUNT) return BigInt(this.apr[0][(o - GICC_APR) >> 2] >>> 0);
    if (o >= GICC_NSAPR && o < GICC_NSAPR + 4 * APR_COUNT) return BigInt(this.apr[1][(o - GICC_NSAPR) >> 2] >>> 0);
    return BigInt(this.readRegister(o));
  }

  write(offset: bigint, width: number, value: bigint): void {
    if (width > 4 || offset >= this.size) return;
    const o = Number(offset);
    const v = Number(BigInt.asUintN(32, value));
    if (o >= GICC_APR && o < GICC_APR + 4 * APR_COUNT) this.apr[0][(o - GICC_APR) >> 2] = v;
    else if (o >= GICC_NSAPR && o < GICC_NSAPR + 4 * APR_COUNT) this.apr[1][(o - GICC_NSAPR) >> 2] = v;
    else if (!this.writeRegister(o, v)) return;
    this.gic.update();
  }

  /** The lines as the highest-priority pending interrupt drives them (QEMU gic_update_internal for CPU 0). */
  lines(): CpuLines {
    const best = this.gic.state.highestPending;
    if (best === null || !this.signalling(GICC_CTLR_ENABLE_GRP0 | GICC_CTLR_ENABLE_GRP1))
      return { irq: false, fiq: false };
    if (best.priority >= this.pmr || best.priority >= this.runningPriority()) return { irq: false, fiq: false };
    if (!this.signalling(1 << best.group)) return { irq: false, fiq: false };
    const fiq = best.group === 0 && (this.ctlr & GICC_CTLR_FIQ_EN) !== 0;
    return { irq: !fiq, fiq };
  }

  /** GICC_HPPIR: the highest-priority pending interrupt above GICC_PMR, 1022 if it is Group 1 and AckCtl is 0. */
  highestPendingIntid(): number {
    const best = this.gic.state.highestPending;
    if (best === null || !this.signalling(GICC_CTLR_ENABLE_GRP0 | GICC_CTLR_ENABLE_GRP1) || best.priority >= this.pmr) {
      return INTID_SPURIOUS;
    }
    if (best.group === 1 && (this.ctlr & GICC_CTLR_ACK_CTL) === 0) return INTID_GROUP1_HIDDEN;
    return best.intid;
  }

  /** GICC_RPR's value before the 0xff clamp: the highest active group priority, 0x100 when none is active. */
  runningPriority(): number {
    for (let i = 0; i < APR_COUNT; i++) {
      const bits = (this.apr[0][i] | this.apr[1][i]) >>> 0;
      if (bits !== 0) return (i * 32 + lowestSetBit(bits)) << (MIN_BPR + 1);
    }
    return IDLE_PRIORITY;
  }

  /** Group enables of both the distributor and this interface for the groups of `mask` (QEMU's signalling check). */
  private signalling(mask: number): boolean {
    return (this.gic.state.groupEnables & mask) !== 0 && (this.ctlr & mask) !== 0;
  }

  private readRegister(o: number): number {
    switch (o) {
      case GICC_CTLR:
        return this.ctlr;
      case GICC_PMR:
        return this.pmr;
      case GICC_BPR:
        return this.bpr;
      case GICC_IAR:
        return this.acknowledge();
      case GICC_RPR:
        return Math.min(this.runningPriority(), 0xff);
      case GICC_HPPIR:
        return this.highestPendingIntid();
      case GICC_ABPR:
        return this.abpr;
      case GICC_IIDR:
        return GICC_IIDR_VALUE;
      default:
        return 0; // GICC_EOIR and GICC_DIR are write-only; AIAR, AHPPIR and reserved offsets RAZ
    }
  }

  /** Returns false when the write changes nothing that could move the lines. */
  private writeRegister(o: number, v: number): boolean {
    switch (o) {
      case GICC_CTLR:
        this.ctlr = v & GICC_CTLR_WRITABLE;
        return true;
      case GICC_PMR:
        this.pmr = v & 0xff;
        return true;
      case GICC_BPR:
        this.bpr = Math.max(v & 7, MIN_BPR);
        return true;
      case GICC_ABPR:
        this.abpr = Math.max(v & 7, MIN_ABPR);
        return true;
      case GICC_EOIR:
        this.endOfInterrupt(v & 0x3ff);
        return false;
      case GICC_DIR:
        return this.deactivate(v & 0x3ff);
      default:
        return false; // AEOIR and reserved offsets ignore writes
    }
  }

  /** GICC_IAR (QEMU gic_acknowledge_irq): activates the interrupt and returns its INTID (SGIs: with the source CPU). */
  private acknowledge(): number {
    const intid = this.highestPendingIntid();
    if (intid >= INTID_SPECIAL_FIRST) return intid;
    const { state, sgiSources } = this.gic;
    const priority = state.priorityOf(intid);
    if (priority >= this.runningPriority()) return INTID_SPURIOUS;
    const group = state.groupOf(intid);
    const groupPriority = priority & this.groupPriorityMask(group);
    const level = groupPriority >> (MIN_BPR + 1);
    this.apr[group][level >> 5] = (this.apr[group][level >> 5] | (1 << (level & 31))) >>> 0;
    let value = intid;
    if (intid < GIC_SGI_COUNT) {
      // One acknowledge per source CPU: the SGI stays pending while another source has it pending.
      const source = lowestSetBit(sgiSources[intid]);
      sgiSources[intid] &= ~(1 << source);
      state.setBits('active', 0, 1 << intid);
      if (sgiSources[intid] === 0) state.clearBits('pending', 0, 1 << intid);
      value |= (source & 7) << SGI_SOURCE_SHIFT;
    } else {
      state.activate(intid);
    }
    this.gic.update();
    return value;
  }

  /** GICC_EOIR (QEMU gic_complete_irq): drops the running priority, and deactivates unless EOImode splits that off. */
  private endOfInterrupt(intid: number): void {
    const state = this.gic.state;
    if (intid >= state.numIrqs || this.runningPriority() === IDLE_PRIORITY) return;
    const aprs = this.apr[state.groupOf(intid)];
    const i = aprs.findIndex((bits) => bits !== 0);
    if (i >= 0) aprs[i] = (aprs[i] & (aprs[i] - 1)) >>> 0; // the highest active priority of that group
    if ((this.ctlr & GICC_CTLR_EOIMODE) === 0) state.deactivate(intid);
    this.gic.update();
  }

  /** GICC_DIR: deactivates when EOImode is 1 (ignored otherwise, as QEMU does: UNPREDICTABLE). */
  private deactivate(intid: number): boolean {
    if (intid >= this.gic.state.numIrqs || (this.ctlr & GICC_CTLR_EOIMODE) === 0) return false;
    this.gic.state.deactivate(intid);
    return true;
  }

  /** Group-priority bits (QEMU gic_get_group_priority): Group 1 uses GICC_ABPR - 1 unless CBPR, then GICC_BPR. */
  private groupPriorityMask(group: GicGroup): number {
    const bpr = group === 1 && (this.ctlr & GICC_CTLR_CBPR) === 0 ? this.abpr - 1 : this.bpr;
    return (0xff << ((bpr & 7) + 1)) & 0xff;
  }
}

/** Index of the lowest set bit of a non-zero 32-bit value. */
function lowestSetBit(value: number): number {
  return 31 - Math.clz32(value & -value);
}
