// The one guest thread, as gdb asks about it.
import type { Packet } from '../../protocol/packets.js';
import {
  encodeAttachedReply,
  encodeCurrentThreadReply,
  encodeHexTextReply,
  encodeThreadListReply,
} from '../../protocol/replies.js';
import { ok, reply, type HandlerResult } from '../handler-result.js';
import { SessionError } from '../session-error.js';
import type { HandlerContext } from '../handler-context.js';
import { GUEST_THREAD, selectsGuestThread } from '../threads.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

export const qfThreadInfo = (): HandlerResult => reply(encodeThreadListReply([GUEST_THREAD]));
export const qsThreadInfo = (): HandlerResult => reply(encodeThreadListReply([]));
export const qC = (): HandlerResult => reply(encodeCurrentThreadReply(GUEST_THREAD));
/** 1: gdb attached to a running guest, so quitting gdb detaches (the guest is left halted) instead of killing it. */
export const qAttached = (): HandlerResult => reply(encodeAttachedReply(true));

export function setThread(p: P<'setThread'>): HandlerResult {
  if (!selectsGuestThread(p.thread)) throw new SessionError('NotInThisState', `there is only thread 1`);
  return ok();
}

export function threadAlive(p: P<'threadAlive'>): HandlerResult {
  if (!selectsGuestThread(p.thread)) throw new SessionError('NotInThisState', `there is only thread 1`);
  return ok();
}

export function qThreadExtraInfo(p: P<'qThreadExtraInfo'>, s: HandlerContext): HandlerResult {
  if (!selectsGuestThread(p.thread)) throw new SessionError('NotInThisState', `there is only thread 1`);
  return reply(encodeHexTextReply(s.target.describeCpu()));
}
