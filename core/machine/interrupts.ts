// Interrupts of the machine: the GIC (its frames are board devices; a GICv3's CPU interface is reached through
// MRS/MSR hooks, a GICv2's is a frame too), the EL1 generic timers, virtual time, IRQ/FIQ entry at instruction
// boundaries, and the wait of a guest that ran WFI.
//
// Delivery: the shim's block hook looks at PSTATE before every block while a line is up and stops the run when the
// line is not masked (MSR DAIFClr is invisible to hooks, so this is how a pending interrupt is noticed right after
// the guest unmasks it). The run stops between blocks, so the interrupt is taken before an instruction and nothing
// is half done. Timer deadlines stop the run the same way (event_ns). While gdb holds the CPU the virtual clock
// stands still: the guest sees no jump in time after a pause.
//
// The EL2 model does not take physical interrupts (HCR_EL2.IMO/FMO are not modelled: interrupts go to EL1 as on a
// machine whose hypervisor leaves them to the guest, which is what RITM does).
import { enterEl1Interrupt } from '../arch/exception-entry.js';
import { GenericTimer, sysregFields } from '../devices/generic-timer.js';
import type { InterruptController } from '../devices/interrupt-controller.js';
import type { MachineEvent } from '../el2/events.js';
import { UC_ARM64_REG } from '../unicorn/constants.js';
import type { UnicornEngine } from '../unicorn/engine.js';
import { IRQ_LINES, type RunState } from '../unicorn/run-state.js';

/** Nanoseconds per count of the 62.5 MHz generic counter (CNTFRQ_EL0 on unicorn and QEMU 7.2). */
const NS_PER_TICK = 16n;
const PSTATE_F = 1n << 6n;
const PSTATE_I = 1n << 7n;
/** How long before a timer deadline a WFI stops trusting setTimeout (which fires up to ~1 ms late). */
const PRECISE_MS = 2;

/** What the interrupt logic works with. */
export interface InterruptDeps {
  readonly uc: UnicornEngine;
  readonly runState: RunState;
  readonly gic: InterruptController;
  readonly emit: (e: MachineEvent) => void;
}

/** The machine's interrupt controller glue, timers and virtual clock. */
export class Interrupts {
  readonly timer: GenericTimer;
  /** Interrupts taken since power-on, by INTID (the IAR value seen when it was taken; 1023 if none was). */
  readonly taken = new Map<number, number>();
  private pausedAt: bigint | null;
  private wake: (() => void) | null = null;
  /** A wake came during the current waitForInterrupt (it ends the precise part too). */
  private woken = false;
  private delivering = true;
  /** A recording is replaying: interrupts are taken where the log says, not where blocks happen to end. */
  private replayHold = false;

  constructor(private readonly deps: InterruptDeps) {
    const { runState, gic, uc } = deps;
    this.timer = new GenericTimer({
      count: () => runState.counter,
      setLine: (intid, level) => gic.setLine(intid, level),
    });
    gic.onLinesChanged = () => this.linesChanged();
    runState.sysregCallback = uc.hooks.sysregCallback((write, key, value) => this.sysreg(write, key, value));
    this.pausedAt = runState.nowNs(); // time stands still until the first run
  }

  /** Power-on: timers and GIC back to reset, virtual time from zero. */
  reset(): void {
    this.deps.gic.reset();
    this.timer.reset();
    const now = this.deps.runState.nowNs();
    this.deps.runState.timeBaseNs = now;
    if (this.pausedAt !== null) this.pausedAt = now;
    this.taken.clear();
    this.linesChanged();
  }

  private sysreg(write: boolean, key: number, value: bigint): bigint | boolean | null {
    const { op0, op1, crn, crm, op2 } = sysregFields(key);
    if (op1 === 3 && crn === 14) return write ? this.timer.writeSysreg(key, value) : this.timer.readSysreg(key);
    const gic = this.deps.gic;
    return write ? gic.writeSysreg(op0, op1, crn, crm, op2, value) : gic.readSysreg(op0, op1, crn, crm, op2);
  }

  private linesChanged(): void {
    const { gic, runState } = this.deps;
    const lines = (gic.irqLine ? IRQ_LINES.IRQ : 0n) | (gic.fiqLine ? IRQ_LINES.FIQ : 0n);
    runState.irqLines = this.delivering && !this.replayHold ? lines : 0n;
    if (lines !== 0n) this.wake?.();
  }

  /** The shim's view of the interrupt lines again (after a recording restored the GIC's state). */
  resync(): void {
    this.linesChanged();
  }

  /**
   * Counts virtual time in instructions (`nsPerInsn` per instruction, a recording) or by the host clock again (null),
   * without a jump in the time the guest sees.
   */
  useInstructionClock(nsPerInsn: bigint | null): void {
    const rs = this.deps.runState;
    const vt = this.virtualNs();
    if (nsPerInsn === null) {
      rs.instructionClock = null;
      rs.timeBaseNs = (this.pausedAt ?? rs.nowNs()) - vt;
    } else {
      rs.instructionClock = { nsPerInsn, origin: rs.executed, time0: vt };
    }
  }

  /** Virtual time now (between runs), in ns. */
  private virtualNs(): bigint {
    const rs = this.deps.runState;
    const c = rs.instructionClock;
    if (c) return c.time0 + (rs.executed - c.origin) * c.nsPerInsn;
    return (this.pausedAt ?? rs.nowNs()) - rs.timeBaseNs;
  }

