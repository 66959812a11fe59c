// Stop replies (`T`, `W`, `X`): what gdb hears when the target stops, exits or is killed.
import { encodeHex, formatHexNumber } from './hex.js';
import { ReplyEncodingError, encodeByte } from './reply-encoding-error.js';
import { encodeThreadId, type ThreadId } from './thread-id.js';

/** Only send a reason gdb offered in its qSupported (`swbreak+`, `hwbreak+`); watch reasons are always understood. */
export type StopReason =
  | { kind: 'swbreak' }
  | { kind: 'hwbreak' }
  | { kind: 'watch' | 'rwatch' | 'awatch'; addr: bigint }
  /** Reverse execution reached the beginning or the end of the recording. */
  | { kind: 'replaylog'; at: 'begin' | 'end' };

/** A register sent along with the stop so gdb need not ask for it; `value` is in target byte order. */
export interface ExpeditedRegister {
  regnum: number;
  value: Uint8Array;
}

export type StopReply =
  | {
      kind: 'signal';
      signal: number;
      thread?: ThreadId;
      reason?: StopReason;
      registers?: readonly ExpeditedRegister[];
      /** More `key:value;` pairs; gdb ignores keys it does not know. */
      extra?: readonly (readonly [key: string, value: string])[];
    }
  /** `W`: the process exited with `code`. */
  | { kind: 'exited'; code: number; pid?: number }
  /** `X`: the process was terminated by `signal`. */
  | { kind: 'terminated'; signal: number; pid?: number };

/** `T05thread:p01.01;...`, `W00[;process:pid]` or `X09[;process:pid]`. */
export function encodeStopReply(stop: StopReply): Uint8Array {
  return new TextEncoder().encode(stopReplyText(stop));
}

function stopReplyText(stop: StopReply): string {
  switch (stop.kind) {
    case 'signal':
      return signalStopText(stop);
    case 'exited':
      return `W${encodeByte(stop.code, 'exit code')}${processSuffix(stop.pid)}`;
    case 'terminated':
      return `X${encodeByte(stop.signal, 'signal')}${processSuffix(stop.pid)}`;
    default: {
      const never: never = stop;
      return never;
    }
  }
}

function signalStopText(stop: Extract<StopReply, { kind: 'signal' }>): string {
  const parts = [`T${encodeByte(stop.signal, 'signal')}`];
  if (stop.thread) parts.push(`thread:${encodeThreadId(stop.thread)};`);
  if (stop.reason) parts.push(stopReasonText(stop.reason));
  for (const { regnum, value } of stop.registers ?? [])
    parts.push(`${formatHexNumber(regnum, 2)}:${encodeHex(value)};`);
  for (const [key, value] of stop.extra ?? []) {
    if (/[:;#$}*]/.test(key) || key === '')
      throw new ReplyEncodingError({ code: 'ReservedCharacter', field: 'stop reply key', text: key });
    if (/[;#$}*]/.test(value))
      throw new ReplyEncodingError({ code: 'ReservedCharacter', field: 'stop reply value', text: value });
    parts.push(`${key}:${value};`);
  }
  return parts.join('');
}

function stopReasonText(reason: StopReason): string {
  switch (reason.kind) {
    case 'swbreak':
    case 'hwbreak':
      return `${reason.kind}:;`;
    case 'watch':
    case 'rwatch':
    case 'awatch':
      return `${reason.kind}:${formatHexNumber(BigInt.asUintN(64, reason.addr))};`;
    case 'replaylog':
      return `replaylog:${reason.at};`;
    default: {
      const never: never = reason;
      return never;
    }
  }
}

function processSuffix(pid: number | undefined): string {
  return pid === undefined ? '' : `;process:${formatHexNumber(pid)}`;
}
