/** Why the machine stopped running. A run always ends with exactly one of these. */
export type HaltReason =
  | { kind: 'power-off'; via: 'hvc' | 'smc' }
  | { kind: 'system-reset'; via: 'hvc' | 'smc' }
  /** requestStop() was called (Ctrl-C, a debugger interrupt, a timeout). */
  | { kind: 'stop-requested'; why: string }
  | { kind: 'insn-limit'; executed: bigint }
  /** The guest took an exception it has no vector for (VBAR_EL1 = 0): what RITM reports as a panic. */
  | { kind: 'guest-panic'; pc: bigint; description: string }
  /** The emulator itself could not go on (an access to no memory at all, a unicorn error). */
  | { kind: 'emulator-error'; pc: bigint; description: string };

/** Something the guest did that observers (trace, statistics, debugger) may want to see. */
export type MachineEvent =
  | { kind: 'guest-exception'; pc: bigint; esr: bigint; far?: bigint; vector: bigint; description: string }
  | { kind: 'hypercall'; conduit: 'hvc' | 'smc'; pc: bigint; functionId: bigint; result: bigint };

/** Minimal logger interface core code uses (a winston child logger fits). */
export interface CoreLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

/** A logger that drops everything. */
export const SILENT_LOGGER: CoreLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };
