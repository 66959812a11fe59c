// The guest runs exactly as it would without a debugger: stops never repeat or drop an instruction (an MMIO store,
// a load into its own base register), breakpoints fire on code that already ran and never after removal, a step is
// one instruction, and instruction counts are exact. Real unicorn, real guests.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { HaltReason } from '../../../core/el2/events.js';
import type { Machine } from '../../../core/machine/machine.js';
import { SYSREG } from '../../../core/arch/sysregs.js';
import { UC_ARM64_REG } from '../../../core/unicorn/constants.js';
import { assemble } from '../../helpers/asm.js';
import { guestPath } from '../../helpers/guests.js';
import { guestMachine, POWER_OFF, ritmPolicy } from '../../helpers/machine.js';

const ENTRY = 0x4008_0000n;

/** The console output of a pattern line, as guests/pattern prints it. */
function patternLine(i: number): string {
  let letters = '';
  for (let k = 0; k < 44; k++) letters += String.fromCharCode(97 + ((i + k) % 26));
  return `0x${i.toString(16).padStart(16, '0')} ${letters}\n`;
}

/** Runs the machine to its end, stopping and resuming it every `everyMs` from a timer (a Ctrl-C storm). */
async function runWithStops(m: Machine, everyMs: number): Promise<{ halt: HaltReason; stops: number }> {
  let stops = 0;
  for (;;) {
    const timer = setTimeout(() => m.requestStop('storm'), everyMs);
    const halt = await m.run();
    clearTimeout(timer);
    if (halt.kind !== 'stop-requested') return { halt, stops };
    stops++;
  }
}

