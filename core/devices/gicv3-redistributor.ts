// The redistributor of our one CPU (IHI 0069H 12.10-12.11) as QEMU 7.2 hw/intc/arm_gicv3_redist.c shows it for a GIC
// without LPIs: the RD_base frame (GICR_CTLR, IIDR, TYPER, WAKER, the LPI table bases, ID registers) and 64 KiB on
// the SGI_base frame (the per-CPU registers of SGIs and PPIs). Access widths as QEMU takes them: 4 bytes for every
// register, 8 bytes for GICR_TYPER, GICR_PROPBASER and GICR_PENDBASER, 1 byte for GICR_IPRIORITYR<n>; anything else
// reads 0 and is ignored.
import type { MmioDevice } from './device.js';
import {
  findBitmapBank,
  type GicFrameWiring,
  edgeBitsToIcfgr,
  GICR_PIDR0,
  GICV3_IIDR,
  ICFGR,
  icfgrToEdgeBits,
  IPRIORITYR,
  isAligned,
  readIdRegister,
  writeBitmapBank,
} from './gicv3-frame-registers.js';
import { GIC_INTERNAL_COUNT, type GicInterruptState } from './gicv3-interrupts.js';

const GICR_IIDR = 0x0004;
const GICR_TYPER = 0x0008;
const GICR_WAKER = 0x0014;
const GICR_PROPBASER = 0x0070;
const GICR_PENDBASER = 0x0078;
const SGI_BASE = 0x1_0000;
const GICR_IPRIORITYR_END = IPRIORITYR + GIC_INTERNAL_COUNT;
const GICR_ICFGR0 = ICFGR;
const GICR_ICFGR1 = ICFGR + 4;

/** GICR_WAKER (IHI 0069H 12.11.44). */
const GICR_WAKER_PROCESSOR_SLEEP = 1 << 1;
const GICR_WAKER_CHILDREN_ASLEEP = 1 << 2;

/**
 * GICR_TYPER as QEMU's arm_gicv3_common_realize builds it for CPU 0 of affinity 0.0.0.0: Affinity_Value [63:32] 0,
 * CommonLPIAff [25:24] = 1, Processor_Number [23:8] = 0, Last [4] = 1 (the only redistributor), no PLPIS/VLPIS.
 */
const GICR_TYPER_VALUE = (1n << 24n) | (1n << 4n);

/** The GICR_* frames of one CPU at `base` (RD_base, then SGI_base 64 KiB above). */
export class GicV3Redistributor implements MmioDevice {
  readonly name = 'gicv3-redistributor';
  readonly size = 0x2_0000n;
  private waker = GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP;
  private propbaser = 0n;
  private pendbaser = 0n;

  constructor(
    readonly base: bigint,
    private readonly gic: GicFrameWiring,
  ) {}

  read(offset: bigint, width: number): bigint {
    if (!isAligned(offset, width) || offset >= this.size) return 0n;
    const o = Number(offset); // inside the 128 KiB of the two frames
    if (width === 4) return o < SGI_BASE ? this.readRdWord(o) : this.readSgiWord(o - SGI_BASE);
    if (width === 8) return this.readDoubleword(o);
    if (width === 1 && o >= SGI_BASE + IPRIORITYR && o < SGI_BASE + GICR_IPRIORITYR_END) {
      return BigInt(this.gic.state.priorityOf(o - SGI_BASE - IPRIORITYR));
    }
    return 0n;
  }

  write(offset: bigint, width: number, value: bigint): void {
    if (!isAligned(offset, width) || offset >= this.size) return;
    const o = Number(offset);
    if (width === 4 && o < SGI_BASE) this.writeRdWord(o, BigInt.asUintN(32, value));
    else if (width === 4) this.writeSgiWord(o - SGI_BASE, Number(BigInt.asUintN(32, value)));
    else if (width === 8 && o === GICR_PROPBASER) this.propbaser = BigInt.asUintN(64, value);
    else if (width === 8 && o === GICR_PENDBASER) this.pendbaser = BigInt.asUintN(64, value);
    else if (width === 1 && o >= SGI_BASE + IPRIORITYR && o < SGI_BASE + GICR_IPRIORITYR_END) {
      this.gic.state.setPriority(o - SGI_BASE - IPRIORITYR, Number(value & 0xffn));
    } else return;
    this.gic.update();
  }

