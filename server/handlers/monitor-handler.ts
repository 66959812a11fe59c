// qRcmd: `monitor ...` from gdb, looked up in the monitor command table; output travels as `O` packets.
import type { Packet } from '../../protocol/packets.js';
import { encodeOkReply } from '../../protocol/replies.js';
import type { HandlerResult } from '../handler-result.js';
import { runMonitorLine } from '../monitor/monitor-commands.js';
import type { HandlerContext } from '../handler-context.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

export function monitor(p: P<'monitor'>, s: HandlerContext): HandlerResult {
  return { kind: 'output', text: runMonitorLine(p.command, s), reply: encodeOkReply() };
}
