// Recording and replay for the Machine (core/replay/recording.ts holds the log and the checkpoints): what the run loop
// does differently while a recording is on, and the moves the debugger makes in it (seek to an instruction count).
//
// While recording live, the inputs that do not follow from the instruction stream are logged as they happen: console
// bytes, interrupts taken, policy decisions. While replaying (before the end of the recording) those come from the
// log at the same instruction counts instead: the shim does not take interrupts by itself (Interrupts.setReplayHold),
// console bytes typed meanwhile wait for the end, and handlers are not called again.
import type { Decision } from '../el2/decision.js';
import type { HaltReason } from '../el2/events.js';
import type { Stage2TrapEvent } from '../el2/events.js';
import { Recording, type RecordingStatus } from '../replay/recording.js';
import type { StateRoot } from '../replay/object-state.js';
import type { El2State } from '../el2/el2-state.js';
import type { Hypervisor } from '../el2/hypervisor.js';
import type { UnicornEngine } from '../unicorn/engine.js';
import type { InstructionClock } from '../unicorn/host-memory.js';
import type { RunState } from '../unicorn/run-state.js';
import type { Watchpoint } from './address-space.js';
import type { VirtBoard } from './board.js';
import type { BreakpointHooks } from './breakpoint-hooks.js';
import type { Interrupts } from './interrupts.js';
import type { MachineConfig } from './machine-config.js';
import type { MachineEvents } from './machine-events.js';
import { replayBoundary } from './replay-boundary.js';
import { Pl031 } from '../devices/pl031.js';

/** Default budget for checkpoints (monitor record start / serve --record-budget). */
export const DEFAULT_RECORD_BUDGET = 512 * 1024 * 1024;
/** Default instructions between checkpoints: a reverse step replays at most this many... */
export const DEFAULT_CHECKPOINT_INTERVAL = 2_000_000n;
/** ...or this many milliseconds of running (a trap-heavy guest runs far fewer instructions in that time). */
const DEFAULT_CHECKPOINT_MS = 20;
/**
 * Virtual ns per instruction while recording: a 100 MIPS machine, about what el2dbg runs real firmware at (40-800
 * MIPS), so a guest's busy-wait delays take about as long as without recording (U-Boot's autoboot countdown polls the
 * counter at ~40 MIPS: 2 s of it is ~5 s of recording; at 1 ns an instruction it was 14 s).
 */
const NS_PER_INSN = 10n;

/** The parts of the Machine time travel works with. */
export interface MachineParts {
  readonly uc: UnicornEngine;
  readonly runState: RunState;
  readonly board: VirtBoard;
  readonly el2: El2State;
  readonly interrupts: Interrupts;
  readonly hypervisor: Hypervisor;
  readonly events: MachineEvents;
  readonly breakpoints: BreakpointHooks;
  readonly watchpoints: { get(): readonly Watchpoint[]; set(list: readonly Watchpoint[]): void };
  readonly config: MachineConfig;
  /** Drops the TLB and translated code (memory and translation registers changed behind unicorn's back). */
  readonly flushAll: () => void;
  /** Applies a held trap's decision as a run or step starting now would (Machine.resume). */
  readonly resumeHeld: () => HaltReason | null;
}

/** Builds the Machine's time travel. */
export function machineTimeTravel(parts: MachineParts): TimeTravel {
  return new TimeTravel(parts);
}

interface NativeState {
  readonly clock: InstructionClock | null;
  readonly bank0Memory: boolean;
}

export class TimeTravel {
  private rec: Recording | null = null;
  private readonly heldConsole: Uint8Array[] = [];
  /** The current run started before the end of the recording (it stops when it gets there). */
  private runReplays = false;
  /** When the run last started or passed beforeStart (performance.now()). */
  private lastTick = 0;
  /** The first divergence a replay found (status reports it). */
  private divergence: string | null = null;

  constructor(private readonly m: MachineParts) {}

  /** The objects whose state is the machine's, and what is not walked from them. */
  private roots(): StateRoot[] {
    const { board, el2, interrupts, hypervisor } = this.m;
    return [
      { obj: board.devices },
      { obj: board.gic },
      { obj: board.flashState.banks },
      { obj: el2 },
      { obj: interrupts, keys: ['taken', 'timer'] },
      { obj: hypervisor, keys: ['seq', 'held', 'wideValueRegions'] },
    ];
  }

  /** The recording, if one is on. */
  get recording(): Recording | null {
    return this.rec;
  }

  /** Instructions executed since power-on: the position in a recording. */
  get position(): bigint {
    return this.m.runState.executed;
  }

  /** True while the machine is before the end of the recording. */
  get replaying(): boolean {
    return this.rec?.replaying ?? false;
  }

