// Resuming the machine for gdb: continue (asynchronous, sliced, so the session keeps reading packets and a
// Ctrl-C stops it), single step, and range stepping (steps inside [start, end) without a round trip each).
import type { HaltReason } from '../core/el2/events.js';
import type { Machine } from '../core/machine/machine.js';
import type { BreakpointSet } from './breakpoint-set.js';
import { ReverseExecution, type CatchStops } from './reverse-execution.js';

export type ResumeAction =
  | { kind: 'continue' }
  | { kind: 'step' }
  /** vCont `r`: step while start <= pc < end (gdb's `next`/`step` over a source line). */
  | { kind: 'rangeStep'; start: bigint; end: bigint }
  /** `bs`, `bc` (a recording is on). */
  | { kind: 'reverseStep' }
  | { kind: 'reverseContinue' }
  /** `monitor record goto`: to an instruction count of the recording. */
  | { kind: 'seek'; icount: bigint };

/** How the machine stopped, plus anything worth telling the person at gdb about the run. */
export interface ResumeOutcome {
  readonly halt: HaltReason;
  readonly notes: readonly string[];
}

/** Steps taken between two yields to the event loop during a range step (so Ctrl-C is seen). */
const STEPS_PER_YIELD = 4096;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs the machine on behalf of one session; at most one resume at a time. */
export class RunControl {
  private interruptRequested = false;
  private active = false;
  /** `monitor gdb_sync`: the next single step reports a stop without executing. */
  private syncPending = false;
  /** `monitor record goto`: the next step or continue goes to this instruction count instead. */
  private pendingSeek: bigint | null = null;

  private readonly reverse: ReverseExecution;

  constructor(
    private readonly machine: Machine,
    private readonly breakpoints: BreakpointSet,
    catches: CatchStops,
  ) {
    this.reverse = new ReverseExecution(machine, catches);
  }

  /** True while a resume is in progress. */
  get running(): boolean {
    return this.active;
  }

  /** Stops the resume in progress (Ctrl-C, disconnect): it ends with a stop-requested halt within one slice. */
  interrupt(why: string): void {
    if (!this.active) return;
    this.interruptRequested = true;
    this.machine.requestStop(why);
  }

  /**
   * Makes the next resume, if it is a single step, report a stop where the guest is without executing anything, so
   * gdb re-reads every register after a monitor command changed them behind its back (OpenOCD's gdb_sync). Any
   * other resume cancels it.
   */
  syncNextStep(): void {
    this.syncPending = true;
  }

  /** Makes the next step or continue go to instruction count `icount` of the recording and stop there. */
  seekOnNextResume(icount: bigint): void {
    this.pendingSeek = icount;
  }

  /** Resumes and resolves when the machine stops. */
  async resume(action: ResumeAction): Promise<ResumeOutcome> {
    const sync = this.syncPending;
    this.syncPending = false;
    if (sync && action.kind === 'step') return { halt: { kind: 'step-done' }, notes: [] };
    const seek = this.pendingSeek;
    this.pendingSeek = null;
    if (seek !== null && (action.kind === 'step' || action.kind === 'continue'))
      action = { kind: 'seek', icount: seek };
    this.active = true;
    this.interruptRequested = false;
    const notes: string[] = [];
    try {
      const halt = await this.perform(action, notes);
      const st = this.machine.timeTravel.status();
      if (halt.kind === 'replay-end' && halt.at === 'begin' && st && st.droppedCheckpoints > 0) {
        notes.push(
          `el2dbg: this is the oldest point still recorded (instruction ${st.from}): ${st.droppedCheckpoints} older ` +
            `checkpoints were dropped to stay within the ${Math.round(st.budgetBytes / 2 ** 20)} MiB budget ` +
            '(monitor record start SIZE, serve --record-budget SIZE)',
        );
      }
      return { halt, notes };
    } finally {
      this.active = false;
    }
  }

  private async perform(action: ResumeAction, notes: string[]): Promise<HaltReason> {
    switch (action.kind) {
      case 'continue':
        return this.continueRun(notes);
      case 'step':
        return this.machine.step();
      case 'rangeStep':
        return this.rangeStep(action.start, action.end);
      case 'reverseStep':
        return this.reverse.step();
      case 'reverseContinue':
        return this.reverse.continue(() => this.interruptRequested);
      case 'seek':
        return this.reverse.seek(action.icount);
      default: {
        const never: never = action;
        throw new Error(`unknown resume ${JSON.stringify(never)}`);
      }
    }
  }

  private async continueRun(notes: string[]): Promise<HaltReason> {
    for (;;) {
      if (this.interruptRequested) return { kind: 'stop-requested', why: 'interrupted by the debugger' };
      const halt = await this.machine.run();
      if (halt.kind !== 'system-reset') return halt;
      // PSCI SYSTEM_RESET: reboot the image and keep running, as QEMU does without -no-reboot.
      notes.push(`el2dbg: the guest requested SYSTEM_RESET (${halt.via}); rebooting it`);
      this.machine.reset();
    }
  }

  private async rangeStep(start: bigint, end: bigint): Promise<HaltReason> {
    for (let n = 1; ; n++) {
      const halt = this.machine.step();
      if (halt.kind !== 'step-done') return halt;
      const pc = this.machine.pc;
      if (pc < start || pc >= end) return halt;
      if (this.breakpoints.breakpointAt(pc)) return { kind: 'breakpoint', pc };
      if (n % STEPS_PER_YIELD === 0) {
        await yieldToEventLoop();
        if (this.interruptRequested) return { kind: 'stop-requested', why: 'interrupted by the debugger' };
      }
    }
  }
}
