// Recording and replay (core/machine/time-travel.ts): a recorded run can be put back at any instruction with every
// register and memory byte as it was, and runs forward from there exactly as it ran the first time: with interrupts
// and timers (the irq guest), stage-2 traps and handlers (the demo guest), guest exceptions, console input, stateful
// handlers, and a debugger's writes.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Machine } from '../../../core/machine/machine.js';
import { DEVICE, NORMAL } from '../../../core/stage2/stage2-attributes.js';
import { Stage2PolicyBuilder } from '../../../core/stage2/stage2-policy.js';
import { SYSREG } from '../../../core/arch/sysregs.js';
import { UC_ARM64_REG } from '../../../core/unicorn/constants.js';
import { xRegisterId } from '../../../core/unicorn/registers.js';
import { assemble } from '../../helpers/asm.js';
import { guestPath } from '../../helpers/guests.js';
import { guestMachine, movq, runTo, seek } from '../../helpers/machine.js';

const RAM_BASE = 0x4000_0000n;

/** Every general register, PC, PSTATE, both stack pointers, ELR/SPSR/ESR/VBAR_EL1, and the first 4 MiB of RAM. */
function fingerprint(m: Machine): string {
  const h = createHash('sha256');
  const regs = [...Array.from({ length: 31 }, (_, i) => xRegisterId(i)), UC_ARM64_REG.PC, UC_ARM64_REG.PSTATE];
  for (const r of [...regs, UC_ARM64_REG.SP_EL0, UC_ARM64_REG.SP_EL1]) h.update(`${m.uc.readReg(r).toString(16)},`);
  for (const r of ['ELR_EL1', 'SPSR_EL1', 'ESR_EL1', 'VBAR_EL1'] as const)
    h.update(`${m.uc.readSysReg(SYSREG[r]).toString(16)},`);
  h.update(m.uc.readMemory(RAM_BASE, 4 << 20));
  return `${h.digest('hex').slice(0, 20)} at ${m.instructionsExecuted}`;
}

/**
 * Records `code` from its entry with stops at `marks`, then goes back to each mark (newest first) and checks the
 * machine is exactly as it was there; then runs forward to the end of the recording and checks that too.
 */
async function checkReplay(code: Uint8Array, marks: bigint[], end: bigint, opts: { intervalInsns?: bigint } = {}) {
  const { machine: m } = guestMachine(code);
  try {
    m.timeTravel.start({ intervalInsns: opts.intervalInsns ?? 5000n });
    const seen = new Map<bigint, string>();
    for (const k of marks) {
      expect((await runTo(m, k)).kind).to.equal('insn-limit');
      seen.set(k, fingerprint(m));
    }
    const last = await runTo(m, end);
    const atEnd = fingerprint(m);
    for (const k of [...marks].reverse()) {
      expect(await seek(m, k)).to.equal(null);
      expect(fingerprint(m), `back at ${k}`).to.equal(seen.get(k));
    }
    // Forward to the end: a live end stops as `replay-end`, a halt (power-off) as itself.
    const forward = await m.run();
    expect(forward.kind).to.equal(last.kind === 'insn-limit' ? 'replay-end' : last.kind);
    expect(fingerprint(m)).to.equal(atEnd);
    expect(m.timeTravel.status()?.divergence).to.equal(null);
    return m.timeTravel.status()!;
  } finally {
    await m.close();
  }
}

