// What a packet handler asks the session to do. Most packets get one reply; a few resume the target (the stop
// reply comes when it stops), print text first (monitor), or end the session (detach, kill).
import { encodeEmptyReply, encodeOkReply, type Reply } from '../protocol/replies.js';
import type { ResumeAction } from './run-control.js';

/**
 * What the session does once the reply is out: stop acknowledging packets, or end (the server then waits for the next
 * gdb).
 */
export type AfterReply = 'disable-acks' | 'end-session';

export type HandlerResult =
  | { kind: 'reply'; reply: Reply; after?: AfterReply }
  /** `O` packets carrying `text` for gdb to print, then the reply (qRcmd). */
  | { kind: 'output'; text: string; reply: Reply }
  /** Resume the target; the session sends the stop reply when it stops. */
  | { kind: 'resume'; action: ResumeAction }
  /** The packet has no reply (`k`, `R`). */
  | { kind: 'none'; after?: AfterReply };

/** A plain reply. */
export function reply(payload: Reply): HandlerResult {
  return { kind: 'reply', reply: payload };
}

/** `OK`, then (optionally) a change to the session. */
export function ok(after?: AfterReply): HandlerResult {
  return after ? { kind: 'reply', reply: encodeOkReply(), after } : reply(encodeOkReply());
}

/** The empty reply: "not supported". */
export function empty(): HandlerResult {
  return reply(encodeEmptyReply());
}