  /**
   * True while what the guest does was done before (its output, its events): before the end of the recording, or in
   * a run that started there (it stops at the end; inside a block its count runs ahead of the instruction).
   */
  get repeating(): boolean {
    return this.runReplays || this.replaying;
  }

  /** Starts recording here (the machine is stopped). */
  start(options: { budgetBytes?: number; intervalInsns?: bigint; intervalMs?: number } = {}): void {
    if (this.rec) return;
    this.divergence = null;
    const { interrupts } = this.m;
    interrupts.useInstructionClock(NS_PER_INSN);
    this.holdRtc(true);
    try {
      this.rec = this.newRecording(options);
    } catch (e) {
      // No memory for the shadow, say: the machine goes on as if recording had not been asked for.
      interrupts.useInstructionClock(null);
      this.holdRtc(false);
      throw e;
    }
  }

  private newRecording(options: { budgetBytes?: number; intervalInsns?: bigint; intervalMs?: number }): Recording {
    const { uc, runState, board, config } = this.m;
    return new Recording(
      {
        uc,
        regions: runState.hostRegions(),
        get executed() {
          return runState.executed;
        },
        set executed(n: bigint) {
          runState.executed = n;
        },
        roots: () => this.roots(),
        isBoundary: replayBoundary([config.console, config.logger, config.flash1]),
        saveNative: (): NativeState => ({
          clock: runState.instructionClock,
          bank0Memory: board.flashState.bank0Memory,
        }),
        restoreNative: (saved) => this.restoreNative(saved as NativeState),
      },
      {
        budgetBytes: options.budgetBytes ?? DEFAULT_RECORD_BUDGET,
        intervalInsns: options.intervalInsns ?? DEFAULT_CHECKPOINT_INTERVAL,
        intervalMs: options.intervalMs ?? DEFAULT_CHECKPOINT_MS,
      },
    );
  }

  private restoreNative(saved: NativeState): void {
    const { runState, board, interrupts, flushAll } = this.m;
    runState.instructionClock = saved.clock;
    board.resyncFlash(saved.bank0Memory);
    interrupts.resync();
    flushAll();
  }

  /**
   * Stops recording and forgets it. Stopping before its end keeps the machine where it is: what followed is gone,
   * and the guest goes on from here live.
   */
  stop(): void {
    const rec = this.rec;
    if (!rec) return;
    this.rec = null;
    rec.close();
    this.m.interrupts.setReplayHold(false);
    this.m.interrupts.useInstructionClock(null);
    this.holdRtc(false);
    this.releaseHeldConsole();
  }

  /** The real-time clock reads the host's time: while recording it stands still (a replay reads what the run read). */
  private holdRtc(on: boolean): void {
    for (const d of this.m.board.devices) if (d instanceof Pl031) d.heldSeconds = on ? d.now() : null;
  }

  status(): (RecordingStatus & { divergence: string | null }) | null {
    const s = this.rec?.status();
    return s ? { ...s, divergence: this.divergence } : null;
  }

  /** Console bytes from outside: to the UART now, or (while replaying) once the replay reaches the end. */
  consoleInput(bytes: Uint8Array): void {
    if (this.rec?.replaying) {
      this.heldConsole.push(bytes);
      return;
    }
    this.rec?.noteInput({ kind: 'console', bytes });
    this.m.board.uart.pushInput(bytes);
  }

  private releaseHeldConsole(): void {
    for (const bytes of this.heldConsole.splice(0)) this.consoleInput(bytes);
  }

  /** A run (or step) begins. */
  runStarting(): void {
    this.runReplays = this.replaying;
    this.lastTick = performance.now();
  }

  /**
   * Before each uc_emu_start of a run: applies the inputs due here (or restores the debugger's checkpoint), takes a
   * checkpoint when one is due, and returns where the run must stop next (the user's limit included), or a halt: the
   * replay reached the end of the recording.
   */
  beforeStart(limit: bigint | null): { stopAt: bigint | null; halt: HaltReason | null; resumedHeld?: boolean } {
    const rec = this.rec;
    const { interrupts, runState } = this.m;
    if (!rec) return { stopAt: min(limit, interrupts.nextEventIcount()), halt: null };
    let resumedHeld = false;
    while (rec.replaying) {
      const at = runState.executed;
      const applied = this.applyRecorded(rec, true);
      resumedHeld ||= applied.resumedHeld;
      if (applied.halt) return { stopAt: null, halt: applied.halt, resumedHeld };
      if (!applied.resumedHeld || runState.executed === at) break; // (moved on: what was recorded there, too)
    }
    if (!rec.replaying && this.runReplays && runState.executed === rec.endIcount) {
      this.runReplays = false;
      this.applyRecorded(rec); // what happened at the end live (a write, input typed there) happens again
      return { stopAt: null, halt: { kind: 'replay-end', at: 'end' }, resumedHeld };
    }
    interrupts.setReplayHold(rec.replaying);
    const now = performance.now();
    if (!rec.replaying) {
      this.releaseHeldConsole();
      rec.maybeCheckpoint(now - this.lastTick);
    }
    this.lastTick = now;
    return { stopAt: min(min(limit, interrupts.nextEventIcount()), rec.nextStop()), halt: null, resumedHeld };
  }

