// Time travel at the edges of a position (core/replay/recording.ts, core/machine/time-travel.ts): what was applied at
// the instruction count of a checkpoint before it was taken is not applied again when it is restored, and what the
// debugger or the outside world did at the end of the recording is there again when a replay comes back to it.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Machine } from '../../../core/machine/machine.js';
import { xRegisterId } from '../../../core/unicorn/registers.js';
import { assemble } from '../../helpers/asm.js';
import { guestPath } from '../../helpers/guests.js';
import { guestMachine, movq, runTo, seek } from '../../helpers/machine.js';
import { DEVICE, NORMAL } from '../../../core/stage2/stage2-attributes.js';
import { Stage2PolicyBuilder } from '../../../core/stage2/stage2-policy.js';

/** Echoes every received byte plus one and sums them in x4. */
const ECHO = assemble(`
  movz x1, #0x0900, lsl #16
1: ldr w2, [x1, #0x18]
  tbnz w2, #4, 1b
  ldr w3, [x1]
  add w3, w3, #1
  str w3, [x1]
  add x4, x4, x3
  b 1b`);

const x = (m: Machine, n: number) => m.uc.readReg(xRegisterId(n));

/** Periodic checkpoints whenever one is due, whatever the last one cost (they are timed otherwise). */
function checkpointEveryStart(m: Machine, intervalInsns: bigint): void {
  m.timeTravel.start({ intervalInsns, intervalMs: 0 });
  Object.defineProperty(m.timeTravel.recording!, 'lastCostMs', { get: () => 0, set: () => undefined });
}

