// The GICv3 distributor frame (GICD_*, IHI 0069H 12.9) as QEMU 7.2 hw/intc/arm_gicv3_dist.c shows it to a guest of a
// GIC with one security state: DS and ARE read as one, only the two group enables of GICD_CTLR are writable, and the
// registers of INTIDs 0-31 are RAZ/WI here (they live in the redistributor). QEMU's MemoryRegionOps take 1-8 byte
// accesses whole: 8 bytes only reach GICD_IROUTER<n>, 1 byte only GICD_IPRIORITYR (and the RAZ/WI ITARGETSR and
// *PENDSGIR), 2 bytes nothing; any other access is RAZ/WI, as QEMU logs it as a guest error and answers 0.
import type { MmioDevice } from './device.js';
import {
  findBitmapBank,
  type GicFrameWiring,
  edgeBitsToIcfgr,
  GICD_PIDR0,
  GICV3_IIDR,
  ICFGR,
  icfgrToEdgeBits,
  IPRIORITYR,
  isAligned,
  readIdRegister,
  writeBitmapBank,
} from './gicv3-frame-registers.js';
import {
  GIC_INTERNAL_COUNT,
  GICD_CTLR_ARE,
  GICD_CTLR_DS,
  GICD_CTLR_ENABLE_GRP0,
  GICD_CTLR_ENABLE_GRP1,
  type GicInterruptState,
} from './gicv3-interrupts.js';

const GICD_CTLR = 0x0000;
const GICD_TYPER = 0x0004;
const GICD_IIDR = 0x0008;
const IPRIORITYR_END = 0x0800;
const ICFGR_END = 0x0d00;
const IROUTER = 0x6000;
const IROUTER_END = 0x7fe0;

// GICD_TYPER as QEMU computes it: No1N [25] and A3V [24] set, IDbits [23:19] = 15 (16-bit INTIDs), no LPIs, no
// MBIS, SecurityExtn [10] = 0 because DS = 1, ITLinesNumber [4:0] = SPIs / 32 - 1.
const GICD_TYPER_FIXED = (1 << 25) | (1 << 24) | (0xf << 19);
/** With one security state the guest may set only EnableGrp0 and EnableGrp1; ARE and DS read as one. */
const GICD_CTLR_WRITABLE = GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1;

/** GICD_* at `base` (64 KiB). */
export class GicV3Distributor implements MmioDevice {
  readonly name = 'gicv3-distributor';
  readonly size = 0x1_0000n;

  constructor(
    readonly base: bigint,
    private readonly gic: GicFrameWiring,
  ) {}

  read(offset: bigint, width: number): bigint {
    if (!isAligned(offset, width) || offset >= this.size) return 0n;
    const o = Number(offset); // inside the 64 KiB frame
    if (width === 4) return this.readWord(o);
    if (width === 8) return o >= IROUTER && o < IROUTER_END ? this.readRoute(this.spiOfRouter(o)) : 0n;
    if (width === 1 && o >= IPRIORITYR && o < IPRIORITYR_END) return BigInt(this.readPriority(o - IPRIORITYR));
    return 0n;
  }

  write(offset: bigint, width: number, value: bigint): void {
    if (!isAligned(offset, width) || offset >= this.size) return;
    const o = Number(offset);
    if (width === 4) this.writeWord(o, Number(BigInt.asUintN(32, value)));
    else if (width === 8 && o >= IROUTER && o < IROUTER_END) this.writeRoute(this.spiOfRouter(o), value);
    else if (width === 1 && o >= IPRIORITYR && o < IPRIORITYR_END) this.writePriorities(o - IPRIORITYR, 1, value);
    else return; // ITARGETSR, CPENDSGIR/SPENDSGIR and everything else are RAZ/WI at these widths
    this.gic.update();
  }

  /** Power-on state of the whole GIC. */
  reset(): void {
    this.gic.reset();
  }

  private get state(): GicInterruptState {
    return this.gic.state;
  }

  /** Whether `intid` is an SPI this GIC implements (the INTIDs every GICD per-interrupt register reaches). */
  private isSpi(intid: number): boolean {
    return intid >= GIC_INTERNAL_COUNT && intid < this.state.numIrqs;
  }

