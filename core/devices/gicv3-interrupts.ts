// The per-INTID state of a GICv3 with one CPU (IHI 0069H chapter 4): group, enable, pending latch, active, input
// level, edge/level configuration, priority and (for SPIs) routing. With one CPU the redistributor's SGIs and PPIs
// (INTIDs 0-31) and the distributor's SPIs (32 and up) share one set of bitmaps, word n holding INTIDs 32n..32n+31;
// which frame reaches which word is the frames' business. Behaviour as QEMU 7.2's hw/intc/arm_gicv3*.c for a GIC
// with one security state (GICD_CTLR.DS = 1): GICD_IGRPMODR is RAZ/WI, so an interrupt is Group 0 or Group 1.

/** INTIDs 0-15 are SGIs, 16-31 PPIs; SPIs start at 32 (GIC_INTERNAL in QEMU). */
export const GIC_SGI_COUNT = 16;
export const GIC_INTERNAL_COUNT = 32;
/** QEMU's GICV3_MAXIRQ: INTIDs 1020-1023 are special. */
const GIC_MAX_IRQS = 1020;
/** The idle priority: nothing at 0xff is ever signalled (it can never be below ICC_PMR_EL1, whose top is 0xf8). */
const GIC_IDLE_PRIORITY = 0xff;

/** GICD_CTLR (IHI 0069H 12.9.4, DS = 1 layout). */
export const GICD_CTLR_ENABLE_GRP0 = 1 << 0;
export const GICD_CTLR_ENABLE_GRP1 = 1 << 1;
export const GICD_CTLR_ARE = 1 << 4;
export const GICD_CTLR_DS = 1 << 6;

/** An interrupt group as the CPU interface sees it with one security state: 0 signals FIQ, 1 signals IRQ. */
export type GicGroup = 0 | 1;

/** The highest-priority pending interrupt the redistributor offers the CPU interface (QEMU's cs->hppi). */
export interface PendingInterrupt {
  readonly intid: number;
  readonly priority: number;
  readonly group: GicGroup;
}

/** The one-bit-per-INTID registers; a frame's register bank names the one it reads and writes. */
export type GicBitmapName = 'group' | 'enabled' | 'pending' | 'active';

// IROUTER.Aff3 [39:32] and Aff2.Aff1.Aff0 [23:0]: the affinity the SPI is routed to. Interrupt_Routing_Mode [31] is
// ignored, as QEMU ignores it (no 1-of-N): an SPI reaches our CPU only when the affinity is its own, 0.0.0.0.
const IROUTER_AFFINITY = 0xff_00ff_ffffn;
/** SGIs are edge-triggered and their GICR_ICFGR0 bits are read-only (QEMU resets edge_trigger to 0xffff). */
const SGI_EDGE_BITS = 0x0000_ffff;

const bit = (intid: number): number => (1 << (intid & 31)) >>> 0;
const word = (intid: number): number => intid >>> 5;

/** The state the distributor, the redistributor and the CPU interface share. */
export class GicInterruptState {
  /** GICD_CTLR.EnableGrp0 / EnableGrp1 (the rest of GICD_CTLR is fixed). */
  groupEnables = 0;
  /** The cached highest-priority pending interrupt; refreshHighestPending() recomputes it. */
  highestPending: PendingInterrupt | null = null;

  private readonly bitmaps: Record<GicBitmapName, Uint32Array>;
  private readonly level: Uint32Array;
  private readonly edge: Uint32Array;
  private readonly priority: Uint8Array;
  private readonly router: bigint[];

  constructor(readonly numIrqs: number) {
    if (!Number.isInteger(numIrqs) || numIrqs < GIC_INTERNAL_COUNT || numIrqs > GIC_MAX_IRQS || numIrqs % 32 !== 0) {
      throw new RangeError(`GICv3 interrupt count must be a multiple of 32 in 32-${GIC_MAX_IRQS}, not ${numIrqs}`);
    }
    const words = numIrqs / 32;
    this.bitmaps = {
      group: new Uint32Array(words),
      enabled: new Uint32Array(words),
      pending: new Uint32Array(words),
      active: new Uint32Array(words),
    };
    this.level = new Uint32Array(words);
    this.edge = new Uint32Array(words);
    this.priority = new Uint8Array(numIrqs);
    this.router = new Array<bigint>(numIrqs).fill(0n);
    this.reset();
  }

  /** Power-on values (QEMU arm_gicv3_common_reset): all Group 0, disabled, idle, level-sensitive, priority 0. */
  reset(): void {
    for (const bitmap of Object.values(this.bitmaps)) bitmap.fill(0);
    this.level.fill(0);
    this.edge.fill(0);
    this.edge[0] = SGI_EDGE_BITS;
    this.priority.fill(0);
    this.router.fill(0n);
    this.groupEnables = 0;
    this.highestPending = null;
  }

  /** Number of 32-bit bitmap words (INTIDs / 32). */
  get wordCount(): number {
    return this.numIrqs / 32;
  }

  /** Whether `intid` is an INTID this GIC implements. */
  implements(intid: number): boolean {
    return Number.isInteger(intid) && intid >= 0 && intid < this.numIrqs;
  }

  /** One 32-bit word of a bitmap; 'pending' reads as the latch OR'd with the level of level-sensitive inputs. */
  readWord(name: GicBitmapName, index: number): number {
    const value = this.bitmaps[name][index];
    // IHI 0069H 4.1.2: a level-sensitive interrupt is pending while its input is asserted, whatever the latch says.
    return name === 'pending' ? (value | (~this.edge[index] & this.level[index])) >>> 0 : value;
  }

