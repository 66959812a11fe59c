// The one place where a failed request becomes an `Exx` reply.
import { encodeErrorReply, encodeOkReply } from '../protocol/replies.js';
import type { HandlerResult } from './handler-result.js';
import type { ServerLogger } from './server-logger.js';
import { SessionError, type SessionErrorCode } from './session-error.js';

/** The error number each failure is reported with. */
export const ERROR_NUMBERS: { readonly [C in SessionErrorCode]: number } = {
  MalformedPacket: 0x16, // EINVAL
  MemoryFault: 0x14, // what QEMU's gdbstub answers for memory it cannot access
  NoSuchRegister: 0x0e,
  BadRegisterValue: 0x22, // ERANGE
  UnknownAnnex: 0x00, // the qXfer convention
  NotInThisState: 0x01, // EPERM
  MonitorCommandFailed: 0x01,
  UndecodableFrame: 0x16,
};

/**
 * Failures a person typed (monitor commands): the reason is printed by gdb through `O` packets and the reply is OK,
 * as QEMU's gdbstub answers a bad monitor line. An error reply would make gdb print "Protocol error with Rcmd" and
 * abort the rest of a `-x` script or an IDE's init commands over a typo.
 */
const SHOWN_TO_USER: ReadonlySet<SessionErrorCode> = new Set(['MonitorCommandFailed']);

/** An unexpected exception in a handler: EIO, and a log line with the stack. */
const INTERNAL_ERROR = 0x05;

/** The reply for whatever a handler threw; expected failures log at debug, bugs at error. */
export function errorResult(e: unknown, packet: string, logger: ServerLogger): HandlerResult {
  if (e instanceof SessionError) {
    logger.debug('request failed', { packet, code: e.code, reason: e.message });
    return SHOWN_TO_USER.has(e.code)
      ? { kind: 'output', text: `el2dbg: ${e.message}\n`, reply: encodeOkReply() }
      : { kind: 'reply', reply: encodeErrorReply(ERROR_NUMBERS[e.code]) };
  }
  logger.error('handler failed', { packet, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  return { kind: 'reply', reply: encodeErrorReply(INTERNAL_ERROR) };
}
