// The GICv2 distributor (GICD_*, IHI 0048B chapter 4.3) for one CPU as QEMU 7.2 hw/intc/arm_gic.c shows it on
// `-M virt,gic-version=2` (revision 2, no Security Extensions: the guest sees the Secure view, both group enables and
// GICD_IGROUPR are writable). QEMU builds every access from byte accesses (1, 2 and 4 bytes; GICD_SGIR takes 4), so
// does this model: any register may be read or written a byte at a time. SGIs are always enabled and edge-triggered;
// GICD_ITARGETSR is RAZ/WI because the GIC has one CPU interface (IHI 0048B 4.3.12, and QEMU for num_cpu = 1).
import type { MmioDevice } from './device.js';
import { findBitmapBank, ICFGR, IPRIORITYR, writeBitmapBank, type GicFrameWiring } from './gicv3-frame-registers.js';
import { GIC_SGI_COUNT, GICD_CTLR_ENABLE_GRP0, GICD_CTLR_ENABLE_GRP1 } from './gicv3-interrupts.js';

const GICD_CTLR = 0x000;
const GICD_TYPER = 0x004;
const GICD_IIDR = 0x008;
const IGROUPR = 0x080;
const ITARGETSR = 0x800;
const ICFGR_END = 0xf00;
const GICD_SGIR = 0xf00;
const CPENDSGIR = 0xf10;
const SPENDSGIR = 0xf20;
const SPENDSGIR_END = 0xf30;
/** PIDR4-7, PIDR0-3, CIDR0-3: one byte per word from 0xfd0 (QEMU gic_id_gicv2). */
const ID_REGS = 0xfd0;
const ID_REGS_END = 0x1000;
const ID_BYTES = [0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

/** GICD_IIDR: implementer Arm (0x43b), as QEMU answers it. */
const GICD_IIDR_VALUE = 0x43b;
const GICD_CTLR_WRITABLE = GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1;
/** Every SGI is enabled (QEMU sets them at reset; ISENABLER/ICENABLER of SGIs do nothing). */
const SGI_ENABLE_BITS = 0xffff;

// GICD_SGIR (IHI 0048B 4.3.15): TargetListFilter [25:24], CPUTargetList [23:16], SGIINTID [3:0].
const SGIR_FILTER_SHIFT = 24;
const SGIR_TARGETS_SHIFT = 16;
const SGIR_FILTER_LIST = 0;
/** Our CPU is CPU interface 0: bit 0 of a target list, and the source CPU of the SGIs it sends. */
const THIS_CPU = 1;

/** What the distributor shares with the CPU interface: the interrupt state, and the source CPUs of pending SGIs. */
export interface GicV2Wiring extends GicFrameWiring {
  /** Per SGI, one bit per CPU that sent it and that the target has not acknowledged (QEMU sgi_pending). */
  readonly sgiSources: Uint8Array;
}

/** GICD_* at `base` (64 KiB on QEMU's virt; the registers fill the first 4 KiB). */
export class GicV2Distributor implements MmioDevice {
  readonly name = 'gicv2-distributor';
  readonly size = 0x1_0000n;

  constructor(
    readonly base: bigint,
    private readonly gic: GicV2Wiring,
  ) {}

  read(offset: bigint, width: number): bigint {
    if (width > 4 || offset >= this.size) return 0n; // QEMU answers 8-byte accesses with a bus error; we read 0
    let value = 0;
    for (let i = width - 1; i >= 0; i--) value = (value << 8) | this.readByte(Number(offset) + i);
    return BigInt(value >>> 0);
  }

  write(offset: bigint, width: number, value: bigint): void {
    if (width > 4 || offset >= this.size) return;
    const o = Number(offset);
    const v = Number(BigInt.asUintN(32, value));
    if (width === 4 && o === GICD_SGIR) this.sendSgi(v);
    else for (let i = 0; i < width; i++) this.writeByte(o + i, (v >>> (8 * i)) & 0xff);
    this.gic.update();
  }

  /** Power-on state of the whole GIC. */
  reset(): void {
    this.gic.reset();
  }

  /** GICD_CTLR's enable bits, and the SGIs always enabled (QEMU arm_gic_common_reset). */
  resetFrame(): void {
    this.gic.state.setBits('enabled', 0, SGI_ENABLE_BITS);
    this.gic.sgiSources.fill(0);
  }

  private implements(intid: number): boolean {
    return intid < this.gic.state.numIrqs;
  }

  private readByte(o: number): number {
    const state = this.gic.state;
    if (o < IGROUPR) return this.readControlByte(o);
    const bank = o < IPRIORITYR ? findBitmapBank(o & ~3) : null;
    if (bank) {
      const first = (o - bank.bank.offset) * 8;
      return this.implements(first) ? (state.readWord(bank.bank.bitmap, first >> 5) >>> (first & 31)) & 0xff : 0;
    }
    if (o >= IPRIORITYR && o < ITARGETSR) return this.implements(o - IPRIORITYR) ? state.priorityOf(o - IPRIORITYR) : 0;
    if (o >= ICFGR && o < ICFGR_END) return this.readIcfgrByte((o - ICFGR) * 4);
    if (o >= CPENDSGIR && o < SPENDSGIR_END) return this.gic.sgiSources[(o - CPENDSGIR) & 15];
    if (o >= ID_REGS && o < ID_REGS_END) return o & 3 ? 0 : ID_BYTES[(o - ID_REGS) >> 2];
    return 0; // ITARGETSR (one CPU), GICD_SGIR (write-only), reserved
  }

  private readControlByte(o: number): number {
    const typer = (this.gic.state.numIrqs / 32 - 1) | 0; // ITLinesNumber; CPUNumber 0, SecurityExtn 0
    switch (o) {
      case GICD_CTLR:
        return this.gic.state.groupEnables;
      case GICD_TYPER:
        return typer;
      case GICD_IIDR:
      case GICD_IIDR + 1:
        return (GICD_IIDR_VALUE >> (8 * (o - GICD_IIDR))) & 0xff;
      default:
        return 0;
    }
  }

  private writeByte(o: number, value: number): void {
    const state = this.gic.state;
    if (o === GICD_CTLR) {
      state.groupEnables = value & GICD_CTLR_WRITABLE;
      return;
    }
    const bank = o >= IGROUPR && o < IPRIORITYR ? findBitmapBank(o & ~3) : null;
    if (bank) {
      const first = (o - bank.bank.offset) * 8;
      if (!this.implements(first)) return;
      // SGIs: always enabled, and pending only through GICD_SGIR and GICD_SPENDSGIR (QEMU ignores these writes).
      const fixed = first < GIC_SGI_COUNT && bank.bank.bitmap !== 'group' && bank.bank.bitmap !== 'active';
      if (fixed) return;
      const shift = first & 31;
      const mask = (0xff << shift) >>> 0;
      const bits = (value << shift) >>> 0;
      if (bank.bank.write === 'replace') {
        state.writeWord(bank.bank.bitmap, first >> 5, ((state.readWord('group', first >> 5) & ~mask) | bits) >>> 0);
      } else {
        writeBitmapBank(state, bank.bank, first >> 5, bits);
      }
    } else if (o >= IPRIORITYR && o < ITARGETSR) {
      if (this.implements(o - IPRIORITYR)) state.setPriority(o - IPRIORITYR, value);
    } else if (o >= ICFGR && o < ICFGR_END) {
      this.writeIcfgrByte((o - ICFGR) * 4, value);
    } else if (o >= CPENDSGIR && o < SPENDSGIR) {
      this.clearSgiSources(o - CPENDSGIR, value);
    } else if (o >= SPENDSGIR && o < SPENDSGIR_END) {
      this.gic.sgiSources[o - SPENDSGIR] |= value;
      if (value !== 0) state.makePending(o - SPENDSGIR);
    } // GICD_TYPER, IIDR, ITARGETSR (one CPU), reserved: ignored
  }

  /** Four INTIDs per byte, the edge bit of each in the odd bit of its pair (the even bit is RAZ on a GICv2). */
  private readIcfgrByte(first: number): number {
    if (!this.implements(first)) return 0;
    const edge = (this.gic.state.edgeWord(first >> 5) >>> (first & 31)) & 0xf;
    let value = 0;
    for (let i = 0; i < 4; i++) if (edge & (1 << i)) value |= 2 << (2 * i);
    return value;
  }

  private writeIcfgrByte(first: number, value: number): void {
    if (!this.implements(first) || first < GIC_SGI_COUNT) return; // SGIs stay edge-triggered
    let edge = 0;
    for (let i = 0; i < 4; i++) if (value & (2 << (2 * i))) edge |= 1 << i;
    const shift = first & 31;
    this.gic.state.writeEdgeBits(first >> 5, (0xf << shift) >>> 0, (edge << shift) >>> 0);
  }

  /** GICD_CPENDSGIR<n> byte: the SGI stays pending while some source remains. */
  private clearSgiSources(sgi: number, sources: number): void {
    this.gic.sgiSources[sgi] &= ~sources;
    if (this.gic.sgiSources[sgi] === 0) this.gic.state.clearBits('pending', 0, 1 << sgi);
  }

  /** GICD_SGIR: the SGI becomes pending here, from this CPU, when the filter and target list name CPU 0. */
  private sendSgi(value: number): void {
    const filter = (value >>> SGIR_FILTER_SHIFT) & 3;
    // Filter 1 (every CPU but this one) reaches no one; the reserved filter 3 reaches every CPU, as in QEMU.
    const targets = filter === SGIR_FILTER_LIST ? (value >>> SGIR_TARGETS_SHIFT) & 0xff : filter === 1 ? 0 : THIS_CPU;
    if ((targets & THIS_CPU) === 0) return;
    const sgi = value & 0xf;
    this.gic.sgiSources[sgi] |= THIS_CPU;
    this.gic.state.makePending(sgi);
  }
}
