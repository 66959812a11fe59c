// A recording: what it takes to put the machine back at any instruction since the recording started, and to run
// forward from there exactly as it ran the first time.
//
// - Checkpoints: the CPU (uc_context), the TypeScript objects (ObjectState), a few native slots, and guest memory as
//   an undo log (MemoryShadow), every `intervalInsns` instructions and wherever the debugger changed the machine.
// - Inputs: what does not follow from the instruction stream, by the instruction count at which it happened: console
//   bytes, interrupts taken (their position depends on where blocks end, which a replay does not reproduce), the
//   policy handlers' decisions (a handler may keep state of its own). Virtual time is counted in instructions while
//   recording (RunState.instructionClock), so timers fire at the same instruction on every run.
//
// Positions are instruction counts (Machine.instructionsExecuted). The recording reaches from its oldest checkpoint
// to `endIcount`, the furthest point the guest ran live; the machine is "replaying" while it is before that point.
import type { Decision } from '../el2/decision.js';
import type { SavedContext, UnicornEngine } from '../unicorn/engine.js';
import { MemoryShadow, type HostRegion, type PageUndo } from '../unicorn/host-memory.js';
import { IcountLog } from './icount-log.js';
import { ObjectState, type StateRoot } from './object-state.js';

/** What a recording needs from the machine. */
export interface RecordingDeps {
  readonly uc: UnicornEngine;
  readonly regions: readonly HostRegion[];
  /** Instructions executed (exact between runs); set when a checkpoint is restored. */
  executed: bigint;
  /** The objects whose state is the machine's (devices, timers, the EL2 model). */
  readonly roots: () => StateRoot[];
  readonly isBoundary: (o: object) => boolean;
  /** Native state that mirrors or extends the objects (the flash mapping, the instruction clock). */
  readonly saveNative: () => unknown;
  readonly restoreNative: (saved: unknown) => void;
}

export interface RecordingOptions {
  /** Bytes the checkpoints may hold before the oldest are dropped. */
  readonly budgetBytes: number;
  /** Instructions between periodic checkpoints. */
  readonly intervalInsns: bigint;
  /** Milliseconds of running between periodic checkpoints (whichever comes first: a slow, trap-heavy guest). */
  readonly intervalMs: number;
}

/** An input to replay, at the instruction count where it happened (before that instruction). */
export type RecordedInput = { readonly kind: 'console'; readonly bytes: Uint8Array } | { readonly kind: 'interrupt' };

interface Checkpoint {
  readonly icount: bigint;
  readonly ctx: SavedContext;
  readonly objects: ObjectState;
  readonly native: unknown;
  /** Pages changed since the checkpoint before, as they were then. */
  undo: PageUndo[];
  bytes: number;
  /** Made because the debugger changed the machine here: a replay reaching this point restores it. */
  readonly barrier: boolean;
  /** Entries of each log (inputs, decisions, traps) at `icount` made before the checkpoint: its state has them. */
  readonly logged: readonly number[];
}

/** What `monitor record status` reports. */
export interface RecordingStatus {
  readonly from: bigint;
  readonly to: bigint;
  readonly position: bigint;
  readonly checkpoints: number;
  readonly bytes: number;
  readonly budgetBytes: number;
  readonly inputs: number;
  readonly droppedCheckpoints: number;
}

export class Recording {
  private readonly checkpoints: Checkpoint[] = [];
  private readonly inputs = new IcountLog<RecordedInput>();
  private readonly decisions = new IcountLog<Decision>();
  /** Stage-2 trap numbers (Stage2TrapEvent.seq) by where they happened. */
  private readonly traps = new IcountLog<number>();
  private readonly logs: readonly IcountLog<unknown>[] = [this.inputs, this.decisions, this.traps];
  private readonly memory: MemoryShadow;
  private bytes = 0;
  private dropped = 0;
  private runMsSinceCheckpoint = 0;
  /** What the last checkpoint took. */
  private lastCostMs = 0;
  /** The furthest instruction count the guest ran to live. */
  private end: bigint;

