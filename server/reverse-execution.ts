// gdb's reverse execution over a recording (core/machine/time-travel.ts): `bs` goes back one instruction, `bc` back
// to the last breakpoint, watchpoint or catch hit before the current position, or to the beginning of the recording.
//
// Going back is going to a checkpoint and running forward. reverse-continue scans the intervals between checkpoints
// newest first, each with every stop on, counting the hits before the position it started from; in the first
// interval that has one it goes to the checkpoint again and runs to the last hit, so the machine stops there exactly
// as it stopped the first time (the catch's message, a held trap, the watchpoint's address).
import type { HaltReason } from '../core/el2/events.js';
import type { Machine } from '../core/machine/machine.js';
import type { Recording } from '../core/replay/recording.js';
import type { CatchStop } from './debug/debug-observer.js';

/** The debugger's catches, as the machine's observer keeps them (DebugObserver). */
export interface CatchStops {
  /** Takes (and clears) the reason of the last catch stop. */
  takeCatchStop(): CatchStop | null;
  /** True if the last stop was a catch's. */
  readonly catchStopPending: boolean;
}

type Interrupted = () => boolean;

export class ReverseExecution {
  constructor(
    private readonly machine: Machine,
    private readonly catches: CatchStops,
  ) {}

  private get recording(): Recording {
    const rec = this.machine.timeTravel.recording;
    if (!rec) throw new Error('reverse execution needs a recording: monitor record start');
    return rec;
  }

  /** Back one instruction (to the state before the previous instruction executed). */
  async step(): Promise<HaltReason> {
    const here = this.machine.instructionsExecuted;
    if (here <= this.recording.startIcount) return { kind: 'replay-end', at: 'begin' };
    return (await this.seekTo(here - 1n)) ?? { kind: 'step-done' };
  }

  /** To instruction count `icount` of the recording (monitor record goto). */
  async seek(icount: bigint): Promise<HaltReason> {
    const rec = this.recording;
    if (icount < rec.startIcount) return (await this.seekTo(rec.startIcount)) ?? { kind: 'replay-end', at: 'begin' };
    return (await this.seekTo(icount)) ?? { kind: 'step-done' };
  }

  private seekTo(icount: bigint): Promise<HaltReason | null> {
    const m = this.machine;
    return m.timeTravel.seek(icount, (maxInsns) => m.run({ maxInsns }));
  }

  /** Back to the last hit before here, or the beginning of the recording. */
  async continue(interrupted: Interrupted): Promise<HaltReason> {
    const m = this.machine;
    const rec = this.recording;
    let end = m.instructionsExecuted;
    const starts = rec.checkpointIcounts.filter((icount, i, all) => icount < end && all[i + 1] !== icount);
    for (let i = starts.length - 1; i >= 0; i--) {
      const from = starts[i]!;
      const scan = await this.hits(from, end, null, interrupted);
      if (scan.halt) return scan.halt;
      if (scan.count > 0) return (await this.hits(from, end, scan.count, interrupted)).halt!;
      end = from;
    }
    await this.seekTo(rec.startIcount);
    return { kind: 'replay-end', at: 'begin' };
  }

  /**
   * Runs from the checkpoint at `from` to `end` with every stop on, counting hits (stops the debugger would report).
   * With `stopAt`, stops at that hit and returns it as `halt`; without, returns how many there were. A halt that
   * ends the scan early (Ctrl-C, the guest powering off) comes back as `halt` too.
   */
  private async hits(
    from: bigint,
    end: bigint,
    stopAt: number | null,
    interrupted: Interrupted,
  ): Promise<{ count: number; halt: HaltReason | null }> {
    const m = this.machine;
    this.recording.restoreAtOrBefore(from);
    let count = 0;
    // A breakpoint on the first instruction is a hit too (a run from here would step over it).
    if (m.timeTravel.breakpointAt(m.pc)) {
      count++;
      if (count === stopAt) return { count, halt: { kind: 'breakpoint', pc: m.pc } };
    }
    for (;;) {
      const executed = m.instructionsExecuted;
      if (executed >= end) return { count, halt: null };
      if (interrupted()) return { count, halt: { kind: 'stop-requested', why: 'interrupted by the debugger' } };
      const halt = await m.run({ maxInsns: end - executed });
      const catchStop = halt.kind === 'trap-stop' || (halt.kind === 'stop-requested' && this.catches.catchStopPending);
      const hit = halt.kind === 'breakpoint' || halt.kind === 'watchpoint' || halt.kind === 'trap-stop' || catchStop;
      if (halt.kind === 'insn-limit') return { count, halt: null };
      if (halt.kind === 'stop-requested' && interrupted()) return { count, halt };
      if (!hit) return { count, halt };
      count++;
      // Past a watchpoint: its access executes with the watchpoints off. Going backwards gdb expects the stop after
      // the access and steps back over it itself (AArch64 watchpoints stop before the access), to land on it.
      if (halt.kind === 'watchpoint') await m.timeTravel.quietly(async () => m.step());
      if (count === stopAt) return { count, halt };
      if (catchStop) this.catches.takeCatchStop();
    }
  }
}