  /**
   * With the instruction clock: the instruction count at which the next timer fires (the run must stop there), or
   * null (none pending, or host time, where the shim's event deadline does it).
   */
  nextEventIcount(): bigint | null {
    const rs = this.deps.runState;
    const c = rs.instructionClock;
    const next = c ? this.timer.nextDeadline() : null;
    if (c === null || next === null) return null;
    const ns = next * NS_PER_TICK - c.time0;
    const at = c.origin + (ns <= 0n ? 0n : (ns + c.nsPerInsn - 1n) / c.nsPerInsn);
    return at > rs.executed ? at : null;
  }

  /** While replaying, interrupts are taken only through deliverRecorded (see replayHold). */
  setReplayHold(on: boolean): void {
    if (on === this.replayHold) return;
    this.replayHold = on;
    this.linesChanged();
  }

  /** Takes the interrupt a recording says was taken here; false if the GIC does not assert one (a divergence). */
  deliverRecorded(): boolean {
    const hold = this.replayHold;
    this.replayHold = false;
    try {
      return this.deliver();
    } finally {
      this.replayHold = hold;
    }
  }

  /** Virtual time runs (the guest is running). */
  resumeTime(): void {
    if (this.pausedAt === null) return;
    const rs = this.deps.runState;
    rs.timeBaseNs += rs.nowNs() - this.pausedAt;
    this.pausedAt = null;
  }

  /** Virtual time stands still (the debugger holds the CPU). */
  pauseTime(): void {
    this.pausedAt ??= this.deps.runState.nowNs();
  }

  /**
   * Interrupts are taken (true, free running) or held pending (false: single steps, as QEMU's gdbstub steps with
   * interrupts masked by default).
   */
  setDelivery(on: boolean): void {
    this.delivering = on;
    this.linesChanged();
  }

  /** Brings the timers up to date and tells the shim when the next one fires (before a run). */
  poll(): void {
    this.timer.update();
    const next = this.timer.nextDeadline();
    const rs = this.deps.runState;
    rs.eventNs = next === null || rs.instructionClock ? 0n : this.deadlineNs(next);
  }

  /** CLOCK_MONOTONIC ns at which the counter reaches `count`. */
  private deadlineNs(count: bigint): bigint {
    const ns = this.deps.runState.timeBaseNs + count * NS_PER_TICK;
    return ns === 0n ? 1n : ns;
  }

  /**
   * Takes the IRQ or FIQ the GIC asserts if PSTATE does not mask it (at an instruction boundary: the run has just
   * stopped between blocks). Returns true when one was taken.
   */
  deliver(): boolean {
    const { uc, gic, emit } = this.deps;
    if (!this.delivering || this.replayHold) return false;
    const ps = uc.readReg(UC_ARM64_REG.PSTATE);
    const line = gic.fiqLine && (ps & PSTATE_F) === 0n ? 'fiq' : gic.irqLine && (ps & PSTATE_I) === 0n ? 'irq' : null;
    if (line === null) return false;
    const pc = uc.readReg(UC_ARM64_REG.PC);
    // The interrupt the guest will acknowledge, for the event and the counts.
    const intid = gic.pendingIntid(line);
    const entry = enterEl1Interrupt(uc, line);
    this.taken.set(intid, (this.taken.get(intid) ?? 0) + 1);
    emit({ kind: 'interrupt', line, intid, pc, vector: entry.vector });
    return true;
  }

  /**
   * A guest in WFI waits here until an interrupt line is up (masked or not, as WFI wakes), a timer fires (to within
   * tens of microseconds), interruptWait is called (a stop request, console input), or `maxMs` passes.
   */
  async waitForInterrupt(maxMs: number): Promise<void> {
    const { gic } = this.deps;
    if (gic.irqLine || gic.fiqLine) return;
    const next = this.timer.nextDeadline();
    const clock = this.deps.runState.instructionClock;
    if (clock && next !== null) {
      // Counted time: the wait ends at the deadline at once (the same jump on every replay).
      const jump = next * NS_PER_TICK - this.virtualNs();
      if (jump > 0n) this.deps.runState.instructionClock = { ...clock, time0: clock.time0 + jump };
      this.timer.update();
      return;
    }
    if (this.replayHold) return; // a replay: what ended this wait the first time comes from the log, at this count
    const rs = this.deps.runState;
    const deadline = next === null ? null : this.deadlineNs(next);
    const ms = deadline === null ? maxMs : Math.min(maxMs, Math.max(0, Number(deadline - rs.nowNs()) / 1e6));
    // setTimeout wakes up to ~1 ms late (a 1 ms tick took 1.5-2.2 ms): the timer sleeps to PRECISE_MS before a
    // deadline, the rest passes in event-loop turns (a stop request or console input still ends it at once).
    const precise = deadline !== null && ms < maxMs;
    this.woken = false;
    const coarse = precise ? ms - PRECISE_MS : ms;
    if (coarse > 0 || !precise) await this.sleep(coarse); // setTimeout(0) is 1 ms: a near deadline needs none
    while (precise && deadline !== null && !this.woken && rs.nowNs() < deadline)
      await new Promise<void>((r) => setImmediate(r));
    this.timer.update();
  }

  /** Waits `ms` on a timer; a wake (interruptWait, an interrupt line going up) ends it sooner. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(false), ms);
      const finish = (woken: boolean) => {
        clearTimeout(timer);
        if (this.wake === wake) this.wake = null;
        if (woken) this.woken = true;
        resolve();
      };
      const wake = () => finish(true);
      this.wake = wake;
    });
  }

  /** Ends a wait in waitForInterrupt now (a stop request, console input). */
  interruptWait(): void {
    this.woken = true;
    this.wake?.();
  }
}