describe('time travel: inputs and writes at checkpoint and end positions', function () {
  this.timeout(60_000);

  it('does not take an interrupt again when it restores a checkpoint made just after it was taken', async () => {
    const { machine: m } = guestMachine(readFileSync(guestPath('irq')));
    try {
      checkpointEveryStart(m, 20n);
      expect((await m.run()).kind).to.equal('power-off');
      const rec = m.timeTravel.recording!;
      for (const c of rec.checkpointIcounts.slice(1)) {
        expect(await seek(m, c)).to.equal(null);
        await m.run({ maxInsns: 1n });
        expect(m.timeTravel.status()?.divergence, `from the checkpoint at ${c}`).to.equal(null);
      }
    } finally {
      await m.close();
    }
  });

  it('goes back to where an interrupt was taken as before it, whether or not a checkpoint was made just after', async () => {
    const { machine: m } = guestMachine(readFileSync(guestPath('irq')));
    try {
      checkpointEveryStart(m, 20n);
      const taken: { at: bigint; pc: bigint }[] = [];
      m.on((e) => void (e.kind === 'interrupt' && taken.push({ at: m.instructionsExecuted, pc: e.pc })));
      expect((await m.run()).kind).to.equal('power-off');
      const checkpoints = new Set(m.timeTravel.recording!.checkpointIcounts);
      expect(taken.filter((t) => checkpoints.has(t.at)).length, 'checkpoints right after interrupts').to.be.above(0);
      for (const t of taken) {
        expect(await seek(m, t.at)).to.equal(null);
        expect(m.pc, `at ${t.at}`).to.equal(t.pc); // the interrupted instruction, not the vector
      }
    } finally {
      await m.close();
    }
  });

  it('does not push console input again when it restores a checkpoint made after it arrived', async () => {
    const { machine: m } = guestMachine(ECHO);
    try {
      checkpointEveryStart(m, 1_000_000n);
      await runTo(m, 5000n);
      m.consoleInput(new TextEncoder().encode('a'));
      await runTo(m, 9000n); // the first start makes a checkpoint at 5000, with 'a' in the UART
      expect(m.timeTravel.recording!.checkpointIcounts).to.include(5000n);
      expect(x(m, 4)).to.equal(0x62n);
      expect(await seek(m, 5000n)).to.equal(null);
      expect((await m.run()).kind).to.equal('replay-end');
      expect(x(m, 4), 'the guest read the byte once').to.equal(0x62n);
    } finally {
      await m.close();
    }
  });

  it('does not push console input again when a replay reaches a write made after it arrived', async () => {
    const { machine: m } = guestMachine(ECHO);
    try {
      m.timeTravel.start({ intervalInsns: 1_000_000n });
      await runTo(m, 5000n);
      m.consoleInput(new TextEncoder().encode('a'));
      m.uc.writeReg(xRegisterId(9), 9n);
      m.timeTravel.noteExternalChange();
      await runTo(m, 9000n);
      expect(x(m, 4)).to.equal(0x62n);
      expect(await seek(m, 4000n)).to.equal(null);
      expect((await m.run()).kind).to.equal('replay-end');
      expect(x(m, 4), 'the guest read the byte once').to.equal(0x62n);
      expect(m.timeTravel.status()?.divergence).to.equal(null);
    } finally {
      await m.close();
    }
  });

  it("keeps a debugger's write at the end of the recording when a replay comes back to it", async () => {
    const code = assemble(`
    1: add x1, x1, #1
      add x2, x2, x3
      b 1b`);
    const { machine: m } = guestMachine(code);
    try {
      m.timeTravel.start({ intervalInsns: 1_000_000n });
      await runTo(m, 3000n);
      m.uc.writeReg(xRegisterId(3), 7n);
      m.timeTravel.noteExternalChange();
      // reverse-stepi, then continue: the replay ends where the write was made, and the write is there.
      expect(await seek(m, 2999n)).to.equal(null);
      expect(x(m, 3)).to.equal(0n);
      expect((await m.run()).kind).to.equal('replay-end');
      expect(m.instructionsExecuted).to.equal(3000n);
      expect(x(m, 3), 'the write at the end of the recording').to.equal(7n);
      // The same with a forward stepi onto the end.
      expect(await seek(m, 2999n)).to.equal(null);
      expect(m.step().kind).to.equal('step-done');
      expect(x(m, 3)).to.equal(7n);
      await runTo(m, 3300n);
      expect(x(m, 2)).to.equal(7n * 100n);
    } finally {
      await m.close();
    }
  });

  it('keeps console input that arrived at the end of the recording when a replay comes back to it', async () => {
    const { machine: m } = guestMachine(ECHO);
    try {
      m.timeTravel.start({ intervalInsns: 1_000_000n });
      await runTo(m, 5000n);
      m.consoleInput(new TextEncoder().encode('a')); // typed while stopped at the end
      expect(await seek(m, 4999n)).to.equal(null);
      expect((await m.run()).kind).to.equal('replay-end');
      await runTo(m, 9000n);
      expect(x(m, 4), 'the guest read the byte').to.equal(0x62n);
    } finally {
      await m.close();
    }
  });

  it('stops a replay at an interrupt an observer stops for (catch irq), where the recorded run stopped', async () => {
    const { machine: m } = guestMachine(readFileSync(guestPath('irq')));
    try {
      m.on((e) => e.kind === 'interrupt' && m.requestStop('catch irq'));
      m.timeTravel.start({});
      const stops = async (last: string) => {
        const at: bigint[] = [];
        for (let h = await m.run(); h.kind !== last; h = await m.run()) {
          expect(h.kind).to.equal('stop-requested');
          at.push(m.instructionsExecuted);
        }
        return at;
      };
      const live = await stops('power-off');
      expect(live.length).to.be.greaterThan(5);
      expect(await seek(m, 0n)).to.equal(null);
      expect(await stops('power-off')).to.deep.equal(live);
    } finally {
      await m.close();
    }
  });

  it('replays through a write made while a trap was held (catch before) as the recorded run went on', async () => {
    let calls = 0n;
    const policy = new Stage2PolicyBuilder()
      .allowRange(0n, 0x0f00_0000n, DEVICE)
      .handleRange(0x0f00_0000n, 0x1000n, { read: () => ({ kind: 'value', value: ++calls }) }, 'counter')
      .allowRange(0x4000_0000n, 0x4000_0000n, NORMAL)
      .build();
    // x5 accumulates what the handler returns; x6 counts reads; x9 is what the debugger writes.
    const code = assemble(`${movq(1, 0x0f00_0000n)}
    1: ldr x2, [x1]
      add x5, x5, x2
      add x6, x6, x9
      b 1b`);
    const { machine: m, events } = guestMachine(code, { policy });
    const seqs = () => events.flatMap((e) => (e.kind === 'stage2-trap' ? [e.seq] : []));
    try {
      m.timeTravel.start({ intervalInsns: 1_000_000n });
      m.hypervisor.stopRules = { stopBefore: (t) => t.seq === 30, stopAfter: () => false };
      expect((await m.run()).kind).to.equal('trap-stop');
      const held = m.instructionsExecuted;
      m.hypervisor.stopRules = null;
      m.uc.writeReg(xRegisterId(9), 1n);
      m.timeTravel.noteExternalChange();
      await runTo(m, held + 400n);
      const live = [x(m, 5), x(m, 6), calls];
      const liveSeqs = seqs().filter((q) => q >= 28);
      expect(await seek(m, held - 10n)).to.equal(null);
      const before = seqs().length;
      expect((await m.run()).kind).to.equal('replay-end');
      const heldAfter = m.hypervisor.heldTrap;
      expect([x(m, 5), x(m, 6), calls], 'the replay computed what the run did').to.deep.equal(live);
      // The same trap numbers (the held trap itself comes back with the write; it is not taken a second time).
      expect(seqs().slice(before)).to.deep.equal(liveSeqs.filter((q) => q !== 30));
      expect(heldAfter, 'nothing held after the replay').to.equal(null);
    } finally {
      await m.close();
    }
  });

  it('reads the same real-time clock (PL031) in a replay as in the recorded run, a second later', async () => {
    const policy = new Stage2PolicyBuilder()
      .allowRange(0n, 0x0f00_0000n, DEVICE)
      .allowRange(0x4000_0000n, 0x4000_0000n, NORMAL)
      .build();
    // x5 = the RTC's seconds (RTCDR), read once at the start.
    const code = assemble(`${movq(1, 0x0901_0000n)}
      ldr w5, [x1]
    1: add x6, x6, #1
      b 1b`);
    const { machine: m } = guestMachine(code, { policy });
    try {
      m.timeTravel.start({});
      await runTo(m, 100n);
      const live = x(m, 5);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await seek(m, 1n)).to.equal(null);
      expect((await m.run()).kind).to.equal('replay-end');
      expect(x(m, 5)).to.equal(live);
    } finally {
      await m.close();
    }
  });

  it('prints nothing twice when the last instruction a replay runs before the end writes to the UART', async () => {
    const code = assemble(`
      movz x1, #0x0900, lsl #16
      mov w2, #0x41
    1: str w2, [x1]
      add x3, x3, #1
      add x3, x3, #1
      add x3, x3, #1
      b 1b`);
    const { machine: m, console } = guestMachine(code);
    try {
      m.timeTravel.start({});
      for (const end of [53n, 54n, 58n]) {
        await runTo(m, end);
        const printed = console();
        for (const back of [2n, end - 1n, end - 3n]) {
          expect(await seek(m, back)).to.equal(null);
          expect((await m.run()).kind).to.equal('replay-end');
          expect(console(), `back to ${back} and forward to ${end}`).to.equal(printed);
        }
      }
    } finally {
      await m.close();
    }
  });

  it('replays a wait in WFI that console input ended without waiting again (reverse-stepi stays fast)', async () => {
    // UART receive interrupt (SPI 33) through the GIC, IRQs masked at the CPU: WFI ends when a byte arrives.
    const code = assemble(`
      ${movq(1, 0x080a_0000n)}
      ldr w2, [x1, #0x14]
      bic w2, w2, #2
      str w2, [x1, #0x14]
      ${movq(1, 0x0800_0000n)}
      mov w2, #2
      str w2, [x1, #0x84]
      mov w2, #0xa0
      add x3, x1, #0x400
      strb w2, [x3, #33]
      str w2, [x1, #0x104]
      mov w2, #0x12
      str w2, [x1]
      mov x2, #7
      msr S3_0_C12_C12_5, x2
      isb
      mov x2, #0xf0
      msr S3_0_C4_C6_0, x2
      mov x2, #1
      msr S3_0_C12_C12_7, x2
      isb
      movz x1, #0x0900, lsl #16
      mov w2, #0x10
      str w2, [x1, #0x38]
    1: wfi
      ldr w3, [x1]
      add x4, x4, x3
      b 1b`);
    const { machine: m } = guestMachine(code);
    try {
      m.timeTravel.start({});
      for (const c of 'abc') {
        const run = m.run();
        await new Promise((resolve) => setTimeout(resolve, 20));
        m.consoleInput(new TextEncoder().encode(c));
        await new Promise((resolve) => setTimeout(resolve, 20));
        m.requestStop('test');
        expect((await run).kind).to.equal('stop-requested');
      }
      const live = x(m, 4);
      expect(live > 0x61n).to.equal(true);
      const end = m.instructionsExecuted;
      const t0 = performance.now();
      expect(await seek(m, 1n)).to.equal(null);
      expect((await m.run()).kind).to.equal('replay-end');
      expect(m.instructionsExecuted).to.equal(end);
      expect(x(m, 4)).to.equal(live);
      expect(performance.now() - t0, 'ms to replay three waits').to.be.below(150);
    } finally {
      await m.close();
    }
  });

  it('replays through a write made while a trap was held whose decision injects an abort (the count stays)', async () => {
    const policy = new Stage2PolicyBuilder()
      .allowRange(0n, 0x0f00_0000n, DEVICE)
      .handleRange(0x0f00_0000n, 0x1000n, { read: () => ({ kind: 'fault' }) }, 'faulting')
      .allowRange(0x4000_0000n, 0x4000_0000n, NORMAL)
      .build();
    // Every load aborts; the EL1 handler skips it (x8 counts aborts).
    const code = assemble(`
      adr x0, vectors
      msr vbar_el1, x0
      isb
      ${movq(1, 0x0f00_0000n)}
    1: ldr x2, [x1]
      add x6, x6, x9
      b 1b
      .balign 2048
    vectors:
      .skip 0x200
      mrs x7, elr_el1
      add x7, x7, #4
      msr elr_el1, x7
      add x8, x8, #1
      eret`);
    const { machine: m } = guestMachine(code, { policy });
    try {
      m.timeTravel.start({ intervalInsns: 1_000_000n });
      m.hypervisor.stopRules = { stopBefore: (t) => t.seq === 5, stopAfter: () => false };
      expect((await m.run()).kind).to.equal('trap-stop');
      const held = m.instructionsExecuted;
      m.hypervisor.stopRules = null;
      m.uc.writeReg(xRegisterId(9), 1n);
      m.timeTravel.noteExternalChange();
      await runTo(m, held + 200n);
      const live = [x(m, 6), x(m, 8)];
      expect(await seek(m, held - 3n)).to.equal(null);
      expect((await m.run()).kind).to.equal('replay-end');
      expect([x(m, 6), x(m, 8)]).to.deep.equal(live);
      expect(m.hypervisor.heldTrap).to.equal(null);
    } finally {
      await m.close();
    }
  });
});
