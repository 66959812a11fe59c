// Interrupts in the machine: the irq guest (GICv3, virtual timer, WFI, an SGI) end to end, what a guest in WFI
// costs, virtual time that stands still while the debugger holds the CPU, and steps that hold interrupts.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { SYSREG } from '../../../core/arch/sysregs.js';
import { UC_ARM64_REG } from '../../../core/unicorn/constants.js';
import { assemble } from '../../helpers/asm.js';
import { guestPath, guestSymbol } from '../../helpers/guests.js';
import { guestMachine, POWER_OFF } from '../../helpers/machine.js';
import { runEl2dbg } from '../../helpers/cli.js';

const irqGuest = () => readFileSync(guestPath('irq'));

/**
 * Assembly: redistributor awake, SGIs/PPIs in group 1, PPI 27 (the virtual timer) enabled, GICD_CTLR = ARE |
 * EnableGrp1, ICC_PMR_EL1 = 0xf0, ICC_IGRPEN1_EL1 = 1; leaves x2 = 1 (16 instructions).
 */
const GIC_TIMER_ON = `
      mov x1, #0x080a0000
      ldr w2, [x1, #0x14]
      bic w2, w2, #2
      str w2, [x1, #0x14]
      add x3, x1, #0x10000
      mov w2, #-1
      str w2, [x3, #0x80]
      mov w2, #(1 << 27)
      str w2, [x3, #0x100]
      mov x1, #0x08000000
      mov w2, #0x12
      str w2, [x1]
      mov x2, #0xf0
      msr S3_0_C4_C6_0, x2
      mov x2, #1
      msr S3_0_C12_C12_7, x2`;

