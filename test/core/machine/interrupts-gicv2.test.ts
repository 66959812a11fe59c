// A machine with a GICv2 (--gic 2): the virtual timer's PPI through the memory-mapped distributor and CPU interface,
// and the ICC_* system registers UNDEFINED as on hardware whose GIC has no system-register interface.
import { expect } from 'chai';
import { UC_ARM64_REG } from '../../../core/unicorn/constants.js';
import { assemble } from '../../helpers/asm.js';
import { guestMachine, POWER_OFF } from '../../helpers/machine.js';

/** ESR_ELx.EC 0: an UNDEFINED instruction ("unknown reason"). */
const EC_UNKNOWN = 0n;

describe('interrupts: GICv2 (--gic 2)', function () {
  this.timeout(30_000);

  it('takes the virtual timer through GICD/GICC: GICC_IAR reads 27, the event names INTID 27', async () => {
    const code = assemble(`
      adr x1, vectors
      msr vbar_el1, x1
      mov x1, #0x08000000
      mov w2, #(1 << 27)
      str w2, [x1, #0x100]
      mov w2, #1
      str w2, [x1]
      mov x3, #0x08010000
      mov w2, #0xf0
      str w2, [x3, #4]
      mov w2, #1
      str w2, [x3]
      mov x2, #1000
      msr cntv_tval_el0, x2
      mov x2, #1
      msr cntv_ctl_el0, x2
      msr daifclr, #2
    1: wfi
      b 1b
      .balign 0x800
    vectors:
      .skip 0x280
      ldr w6, [x3, #0xc]
      msr cntv_ctl_el0, xzr
      str w6, [x3, #0x10]
      ldr w7, [x3, #0x14]
      ${POWER_OFF}`);
    const { machine, events } = guestMachine(code, { gic: 2 });
    expect((await machine.run()).kind).to.equal('power-off');
    expect(machine.uc.readReg(UC_ARM64_REG.X6)).to.equal(27n);
    expect(machine.uc.readReg(UC_ARM64_REG.X7)).to.equal(0xffn); // GICC_RPR idle after the EOI
    const irqs = events.filter((e) => e.kind === 'interrupt');
    expect(irqs.map((e) => [e.line, e.intid])).to.deep.equal([['irq', 27]]);
    await machine.close();
  });

  it('leaves MRS and MSR of ICC_*_EL1 UNDEFINED (EC 0 at VBAR_EL1 + 0x200), where a GICv3 answers them', async () => {
    const code = assemble(`
      adr x1, vectors
      msr vbar_el1, x1
      mov x5, #0x55
      mrs x5, S3_0_C4_C6_0
      mov x9, #1
      ${POWER_OFF}
      .balign 0x800
    vectors:
      .skip 0x200
      mrs x6, esr_el1
      mrs x7, elr_el1
      ${POWER_OFF}`);
    for (const gic of [2, 3] as const) {
      const { machine } = guestMachine(code, { gic });
      expect((await machine.run()).kind).to.equal('power-off');
      const r = (n: number) => machine.uc.readReg(UC_ARM64_REG.X0 + n);
      if (gic === 2) {
        expect(r(6) >> 26n, `ESR 0x${r(6).toString(16)}`).to.equal(EC_UNKNOWN);
        expect(r(7)).to.equal(0x4008_000cn); // the MRS
        expect(r(5)).to.equal(0x55n);
        expect(r(9)).to.equal(0n);
      } else {
        expect([r(5), r(9)]).to.deep.equal([0n, 1n]); // ICC_PMR_EL1 reads its reset value 0
      }
      await machine.close();
    }
  });
});