  /**
   * After a run or step: how far the guest got live. A replay that stopped at the end of the recording (a limit, a
   * breakpoint there, a step onto it) applies what happened there live, as the run that goes on from there would.
   */
  afterRun(): void {
    const rec = this.rec;
    if (rec && this.runReplays && this.m.runState.executed === rec.endIcount) this.applyRecorded(rec);
    this.runReplays = false;
    rec?.advanceEnd();
  }

  /**
   * Restores the debugger's checkpoint at this position, if any, and applies the inputs recorded here. With
   * `resumeHeld`, a trap held in that checkpoint is applied first, as the run that went on from there did (resume).
   */
  private applyRecorded(rec: Recording, resumeHeld = false): { halt: HaltReason | null; resumedHeld: boolean } {
    const { interrupts, board, hypervisor } = this.m;
    const held = rec.atBarrier() && resumeHeld && hypervisor.heldTrap !== null;
    const halt = held ? this.m.resumeHeld() : null;
    if (halt) return { halt, resumedHeld: true };
    for (const input of rec.takeDueInputs()) {
      if (input.kind === 'console') board.uart.pushInput(input.bytes);
      else if (!interrupts.deliverRecorded()) this.diverged('the interrupt it took here is not pending');
    }
    return { halt: null, resumedHeld: held };
  }

  /** Takes a pending unmasked interrupt (the run stopped for it, or after WFI); a recording logs it. */
  deliverInterrupt(): boolean {
    const taken = this.m.interrupts.deliver();
    if (taken) this.rec?.noteInput({ kind: 'interrupt' });
    return taken;
  }

  /** A replay did not find what the recording says happened: logged once per recording. */
  private diverged(what: string): void {
    if (this.divergence !== null) return;
    this.divergence = `replay diverged at instruction ${this.m.runState.executed}: ${what}`;
    this.m.config.logger?.warn(this.divergence);
  }

  /**
   * Puts the machine at instruction count `icount` of the recording (before that instruction), replaying from the
   * nearest checkpoint with breakpoints, watchpoints, catches and events off. Resolves to null once there, or to
   * what stopped it first (a stop request, the guest powering off).
   */
  async seek(icount: bigint, run: (maxInsns: bigint) => Promise<HaltReason>): Promise<HaltReason | null> {
    const rec = this.rec;
    if (!rec) throw new Error('no recording');
    rec.restoreAtOrBefore(icount);
    const executed = this.m.runState.executed;
    if (executed >= icount) {
      if (executed === rec.endIcount) this.applyRecorded(rec); // input that came after the checkpoint at the end
      return null;
    }
    const halt = await this.quietly(() => run(icount - executed));
    return halt.kind === 'insn-limit' ? null : halt;
  }

  /** True if a breakpoint is set at `pc`. */
  breakpointAt(pc: bigint): boolean {
    return this.m.breakpoints.has(pc);
  }

  /** Runs `fn` with breakpoints, watchpoints, catches and events off. */
  async quietly<T>(fn: () => Promise<T>): Promise<T> {
    const { breakpoints, watchpoints, hypervisor, events } = this.m;
    const [addresses, watches, rules] = [breakpoints.addresses(), watchpoints.get(), hypervisor.stopRules];
    breakpoints.replaceAll([]);
    if (watches.length > 0) watchpoints.set([]);
    hypervisor.stopRules = null;
    events.silent = true;
    try {
      return await fn();
    } finally {
      events.silent = false;
      hypervisor.stopRules = rules;
      if (watches.length > 0) watchpoints.set(watches);
      breakpoints.replaceAll(addresses);
    }
  }

  /** The decision taps the hypervisor calls (see Hypervisor.decisionLog). */
  readonly decisionLog = {
    replayed: (): Decision | undefined => this.rec?.replayedDecision(),
    note: (d: Decision): void => this.rec?.noteDecision(d),
  };

  /** A stage-2 trap happened (live): remember where, for `record goto`. */
  noteTrap(t: Stage2TrapEvent): void {
    this.rec?.noteTrap(t.seq);
  }

  /** The debugger changed registers or memory. */
  noteExternalChange(): void {
    if (!this.rec) return;
    this.rec.noteExternalChange();
    this.m.interrupts.setReplayHold(false);
  }

  /** Closes the recording with the machine. */
  close(): void {
    this.rec?.close();
    this.rec = null;
  }
}

function min(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}
