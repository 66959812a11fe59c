// The command table: one handler per packet kind. Leaving a kind out is a compile error.
import type { Packet, ParsedPacket } from '../../protocol/packets.js';
import { empty, type HandlerResult } from '../handler-result.js';
import { SessionError } from '../session-error.js';
import type { HandlerContext } from '../handler-context.js';
import { insertBreakpoint, removeBreakpoint } from './breakpoint-handlers.js';
import {
  extendedMode,
  qHostInfo,
  qOffsets,
  qWatchpointSupportInfo,
  qSupported,
  QStartNoAckMode,
  qSymbol,
  QThreadEvents,
  qTStatus,
  qXfer,
  vMustReplyEmpty,
} from './connection-handlers.js';
import { qMemoryRegionInfo, readMemory, writeMemory } from './memory-handlers.js';
import { monitor } from './monitor-handler.js';
import { detach, kill, restart, vKill, vRun } from './process-handlers.js';
import { readRegister, readRegisters, writeRegister, writeRegisters } from './register-handlers.js';
import { continueHandler, haltReason, reverse, step, vCont, vContQuery } from './run-handlers.js';
import {
  qAttached,
  qC,
  qfThreadInfo,
  qsThreadInfo,
  qThreadExtraInfo,
  setThread,
  threadAlive,
} from './thread-handlers.js';

type Handlers = {
  readonly [K in Packet['kind']]: (p: Extract<Packet, { kind: K }>, s: HandlerContext) => HandlerResult;
};

export const handlers: Handlers = {
  qSupported,
  QStartNoAckMode,
  vMustReplyEmpty,
  qXfer,
  qTStatus,
  haltReason,
  qfThreadInfo,
  qsThreadInfo,
  qC,
  qAttached,
  setThread,
  threadAlive,
  qOffsets,
  qSymbol,
  readRegisters,
  writeRegisters,
  readRegister,
  writeRegister,
  readMemory,
  writeMemory,
  continue: continueHandler,
  step,
  reverse,
  vContQuery,
  vCont,
  insertBreakpoint,
  removeBreakpoint,
  detach,
  kill,
  restart,
  vRun,
  extendedMode,
  monitor,
  vKill,
  QThreadEvents,
  qThreadExtraInfo,
  qHostInfo,
  qWatchpointSupportInfo,
  qMemoryRegionInfo,
};

/** Runs the handler for a parsed packet: unknown packets get the empty reply, malformed ones an error. */
export function dispatchPacket(packet: ParsedPacket, s: HandlerContext): HandlerResult {
  if (packet.kind === 'unknown') return empty();
  if (packet.kind === 'malformed')
    throw new SessionError('MalformedPacket', `${packet.name}: ${packet.reason} in ${packet.field}`);
  const handler = handlers[packet.kind] as (p: Packet, s: HandlerContext) => HandlerResult;
  return handler(packet, s);
}