describe('interrupts: GICv3, generic timer, WFI and virtual time', function () {
  this.timeout(30_000);

  it('runs the irq guest from the CLI: ten virtual-timer interrupts, SGI 5, at least 10 ms of guest time', async () => {
    const r = await runEl2dbg(['run', '--image', guestPath('irq'), '--policy', 'ritm']);
    expect(r.code, r.stderr).to.equal(0);
    const m = /^irq: timer 0x000000000000000a sgi 0x0000000000000005 ms 0x([0-9a-f]{16})\n$/.exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    expect(parseInt(m![1]!, 16)).to.be.at.least(10);
  });

  it('wakes a WFI at a 1 ms timer deadline without setTimeout lateness (median tick 1.1-1.2 ms, was 1.4-1.6)', async () => {
    // The irq guest re-arms CNTV 1 ms after each tick's handler starts: the spacing is 1 ms + wake latency + the
    // handler. setTimeout woke 0.2-1 ms late. Best median of three runs, as other processes share the host's CPUs.
    const medians: number[] = [];
    for (let run = 0; run < 3 && !(medians.length && Math.min(...medians) < 1.2); run++) {
      const { machine } = guestMachine(irqGuest());
      const at: number[] = [];
      machine.on((e) => {
        if (e.kind === 'interrupt' && e.intid === 27) at.push(performance.now());
      });
      expect((await machine.run()).kind).to.equal('power-off');
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      expect(gaps).to.have.length(9);
      medians.push(gaps.sort((a, b) => a - b)[4]!);
    }
    expect(Math.min(...medians), `median tick spacing in ms: ${medians.join(' ')}`).to.be.below(1.2);
  });

  it('takes the interrupts at the IRQ vector with ELR = the interrupted instruction, and reports each one', async () => {
    const { machine, events } = guestMachine(irqGuest());
    const halt = await machine.run();
    expect(halt.kind).to.equal('power-off');
    const irqs = events.filter((e) => e.kind === 'interrupt');
    expect(irqs.filter((e) => e.intid === 27)).to.have.length(10);
    expect(irqs.filter((e) => e.intid === 5)).to.have.length(1);
    for (const e of irqs) {
      expect(e.line).to.equal('irq');
      // VBAR_EL1 (irq_vectors, 2 KiB aligned) + 0x280: an IRQ from EL1 with SP_EL1.
      expect(e.vector).to.equal(guestSymbol(guestPath('irq'), 'irq_vectors') + 0x280n);
    }
    await machine.close();
  });

  it('a guest in WFI sleeps instead of spinning: few instructions run while it waits 50 ms for its timer', async () => {
    // Arm the virtual timer 50 ms ahead with the interrupt masked at the CPU but enabled in the GIC, WFI (which wakes
    // on a pending interrupt even when PSTATE.I masks it), then power off.
    const code = assemble(`
      ${GIC_TIMER_ON}
      mrs x2, cntfrq_el0
      mov x4, #20
      udiv x2, x2, x4
      mrs x5, cntvct_el0
      msr cntv_tval_el0, x2
      mov x2, #1
      msr cntv_ctl_el0, x2
    1: wfi
      mrs x7, cntv_ctl_el0
      tbz x7, #2, 1b
      mrs x6, cntvct_el0
      ${POWER_OFF}`);
    const { machine } = guestMachine(code);
    const t0 = process.hrtime.bigint();
    const halt = await machine.run();
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(halt.kind).to.equal('power-off');
    const waited = machine.uc.readReg(UC_ARM64_REG.X6) - machine.uc.readReg(UC_ARM64_REG.X5);
    expect(Number(waited) / 62.5e6).to.be.at.least(0.05); // the guest's own clock: 50 ms passed
    expect(wallMs).to.be.at.least(50);
    // A busy WFI would run the 4-instruction loop hundreds of thousands of times in 50 ms.
    expect(Number(machine.instructionsExecuted)).to.be.below(200);
    await machine.close();
  });

  it('virtual time stands still while the debugger holds the CPU', async () => {
    const code = assemble(`
      mrs x1, cntvct_el0
      mrs x9, cntpct_el0
    stop_here:
      mrs x2, cntvct_el0
      mrs x10, cntpct_el0
      ${POWER_OFF}`);
    const { machine } = guestMachine(code);
    machine.addBreakpoint(0x4008_0008n);
    expect((await machine.run()).kind).to.equal('breakpoint');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the user looks around for 300 ms
    expect((await machine.run()).kind).to.equal('power-off');
    const r = (n: number) => machine.uc.readReg(UC_ARM64_REG.X0 + n);
    // 300 ms would be 18.75 M counts of a host-time counter; the guest saw far less than 100 ms pass.
    expect(Number(r(2) - r(1))).to.be.below(62.5e6 / 10);
    expect(Number(r(10) - r(9))).to.be.below(62.5e6 / 10);
    expect(r(2) > r(1)).to.equal(true);
    await machine.close();
  });

  it('steps hold a pending interrupt; a run then takes it with ELR_EL1 = the next instruction', async () => {
    // GIC and CPU interface on, the virtual timer already expired (CVAL 0): its interrupt is pending once unmasked.
    const code = assemble(`
      adr x0, vectors
      msr vbar_el1, x0
      ${GIC_TIMER_ON}
      msr cntv_cval_el0, xzr
      msr cntv_ctl_el0, x2
      msr daifclr, #2
    after_unmask:
      add x20, x20, #1
      add x20, x20, #1
      add x20, x20, #1
      b after_unmask
      .balign 2048
    vectors:
      .rept 5
      .balign 128
      b .
      .endr
      .balign 128
      mrs x21, S3_0_C12_C12_0
      ${POWER_OFF}`);
    const { machine, events } = guestMachine(code);
    const unmask = 0x4008_0050n; // the msr daifclr
    expect(machine.uc.readReg(UC_ARM64_REG.PC)).to.equal(0x4008_0000n);
    machine.addBreakpoint(unmask);
    expect((await machine.run()).kind).to.equal('breakpoint');
    machine.removeBreakpoint(unmask);
    for (let i = 0; i < 6; i++) expect(machine.step().kind).to.equal('step-done');
    expect(machine.pc).to.equal(0x4008_0058n); // daifclr, 3 adds, b, add: after_unmask + 4, no vector entered
    expect(machine.uc.readReg(UC_ARM64_REG.X20)).to.equal(4n);
    expect(events.some((e) => e.kind === 'interrupt')).to.equal(false);
    expect((await machine.run()).kind).to.equal('power-off');
    const irq = events.find((e) => e.kind === 'interrupt');
    expect(irq).to.deep.include({ kind: 'interrupt', line: 'irq', intid: 27, pc: 0x4008_0058n });
    expect(machine.uc.readSysReg(SYSREG.ELR_EL1)).to.equal(0x4008_0058n);
    expect(machine.uc.readReg(UC_ARM64_REG.X21)).to.equal(27n); // ICC_IAR1_EL1 acknowledged the timer
    await machine.close();
  });
});