describe('time travel: recording and replay', function () {
  this.timeout(60_000);

  it('puts the irq guest (GIC, timer interrupts, WFI) back at any instruction and replays its interrupts', async () => {
    const status = await checkReplay(readFileSync(guestPath('irq')), [1n, 150n, 700n, 1500n, 2000n], 1_000_000n);
    expect(status.inputs, 'interrupts taken were logged').to.be.greaterThan(5);
  });

  it('puts the demo guest (stage-2 traps, MMIO handlers, console) back at any instruction', async () => {
    await checkReplay(readFileSync(guestPath('demo')), [10n, 4321n, 20_000n, 60_001n, 99_999n], 120_000n);
  });

  it('puts the exceptions guest (aborts, SVC/HVC/BRK into EL1) back at any instruction', async () => {
    await checkReplay(readFileSync(guestPath('exceptions')), [5n, 999n, 4000n, 8000n], 1_000_000n, {
      intervalInsns: 1000n,
    });
  });

  it('counts time in instructions while recording: the same run twice reads the same counter values', async () => {
    const code = readFileSync(guestPath('irq'));
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { machine: m, console } = guestMachine(code);
      m.timeTravel.start({});
      expect((await m.run()).kind).to.equal('power-off');
      runs.push(`${console()} ${fingerprint(m)}`);
      await m.close();
    }
    expect(runs[1]).to.equal(runs[0]);
    expect(runs[0]).to.match(/irq: timer 0x0+a sgi 0x0+5 ms 0x0+a/); // ten 1 ms ticks, as counted
  });

  it('replays console input at the instruction it arrived at, and prints nothing twice', async () => {
    // Echoes every received byte plus one and sums them in x4.
    const code = assemble(`
      movz x1, #0x0900, lsl #16
    1: ldr w2, [x1, #0x18]
      tbnz w2, #4, 1b
      ldr w3, [x1]
      add w3, w3, #1
      str w3, [x1]
      add x4, x4, x3
      b 1b`);
    const { machine: m, console } = guestMachine(code);
    try {
      m.timeTravel.start({ intervalInsns: 2000n });
      await runTo(m, 5000n);
      m.consoleInput(new TextEncoder().encode('abc'));
      await runTo(m, 9000n);
      const middle = fingerprint(m);
      m.consoleInput(new TextEncoder().encode('xy'));
      await runTo(m, 20_000n);
      const end = fingerprint(m);
      expect(console()).to.equal('bcdyz');
      expect(m.uc.readReg(xRegisterId(4))).to.equal(BigInt('bcdyz'.split('').reduce((s, c) => s + c.charCodeAt(0), 0)));
      expect(await seek(m, 1000n)).to.equal(null);
      expect(m.uc.readReg(xRegisterId(4))).to.equal(0n);
      // Typed while replaying: held until the replay reaches the end of the recording.
      m.consoleInput(new TextEncoder().encode('!'));
      expect((await runTo(m, 9000n)).kind).to.equal('insn-limit');
      expect(fingerprint(m)).to.equal(middle);
      expect((await m.run()).kind).to.equal('replay-end');
      expect(fingerprint(m)).to.equal(end);
      expect(console(), 'the replay printed nothing again').to.equal('bcdyz');
      await runTo(m, 25_000n); // live again: the held byte arrives
      expect(console()).to.equal('bcdyz"');
    } finally {
      await m.close();
    }
  });

  it('replays policy decisions instead of calling a stateful handler again', async () => {
    let calls = 0n;
    const policy = new Stage2PolicyBuilder()
      .allowRange(0n, 0x0f00_0000n, DEVICE)
      .handleRange(0x0f00_0000n, 0x1000n, { read: () => ({ kind: 'value', value: ++calls }) }, 'counter')
      .allowRange(RAM_BASE, 0x4000_0000n, NORMAL)
      .build();
    // x5 accumulates what the handler returns; x6 counts reads.
    const code = assemble(`${movq(1, 0x0f00_0000n)}
    1: ldr x2, [x1]
      add x5, x5, x2
      add x6, x6, #1
      b 1b`);
    const { machine: m } = guestMachine(code, { policy });
    try {
      m.timeTravel.start({ intervalInsns: 1000n });
      await runTo(m, 4000n);
      const end = fingerprint(m);
      const callsLive = calls;
      expect(await seek(m, 1500n)).to.equal(null);
      expect((await m.run()).kind).to.equal('replay-end');
      expect(fingerprint(m)).to.equal(end);
      expect(calls, 'the handler was not called during the replay').to.equal(callsLive);
      await runTo(m, 4400n); // live again: the handler goes on counting
      expect(calls).to.equal(callsLive + 100n);
    } finally {
      await m.close();
    }
  });

  it("keeps a debugger's write: a replay through that point has it, and a write in the past forgets the rest", async () => {
    const code = assemble(`
    1: add x1, x1, #1
      add x2, x2, x3
      b 1b`);
    const { machine: m } = guestMachine(code);
    try {
      m.timeTravel.start({ intervalInsns: 1000n });
      await runTo(m, 3000n);
      m.uc.writeReg(xRegisterId(3), 7n);
      m.timeTravel.noteExternalChange();
      await runTo(m, 6000n);
      const end = fingerprint(m);
      expect(await seek(m, 2000n)).to.equal(null);
      expect(m.uc.readReg(xRegisterId(3))).to.equal(0n);
      expect((await m.run()).kind).to.equal('replay-end');
      expect(fingerprint(m), 'the replay passed the write').to.equal(end);
      // A write while back in time: the recording now ends there.
      expect(await seek(m, 4500n)).to.equal(null);
      m.uc.writeReg(xRegisterId(3), 1n);
      m.timeTravel.noteExternalChange();
      expect(m.timeTravel.status()?.to).to.equal(4500n);
      expect(m.timeTravel.replaying).to.equal(false);
      await runTo(m, 6000n);
      expect(fingerprint(m)).to.not.equal(end);
    } finally {
      await m.close();
    }
  });

  it('drops the oldest checkpoints beyond the budget and goes back no further than the oldest kept', async () => {
    const { machine: m } = guestMachine(readFileSync(guestPath('hash')));
    try {
      m.timeTravel.start({ budgetBytes: 512 * 1024 });
      // Checkpoints the debugger asks for (periodic ones depend on timing): each holds the hash buffer's pages.
      for (let i = 1n; i <= 30n; i++) {
        await runTo(m, i * 100_000n);
        m.timeTravel.noteExternalChange();
      }
      const st = m.timeTravel.status()!;
      expect(st.droppedCheckpoints).to.be.greaterThan(0);
      expect(st.bytes).to.be.at.most(st.budgetBytes);
      expect(st.from > 0n).to.equal(true);
      const rec = m.timeTravel.recording!;
      expect(rec.restoreAtOrBefore(0n)).to.equal(st.from);
    } finally {
      await m.close();
    }
  });

  it('stops recording on a reset (instruction counts start again) and goes back to host time', async () => {
    const { machine: m } = guestMachine(readFileSync(guestPath('demo')));
    try {
      m.timeTravel.start({});
      await runTo(m, 1000n);
      m.reset();
      expect(m.timeTravel.recording).to.equal(null);
      expect((await m.run({ maxInsns: 1000n })).kind).to.equal('insn-limit');
    } finally {
      await m.close();
    }
  });
});
