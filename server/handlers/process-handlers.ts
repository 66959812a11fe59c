// D, k, vKill, R, vRun: the guest as the "process" gdb detaches from, kills and restarts.
import type { Packet } from '../../protocol/packets.js';
import { encodeStopReply } from '../../protocol/replies.js';
import { ok, reply, type HandlerResult } from '../handler-result.js';
import { SessionError } from '../session-error.js';
import type { HandlerContext } from '../handler-context.js';
import { reportHalt } from '../stop-report.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

/**
 * D: the guest stays halted where it is (like QEMU started with -S), the session ends, the server waits for the next
 * gdb.
 */
export function detach(_p: P<'detach'>, s: HandlerContext): HandlerResult {
  s.breakpoints.clear();
  return ok('end-session');
}

/** k: the guest goes back to its initial state. Outside extended mode gdb hangs up, and so do we. */
export function kill(_p: P<'kill'>, s: HandlerContext): HandlerResult {
  s.restartGuest();
  return s.extendedMode ? { kind: 'none' } : { kind: 'none', after: 'end-session' };
}

export function vKill(_p: P<'vKill'>, s: HandlerContext): HandlerResult {
  s.restartGuest();
  return s.extendedMode ? ok() : ok('end-session');
}

/** R (extended mode): restart from the initial state; no reply. */
export function restart(_p: P<'restart'>, s: HandlerContext): HandlerResult {
  if (!s.extendedMode) throw new SessionError('NotInThisState', 'R needs extended mode (target extended-remote)');
  s.restartGuest();
  return { kind: 'none' };
}

/**
 * vRun: restart the image being served (the file name gdb sends is not used: el2dbg serves one image) and stop at its
 * entry.
 */
export function vRun(p: P<'vRun'>, s: HandlerContext): HandlerResult {
  if (p.filename !== '' && p.filename !== s.target.imagePath)
    s.logger.info('vRun names another file; restarting the served image', {
      requested: p.filename,
      image: s.target.imagePath,
    });
  s.restartGuest();
  return reply(
    encodeStopReply(
      reportHalt(
        { kind: 'step-done' },
        { registers: s.target.registers, breakpoints: s.breakpoints, support: s.stopReasonSupport },
      ).stop,
    ),
  );
}
