// GicV3: QEMU 7.2 `-M virt,gic-version=3` (secure=off, its=off, one CPU, 288 INTIDs) as a Non-secure EL1 guest sees it.
// Expected values are worked by hand from the GICv3 architecture (IHI 0069H) and QEMU 7.2's hw/intc/arm_gicv3*.c and
// gicv3_internal.h (reset values, ID registers, 5 priority bits of cortex-a57/max), not computed with the model.
import { expect } from 'chai';
import { GicV3 } from '../../../core/devices/gicv3.js';

type Encoding = readonly [number, number, number, number, number];
/** ICC_*_EL1 encodings (op0 3, op1 0), as the Arm ARM lists them. */
const icc = (crn: number, crm: number, op2: number): Encoding => [3, 0, crn, crm, op2];
const PMR = icc(4, 6, 0);
const [IAR0, EOIR0, HPPIR0, BPR0, AP0R0] = [0, 1, 2, 3, 4].map((op2) => icc(12, 8, op2));
const AP1R0 = icc(12, 9, 0);
const [DIR, RPR, SGI1R, ASGI1R, SGI0R] = [1, 3, 5, 6, 7].map((op2) => icc(12, 11, op2));
const [IAR1, EOIR1, HPPIR1, BPR1] = [0, 1, 2, 3].map((op2) => icc(12, 12, op2));
const [CTLR, SRE, IGRPEN0, IGRPEN1] = [4, 5, 6, 7].map((op2) => icc(12, 12, op2));
const mrs = (gic: GicV3, reg: Encoding) => gic.readSysreg(...reg);
const msr = (gic: GicV3, reg: Encoding, value: bigint) => gic.writeSysreg(...reg, value);

// Frame offsets (IHI 0069H 12.9-12.11). The SGI_base registers of INTIDs 0-31 sit at the offsets from SGI_base that
// the distributor's per-interrupt registers have from GICD's base; +4 in the distributor is INTIDs 32-63.
const [IGROUPR, ISENABLER, ICENABLER, ISPENDR] = [0x80n, 0x100n, 0x180n, 0x200n];
const [ICPENDR, ISACTIVER, ICACTIVER, IPRIORITYR, ICFGR] = [0x280n, 0x300n, 0x380n, 0x400n, 0xc00n];
const [GICD_CTLR, GICD_TYPER, GICD_IIDR, IROUTER] = [0x0n, 0x4n, 0x8n, 0x6000n];
const [GICR_IIDR, GICR_TYPER, GICR_WAKER, PROPBASER, PENDBASER] = [0x4n, 0x8n, 0x14n, 0x70n, 0x78n];
const SGI = 0x1_0000n;
const ALL = 0xffff_ffffn;
const dr = (gic: GicV3, offset: bigint, width = 4) => gic.distributor.read(offset, width);
const dw = (gic: GicV3, offset: bigint, value: bigint, width = 4) => gic.distributor.write(offset, width, value);
const rr = (gic: GicV3, offset: bigint, width = 4) => gic.redistributor.read(offset, width);
const rw = (gic: GicV3, offset: bigint, value: bigint, width = 4) => gic.redistributor.write(offset, width, value);

/** What Linux's irq-gic-v3 does at boot (gic_dist_init, gic_enable_redist, gic_cpu_init, gic_cpu_sys_reg_init). */
function bootLikeLinux(gic: GicV3): void {
  dw(gic, GICD_CTLR, 0n);
  for (let n = 4n; n < 36n; n += 4n) [IGROUPR, ICENABLER, ICACTIVER].forEach((bank) => dw(gic, bank + n, ALL));
  for (let n = 8n; n < 72n; n += 4n) dw(gic, ICFGR + n, 0n);
  for (let i = 32n; i < 288n; i += 4n) dw(gic, IPRIORITYR + i, 0xa0a0_a0a0n);
  dw(gic, GICD_CTLR, 0x13n); // ARE_NS | EnableGrp1A | EnableGrp1
  for (let i = 32n; i < 288n; i++) dw(gic, IROUTER + 8n * i, 0n, 8);
  rw(gic, GICR_WAKER, rr(gic, GICR_WAKER) & ~2n); // clear ProcessorSleep, wait for ChildrenAsleep to clear
  rw(gic, SGI + IGROUPR, ALL);
  rw(gic, SGI + ICACTIVER, ALL);
  rw(gic, SGI + ICENABLER, 0xffff_0000n);
  rw(gic, SGI + ISENABLER, 0x0000_ffffn);
  for (let i = 0n; i < 32n; i += 4n) rw(gic, SGI + IPRIORITYR + i, 0xa0a0_a0a0n);
  msr(gic, PMR, 0xf0n);
  msr(gic, BPR1, 0n);
  msr(gic, CTLR, 0n);
  msr(gic, IGRPEN1, 1n);
}