  /** Power-on state of the whole GIC. */
  reset(): void {
    this.gic.reset();
  }

  /** The RD_base registers' reset values (QEMU arm_gicv3_common_reset): asleep, no LPI tables. */
  resetFrame(): void {
    this.waker = GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP;
    this.propbaser = 0n;
    this.pendbaser = 0n;
  }

  /** GICR_WAKER now (for describe()). */
  get wakerValue(): number {
    return this.waker;
  }

  private get state(): GicInterruptState {
    return this.gic.state;
  }

  private readDoubleword(o: number): bigint {
    if (o === GICR_TYPER) return GICR_TYPER_VALUE;
    if (o === GICR_PROPBASER) return this.propbaser;
    if (o === GICR_PENDBASER) return this.pendbaser;
    return 0n;
  }

  private readRdWord(o: number): bigint {
    const id = readIdRegister(o, GICR_PIDR0);
    if (id !== null) return id;
    switch (o) {
      case GICR_IIDR:
        return GICV3_IIDR;
      case GICR_TYPER:
      case GICR_TYPER + 4:
      case GICR_PROPBASER:
      case GICR_PROPBASER + 4:
      case GICR_PENDBASER:
      case GICR_PENDBASER + 4: {
        const whole = this.readDoubleword(o & ~7);
        return o & 4 ? whole >> 32n : whole & 0xffff_ffffn;
      }
      case GICR_WAKER:
        return BigInt(this.waker);
      default:
        return 0n; // GICR_CTLR (no writable bit without LPIs), STATUSR, reserved
    }
  }

  private writeRdWord(o: number, value: bigint): void {
    if (o === GICR_WAKER) {
      // QEMU completes the quiesce handshake at once: ChildrenAsleep follows ProcessorSleep, the only writable bit.
      const sleep = Number(value) & GICR_WAKER_PROCESSOR_SLEEP;
      this.waker = sleep ? sleep | GICR_WAKER_CHILDREN_ASLEEP : 0;
    } else if (o === GICR_PROPBASER || o === GICR_PROPBASER + 4) {
      this.propbaser = depositHalf(this.propbaser, o & 4, value);
    } else if (o === GICR_PENDBASER || o === GICR_PENDBASER + 4) {
      this.pendbaser = depositHalf(this.pendbaser, o & 4, value);
    } // CTLR, IIDR, TYPER, STATUSR, ID registers: read-only or RAZ/WI
  }

  private readSgiWord(o: number): bigint {
    const bank = findBitmapBank(o);
    if (bank) return bank.index === 0 ? BigInt(this.state.readWord(bank.bank.bitmap, 0)) : 0n;
    if (o >= IPRIORITYR && o < GICR_IPRIORITYR_END) {
      let value = 0;
      for (let i = 3; i >= 0; i--) value = (value << 8) | this.state.priorityOf(o - IPRIORITYR + i);
      return BigInt(value >>> 0);
    }
    if (o === GICR_ICFGR0) return BigInt(edgeBitsToIcfgr(this.state.edgeWord(0) & 0xffff));
    if (o === GICR_ICFGR1) return BigInt(edgeBitsToIcfgr(this.state.edgeWord(0) >>> 16));
    return 0n; // IGRPMODR0 and NSACR are RAZ/WI with DS = 1; the rest is reserved
  }

  private writeSgiWord(o: number, value: number): void {
    const bank = findBitmapBank(o);
    if (bank) {
      if (bank.index === 0) writeBitmapBank(this.state, bank.bank, 0, value);
    } else if (o >= IPRIORITYR && o < GICR_IPRIORITYR_END) {
      for (let i = 0; i < 4; i++) this.state.setPriority(o - IPRIORITYR + i, (value >>> (8 * i)) & 0xff);
    } else if (o === GICR_ICFGR1) {
      // PPIs only: GICR_ICFGR0 (SGIs, always edge) is RAO/WI in its odd bits.
      this.state.writeEdgeBits(0, 0xffff_0000, icfgrToEdgeBits(value) << 16);
    }
  }
}

/** Replaces the low (`high` = 0) or high half of a 64-bit register. */
function depositHalf(whole: bigint, high: number, half: bigint): bigint {
  return high ? (whole & 0xffff_ffffn) | (half << 32n) : (whole & ~0xffff_ffffn) | half;
}