describe('core/machine: execution fidelity (stops, breakpoints, steps, counts)', function () {
  this.timeout(60_000);
  const machines: Machine[] = [];
  afterEach(async () => {
    await Promise.all(machines.splice(0).map((m) => m.close()));
  });
  const make = (code: Uint8Array, sliceMs?: number) => {
    const g = guestMachine(code, sliceMs === undefined ? { policy: undefined } : { sliceMs });
    machines.push(g.machine);
    return g;
  };

  it('prints 256 KiB through the PL011 exactly once each, at slices of 20 us and under a storm of stops', async () => {
    const expected = Array.from({ length: 4096 }, (_, i) => patternLine(i)).join('');
    const plain = make(readFileSync(guestPath('pattern')));
    expect((await plain.machine.run()).kind).to.equal('power-off');
    expect(plain.console()).to.equal(expected);
    const sliced = make(readFileSync(guestPath('pattern')), 0.02);
    const { halt, stops } = await runWithStops(sliced.machine, 0.3);
    expect(halt.kind).to.equal('power-off');
    expect(stops).to.be.greaterThan(20);
    expect(sliced.console()).to.equal(expected);
  });

  it('hashes a buffer and chases ldr x0, [x0] pointers to the same result, uninterrupted and under a storm', async () => {
    const plain = make(readFileSync(guestPath('hash')));
    expect((await plain.machine.run()).kind).to.equal('power-off');
    const reference = plain.console();
    expect(reference).to.match(/^final 0x[0-9a-f]{16}\n$/m);
    const count = plain.machine.instructionsExecuted;
    const stormy = make(readFileSync(guestPath('hash')), 0.01);
    const { halt, stops } = await runWithStops(stormy.machine, 0.2);
    expect(halt.kind).to.equal('power-off');
    expect(stops).to.be.greaterThan(10);
    expect(stormy.console()).to.equal(reference);
    expect(stormy.machine.instructionsExecuted).to.equal(count);
  });

  it('fires a breakpoint set on code that already ran (at a block start and inside one), never after removal', async () => {
    const src = `
    loop:
      add x1, x1, #1
    inside:
      add x2, x2, #1
      b loop`;
    const { machine: m } = make(assemble(src), 0.2);
    /** Runs until a halt; a run that goes on for 300 ms past it is stopped and reported as such. */
    const runBounded = async () => {
      const timer = setTimeout(() => m.requestStop('still running'), 300);
      try {
        return await m.run();
      } finally {
        clearTimeout(timer);
      }
    };
    setTimeout(() => m.requestStop('pause'), 5);
    expect((await m.run()).kind).to.equal('stop-requested'); // the loop has run many times, translated long ago
    for (const target of [ENTRY, ENTRY + 4n]) {
      m.addBreakpoint(target);
      expect(await runBounded()).to.deep.equal({ kind: 'breakpoint', pc: target });
      const x1 = m.uc.readReg(UC_ARM64_REG.X1);
      expect(await runBounded()).to.deep.equal({ kind: 'breakpoint', pc: target }); // resuming steps over it once
      expect(m.uc.readReg(UC_ARM64_REG.X1)).to.equal(x1 + 1n);
      m.removeBreakpoint(target);
      expect(await runBounded()).to.deep.equal({ kind: 'stop-requested', why: 'still running' });
      expect(m.uc.readReg(UC_ARM64_REG.X1) > x1 + 1000n).to.equal(true);
    }
  });

  it('fires a breakpoint on a function entered by bl from a loop that traps (the demo guest in gdb)', async () => {
    // After each trap the run restarts at the bl; \`func\` is reached only through a chained jump.
    const src = `
      movz x1, #0x0f00, lsl #16
    loop:
      ldr x0, [x1]
      bl func
      b loop
    func:
      add x2, x2, #1
      ret`;
    const { machine: m } = make(assemble(src));
    setTimeout(() => m.requestStop('pause'), 20);
    expect((await m.run()).kind).to.equal('stop-requested');
    const func = ENTRY + 16n;
    m.addBreakpoint(func);
    const timer = setTimeout(() => m.requestStop('still running'), 500);
    const halt = await m.run();
    clearTimeout(timer);
    expect(halt).to.deep.equal({ kind: 'breakpoint', pc: func });
  });

  it('after a stop, a step executes exactly one instruction, also on a loop that traps at every iteration', async () => {
    // The filtered page traps to the EL2 model on each ldr (ritm policy).
    const src = `
      movz x1, #0x0f00, lsl #16
    loop:
      ldr x0, [x1]
      add x2, x2, #1
      bl leaf
      b loop
    leaf:
      add x3, x3, #1
      ret`;
    const { machine: m } = make(assemble(src), 0.1);
    for (let i = 0; i < 20; i++) {
      setTimeout(() => m.requestStop('pause'), 1 + (i % 3));
      expect((await m.run()).kind).to.equal('stop-requested');
      const before = { pc: m.pc, count: m.instructionsExecuted, x30: m.uc.readReg(UC_ARM64_REG.X30) };
      expect(m.step()).to.deep.equal({ kind: 'step-done' });
      expect(m.instructionsExecuted).to.equal(before.count + 1n);
      const bl = ENTRY + 12n;
      const ret = ENTRY + 24n;
      const expectedPc =
        before.pc === bl
          ? ENTRY + 20n
          : before.pc === ret
            ? before.x30
            : before.pc === ENTRY + 16n
              ? ENTRY + 4n
              : before.pc + 4n;
      expect(m.pc).to.equal(expectedPc);
      if (before.pc !== bl) expect(m.uc.readReg(UC_ARM64_REG.X30)).to.equal(before.x30);
    }
  });

  it('a step on a loop without traps (b .) returns at once, and so does each of a hundred steps', () => {
    const { machine: m } = make(assemble('b .'));
    for (let i = 0; i < 100; i++) expect(m.step()).to.deep.equal({ kind: 'step-done' });
    expect(m.pc).to.equal(ENTRY);
    expect(m.instructionsExecuted).to.equal(100n);
  });

  it('steps over SVC, HVC, BRK and UDF one instruction each: SVC/BRK/UDF to their vectors, HVC to the next', () => {
    // The handler returns past BRK and UDF (ELR is the instruction) and straight back after SVC (ELR is the next).
    const src = `
      adr x0, vectors
      msr vbar_el1, x0
      isb
      svc #1
      hvc #0x55
      brk #2
      udf #3
      b .
      .balign 2048
    vectors:
      .skip 0x200
      mrs x9, esr_el1
      lsr x9, x9, #26
      cmp x9, #0x15
      b.eq 1f
      mrs x10, elr_el1
      add x10, x10, #4
      msr elr_el1, x10
    1: eret`;
    const { machine: m } = make(assemble(src));
    for (let i = 0; i < 3; i++) m.step();
    const svc = ENTRY + 12n;
    const v = m.uc.readSysReg(SYSREG.VBAR_EL1) + 0x200n;
    const steps: bigint[] = [];
    for (let i = 0; i < 17; i++) {
      expect(m.step().kind).to.equal('step-done');
      steps.push(m.pc);
    }
    expect(steps).to.deep.equal([
      ...[v, v + 4n, v + 8n, v + 12n, v + 28n, svc + 4n], // svc: its vector, the handler, back to the hvc
      svc + 8n, // hvc: the EL2 model answers it, the guest goes on
      ...[v, v + 4n, v + 8n, v + 12n, v + 16n, v + 20n, v + 24n, v + 28n, svc + 12n], // brk
      v, // udf
    ]);
    expect(m.uc.readSysReg(SYSREG.ESR_EL1)).to.equal(0x0200_0000n); // EC 0 (unknown): the UDF
    expect(m.instructionsExecuted).to.equal(3n + 17n - 2n); // BRK and UDF raise exceptions: not executed
  });

  it('reset restores RAM to the image alone and starts the policy handlers over (the filtered counter)', async () => {
    // First run: x5 = the word at 0x50000000 (outside the image), then writes a marker there; x6 = the counter.
    const src = `
      movz x1, #0x5000, lsl #16
      ldr x5, [x1]
      movz x2, #0x1234
      str x2, [x1]
      movz x3, #0x0f00, lsl #16
      ldr x6, [x3, #16]
      ldr x6, [x3, #16]
      ${POWER_OFF}`;
    const g = guestMachine(assemble(src), { policy: ritmPolicy });
    machines.push(g.machine);
    const m = g.machine;
    expect((await m.run()).kind).to.equal('power-off');
    expect([m.uc.readReg(UC_ARM64_REG.X5), m.uc.readReg(UC_ARM64_REG.X6)]).to.deep.equal([0n, 1n]);
    m.reset();
    expect(m.instructionsExecuted).to.equal(0n);
    expect((await m.run()).kind).to.equal('power-off');
    expect([m.uc.readReg(UC_ARM64_REG.X5), m.uc.readReg(UC_ARM64_REG.X6)]).to.deep.equal([0n, 1n]);
  });

  it('counts instructions exactly across traps, emulated HVCs, injected aborts and many slices', async () => {
    const src = `
      movz x1, #0x0f00, lsl #16
      mov x5, #1000
    loop:
      ldr x0, [x1]          // trapped and emulated: counts as one
      subs x5, x5, #1
      b.ne loop
      ${POWER_OFF}`;
    const { machine: m } = make(assemble(src), 0.01);
    expect((await m.run()).kind).to.equal('power-off');
    // 2 + 1000 * 3 + movz, movk, and the HVC that powered the machine off.
    expect(m.instructionsExecuted).to.equal(2n + 3000n + 3n);
  });

  it('close() while a run is in progress stops the run and then releases the engine', async () => {
    const g = guestMachine(assemble('1: add x1, x1, #1\n b 1b'));
    const running = g.machine.run();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await g.machine.close();
    expect(await running).to.deep.equal({ kind: 'stop-requested', why: 'the machine is closing' });
    expect(() => g.machine.run()).to.throw(/closed/);
  });
});
