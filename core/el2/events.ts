import type { Decision } from './decision.js';
import type { TrapFrame } from './trap-frame.js';

/** A watchpoint kind as gdb names them: write, read or access (both). */
export type WatchKind = 'write' | 'read' | 'access';

/** Why the machine stopped running. A run always ends with exactly one of these. */
export type HaltReason =
  | { kind: 'power-off'; via: 'hvc' | 'smc' }
  | { kind: 'system-reset'; via: 'hvc' | 'smc' }
  /** requestStop() was called (Ctrl-C, a debugger interrupt, a timeout). */
  | { kind: 'stop-requested'; why: string }
  | { kind: 'insn-limit'; executed: bigint }
  /** A replay reached the end of the recording, or going back reached its beginning (gdb's `replaylog`). */
  | { kind: 'replay-end'; at: 'begin' | 'end' }
  /** step() executed one instruction (or took the exception it raised). */
  | { kind: 'step-done' }
  /** PC reached a breakpoint; the instruction there has not executed. */
  | { kind: 'breakpoint'; pc: bigint }
  /** The instruction at pc is about to access a watched address (it has not executed). */
  | { kind: 'watchpoint'; pc: bigint; watch: WatchKind; addr: bigint }
  /** A stop rule asked to stop at a trap (before or after the decision is applied). */
  | { kind: 'trap-stop'; when: 'before' | 'after'; trap: Stage2TrapEvent }
  /**
   * The guest hit something RITM panics on (no VBAR_EL1 to inject into, an instruction abort): reported, powered off.
   */
  | { kind: 'guest-panic'; pc: bigint; description: string }
  /** The emulator itself could not go on (an access to no memory at all, a unicorn error). */
  | { kind: 'emulator-error'; pc: bigint; description: string };

/** A stage-2 data abort trapped to EL2: the syndrome, the frame and (once decided) the decision. */
export interface Stage2TrapEvent {
  readonly kind: 'stage2-trap';
  readonly seq: number;
  readonly pc: bigint;
  readonly esrEl2: bigint;
  readonly farEl2: bigint;
  readonly hpfarEl2: bigint;
  readonly ipa: bigint;
  /** null when the syndrome carries no instruction syndrome (ISV=0). */
  readonly access: { readonly write: boolean; readonly width: number; readonly rt: number } | null;
  readonly s1ptw: boolean;
  readonly region: string | null;
  /** ipa - region base, when a handler region covers the IPA. */
  readonly regionOffset: bigint | null;
  readonly instruction: number | null;
  readonly frame: TrapFrame;
}

/** Something the guest did that observers (trace, statistics, debugger) may want to see. */
export type MachineEvent =
  | Stage2TrapEvent
  /** handlerNs: wall time spent deciding (the handler included). */
  | { kind: 'decision'; seq: number; trap: Stage2TrapEvent; decision: Decision; handlerNs: number }
  | {
      kind: 'injection';
      seq: number;
      pc: bigint;
      esrEl1: bigint;
      farEl1: bigint;
      elrEl1: bigint;
      vector: bigint;
      mode: 'ritm' | 'architectural';
    }
  | { kind: 'guest-exception'; pc: bigint; esr: bigint; far?: bigint; vector: bigint; description: string }
  | {
      kind: 'hypercall';
      conduit: 'hvc' | 'smc';
      pc: bigint;
      functionId: bigint;
      family: 'psci' | 'vendor' | 'other';
      name: string;
      args: readonly bigint[];
      results: readonly bigint[];
    }
  | { kind: 'instruction-abort'; pc: bigint; esrEl2: bigint; farEl2: bigint; hpfarEl2: bigint; ipa: bigint }
  /** An IRQ or FIQ taken to EL1 before the instruction at pc; intid is what the GIC had highest pending. */
  | { kind: 'interrupt'; line: 'irq' | 'fiq'; intid: number; pc: bigint; vector: bigint };

/** Minimal logger interface core code uses (a winston child logger fits). */
export interface CoreLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

/** A logger that drops everything. */
export const SILENT_LOGGER: CoreLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };
