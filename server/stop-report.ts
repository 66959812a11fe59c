// A machine halt as gdb hears it: the stop reply (signal, thread, reason, expedited registers) and, for
// failures, a line of text gdb prints before it (an `O` packet). One place for the whole mapping.
import type { HaltReason } from '../core/el2/events.js';
import type { CatchStop } from './debug/debug-observer.js';
import type { StopReason, StopReply } from '../protocol/stop-reply.js';
import { watchStopKey, type BreakpointSet } from './breakpoint-set.js';
import type { RegisterFile } from './registers/register-file.js';
import { GUEST_THREAD } from './threads.js';
import { hex } from '../core/text/hex.js';

/** gdb's signal numbers (include/gdb/signals.def). */
export const GDB_SIGNAL = { INT: 2, ILL: 4, TRAP: 5, SEGV: 11 } as const;

/** What the session sends for a halt: `O` text first (if any), then the stop reply. */
export interface StopReport {
  readonly stop: StopReply;
  readonly message?: string;
}

/** What gdb told us it understands (qSupported), which decides the stop reasons we may send. */
export interface StopReasonSupport {
  readonly swbreak: boolean;
  readonly hwbreak: boolean;
}

/** The stop report for `halt`. */
export function reportHalt(
  halt: HaltReason,
  ctx: {
    registers: RegisterFile;
    breakpoints: BreakpointSet;
    support: StopReasonSupport;
    catchStop?: CatchStop | null;
  },
): StopReport {
  const signal = (
    signo: number,
    extra: { reason?: StopReason; message?: string; keys?: readonly (readonly [string, string])[] } = {},
  ): StopReport => ({
    stop: {
      kind: 'signal',
      signal: signo,
      thread: GUEST_THREAD,
      ...(extra.reason ? { reason: extra.reason } : {}),
      registers: ctx.registers.readExpedited(),
      ...(extra.keys?.length ? { extra: extra.keys.map(([k, v]) => [k, v] as [string, string]) } : {}),
    },
    ...(extra.message ? { message: extra.message } : {}),
  });
  // A catchpoint (monitor stage2 catch / monitor catch) stops with SIGTRAP, the line that explains it, and
  // machine-readable keys (el2trap:before;esr:...;) that gdb ignores and RSP scripts can read.
  const c = ctx.catchStop;
  if (c && (halt.kind === 'trap-stop' || (halt.kind === 'stop-requested' && c.kind === 'event'))) {
    return signal(GDB_SIGNAL.TRAP, { message: `${c.message}\n`, keys: c.keys });
  }
  switch (halt.kind) {
    case 'power-off':
      return { stop: { kind: 'exited', code: 0 } };
    case 'step-done':
    case 'insn-limit':
      return signal(GDB_SIGNAL.TRAP);
    case 'breakpoint': {
      const type = ctx.breakpoints.breakpointAt(halt.pc);
      const offered = type !== null && ctx.support[type];
      return signal(GDB_SIGNAL.TRAP, offered ? { reason: { kind: type } } : {});
    }
    case 'watchpoint':
      return signal(GDB_SIGNAL.TRAP, { reason: { kind: watchStopKey(halt.watch), addr: halt.addr } });
    case 'stop-requested':
      return signal(GDB_SIGNAL.INT);
    case 'replay-end':
      return signal(GDB_SIGNAL.TRAP, { reason: { kind: 'replaylog', at: halt.at } });
    case 'trap-stop':
      return signal(GDB_SIGNAL.TRAP, {
        message: `el2dbg: stopped ${halt.when} stage-2 trap #${halt.trap.seq} at pc ${hex(halt.trap.pc)}: IPA ${hex(halt.trap.ipa)}, ESR_EL2 ${hex(halt.trap.esrEl2)}\n`,
      });
    case 'system-reset':
      return signal(GDB_SIGNAL.TRAP, { message: `el2dbg: the guest requested SYSTEM_RESET (${halt.via})\n` });
    case 'guest-panic':
      return signal(GDB_SIGNAL.SEGV, { message: `el2dbg: guest panic at pc ${hex(halt.pc)}: ${halt.description}\n` });
    case 'emulator-error':
      return signal(GDB_SIGNAL.ILL, { message: `el2dbg: emulator error at pc ${hex(halt.pc)}: ${halt.description}\n` });
    default: {
      const never: never = halt;
      throw new Error(`unknown halt ${JSON.stringify(never)}`);
    }
  }
}
