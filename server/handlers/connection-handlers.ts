// Connection set-up and queries that do not touch the machine.
import type { Packet } from '../../protocol/packets.js';
import {
  encodeHostInfoReply,
  encodeQSupportedReply,
  encodeQXferReply,
  encodeWatchpointSupportInfoReply,
} from '../../protocol/replies.js';
import { empty, ok, reply, type HandlerResult } from '../handler-result.js';
import { findQXferObject } from '../qxfer-objects.js';
import type { HandlerContext } from '../handler-context.js';
import { supportedFeatures } from '../supported-features.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

const UTF8 = new TextEncoder();

export function qSupported(p: P<'qSupported'>, s: HandlerContext): HandlerResult {
  s.gdbFeatures = p.features;
  return reply(encodeQSupportedReply(supportedFeatures(s.packetSize, p.features)));
}

export function QStartNoAckMode(_p: P<'QStartNoAckMode'>, _s: HandlerContext): HandlerResult {
  return ok('disable-acks');
}

export function qXfer(p: P<'qXfer'>, s: HandlerContext): HandlerResult {
  const object = findQXferObject(p.object);
  if (!object) return empty();
  // Documents are small: rebuilding one per chunk keeps the reply consistent with the machine's state.
  return reply(encodeQXferReply(UTF8.encode(object.read(p.annex, s)), p.offset, Math.min(p.length, s.packetSize - 1)));
}

export function extendedMode(_p: P<'extendedMode'>, s: HandlerContext): HandlerResult {
  s.extendedMode = true;
  return ok();
}

/** Packets we answer with the empty reply (not supported) or a fixed OK. */
export const vMustReplyEmpty = (): HandlerResult => empty();
export const qTStatus = (): HandlerResult => empty();
export const qOffsets = (): HandlerResult => empty(); // sections are where the ELF says
export const qSymbol = (): HandlerResult => ok(); // no symbols wanted
export const QThreadEvents = (): HandlerResult => ok(); // one thread that never starts or exits

/**
 * lldb's qHostInfo and qWatchpointSupportInfo, which gdbserver and QEMU do not answer. lldb steps over the access of a
 * watchpoint hit only when both are answered and say watchpoints stop before the access (AArch64's, and ours, do);
 * otherwise it takes them to stop after it, as on x86: it shows the old value as the new one and every continue stops
 * at the same access again. No triple: lldb takes the architecture from the target description and the ELF.
 */
export const qHostInfo = (): HandlerResult =>
  reply(encodeHostInfoReply({ endian: 'little', ptrsize: 8, watchpointExceptionsReceived: 'before' }));

/** Watchpoints have no limit here; lldb only needs a count, and 16 is the most AArch64 hardware has (DBGWVR0-15). */
export const qWatchpointSupportInfo = (): HandlerResult => reply(encodeWatchpointSupportInfoReply(16));