/** A GIC after bootLikeLinux with the given SPIs enabled at the given priorities (all Group 1). */
function bootedWith(spis: Record<number, number> = {}): GicV3 {
  const gic = new GicV3();
  bootLikeLinux(gic);
  for (const [intid, priority] of Object.entries(spis)) {
    const n = BigInt(intid);
    dw(gic, IPRIORITYR + n, BigInt(priority), 1);
    dw(gic, ISENABLER + 4n * (n / 32n), 1n << (n % 32n));
  }
  return gic;
}

describe('GICv3 (QEMU 7.2 virt, one CPU, one security state)', () => {
  it('maps GICD at 0x08000000 (64 KiB) and GICR at 0x080a0000 (128 KiB) unless told otherwise', () => {
    const gic = new GicV3();
    expect([gic.distributor.base, gic.distributor.size]).to.deep.equal([0x0800_0000n, 0x1_0000n]);
    expect([gic.redistributor.base, gic.redistributor.size]).to.deep.equal([0x080a_0000n, 0x2_0000n]);
    const small = new GicV3({ distBase: 0x1000_0000n, redistBase: 0x2000_0000n, numIrqs: 64 });
    expect([small.distributor.base, small.redistributor.base]).to.deep.equal([0x1000_0000n, 0x2000_0000n]);
    expect(dr(small, GICD_TYPER)).to.equal(0x0378_0000n); // ITLinesNumber 0: 32 SPIs
    for (const n of [0, 16, 100, 1024]) expect(() => new GicV3({ numIrqs: n }), `${n}`).to.throw(RangeError);
  });

  describe('reset values (QEMU 7.2 arm_gicv3_common_reset, icc_reset, gicv3_idreg)', () => {
    it('distributor: DS and ARE set, TYPER 0x03780007 for 288 INTIDs, IIDR 0x43b, all else 0', () => {
      const gic = new GicV3();
      // TYPER: No1N | A3V | IDbits 15 | ITLinesNumber (288 - 32) / 32 - 1 = 7
      expect([GICD_CTLR, GICD_TYPER, GICD_IIDR].map((o) => dr(gic, o))).to.deep.equal([0x50n, 0x0378_0007n, 0x43bn]);
      for (const o of [0x10n, 0x84n, 0x104n, 0x204n, 0x304n, 0x420n, 0xc08n, 0xd04n, 0xe08n, 0x6108n]) {
        expect(dr(gic, o), `0x${o.toString(16)}`).to.equal(0n);
      }
      expect(dr(gic, IROUTER + 8n * 33n, 8)).to.equal(0n);
    });

    it('ID registers: PIDR0 0x92 (GICD) / 0x93 (GICR), PIDR2 0x3b (ArchRev 3), CoreSight CIDR 0xb105f00d', () => {
      const gic = new GicV3();
      const ids = [0x44n, 0n, 0n, 0n, 0x92n, 0xb4n, 0x3bn, 0n, 0x0dn, 0xf0n, 0x05n, 0xb1n];
      ids.forEach((id, i) => expect(dr(gic, 0xffd0n + 4n * BigInt(i))).to.equal(id));
      expect([rr(gic, 0xffe0n), rr(gic, 0xffe8n), rr(gic, 0xfff0n)]).to.deep.equal([0x93n, 0x3bn, 0x0dn]);
    });

    it('redistributor: asleep (WAKER 0x6), TYPER Last with affinity 0, SGIs edge (ICFGR0 0xaaaaaaaa)', () => {
      const gic = new GicV3();
      expect(rr(gic, GICR_TYPER, 8)).to.equal(0x0100_0010n); // CommonLPIAff 1, Processor_Number 0, Last
      expect([rr(gic, GICR_TYPER), rr(gic, GICR_TYPER + 4n)]).to.deep.equal([0x0100_0010n, 0n]);
      expect([rr(gic, GICR_WAKER), rr(gic, GICR_IIDR), rr(gic, SGI + ICFGR)]).to.deep.equal([6n, 0x43bn, 0xaaaa_aaaan]);
      const zeros = [0n, 0x10n, PROPBASER, PENDBASER, SGI + IGROUPR, SGI + ISENABLER, SGI + ISPENDR, SGI + 0xc04n];
      for (const o of [...zeros, SGI + IPRIORITYR + 0x1cn]) expect(rr(gic, o), `0x${o.toString(16)}`).to.equal(0n);
    });

    it('CPU interface: SRE 7, CTLR 0x8c00 (A3V, IDbits 1, PRIbits 4), BPR0 2, BPR1 3, nothing pending', () => {
      const gic = new GicV3();
      const controls = [SRE, CTLR, PMR, BPR0, BPR1, IGRPEN0, IGRPEN1, AP0R0, AP1R0, RPR];
      expect(controls.map((r) => mrs(gic, r))).to.deep.equal([7n, 0x8c00n, 0n, 2n, 3n, 0n, 0n, 0n, 0n, 0xffn]);
      expect([HPPIR0, HPPIR1, IAR0, IAR1].map((r) => mrs(gic, r))).to.deep.equal([1023n, 1023n, 1023n, 1023n]);
      expect([gic.irqLine, gic.fiqLine]).to.deep.equal([false, false]);
    });

    it('reset() brings every part back (inputs too) and drops the IRQ line; GICD_CTLR keeps DS and ARE', () => {
      const gic = bootedWith({ 33: 0xa0 });
      let changes = 0;
      gic.onLinesChanged = () => changes++;
      gic.setLine(33, true);
      expect([gic.irqLine, changes]).to.deep.equal([true, 1]);
      gic.reset();
      expect([gic.irqLine, changes]).to.deep.equal([false, 2]);
      expect([dr(gic, GICD_CTLR), dr(gic, ISPENDR + 4n), rr(gic, GICR_WAKER)]).to.deep.equal([0x50n, 0n, 6n]);
      expect([mrs(gic, PMR), mrs(gic, IGRPEN1), mrs(gic, BPR1)]).to.deep.equal([0n, 0n, 3n]);
      dw(gic, GICD_CTLR, ALL); // only EnableGrp0/1 are writable; ARE and DS stay set, RWP reads 0
      expect(dr(gic, GICD_CTLR)).to.equal(0x53n);
      gic.redistributor.reset(); // a frame's reset is the whole GIC's
      expect(dr(gic, GICD_CTLR)).to.equal(0x50n);
    });
  });

  it('runs the Linux boot sequence and takes PPI 27 (virtual timer) level-sensitive: IAR1, EOIR1, pending again', () => {
    const gic = new GicV3();
    expect(dr(gic, GICD_TYPER)).to.equal(0x0378_0007n);
    expect(dr(gic, 0xffe8n) & 0xf0n).to.equal(0x30n); // GICD_PIDR2.ArchRev: GICv3
    bootLikeLinux(gic);
    expect(rr(gic, GICR_WAKER)).to.equal(0n); // ChildrenAsleep cleared with ProcessorSleep
    expect([dr(gic, GICD_CTLR), mrs(gic, BPR1)]).to.deep.equal([0x53n, 3n]);
    rw(gic, SGI + ISENABLER, 1n << 27n);
    let changes = 0;
    gic.onLinesChanged = () => changes++;
    gic.setLine(27, true);
    msr(gic, PMR, 0xf0n); // no change of the lines: no call
    expect([gic.irqLine, gic.fiqLine, changes]).to.deep.equal([true, false, 1]);
    expect([mrs(gic, HPPIR1), mrs(gic, IAR1)]).to.deep.equal([27n, 27n]);
    expect([gic.irqLine, changes]).to.deep.equal([false, 2]);
    expect([mrs(gic, RPR), mrs(gic, AP1R0)]).to.deep.equal([0xa0n, 1n << 20n]); // group priority 0xa0 >> 3 = 20
    expect([rr(gic, SGI + ISACTIVER), rr(gic, SGI + ISPENDR)]).to.deep.equal([1n << 27n, 1n << 27n]); // still high
    msr(gic, EOIR1, 27n);
    expect([rr(gic, SGI + ISACTIVER), mrs(gic, RPR), mrs(gic, AP1R0)]).to.deep.equal([0n, 0xffn, 0n]);
    expect([gic.irqLine, changes]).to.deep.equal([true, 3]);
    gic.setLine(27, false);
    expect([gic.irqLine, changes, rr(gic, SGI + ISPENDR)]).to.deep.equal([false, 4, 0n]);
  });

  describe('distributor', () => {
    it('set/clear banks: ISENABLER/ICENABLER, ISACTIVER/ICACTIVER; SGI/PPI and unimplemented words RAZ/WI', () => {
      const gic = new GicV3();
      dw(gic, ISENABLER + 4n, 0x5n);
      dw(gic, ISENABLER + 4n, 0x2n);
      expect([dr(gic, ISENABLER + 4n), dr(gic, ICENABLER + 4n)]).to.deep.equal([0x7n, 0x7n]);
      dw(gic, ICENABLER + 4n, 0x1n);
      dw(gic, ISACTIVER + 8n, 0x8000_0000n);
      dw(gic, ICACTIVER + 8n, 0n);
      dw(gic, IGROUPR + 4n, 0x1234_5678n);
      const reads = [ISENABLER + 4n, ICACTIVER + 8n, IGROUPR + 4n].map((o) => dr(gic, o));
      expect(reads).to.deep.equal([0x6n, 0x8000_0000n, 0x1234_5678n]);
      for (const o of [IGROUPR, ISENABLER, IGROUPR + 36n, ISENABLER + 36n]) {
        dw(gic, o, ALL); // word 0 is the redistributor's, word 9 is past INTID 287
        expect(dr(gic, o), `0x${o.toString(16)}`).to.equal(0n);
      }
      expect([rr(gic, SGI + IGROUPR), rr(gic, SGI + ISENABLER)]).to.deep.equal([0n, 0n]); // untouched
    });

    it('pending: a high level input keeps an SPI pending through GICD_ICPENDR; the latch alone clears', () => {
      const gic = new GicV3();
      gic.setLine(33, true);
      gic.setLine(33, false);
      expect(dr(gic, ISPENDR + 4n)).to.equal(0n); // a level interrupt latches nothing
      gic.setLine(33, true);
      dw(gic, ICPENDR + 4n, 0x2n);
      expect(dr(gic, ICPENDR + 4n)).to.equal(0x2n);
      gic.setLine(33, false);
      expect(dr(gic, ISPENDR + 4n)).to.equal(0n);
      dw(gic, ISPENDR + 4n, 0x2n);
      expect(dr(gic, ISPENDR + 4n)).to.equal(0x2n);
      dw(gic, ICPENDR + 4n, 0x2n);
      expect(dr(gic, ISPENDR + 4n)).to.equal(0n);
    });

    it('GICD_IPRIORITYR: bytes and words, 8 bits kept, INTIDs 0-31 and past the last SPI RAZ/WI', () => {
      const gic = new GicV3();
      dw(gic, IPRIORITYR + 33n, 0x80n, 1);
      dw(gic, IPRIORITYR + 35n, 0x17n, 1);
      expect([dr(gic, IPRIORITYR + 32n), dr(gic, IPRIORITYR + 35n, 1)]).to.deep.equal([0x1700_8000n, 0x17n]);
      dw(gic, IPRIORITYR + 36n, 0xffee_ddccn);
      expect([dr(gic, IPRIORITYR + 36n, 1), dr(gic, IPRIORITYR + 39n, 1)]).to.deep.equal([0xccn, 0xffn]);
      dw(gic, IPRIORITYR + 28n, ALL);
      dw(gic, IPRIORITYR + 27n, 0x40n, 1);
      dw(gic, IPRIORITYR + 288n, ALL);
      const reads = [dr(gic, IPRIORITYR + 28n), dr(gic, IPRIORITYR + 27n, 1), dr(gic, IPRIORITYR + 288n)];
      expect(reads).to.deep.equal([0n, 0n, 0n]);
    });

    it('GICD_ICFGR: odd bits only; ICFGR0/1 (SGIs, PPIs) RAZ/WI; 2-byte and unaligned accesses RAZ/WI', () => {
      const gic = new GicV3();
      dw(gic, ICFGR + 8n, ALL);
      dw(gic, ICFGR + 4n, ALL);
      expect([dr(gic, ICFGR + 8n), dr(gic, ICFGR + 4n), dr(gic, ICFGR)]).to.deep.equal([0xaaaa_aaaan, 0n, 0n]);
      dw(gic, ISENABLER + 4n, 0xffffn, 2);
      dw(gic, ISENABLER + 6n, ALL);
      expect(dr(gic, ISENABLER + 4n)).to.equal(0n);
      dw(gic, ISENABLER + 4n, 0x1_0001n);
      expect([dr(gic, ISENABLER + 4n, 2), dr(gic, ISENABLER + 5n, 1)]).to.deep.equal([0n, 0n]);
      expect(dr(gic, GICD_CTLR, 8)).to.equal(0n); // 8 bytes reach only IROUTER
    });

    it('GICD_IROUTER: 64-bit and 32-bit halves; an SPI routed to another affinity is not signalled', () => {
      const gic = bootedWith({ 33: 0xa0 });
      const router33 = IROUTER + 8n * 33n;
      dw(gic, router33, 0x0000_00ab_8000_0102n, 8);
      expect(dr(gic, router33, 8)).to.equal(0x0000_00ab_8000_0102n);
      expect([dr(gic, router33), dr(gic, router33 + 4n)]).to.deep.equal([0x8000_0102n, 0xabn]);
      dw(gic, router33 + 4n, 0n);
      expect(dr(gic, router33, 8)).to.equal(0x8000_0102n);
      dw(gic, IROUTER + 8n * 31n, 0x1n, 8);
      expect(dr(gic, IROUTER + 8n * 31n, 8)).to.equal(0n);
      gic.setLine(33, true);
      expect(gic.irqLine).to.equal(false); // Aff1.Aff0 = 1.2: not our CPU
      dw(gic, router33, 0x8000_0000n); // IRM set, affinity 0: QEMU routes by affinity alone
      expect(gic.irqLine).to.equal(true);
    });
  });

  describe('redistributor', () => {
    it('GICR_WAKER: ChildrenAsleep follows ProcessorSleep at once; only ProcessorSleep is writable', () => {
      const gic = new GicV3();
      const waker = (value: bigint) => (rw(gic, GICR_WAKER, value), rr(gic, GICR_WAKER));
      expect([waker(0n), waker(0x2n), waker(0x5n)]).to.deep.equal([0n, 0x6n, 0n]);
    });

    it('read-only TYPER and IIDR, stored PROPBASER/PENDBASER, 8 bytes only for those three', () => {
      const gic = new GicV3();
      rw(gic, GICR_TYPER, ALL, 8);
      rw(gic, GICR_IIDR, 0n);
      expect([rr(gic, GICR_TYPER, 8), rr(gic, GICR_IIDR)]).to.deep.equal([0x0100_0010n, 0x43bn]);
      rw(gic, PROPBASER, 0x1234_5678_9abc_def0n, 8);
      rw(gic, PENDBASER + 4n, 0x55n);
      expect([rr(gic, PROPBASER + 4n), rr(gic, PENDBASER, 8)]).to.deep.equal([0x1234_5678n, 0x55_0000_0000n]);
      rw(gic, 0x10n, ALL, 8);
      expect([rr(gic, 0x10n, 8), rr(gic, GICR_WAKER)]).to.deep.equal([0n, 0x6n]);
    });

    it('SGI_base: banks for INTIDs 0-31, byte priorities, ICFGR1 for PPIs only', () => {
      const gic = new GicV3();
      rw(gic, SGI + ISENABLER, 0x0800_0001n);
      rw(gic, SGI + ICENABLER, 0x1n);
      rw(gic, SGI + IPRIORITYR + 27n, 0x90n, 1);
      expect([rr(gic, SGI + ICENABLER), rr(gic, SGI + IPRIORITYR + 24n)]).to.deep.equal([0x0800_0000n, 0x9000_0000n]);
      rw(gic, SGI + ICFGR, 0n);
      rw(gic, SGI + ICFGR + 4n, 0x0080_0000n); // PPI 27 edge: field 11, bit 23
      expect([rr(gic, SGI + ICFGR), rr(gic, SGI + ICFGR + 4n)]).to.deep.equal([0xaaaa_aaaan, 0x0080_0000n]);
      rw(gic, SGI + ISENABLER + 4n, ALL); // a second word does not exist here
      const enables = [rr(gic, SGI + ISENABLER + 4n), dr(gic, ISENABLER + 4n), rr(gic, SGI + ISENABLER)];
      expect(enables).to.deep.equal([0n, 0n, 0x0800_0000n]);
    });
  });

  describe('CPU interface', () => {
    it('signals Group 1 (INTID 33) as IRQ and Group 0 (INTID 34) as FIQ, nests them, and EOIs each by group', () => {
      const gic = bootedWith({ 33: 0x40, 34: 0x80 });
      dw(gic, IGROUPR + 4n, ~0x4n & ALL); // INTID 34 in Group 0
      msr(gic, IGRPEN0, 1n);
      gic.setLine(34, true);
      expect([gic.irqLine, gic.fiqLine]).to.deep.equal([false, true]);
      expect([mrs(gic, HPPIR1), mrs(gic, IAR1), mrs(gic, HPPIR0)]).to.deep.equal([1023n, 1023n, 34n]);
      expect([mrs(gic, IAR0), mrs(gic, AP0R0), gic.fiqLine]).to.deep.equal([34n, 1n << 16n, false]);
      gic.setLine(33, true); // 0x40 preempts the running 0x80
      expect([gic.irqLine, mrs(gic, IAR1), mrs(gic, AP1R0), mrs(gic, RPR)]).to.deep.equal([true, 33n, 0x100n, 0x40n]);
      expect(dr(gic, ISACTIVER + 4n)).to.equal(0x6n);
      msr(gic, EOIR0, 34n); // the highest active priority is Group 1's: EOIR0 does nothing
      expect([mrs(gic, AP0R0), mrs(gic, AP1R0)]).to.deep.equal([1n << 16n, 0x100n]);
      gic.setLine(33, false);
      msr(gic, EOIR1, 33n);
      expect([mrs(gic, AP1R0), mrs(gic, RPR), dr(gic, ISACTIVER + 4n)]).to.deep.equal([0n, 0x80n, 0x4n]);
      msr(gic, EOIR1, 34n); // now Group 0's: EOIR1 does nothing
      expect(mrs(gic, AP0R0)).to.equal(1n << 16n);
      msr(gic, EOIR0, 34n);
      expect([mrs(gic, AP0R0), dr(gic, ISACTIVER + 4n), gic.fiqLine]).to.deep.equal([0n, 0n, true]); // 34 still high
    });

    it('ICC_PMR_EL1 keeps 5 bits and masks priorities not below it; IAR then gives 1023 but HPPIR the INTID', () => {
      const gic = bootedWith({ 33: 0xa0 });
      msr(gic, PMR, 0xa7n);
      gic.setLine(33, true);
      expect([mrs(gic, PMR), gic.irqLine, mrs(gic, HPPIR1), mrs(gic, IAR1)]).to.deep.equal([0xa0n, false, 33n, 1023n]);
      msr(gic, PMR, 0xa8n);
      expect(gic.irqLine).to.equal(true);
      msr(gic, PMR, 0x1ffn);
      expect(mrs(gic, PMR)).to.equal(0xf8n);
    });

    it('preempts only with a higher priority, nests the active priorities, and drops them in order', () => {
      const gic = bootedWith({ 40: 0x80, 41: 0x90, 42: 0x70 });
      gic.setLine(40, true);
      expect([mrs(gic, IAR1), mrs(gic, RPR), mrs(gic, AP1R0)]).to.deep.equal([40n, 0x80n, 0x1_0000n]);
      gic.setLine(41, true);
      expect([gic.irqLine, mrs(gic, HPPIR1), mrs(gic, IAR1)]).to.deep.equal([false, 41n, 1023n]);
      gic.setLine(42, true);
      expect([gic.irqLine, mrs(gic, IAR1)]).to.deep.equal([true, 42n]);
      expect([mrs(gic, RPR), mrs(gic, AP1R0), gic.irqLine]).to.deep.equal([0x70n, 0x1_4000n, false]);
      gic.setLine(42, false);
      msr(gic, EOIR1, 42n);
      expect([mrs(gic, RPR), mrs(gic, AP1R0), gic.irqLine]).to.deep.equal([0x80n, 0x1_0000n, false]);
      msr(gic, EOIR1, 40n); // 40 is still high: pending again, and ahead of 41
      expect([mrs(gic, RPR), gic.irqLine, mrs(gic, HPPIR1)]).to.deep.equal([0xffn, true, 40n]);
    });

    it('ICC_BPR1_EL1 sets the group priority: with BPR1 3 bits [7:3] preempt, with BPR1 5 only bits [7:5]', () => {
      const fine = bootedWith({ 40: 0x90, 41: 0x88 });
      fine.setLine(40, true);
      expect([mrs(fine, IAR1), mrs(fine, RPR), mrs(fine, AP1R0)]).to.deep.equal([40n, 0x90n, 0x4_0000n]);
      fine.setLine(41, true);
      expect(fine.irqLine).to.equal(true); // 0x88 & 0xf8 < 0x90
      msr(fine, BPR1, 5n);
      expect(fine.irqLine).to.equal(false); // 0x88 & 0xe0 = 0x90 & 0xe0
      const coarse = bootedWith({ 40: 0xb0, 41: 0xa8, 42: 0x90 });
      msr(coarse, BPR1, 5n);
      coarse.setLine(40, true);
      // Group priority 0xb0 & 0xe0 = 0xa0 becomes active: AP1R0 bit 0xa0 >> 3 = 20
      expect([mrs(coarse, IAR1), mrs(coarse, RPR), mrs(coarse, AP1R0)]).to.deep.equal([40n, 0xa0n, 0x10_0000n]);
      coarse.setLine(41, true);
      expect(coarse.irqLine).to.equal(false); // 0xa8 & 0xe0 = 0xa0: not above the running 0xa0
      coarse.setLine(42, true);
      expect([coarse.irqLine, mrs(coarse, IAR1)]).to.deep.equal([true, 42n]); // 0x90 & 0xe0 = 0x80 < 0xa0
    });

    it('ICC_BPR0/1_EL1 clamp to their minimum 2 and 3; with CBPR BPR1 reads BPR0 + 1 and ignores writes', () => {
      const gic = new GicV3();
      msr(gic, BPR0, 0n);
      msr(gic, BPR1, 1n);
      expect([mrs(gic, BPR0), mrs(gic, BPR1)]).to.deep.equal([2n, 3n]);
      msr(gic, BPR0, 6n);
      msr(gic, CTLR, 0x1n);
      expect([mrs(gic, CTLR), mrs(gic, BPR1)]).to.deep.equal([0x8c01n, 7n]);
      msr(gic, BPR1, 4n);
      msr(gic, CTLR, 0n);
      expect(mrs(gic, BPR1)).to.equal(3n);
    });

    it('EOImode 1: EOIR1 only drops the priority, ICC_DIR_EL1 deactivates (and is ignored with EOImode 0)', () => {
      const gic = bootedWith();
      rw(gic, SGI + ISENABLER, 1n << 27n);
      msr(gic, CTLR, 0xffffn);
      expect(mrs(gic, CTLR)).to.equal(0x8c03n); // CBPR and EOImode are the writable bits
      msr(gic, CTLR, 0x2n);
      gic.setLine(27, true);
      expect(mrs(gic, IAR1)).to.equal(27n);
      msr(gic, EOIR1, 27n);
      expect([mrs(gic, RPR), rr(gic, SGI + ISACTIVER), gic.irqLine]).to.deep.equal([0xffn, 1n << 27n, false]);
      msr(gic, DIR, 27n);
      expect([rr(gic, SGI + ISACTIVER), gic.irqLine, mrs(gic, IAR1)]).to.deep.equal([0n, true, 27n]);
      msr(gic, CTLR, 0n);
      msr(gic, DIR, 27n);
      expect(rr(gic, SGI + ISACTIVER)).to.equal(1n << 27n);
    });

    it('edge-triggered SPI: a rising edge latches pending, acknowledge clears it, an edge while active re-pends', () => {
      const gic = bootedWith({ 35: 0xa0 });
      dw(gic, ICFGR + 8n, 0x80n); // INTID 35: field 3, bit 7
      expect(dr(gic, ICFGR + 8n)).to.equal(0x80n);
      gic.setLine(35, true);
      gic.setLine(35, false);
      expect([gic.irqLine, dr(gic, ISPENDR + 4n)]).to.deep.equal([true, 0x8n]);
      expect(mrs(gic, IAR1)).to.equal(35n);
      expect([gic.irqLine, dr(gic, ISPENDR + 4n)]).to.deep.equal([false, 0n]);
      gic.setLine(35, true);
      expect([gic.irqLine, dr(gic, ISPENDR + 4n)]).to.deep.equal([false, 0x8n]);
      msr(gic, EOIR1, 35n);
      expect([gic.irqLine, mrs(gic, IAR1), dr(gic, ISPENDR + 4n)]).to.deep.equal([true, 35n, 0n]);
    });

    it('SGIs: ICC_SGI1R_EL1 to CPU 0 only (target list bit 0, affinity 0, IRM 0), SGI0R/ASGI1R for Group 0', () => {
      const gic = bootedWith();
      msr(gic, SGI1R, 0x0500_0002n); // target list {1}
      msr(gic, SGI1R, 0x0501_0001n); // Aff1 = 1
      msr(gic, SGI1R, 0x100_0500_0001n); // IRM: every PE but this one
      msr(gic, SGI0R, 0x0500_0001n); // SGI 5 is Group 1
      expect([gic.irqLine, rr(gic, SGI + ISPENDR)]).to.deep.equal([false, 0n]);
      msr(gic, SGI1R, 0x0500_0001n);
      expect([gic.irqLine, mrs(gic, IAR1)]).to.deep.equal([true, 5n]);
      msr(gic, EOIR1, 5n);
      expect([gic.irqLine, rr(gic, SGI + ISPENDR)]).to.deep.equal([false, 0n]);
      rw(gic, SGI + IGROUPR, ALL & ~0xc0n); // SGIs 6 and 7 in Group 0
      msr(gic, IGRPEN0, 1n);
      msr(gic, SGI1R, 0x0600_0001n);
      expect(gic.fiqLine).to.equal(false);
      msr(gic, SGI0R, 0x0600_0001n);
      msr(gic, ASGI1R, 0x0700_0001n);
      expect([gic.fiqLine, rr(gic, SGI + ISPENDR)]).to.deep.equal([true, 0xc0n]);
      expect([mrs(gic, HPPIR0), mrs(gic, IAR0)]).to.deep.equal([6n, 6n]);
    });

    it('picks the lowest priority value, then the lowest INTID; only the top interrupt is offered (as QEMU)', () => {
      const gic = bootedWith({ 50: 0x60, 45: 0x60, 33: 0x70 });
      for (const i of [50, 33, 45]) gic.setLine(i, true);
      expect(mrs(gic, HPPIR1)).to.equal(45n);
      dw(gic, IGROUPR + 4n, ALL & ~(1n << 13n)); // 45 to Group 0, IGRPEN0 off
      expect([mrs(gic, HPPIR1), mrs(gic, IAR1), gic.irqLine]).to.deep.equal([1023n, 1023n, false]);
    });

    it('GICD_CTLR.EnableGrp1 and ICC_IGRPEN1_EL1 each hold Group 1 back; an active interrupt is not re-offered', () => {
      const gic = bootedWith({ 33: 0xa0 });
      gic.setLine(33, true);
      dw(gic, GICD_CTLR, 0x1n);
      expect(gic.irqLine).to.equal(false);
      dw(gic, GICD_CTLR, 0x3n);
      msr(gic, IGRPEN1, 0n);
      expect([gic.irqLine, mrs(gic, HPPIR1)]).to.deep.equal([false, 1023n]);
      msr(gic, IGRPEN1, 1n);
      dw(gic, ISACTIVER + 4n, 0x2n);
      expect([gic.irqLine, mrs(gic, IAR1)]).to.deep.equal([false, 1023n]);
    });

    it('answers only ICC encodings, in the directions QEMU defines; ICC_SRE_EL1 ignores writes', () => {
      const gic = new GicV3();
      expect(gic.readSysreg(3, 0, 12, 8, 5)).to.equal(null); // ICC_AP0R1_EL1: not with 5 priority bits
      expect(gic.readSysreg(3, 3, 14, 3, 1)).to.equal(null); // CNTV_CTL_EL0
      const wrongWay = [mrs(gic, EOIR1), msr(gic, IAR1, 0n), gic.writeSysreg(3, 0, 12, 12, 8, 0n)];
      expect(wrongWay).to.deep.equal([null, false, false]); // write-only, read-only, no such register
      expect([msr(gic, SRE, 0n), mrs(gic, SRE)]).to.deep.equal([true, 7n]);
      for (const i of [0, 15, 288, -1, 1.5]) expect(() => gic.setLine(i, true), `${i}`).to.throw(RangeError);
    });
  });

  it('describe() shows the control registers, the lines and each enabled, pending or active interrupt', () => {
    const gic = bootedWith({ 33: 0x80 });
    rw(gic, SGI + ISENABLER, 1n << 27n);
    gic.setLine(27, true);
    gic.setLine(40, true);
    const text = gic.describe();
    expect(text).to.contain('GICD_CTLR=0x53 GICR_WAKER=0x0 ICC_PMR=0xf0 ICC_RPR=0xff');
    expect(text).to.contain('IRQ=1 FIQ=0 highest pending: INTID 27 (priority 0xa0, group 1)');
    expect(text).to.contain('INTID 27 PPI group 1 priority 0xa0 level enabled pending');
    expect(text).to.contain('INTID 33 SPI group 1 priority 0x80 level enabled\n');
    expect(text).to.contain('INTID 40 SPI group 1 priority 0xa0 level pending');
    expect(text).to.contain('INTID 5 SGI group 1 priority 0xa0 edge enabled');
    expect(text).not.to.contain('INTID 28 ');
  });
});
