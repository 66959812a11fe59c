// GicV2: QEMU 7.2 `-M virt,gic-version=2` (secure=off, one CPU, 288 INTIDs) as an EL1 guest sees it. Expected values
// are worked by hand from the GICv2 architecture (IHI 0048B) and QEMU 7.2's hw/intc/arm_gic.c (reset values, the
// Secure view of a GIC without Security Extensions, 8 priority bits), not computed with the model.
import { expect } from 'chai';
import { GicV2 } from '../../../core/devices/gicv2.js';
import type { InterruptController } from '../../../core/devices/interrupt-controller.js';

// GICD_* (IHI 0048B 4.3) and GICC_* (4.4) offsets.
const [GICD_CTLR, GICD_TYPER, GICD_IIDR, IGROUPR, ISENABLER, ICENABLER] = [0x0n, 0x4n, 0x8n, 0x80n, 0x100n, 0x180n];
const [ISPENDR, ICPENDR, ISACTIVER, ICACTIVER, IPRIORITYR] = [0x200n, 0x280n, 0x300n, 0x380n, 0x400n];
const [ITARGETSR, ICFGR, SGIR, CPENDSGIR, SPENDSGIR, PIDR2] = [0x800n, 0xc00n, 0xf00n, 0xf10n, 0xf20n, 0xfe8n];
const [CTLR, PMR, BPR, IAR, EOIR, RPR, HPPIR, ABPR] = [0x0n, 0x4n, 0x8n, 0xcn, 0x10n, 0x14n, 0x18n, 0x1cn];
const [AIAR, AHPPIR, APR0, NSAPR0, GICC_IIDR, DIR] = [0x20n, 0x28n, 0xd0n, 0xe0n, 0xfcn, 0x1000n];
const ALL = 0xffff_ffffn;
const TIMER = 27; // the EL1 virtual timer's PPI
const UART = 33;
const dr = (gic: GicV2, offset: bigint, width = 4) => gic.distributor.read(offset, width);
const dw = (gic: GicV2, offset: bigint, value: bigint, width = 4) => gic.distributor.write(offset, width, value);
const cr = (gic: GicV2, offset: bigint) => gic.cpuInterface.read(offset, 4);
const cw = (gic: GicV2, offset: bigint, value: bigint) => gic.cpuInterface.write(offset, 4, value);

/** What Linux's irq-gic does at boot (gic_dist_init, gic_cpu_init, gic_cpu_if_up): everything Group 0, as IRQ. */
function bootLikeLinux(gic: GicV2): void {
  dw(gic, GICD_CTLR, 0n);
  for (let n = 8n; n < 72n; n += 4n) dw(gic, ICFGR + n, 0n);
  for (let i = 32n; i < 288n; i += 4n) dw(gic, ITARGETSR + i, 0x0101_0101n);
  for (let i = 32n; i < 288n; i += 4n) dw(gic, IPRIORITYR + i, 0xa0a0_a0a0n);
  for (let n = 4n; n < 36n; n += 4n) [ICACTIVER, ICENABLER].forEach((bank) => dw(gic, bank + n, ALL));
  dw(gic, GICD_CTLR, 1n);
  dw(gic, ICACTIVER, ALL);
  dw(gic, ICENABLER, 0xffff_0000n);
  dw(gic, ISENABLER, 0x0000_ffffn);
  for (let i = 0n; i < 32n; i += 4n) dw(gic, IPRIORITYR + i, 0xa0a0_a0a0n);
  cw(gic, PMR, 0xf0n);
  cw(gic, CTLR, 1n); // EnableGrp0; Linux also sets the bypass-disable bits [8:5], which QEMU does not implement
}

function booted(): GicV2 {
  const gic = new GicV2();
  bootLikeLinux(gic);
  return gic;
}