  constructor(
    private readonly deps: RecordingDeps,
    readonly options: RecordingOptions,
  ) {
    this.memory = new MemoryShadow(deps.uc, deps.regions);
    this.end = deps.executed;
    this.checkpoint(false);
  }

  /** The oldest position the machine can go back to. */
  get startIcount(): bigint {
    return this.checkpoints[0]!.icount;
  }

  /** The end of the recording: where the guest last ran live. */
  get endIcount(): bigint {
    return this.end;
  }

  /** True while the machine is before the end of the recording (inputs come from the log, not from outside). */
  get replaying(): boolean {
    return this.deps.executed < this.end;
  }

  /** Notes how far the guest has run live (after a run or step that was not a replay). */
  advanceEnd(): void {
    if (this.deps.executed > this.end) this.end = this.deps.executed;
  }

  /**
   * Takes a periodic checkpoint if one is due (between runs, at the live edge of what is checkpointed). `runMs`:
   * milliseconds the guest ran since the last call.
   */
  maybeCheckpoint(runMs: number): void {
    const last = this.checkpoints[this.checkpoints.length - 1]!;
    const executed = this.deps.executed;
    if (executed <= last.icount) return;
    this.runMsSinceCheckpoint += runMs;
    const ran = this.runMsSinceCheckpoint;
    const due = executed >= last.icount + this.options.intervalInsns || ran >= this.options.intervalMs;
    // A guest that touched much memory makes checkpoints dear (over 2 ms): then they come at most every ten times
    // their cost, so recording never costs more than a tenth on top.
    if (due && (this.lastCostMs <= 2 || ran >= 10 * this.lastCostMs)) this.checkpoint(false);
  }

  private checkpoint(barrier: boolean): void {
    const { uc, executed } = this.deps;
    const t0 = performance.now();
    this.runMsSinceCheckpoint = 0;
    const undo = this.memory.take();
    const previous = this.checkpoints[this.checkpoints.length - 1]?.objects;
    const objects = ObjectState.capture(this.deps.roots(), this.deps.isBoundary, previous);
    const cp: Checkpoint = {
      icount: executed,
      ctx: uc.saveContext(),
      objects,
      native: this.deps.saveNative(),
      undo,
      bytes: 0,
      barrier,
      logged: this.logs.map((log) => log.countAt(executed)),
    };
    cp.bytes = undoBytes(undo) + objects.size + 4096;
    this.checkpoints.push(cp);
    this.bytes += cp.bytes;
    this.lastCostMs = performance.now() - t0;
    while (this.bytes > this.options.budgetBytes && this.checkpoints.length > 1) this.dropOldest();
  }

  private dropOldest(): void {
    const old = this.checkpoints.shift()!;
    this.deps.uc.freeContext(old.ctx);
    const next = this.checkpoints[0]!;
    this.bytes -= old.bytes + undoBytes(next.undo); // going back to `old` was all `next.undo` was for
    next.bytes -= undoBytes(next.undo);
    next.undo = [];
    this.dropped++;
    for (const log of this.logs) log.dropBefore(next.icount);
  }

  /**
   * The debugger changed registers or memory: before the end of the recording that starts a new history from here
   * (what followed is forgotten, as gdb's own record does); the new state is a checkpoint a replay restores.
   */
  noteExternalChange(): void {
    if (this.replaying) this.truncate();
    this.checkpoint(true);
  }

  private truncate(): void {
    const here = this.deps.executed;
    this.end = here;
    for (const log of this.logs) log.truncateFrom(here);
    while (this.checkpoints.length > 1 && this.checkpoints[this.checkpoints.length - 1]!.icount > here) {
      const cp = this.checkpoints.pop()!;
      this.memory.apply(cp.undo, 'shadow'); // the shadow is the newest checkpoint's memory
      this.deps.uc.freeContext(cp.ctx);
      this.bytes -= cp.bytes;
    }
  }

  /** Logs an input that happened live now. */
  noteInput(input: RecordedInput): void {
    if (!this.replaying) this.inputs.append(this.deps.executed, input);
  }

