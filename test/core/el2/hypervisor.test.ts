import { expect } from 'chai';
import type { Machine } from '../../../core/machine/machine.js';
import type { MachineEvent, Stage2TrapEvent } from '../../../core/el2/events.js';
import { SYSREG } from '../../../core/arch/sysregs.js';
import { UC_ARM64_REG } from '../../../core/unicorn/constants.js';
import { xRegisterId } from '../../../core/unicorn/registers.js';
import { assemble } from '../../helpers/asm.js';
import { guestMachine, movq, POWER_OFF } from '../../helpers/machine.js';

const FILTERED = 0x0f00_0000n;
const traps = (ev: MachineEvent[]) => ev.filter((e): e is Stage2TrapEvent => e.kind === 'stage2-trap');
const decisions = (ev: MachineEvent[]) => ev.flatMap((e) => (e.kind === 'decision' ? [e.decision] : []));
const xreg = (m: Machine, n: number) => m.uc.readReg(xRegisterId(n));

// A vector table whose EL1h-sync slot (+0x200) records ESR/ELR/FAR_EL1 and the slot offset, then powers off.
// Every slot writes its own offset to x10 so tests see which vector the injection chose.
const VECTORS = `
  .balign 2048
vectors:
  .irp off, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580, 0x600, 0x680, 0x700, 0x780
  .balign 128
  mov x10, #\\off
  b record
  .endr
record:
  mrs x11, esr_el1
  mrs x12, elr_el1
  mrs x13, far_el1
  mrs x14, spsr_el1
  ${POWER_OFF}
`;
const SET_VBAR = 'adr x9, vectors\n msr vbar_el1, x9\n isb\n';