  private spiOfRouter(o: number): number {
    return (o - IROUTER) >> 3;
  }

  private readWord(o: number): bigint {
    const bank = findBitmapBank(o);
    if (bank) return this.isSpi(bank.index * 32) ? BigInt(this.state.readWord(bank.bank.bitmap, bank.index)) : 0n;
    if (o >= IPRIORITYR && o < IPRIORITYR_END) {
      let value = 0;
      for (let i = 3; i >= 0; i--) value = (value << 8) | this.readPriority(o - IPRIORITYR + i);
      return BigInt(value >>> 0);
    }
    if (o >= ICFGR && o < ICFGR_END) return BigInt(this.readIcfgr((o - ICFGR) * 4));
    if (o >= IROUTER && o < IROUTER_END) return this.readRouteHalf(o);
    const id = readIdRegister(o, GICD_PIDR0);
    if (id !== null) return id;
    return this.readControlRegister(o);
  }

  private readControlRegister(o: number): bigint {
    switch (o) {
      case GICD_CTLR: // RWP [31] reads 0: nothing here is asynchronous
        return BigInt(GICD_CTLR_DS | GICD_CTLR_ARE | this.state.groupEnables);
      case GICD_TYPER:
        return BigInt(GICD_TYPER_FIXED | ((this.state.numIrqs - GIC_INTERNAL_COUNT) / 32 - 1));
      case GICD_IIDR:
        return GICV3_IIDR;
      default:
        return 0n; // STATUSR, IGRPMODR, NSACR (DS = 1), ITARGETSR, SGIR, *PENDSGIR, reserved: RAZ
    }
  }

  private writeWord(o: number, value: number): void {
    const bank = findBitmapBank(o);
    if (bank) {
      if (this.isSpi(bank.index * 32)) writeBitmapBank(this.state, bank.bank, bank.index, value);
    } else if (o >= IPRIORITYR && o < IPRIORITYR_END) {
      this.writePriorities(o - IPRIORITYR, 4, BigInt(value));
    } else if (o >= ICFGR && o < ICFGR_END) {
      this.writeIcfgr((o - ICFGR) * 4, value);
    } else if (o >= IROUTER && o < IROUTER_END) {
      const spi = this.spiOfRouter(o);
      const old = this.readRoute(spi);
      const half = BigInt(value);
      this.writeRoute(spi, o & 4 ? (old & 0xffff_ffffn) | (half << 32n) : (old & ~0xffff_ffffn) | half);
    } else if (o === GICD_CTLR) {
      this.state.groupEnables = value & GICD_CTLR_WRITABLE;
    } // everything else is read-only, RAZ/WI or reserved
  }

  private readPriority(intid: number): number {
    return this.isSpi(intid) ? this.state.priorityOf(intid) : 0;
  }

  /** QEMU ignores a whole 32-bit write that reaches past the last SPI or below the first. */
  private writePriorities(first: number, count: number, value: bigint): void {
    if (!this.isSpi(first) || !this.isSpi(first + count - 1)) return;
    for (let i = 0; i < count; i++) this.state.setPriority(first + i, Number((value >> BigInt(8 * i)) & 0xffn));
  }

  private readIcfgr(first: number): number {
    if (!this.isSpi(first)) return 0;
    const edge = this.state.edgeWord(first >> 5);
    return edgeBitsToIcfgr(first & 16 ? edge >>> 16 : edge & 0xffff);
  }

  private writeIcfgr(first: number, value: number): void {
    if (!this.isSpi(first)) return;
    const shift = first & 16;
    this.state.writeEdgeBits(first >> 5, (0xffff << shift) >>> 0, (icfgrToEdgeBits(value) << shift) >>> 0);
  }

  private readRoute(spi: number): bigint {
    return this.isSpi(spi) ? this.state.routeOf(spi) : 0n;
  }

  private readRouteHalf(o: number): bigint {
    const route = this.readRoute(this.spiOfRouter(o));
    return o & 4 ? route >> 32n : route & 0xffff_ffffn;
  }

  private writeRoute(spi: number, value: bigint): void {
    if (this.isSpi(spi)) this.state.setRoute(spi, value);
  }
}