  /** While replaying: the inputs recorded at the current position that were not applied yet, in order. */
  takeDueInputs(): RecordedInput[] {
    return this.inputs.take(this.deps.executed);
  }

  /**
   * While replaying: the next position the run must stop at (an input, a barrier, the end), or null. A checkpoint
   * made by the debugger at that point is restored by `atBarrier`.
   */
  nextStop(): bigint | null {
    if (!this.replaying) return null;
    const here = this.deps.executed;
    let stop = this.end;
    const input = this.inputs.nextAfter(here);
    if (input !== null && input < stop) stop = input;
    for (const cp of this.checkpoints) if (cp.barrier && cp.icount > here && cp.icount < stop) stop = cp.icount;
    return stop;
  }

  /** Restores the debugger's checkpoint at the current position, if there is one (a replay reached it). */
  atBarrier(): boolean {
    const here = this.deps.executed;
    const i = lastIndex(this.checkpoints, (cp) => cp.icount === here);
    if (i < 0 || !this.checkpoints[i]!.barrier) return false;
    this.restore(i);
    return true;
  }

  /** A policy decision made live at the current position. */
  noteDecision(d: Decision): void {
    if (!this.replaying && d.handler !== null) this.decisions.append(this.deps.executed, d);
  }

  /** While replaying: the decision made at the current position the first time. */
  replayedDecision(): Decision | undefined {
    return this.replaying ? this.decisions.takeOne(this.deps.executed) : undefined;
  }

  /** Remembers where stage-2 trap `seq` happened (monitor record goto). */
  noteTrap(seq: number): void {
    if (!this.replaying) this.traps.append(this.deps.executed, seq);
  }

  /** Where trap `seq` happened, if it is in the recording. */
  trapIcount(seq: number): bigint | undefined {
    return this.traps.countOf(seq, (s) => s);
  }

  /**
   * Puts the machine back at the newest checkpoint at or before `icount`; returns its position. The machine "at N" is
   * before the inputs logged at N (an interrupt taken there), so a checkpoint at `icount` made after such inputs is
   * passed over for an earlier one, unless the debugger made it (its change is part of N).
   */
  restoreAtOrBefore(icount: bigint): bigint {
    const before = (cp: Checkpoint) => cp.icount < icount || (cp.icount === icount && (cp.barrier || !cp.logged[0]));
    let i = lastIndex(this.checkpoints, before);
    if (i < 0) i = 0;
    this.restore(i);
    return this.checkpoints[i]!.icount;
  }

  /** Positions of the checkpoints, oldest first. */
  get checkpointIcounts(): bigint[] {
    return this.checkpoints.map((cp) => cp.icount);
  }

  private restore(index: number): void {
    const cp = this.checkpoints[index]!;
    this.memory.revert();
    for (let k = this.checkpoints.length - 1; k > index; k--) this.memory.apply(this.checkpoints[k]!.undo, 'memory');
    this.deps.uc.restoreContext(cp.ctx);
    cp.objects.restore();
    this.deps.executed = cp.icount;
    this.deps.restoreNative(cp.native);
    this.logs.forEach((log, i) => log.rewind(cp.icount, cp.logged[i]));
  }

  status(): RecordingStatus {
    return {
      from: this.startIcount,
      to: this.end,
      position: this.deps.executed,
      checkpoints: this.checkpoints.length,
      bytes: this.bytes,
      budgetBytes: this.options.budgetBytes,
      inputs: this.inputs.length,
      droppedCheckpoints: this.dropped,
    };
  }

  /** Frees the checkpoints and the memory shadow. */
  close(): void {
    for (const cp of this.checkpoints) this.deps.uc.freeContext(cp.ctx);
    this.checkpoints.length = 0;
    this.memory.close();
  }
}

function undoBytes(undo: readonly PageUndo[]): number {
  return undo.reduce((n, u) => n + u.data.length + 4 * u.pages.length, 0);
}

function lastIndex<T>(list: readonly T[], test: (t: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i]!)) return i;
  return -1;
}