describe('core/el2 hypervisor in the real machine (unicorn + RITM policy)', () => {
  const open: Machine[] = [];
  const start = (src: string, opts?: Parameters<typeof guestMachine>[1]) => {
    const g = guestMachine(assemble(src), opts);
    open.push(g.machine);
    return g;
  };
  afterEach(async () => {
    for (const m of open.splice(0)) await m.close();
  });

  describe('exact syndromes: the worked ESR_EL2 values of el2-model.md', () => {
    // [instruction, set-up, ESR_EL2, FAR_EL2]: FAR is the access's own address (MMU off: VA = IPA), and HPFAR_EL2 is
    // IPA[47:12] in bits [43:4]: 0x0f000000 -> 0x000f0000, worked by hand.
    const cases: [string, string, bigint, bigint][] = [
      ['ldr x0, [x1]', movq(1, FILTERED + 0x30n), 0x93c0_8007n, 0x0f00_0030n],
      ['ldr x19, [x0]', movq(0, FILTERED + 0x30n), 0x93d3_8007n, 0x0f00_0030n],
      ['str x28, [x0]', movq(0, FILTERED) + movq(28, 5n), 0x93dc_8047n, 0x0f00_0000n],
      ['ldr w0, [x1]', movq(1, FILTERED), 0x9380_0007n, 0x0f00_0000n],
    ];
    for (const [insn, setup, esr, far] of cases) {
      it(`${insn} -> ESR_EL2 0x${esr.toString(16).toUpperCase()} with FAR, HPFAR and a trap frame`, async () => {
        const { machine, events } = start(`${SET_VBAR}${setup}${insn}\n${VECTORS}`);
        expect((await machine.run()).kind).to.equal('power-off');
        const [t] = traps(events);
        expect(t!.esrEl2).to.equal(esr);
        expect(t!.pc).to.equal(0x4008_000cn + BigInt(setup.split('\n').length - 1) * 4n);
        expect(t!.hpfarEl2).to.equal(0x000f_0000n);
        expect(t!.farEl2).to.equal(far);
        expect(t!.ipa).to.equal(far);
        expect(machine.el2.read('ESR_EL2')).to.equal(esr);
        expect(t!.frame.elrEl2).to.equal(t!.pc);
        expect(t!.frame.x).to.have.length(31);
      });
    }

    it('injects 0x93C08007 as ESR_EL1 0x97C08007 at VBAR_EL1+0x200 with ELR on the access (ritm mode)', async () => {
      const { machine, events } = start(`${SET_VBAR}${movq(1, FILTERED + 0x30n)}fault: ldr x0, [x1]\n${VECTORS}`);
      expect((await machine.run()).kind).to.equal('power-off');
      expect(xreg(machine, 11)).to.equal(0x97c0_8007n);
      expect(xreg(machine, 10)).to.equal(0x200n);
      expect(xreg(machine, 12)).to.equal(traps(events)[0]!.pc);
      expect(xreg(machine, 13)).to.equal(FILTERED + 0x30n);
      expect(xreg(machine, 14)).to.equal(0x3c5n);
      expect(decisions(events)[0]).to.include({ action: 'inject', why: 'handler-fault', region: 'filtered-mmio' });
      expect(events.find((e) => e.kind === 'injection')).to.include({ esrEl1: 0x97c0_8007n, mode: 'ritm' });
    });
  });

  it('emulates reads into every Rt x0..x30 (and discards XZR), the seed bug was x19..x28', async () => {
    let src = `${SET_VBAR}adr x9, results\n`;
    for (let n = 0; n <= 31; n++) {
      const base = n === 1 ? 2 : 1;
      const res = n === 3 ? 4 : 3;
      const rt = n === 31 ? 'xzr' : `x${n}`;
      src += movq(base, FILTERED) + `adr x${res}, results\n ldr ${rt}, [x${base}]\n str ${rt}, [x${res}, #${n * 8}]\n`;
    }
    src += POWER_OFF + '.balign 8\nresults: .skip 256\n' + VECTORS;
    const { machine, events } = start(src);
    expect((await machine.run()).kind).to.equal('power-off');
    const d = decisions(events);
    expect(d).to.have.length(32);
    expect(d.every((x) => x.why === 'handler-value' && x.rtValue === 0xfeed_face_cafe_beefn)).to.equal(true);
    expect(traps(events).map((t) => t.access?.rt)).to.deep.equal(Array.from({ length: 32 }, (_, i) => i));
    expect(xreg(machine, 30)).to.equal(0xfeed_face_cafe_beefn);
    expect(xreg(machine, 19)).to.equal(0xfeed_face_cafe_beefn);
    expect(xreg(machine, 28)).to.equal(0xfeed_face_cafe_beefn);
  });

  it('passes every Xt (x0..x30) to the write handler, and XZR as 0 (refused: injected)', async () => {
    let src = SET_VBAR;
    for (let n = 0; n <= 30; n++) {
      const base = n === 1 ? 2 : 1;
      src += movq(n, 0x1234_5678_9abc_def0n) + movq(base, FILTERED) + `str x${n}, [x${base}, #8]\n`;
    }
    src += movq(1, FILTERED) + 'str xzr, [x1, #8]\n' + VECTORS;
    const { machine, events } = start(src);
    expect((await machine.run()).kind).to.equal('power-off');
    const d = decisions(events);
    expect(d.slice(0, 31).every((x) => x.why === 'handler-handled' && x.value === 0x1234_5678_9abc_def0n)).to.equal(
      true,
    );
    expect(d[31]).to.include({ why: 'handler-fault', value: 0n, action: 'inject' });
  });

  describe('injection modes', () => {
    const el0Program = `${SET_VBAR}
      adr x9, el0code
      msr elr_el1, x9
      msr spsr_el1, xzr        // EL0t
      ${movq('x9', 0x4010_0000n)}
      msr sp_el0, x9
      eret
    el0code:
      ${movq(1, FILTERED)}
      ldr w0, [x1]             // refused by the handler: injected
      b .
      ${VECTORS}`;
    it('ritm: an abort from EL0 still goes to +0x200 with EC 0x25', async () => {
      const { machine } = start(el0Program, { inject: 'ritm' });
      expect((await machine.run()).kind).to.equal('power-off');
      expect(xreg(machine, 10)).to.equal(0x200n);
      expect(xreg(machine, 11) >> 26n).to.equal(0x25n);
      expect(xreg(machine, 14)).to.equal(0n); // SPSR_EL1 = the EL0t PSTATE
    });
    it('architectural: an abort from EL0 goes to +0x400 with EC 0x24', async () => {
      const { machine } = start(el0Program, { inject: 'architectural' });
      expect((await machine.run()).kind).to.equal('power-off');
      expect(xreg(machine, 10)).to.equal(0x400n);
      expect(xreg(machine, 11)).to.equal(0x9380_0007n);
    });
    it('architectural: an abort from EL1t goes to +0x000 with EC 0x25; ritm: +0x200', async () => {
      const src = `${SET_VBAR}msr spsel, #0\n ${movq('x9', 0x4010_0000n)} mov sp, x9\n ${movq(1, FILTERED)} ldr w0, [x1]\n b .\n${VECTORS}`;
      const arch = start(src, { inject: 'architectural' });
      expect((await arch.machine.run()).kind).to.equal('power-off');
      expect(xreg(arch.machine, 10)).to.equal(0x000n);
      expect(xreg(arch.machine, 11)).to.equal(0x9780_0007n);
      const ritm = start(src, { inject: 'ritm' });
      expect((await ritm.machine.run()).kind).to.equal('power-off');
      expect(xreg(ritm.machine, 10)).to.equal(0x200n);
    });
  });

  describe('a trap held before its decision (catch before)', () => {
    const holdFirst = (m: Machine) => {
      let held = false;
      m.hypervisor.stopRules = { stopBefore: () => !held && (held = true), stopAfter: () => false };
    };
    it('decides on the registers as edited while stopped (set $x1 = ...)', async () => {
      const { machine, events } = start(`${SET_VBAR}${movq(0, FILTERED + 8n)}${movq(1, 5n)}str x1, [x0]
 ${POWER_OFF}${VECTORS}`);
      holdFirst(machine);
      expect((await machine.run()).kind).to.equal('trap-stop');
      machine.uc.writeReg(xRegisterId(1), 0x1234_5678_9abc_def0n); // the one value the handler accepts
      expect((await machine.run()).kind).to.equal('power-off');
      expect(decisions(events)[0]).to.include({ why: 'handler-handled', value: 0x1234_5678_9abc_def0n });
    });
    it('abandons the trap when the debugger moves PC away', async () => {
      const { machine, events } = start(`${SET_VBAR}${movq(0, FILTERED + 8n)}${movq(1, 5n)}str x1, [x0]
 skip: ${POWER_OFF}${VECTORS}`);
      holdFirst(machine);
      expect((await machine.run()).kind).to.equal('trap-stop');
      machine.uc.writeReg(UC_ARM64_REG.PC, machine.pc + 4n);
      expect((await machine.run()).kind).to.equal('power-off');
      expect(decisions(events)).to.have.length(0);
    });
    it('refuses a value override for a trap without an instruction syndrome (ISV=0)', async () => {
      const { machine } = start(`${SET_VBAR}${movq(0, FILTERED)}ldp x1, x2, [x0]
 ${POWER_OFF}${VECTORS}`);
      holdFirst(machine);
      expect((await machine.run()).kind).to.equal('trap-stop');
      expect(machine.hypervisor.overrideHeldDecision({ kind: 'value', value: 1n })).to.equal('no-syndrome');
      expect(machine.hypervisor.overrideHeldDecision({ kind: 'skip' })).to.equal('ok');
    });
  });

  it("panics (RITM's behaviour) when an abort must be injected and VBAR_EL1 = 0", async () => {
    const { machine } = start(`${movq(1, FILTERED)}ldr w0, [x1]\n b .`);
    const halt = await machine.run();
    expect(halt.kind).to.equal('guest-panic');
    expect(halt.kind === 'guest-panic' && halt.description).to.match(
      /unhandled stage-2 data abort at IPA 0xf000000 \(ESR_EL2=0x93800007.*VBAR_EL1 = 0/,
    );
  });

  it('traps one 64-bit read of the hypervisor window exactly once, at level 2 (DFSC 0x06)', async () => {
    const { machine, events } = start(`${SET_VBAR}${movq(1, 0x4700_0000n)}ldr x0, [x1]\n${VECTORS}`);
    expect((await machine.run()).kind).to.equal('power-off');
    expect(traps(events)).to.have.length(1);
    expect(traps(events)[0]).to.include({ esrEl2: 0x93c0_8006n, ipa: 0x4700_0000n, region: null });
    expect(decisions(events)[0]).to.include({ why: 'no-region' });
  });

  it('reports a stage-2 fault on a stage-1 table walk with S1PTW=1, ISV=0 and the table IPA in HPFAR', async () => {
    // l0[0] -> l1 (identity 1 GiB block over RAM); l0[1] -> a level-1 table inside the unmapped hypervisor window.
    const src = `${SET_VBAR}
      adr x0, l1
      orr x0, x0, #3
      adr x1, l0
      str x0, [x1]
      ${movq(0, 0x4700_0003n)}
      str x0, [x1, #8]
      ${movq(0, 0x4000_0401n)}
      adr x1, l1
      str x0, [x1, #8]
      adr x0, l0
      msr ttbr0_el1, x0
      ${movq(0, 0x2_0000_0010n)}    // IPS 40-bit, T0SZ 16
      msr tcr_el1, x0
      isb
      mrs x0, sctlr_el1
      orr x0, x0, #1
      msr sctlr_el1, x0
      isb
      ${movq(2, 0x80_0000_1000n)}   // VA in l0[1]'s range
      ldr x3, [x2]
      b .
      ${VECTORS}
      .balign 4096
    l0: .skip 4096
    l1: .skip 4096`;
    const { machine, events } = start(src);
    expect((await machine.run()).kind).to.equal('power-off');
    const [t] = traps(events);
    expect(t).to.include({
      esrEl2: 0x9200_0086n,
      farEl2: 0x80_0000_1000n,
      hpfarEl2: 0x47_0000n,
      s1ptw: true,
      access: null,
    });
    expect(xreg(machine, 11)).to.equal(0x9600_0086n); // injected with EC 0x25
  });

  it('takes HCR_EL2.VM = 0 as stage 2 off: the filtered page is then a physical hole (external abort to EL1)', async () => {
    const { machine, events } = start(`${movq(1, FILTERED)}ldr x0, [x1]\n ${POWER_OFF}`);
    machine.el2.write('HCR_EL2', 0x8008_0000n);
    const halt = await machine.run();
    expect(traps(events)).to.have.length(0);
    expect(halt.kind).to.equal('guest-panic'); // no vectors to take it to
    expect(halt.kind === 'guest-panic' && halt.description).to.match(
      /synchronous external abort: nothing at physical address 0xf000000\) of VA 0xf000000, ESR_EL1=0x96000010/,
    );
  });

  it('answers HVC and trapped SMC, and makes SMC undefined when HCR_EL2.TSC is cleared', async () => {
    const src = `${SET_VBAR}${movq(0, 0xff00_0000n)}smc #0\n mov x20, x0\n ${movq(0, 0xff00_0000n)} smc #0\n b .\n${VECTORS}`;
    const { machine, events } = start(src);
    machine.on((e) => {
      if (e.kind === 'hypercall') machine.el2.write('HCR_EL2', 0x8000_0001n); // clear TSC after the first SMC
    });
    expect((await machine.run()).kind).to.equal('power-off');
    expect(xreg(machine, 20)).to.equal(0x1234_5678_9abc_def0n);
    expect(events.filter((e) => e.kind === 'hypercall').map((e) => e.kind === 'hypercall' && e.conduit)).to.deep.equal([
      'smc',
      'hvc',
    ]);
    expect(xreg(machine, 11)).to.equal(0x0200_0000n); // EC 0: undefined
    expect(machine.uc.readSysReg(SYSREG.VBAR_EL1)).to.not.equal(0n);
  });
});