describe('core/devices/gicv2', () => {
  it('resets as QEMU: distributor and CPU interface off, SGIs enabled and edge-triggered, nothing pending', () => {
    const gic = new GicV2();
    expect(dr(gic, GICD_CTLR)).to.equal(0n);
    expect(dr(gic, GICD_TYPER)).to.equal(8n); // ITLinesNumber 8: 288 INTIDs; CPUNumber 0; no Security Extensions
    expect(dr(gic, GICD_IIDR)).to.equal(0x43bn);
    expect(dr(gic, PIDR2)).to.equal(0x2bn); // ArchRev 2
    expect(dr(gic, ISENABLER)).to.equal(0xffffn);
    expect(dr(gic, ICFGR)).to.equal(0xaaaa_aaaan);
    expect(dr(gic, IGROUPR)).to.equal(0n);
    expect([CTLR, PMR, BPR, ABPR].map((r) => cr(gic, r))).to.deep.equal([0n, 0n, 0n, 1n]);
    expect([RPR, IAR, HPPIR].map((r) => cr(gic, r))).to.deep.equal([0xffn, 1023n, 1023n]);
    expect(cr(gic, GICC_IIDR)).to.equal(0x2043bn);
    expect([gic.irqLine, gic.fiqLine]).to.deep.equal([false, false]);
    expect(gic.frames.map((f) => f.base)).to.deep.equal([0x0800_0000n, 0x0801_0000n]);
  });

  it('has no system-register CPU interface: every ICC_*_EL1 MRS and MSR is left UNDEFINED', () => {
    const gic: InterruptController = new GicV2();
    expect(gic.readSysreg(3, 0, 4, 6, 0)).to.equal(null); // ICC_PMR_EL1
    expect(gic.readSysreg(3, 0, 12, 12, 5)).to.equal(null); // ICC_SRE_EL1
    expect(gic.writeSysreg(3, 0, 12, 12, 7, 1n)).to.equal(false); // ICC_IGRPEN1_EL1
  });

  it('takes bytes, halfwords and words anywhere: priorities, and the read-only SGI bits', () => {
    const gic = new GicV2();
    dw(gic, IPRIORITYR + 33n, 0x5an, 1);
    expect(dr(gic, IPRIORITYR + 32n)).to.equal(0x5a00n);
    dw(gic, IPRIORITYR + 40n, 0x1234n, 2);
    expect(dr(gic, IPRIORITYR + 40n, 1)).to.equal(0x34n);
    expect(dr(gic, IPRIORITYR + 41n, 1)).to.equal(0x12n);
    dw(gic, ICENABLER, ALL);
    expect(dr(gic, ISENABLER)).to.equal(0xffffn); // SGIs cannot be disabled
    dw(gic, ISPENDR, 0xffffn);
    expect(dr(gic, ISPENDR)).to.equal(0n); // nor made pending through GICD_ISPENDR0
    dw(gic, ICFGR, 0n);
    expect(dr(gic, ICFGR)).to.equal(0xaaaa_aaaan); // nor made level-sensitive
    dw(gic, IGROUPR + 4n, 0x80n, 1);
    expect(dr(gic, IGROUPR + 4n)).to.equal(0x80n);
    expect(dr(gic, 0x10n)).to.equal(0n); // reserved
  });

  it('reads GICD_ITARGETSR as zero and ignores writes: with one CPU interface every interrupt targets it', () => {
    const gic = new GicV2();
    dw(gic, ITARGETSR + 32n, 0x0202_0202n);
    expect(dr(gic, ITARGETSR + 32n)).to.equal(0n);
    expect(dr(gic, ITARGETSR + 27n, 1)).to.equal(0n);
    dw(gic, IPRIORITYR + 32n, 0x80n, 1);
    dw(gic, ISENABLER + 4n, 1n);
    dw(gic, GICD_CTLR, 1n);
    cw(gic, PMR, 0xffn);
    cw(gic, CTLR, 1n);
    dw(gic, ISPENDR + 4n, 1n);
    expect(gic.irqLine).to.equal(true); // SPI 32 reaches CPU 0 all the same
  });

  it('signals a level PPI as IRQ, acknowledges, raises the running priority, and re-signals after EOI while high', () => {
    const gic = booted();
    dw(gic, ISENABLER, 1n << BigInt(TIMER));
    gic.setLine(TIMER, true);
    expect([gic.irqLine, gic.fiqLine]).to.deep.equal([true, false]);
    expect(cr(gic, HPPIR)).to.equal(27n);
    expect((gic as InterruptController).pendingIntid('irq')).to.equal(27);
    expect(cr(gic, IAR)).to.equal(27n);
    expect(cr(gic, RPR)).to.equal(0xa0n);
    expect(cr(gic, APR0 + 8n)).to.equal(1n << 16n); // preemption level 0xa0 >> 1 = 80: GICC_APR2 bit 16
    expect(dr(gic, ISACTIVER)).to.equal(1n << 27n);
    expect(gic.irqLine).to.equal(false); // active, and no priority above 0xa0 pending
    expect(cr(gic, IAR)).to.equal(1023n);
    cw(gic, EOIR, 27n);
    expect([cr(gic, RPR), dr(gic, ISACTIVER)]).to.deep.equal([0xffn, 0n]);
    expect(gic.irqLine).to.equal(true); // the line is still high
    gic.setLine(TIMER, false);
    expect(gic.irqLine).to.equal(false);
    expect(dr(gic, ISPENDR)).to.equal(0n);
  });

  it('masks with GICC_PMR, preempts by group priority, and drops the highest active priority on EOI', () => {
    const gic = booted();
    dw(gic, IPRIORITYR + BigInt(UART), 0x40n, 1);
    dw(gic, ISENABLER + 4n, 1n << BigInt(UART - 32));
    dw(gic, ISENABLER, 1n << BigInt(TIMER));
    cw(gic, PMR, 0xa0n);
    gic.setLine(TIMER, true);
    expect(gic.irqLine).to.equal(false); // 0xa0 is not below the mask
    expect(cr(gic, HPPIR)).to.equal(1023n);
    cw(gic, PMR, 0xf0n);
    expect(cr(gic, IAR)).to.equal(27n);
    gic.setLine(UART, true);
    expect(gic.irqLine).to.equal(true); // 0x40 preempts 0xa0
    expect(cr(gic, IAR)).to.equal(33n);
    expect(cr(gic, RPR)).to.equal(0x40n);
    cw(gic, EOIR, 33n);
    expect(cr(gic, RPR)).to.equal(0xa0n);
    cw(gic, EOIR, 27n);
    expect(cr(gic, RPR)).to.equal(0xffn);
    cw(gic, BPR, 7n); // no group priority bits: nothing preempts anything
    expect(cr(gic, BPR)).to.equal(7n);
  });

  it('splits priority drop and deactivation with GICC_CTLR.EOImode: GICC_DIR deactivates', () => {
    const gic = booted();
    cw(gic, CTLR, 0x201n);
    expect(cr(gic, CTLR)).to.equal(0x201n);
    dw(gic, ISENABLER + 4n, 1n << BigInt(UART - 32));
    gic.setLine(UART, true);
    expect(cr(gic, IAR)).to.equal(33n);
    cw(gic, EOIR, 33n);
    expect(cr(gic, RPR)).to.equal(0xffn);
    expect(dr(gic, ISACTIVER + 4n)).to.equal(2n); // still active
    expect(gic.irqLine).to.equal(false);
    cw(gic, DIR, 33n);
    expect(dr(gic, ISACTIVER + 4n)).to.equal(0n);
    expect(gic.irqLine).to.equal(true);
    cw(gic, CTLR, 0x1n);
    cw(gic, DIR, 33n); // ignored without EOImode
  });

  it('hides Group 1 from GICC_IAR unless AckCtl, and signals Group 0 as FIQ with FIQEn', () => {
    const gic = booted();
    dw(gic, GICD_CTLR, 3n);
    dw(gic, IGROUPR + 4n, 2n); // INTID 33 in Group 1
    dw(gic, ISENABLER + 4n, 2n);
    gic.setLine(UART, true);
    expect(gic.irqLine).to.equal(false); // GICC_CTLR enables Group 0 only
    cw(gic, CTLR, 3n);
    expect(gic.irqLine).to.equal(true);
    expect(cr(gic, HPPIR)).to.equal(1022n);
    expect(cr(gic, IAR)).to.equal(1022n);
    cw(gic, CTLR, 7n); // AckCtl
    expect(cr(gic, IAR)).to.equal(33n);
    expect(cr(gic, NSAPR0 + 8n)).to.equal(1n << 16n); // Group 1's active priorities
    cw(gic, EOIR, 33n);
    gic.setLine(UART, false);
    dw(gic, IGROUPR + 4n, 0n);
    cw(gic, CTLR, 0xbn); // FIQEn
    gic.setLine(UART, true);
    expect([gic.irqLine, gic.fiqLine]).to.deep.equal([false, true]);
    expect(cr(gic, ABPR)).to.equal(1n);
    cw(gic, ABPR, 0n);
    expect(cr(gic, ABPR)).to.equal(1n); // minimum 1
    expect([cr(gic, AIAR), cr(gic, AHPPIR)]).to.deep.equal([0n, 0n]); // no Security Extensions: RAZ
  });

  it('sends SGIs through GICD_SGIR with their source CPU, and pends and clears them by source', () => {
    const gic = booted();
    dw(gic, SGIR, (2n << 24n) | 5n); // to this CPU only
    expect(gic.irqLine).to.equal(true);
    expect(dr(gic, SPENDSGIR + 5n, 1)).to.equal(1n); // SGI 5 from CPU 0
    expect(cr(gic, IAR)).to.equal(5n); // CPUID [12:10] = 0
    cw(gic, EOIR, 5n);
    expect(gic.irqLine).to.equal(false);
    dw(gic, SGIR, (1n << 24n) | 6n); // to every other CPU: there is none
    expect(dr(gic, ISPENDR)).to.equal(0n);
    dw(gic, SGIR, (1n << 16n) | 7n); // target list: CPU 0
    expect(dr(gic, ISPENDR)).to.equal(1n << 7n);
    dw(gic, CPENDSGIR + 4n, 0x0100_0000n);
    expect(dr(gic, ISPENDR)).to.equal(0n);
    dw(gic, SPENDSGIR + 2n, 0x06n, 1); // SGI 2 from CPUs 1 and 2
    expect(cr(gic, IAR)).to.equal(2n | (1n << 10n));
    cw(gic, EOIR, 2n);
    expect(cr(gic, IAR)).to.equal(2n | (2n << 10n));
  });

  it('latches an edge-triggered SPI on a rising edge, and clears it with GICD_ICPENDR', () => {
    const gic = booted();
    dw(gic, ICFGR + 8n, 0x8n); // INTID 33 edge-triggered
    expect(dr(gic, ICFGR + 8n)).to.equal(0x8n);
    dw(gic, ISENABLER + 4n, 2n);
    gic.setLine(UART, true);
    gic.setLine(UART, false);
    expect(dr(gic, ISPENDR + 4n)).to.equal(2n);
    dw(gic, ICPENDR + 4n, 2n);
    expect(gic.irqLine).to.equal(false);
    dw(gic, ISPENDR + 4n, 2n);
    expect(gic.irqLine).to.equal(true);
  });

  it('keeps the active-priority registers writable (GICC_APR0 sets the running priority) and resets everything', () => {
    const gic = booted();
    cw(gic, APR0, 1n << 8n);
    expect(cr(gic, RPR)).to.equal(0x10n);
    gic.setLine(TIMER, true);
    gic.reset();
    expect([dr(gic, GICD_CTLR), cr(gic, CTLR), cr(gic, RPR), cr(gic, APR0)]).to.deep.equal([0n, 0n, 0xffn, 0n]);
    expect(dr(gic, ISPENDR)).to.equal(0n);
    expect(gic.describe()).to.match(/^GICD_CTLR=0x0 GICC_CTLR=0x0/);
  });

  it('rejects inputs that are SGIs or beyond the implemented INTIDs', () => {
    const gic = new GicV2();
    expect(() => gic.setLine(3, true)).to.throw(RangeError);
    expect(() => gic.setLine(288, true)).to.throw(RangeError);
  });
});
