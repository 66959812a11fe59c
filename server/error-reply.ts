// The one place where a failed request becomes an `Exx` reply.
import { encodeErrorReply } from '../protocol/replies.js';
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

/** Failures a person typed (monitor commands): the reason is also printed by gdb, through an `O` packet. */
const SHOWN_TO_USER: ReadonlySet<SessionErrorCode> = new Set(['MonitorCommandFailed']);

/** An unexpected exception in a handler: EIO, and a log line with the stack. */
const INTERNAL_ERROR = 0x05;

/** The reply for whatever a handler threw; expected failures log at debug, bugs at error. */
export function errorResult(e: unknown, packet: string, logger: ServerLogger): HandlerResult {
  if (e instanceof SessionError) {
    logger.debug('request failed', { packet, code: e.code, reason: e.message });
    const reply = encodeErrorReply(ERROR_NUMBERS[e.code]);
    return SHOWN_TO_USER.has(e.code)
      ? { kind: 'output', text: `el2dbg: ${e.message}\n`, reply }
      : { kind: 'reply', reply };
  }
  logger.error('handler failed', { packet, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  return { kind: 'reply', reply: encodeErrorReply(INTERNAL_ERROR) };
}
