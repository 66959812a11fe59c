// qRcmd: `monitor ...` from gdb, looked up in the monitor command table; output travels as `O` packets.
import type { Packet } from '../../protocol/packets.js';
import { encodeOkReply } from '../../protocol/replies.js';
import type { HandlerResult } from '../handler-result.js';
import { findMonitorCommand } from '../monitor/monitor-commands.js';
import { SessionError } from '../session-error.js';
import type { HandlerContext } from '../handler-context.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

export function monitor(p: P<'monitor'>, s: HandlerContext): HandlerResult {
  const found = findMonitorCommand(p.command);
  if (!found)
    throw new SessionError(
      'MonitorCommandFailed',
      `unknown monitor command '${p.command.trim()}' (monitor help lists them)`,
    );
  return { kind: 'output', text: found.command.run(found.args, s), reply: encodeOkReply() };
}