  /** Replaces a bitmap word (GICD_IGROUPR<n>, GICR_IGROUPR0). */
  writeWord(name: GicBitmapName, index: number, value: number): void {
    this.bitmaps[name][index] = value >>> 0;
  }

  /** Sets the bits of `mask` in a bitmap word (the GIC*_IS*R registers). */
  setBits(name: GicBitmapName, index: number, mask: number): void {
    this.bitmaps[name][index] = (this.bitmaps[name][index] | mask) >>> 0;
  }

  /** Clears the bits of `mask` in a bitmap word (the GIC*_IC*R registers). */
  clearBits(name: GicBitmapName, index: number, mask: number): void {
    this.bitmaps[name][index] = (this.bitmaps[name][index] & ~mask) >>> 0;
  }

  /** The edge-triggered bits of a word (1: edge, 0: level); GIC*_ICFGR keep them in their odd bits. */
  edgeWord(index: number): number {
    return this.edge[index];
  }

  /** Replaces the edge bits selected by `mask` in a word. */
  writeEdgeBits(index: number, mask: number, value: number): void {
    this.edge[index] = ((this.edge[index] & ~mask) | (value & mask)) >>> 0;
  }

  /** GIC*_IPRIORITYR<n> byte of `intid`: the distributor keeps all 8 bits, as QEMU does. */
  priorityOf(intid: number): number {
    return this.priority[intid];
  }

  setPriority(intid: number, value: number): void {
    this.priority[intid] = value & 0xff;
  }

  /** GICD_IROUTER<n> of an SPI, as written. */
  routeOf(intid: number): bigint {
    return this.router[intid];
  }

  setRoute(intid: number, value: bigint): void {
    this.router[intid] = BigInt.asUintN(64, value);
  }

  /** The group of `intid`: GICD_IGROUPR / GICR_IGROUPR0 bit, 1 = Group 1. */
  groupOf(intid: number): GicGroup {
    return (this.bitmaps.group[word(intid)] & bit(intid)) !== 0 ? 1 : 0;
  }

  /**
   * A device or timer drives the input of a PPI or SPI (QEMU gicv3_dist_set_irq / gicv3_redist_set_irq): a rising
   * edge latches pending when the interrupt is edge-triggered. Returns whether the level changed.
   */
  driveInput(intid: number, high: boolean): boolean {
    const w = word(intid);
    const b = bit(intid);
    if (((this.level[w] & b) !== 0) === high) return false;
    this.level[w] = high ? (this.level[w] | b) >>> 0 : (this.level[w] & ~b) >>> 0;
    if (high && (this.edge[w] & b) !== 0) this.setBits('pending', w, b);
    return true;
  }

  /** Acknowledge (QEMU icc_activate_irq): active, and the pending latch cleared (a high level keeps it pending). */
  activate(intid: number): void {
    this.setBits('active', word(intid), bit(intid));
    this.clearBits('pending', word(intid), bit(intid));
  }

  /** Deactivation by EOI or ICC_DIR_EL1. */
  deactivate(intid: number): void {
    this.clearBits('active', word(intid), bit(intid));
  }

  /** An SGI arrives (QEMU gicv3_redist_send_sgi once the group check passed). */
  makePending(intid: number): void {
    this.setBits('pending', word(intid), bit(intid));
  }

  /**
   * Recomputes highestPending (QEMU gicv3_full_update_noirqset): among the interrupts that are pending, enabled,
   * not active, of a group GICD_CTLR enables and (SPIs) routed to our CPU, the lowest priority value, ties going to
   * the lowest INTID as QEMU's irqbetter() chooses. `groups` (GICD_CTLR enable bits) says which groups count: the
   * distributor's enables by default; a GICv2 considers both and gates the result (QEMU gic_get_best_irq).
   */
  refreshHighestPending(groups = this.groupEnables): PendingInterrupt | null {
    let best: PendingInterrupt | null = null;
    for (let w = 0; w < this.wordCount; w++) {
      let candidates = this.signallableWord(w, groups);
      while (candidates !== 0) {
        const low = candidates & -candidates;
        candidates = (candidates & ~low) >>> 0;
        const intid = w * 32 + (31 - Math.clz32(low));
        const priority = this.priority[intid];
        if (priority === GIC_IDLE_PRIORITY || (best !== null && priority >= best.priority)) continue;
        if (intid >= GIC_INTERNAL_COUNT && !this.routedHere(intid)) continue;
        best = { intid, priority, group: this.groupOf(intid) };
      }
    }
    this.highestPending = best;
    return best;
  }

  /** Interrupts of word `w` that may be forwarded (QEMU gicd_int_pending / gicr_int_pending with DS = 1). */
  private signallableWord(w: number, groups: number): number {
    const group = this.bitmaps.group[w];
    let groupMask = 0;
    if (groups & GICD_CTLR_ENABLE_GRP0) groupMask |= ~group;
    if (groups & GICD_CTLR_ENABLE_GRP1) groupMask |= group;
    return (this.readWord('pending', w) & this.bitmaps.enabled[w] & ~this.bitmaps.active[w] & groupMask) >>> 0;
  }

  /** QEMU gicv3_cache_target_cpustate: the SPI targets the CPU whose affinity equals IROUTER's. */
  private routedHere(intid: number): boolean {
    return (this.router[intid] & IROUTER_AFFINITY) === 0n;
  }
}
