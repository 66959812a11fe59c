// The trap frame a handler or a catch rule gets: SP_EL1 is the live stack in EL1h and the banked one in EL1t, the
// frame is a copy that later traps do not change, and a debugger can decide a trap that has no instruction syndrome.
import { expect } from 'chai';
import type { MachineEvent, Stage2TrapEvent } from '../../../core/el2/events.js';
import type { Machine } from '../../../core/machine/machine.js';
import { xRegisterId } from '../../../core/unicorn/registers.js';
import { assemble } from '../../helpers/asm.js';
import { guestMachine, movq, POWER_OFF } from '../../helpers/machine.js';

const traps = (ev: MachineEvent[]) => ev.filter((e): e is Stage2TrapEvent => e.kind === 'stage2-trap');
const FILTERED = 0x0f00_0000n;

describe('core/el2: the trap frame', () => {
  const open: Machine[] = [];
  afterEach(async () => {
    for (const m of open.splice(0)) await m.close();
  });
  const start = (src: string) => {
    const g = guestMachine(assemble(src));
    open.push(g.machine);
    return g;
  };

  it('holds the live SP as SP_EL1 in EL1h, and the banked SP_EL1 (not SP_EL0) in EL1t', async () => {
    const src = `
      ${movq(1, FILTERED)}
      ${movq(2, 0x4020_0000n)}
      mov sp, x2                 // EL1h: SP is SP_EL1
      ${movq(3, 0x4010_0000n)}
      msr sp_el0, x3
      ldr x0, [x1]               // trap 1 in EL1h
      msr spsel, #0              // EL1t: SP is now SP_EL0
      ldr x0, [x1]               // trap 2 in EL1t
      ${POWER_OFF}`;
    const { machine, events } = start(src);
    expect((await machine.run()).kind).to.equal('power-off');
    const [h, t] = traps(events);
    expect(h!.frame.spEl1).to.equal(0x4020_0000n);
    expect(h!.frame.spsrEl2 & 0xfn).to.equal(0x5n); // EL1h
    expect(t!.frame.spEl1).to.equal(0x4020_0000n);
    expect(t!.frame.spsrEl2 & 0xfn).to.equal(0x4n); // EL1t
  });

  it('is a copy: a later trap with other register values leaves the first frame as it was', async () => {
    const src = `
      ${movq(1, FILTERED)}
      mov x5, #5
      ldr x0, [x1]
      mov x5, #6
      mov x7, #7
      ldr x0, [x1]
      ${POWER_OFF}`;
    const { machine, events } = start(src);
    expect((await machine.run()).kind).to.equal('power-off');
    const [first, second] = traps(events);
    expect([first!.frame.x[5], first!.frame.x[7]]).to.deep.equal([5n, 0n]);
    expect([second!.frame.x[5], second!.frame.x[7]]).to.deep.equal([6n, 7n]);
    expect(first!.frame.x).to.not.equal(second!.frame.x);
  });

  it('lets a debugger decide a trap without an instruction syndrome (ISV=0: an ldp): handled or skip, not a value', async () => {
    const src = `
      ${movq(1, FILTERED)}
      ldp x2, x3, [x1]
      mov x4, #4
      ${POWER_OFF}`;
    const { machine, events } = start(src);
    machine.hypervisor.stopRules = { stopBefore: () => true, stopAfter: () => false };
    const held = await machine.run();
    expect(held.kind).to.equal('trap-stop');
    expect(traps(events)[0]!.access).to.equal(null); // ISV=0
    expect(machine.hypervisor.overrideHeldDecision({ kind: 'value', value: 1n })).to.equal('no-syndrome');
    expect(machine.hypervisor.overrideHeldDecision({ kind: 'handled' })).to.equal('ok');
    machine.hypervisor.stopRules = null;
    expect((await machine.run()).kind).to.equal('power-off');
    expect(events.filter((e) => e.kind === 'injection')).to.deep.equal([]);
    const d = events.find((e) => e.kind === 'decision');
    expect(d?.kind === 'decision' && d.decision).to.include({ why: 'override', action: 'emulate', outcome: 'elr+4' });
    expect(machine.uc.readReg(xRegisterId(4))).to.equal(4n); // the guest went on after the ldp
  });
});
