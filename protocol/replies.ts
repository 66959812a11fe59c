// Reply payloads, unframed: encodePacket adds `$`, `#`, the checksum and escapes binary data.
import { DEFAULT_MAX_PAYLOAD } from './framing.js';
import { encodeHex, encodeHexBytes } from './hex.js';
import { ReplyEncodingError, encodeByte } from './reply-encoding-error.js';
import { encodeThreadId, type ThreadId } from './thread-id.js';

export { ReplyEncodingError, type ReplyEncodingErrorCode, type ReplyEncodingProblem } from './reply-encoding-error.js';
export { encodeStopReply, type ExpeditedRegister, type StopReason, type StopReply } from './stop-reply.js';

/** An unframed reply payload. */
export type Reply = Uint8Array;

const UTF8 = new TextEncoder();

/** `OK` */
export function encodeOkReply(): Reply {
  return UTF8.encode('OK');
}

/** The empty reply: "this packet is not supported". */
export function encodeEmptyReply(): Reply {
  return new Uint8Array(0);
}

/** `Exx` with a two-digit hex error number. */
export function encodeErrorReply(errno: number): Reply {
  return UTF8.encode(`E${encodeByte(errno, 'error number')}`);
}

/** Hex of `bytes`, for `g`, `p` and `m`. */
export function encodeHexReply(bytes: Uint8Array): Reply {
  return encodeHexBytes(bytes);
}

/** Hex of UTF-8 text, for qThreadExtraInfo and a qRcmd answered in one reply. */
export function encodeHexTextReply(text: string): Reply {
  return encodeHexBytes(UTF8.encode(text));
}

/** `O` + hex of `text`: gdb prints it while it waits for a stop reply or the end of a qRcmd. */
export function encodeConsoleOutput(text: string): Reply {
  return withPrefix(0x4f, encodeHexBytes(UTF8.encode(text)));
}

/** `text` as `O` packets of at most `maxPayload` bytes each, split between UTF-8 characters. */
export function encodeConsoleOutputReplies(text: string, maxPayload = DEFAULT_MAX_PAYLOAD): Reply[] {
  const bytes = UTF8.encode(text);
  const perPacket = Math.max(1, Math.floor((maxPayload - 1) / 2));
  const replies: Reply[] = [];
  for (let start = 0; start < bytes.length;) {
    let end = Math.min(bytes.length, start + perPacket);
    // Back off so a multi-byte character is not split across packets (10xxxxxx is a continuation byte).
    while (end < bytes.length && end > start + 1 && (bytes[end]! & 0xc0) === 0x80) end--;
    replies.push(withPrefix(0x4f, encodeHexBytes(bytes.subarray(start, end))));
    start = end;
  }
  return replies;
}

/** `m`/`l` + binary data: `l` when the chunk reaches the end of the document. */
export function encodeQXferChunk(data: Uint8Array, last: boolean): Reply {
  return withPrefix(last ? 0x6c : 0x6d, data);
}

/** The qXfer read reply for `length` bytes of `document` from `offset`. */
export function encodeQXferReply(document: Uint8Array, offset: number, length: number): Reply {
  const chunk = document.subarray(Math.min(offset, document.length), Math.min(offset + length, document.length));
  return encodeQXferChunk(chunk, offset + chunk.length >= document.length);
}

/** What we say about a feature in the qSupported reply. */
export type SupportedFeature = '+' | '-' | { value: string };

/** `PacketSize=4000;qXfer:features:read+;...` */
export function encodeQSupportedReply(features: Iterable<readonly [name: string, support: SupportedFeature]>): Reply {
  const items: string[] = [];
  for (const [name, support] of features) {
    const item = typeof support === 'string' ? `${name}${support}` : `${name}=${support.value}`;
    if (/[;#$}*]/.test(item))
      throw new ReplyEncodingError({ code: 'ReservedCharacter', field: 'qSupported feature', text: item });
    items.push(item);
  }
  return UTF8.encode(items.join(';'));
}

/** qfThreadInfo/qsThreadInfo: `m` + comma-separated ids, or `l` when there are no more. */
export function encodeThreadListReply(threads: readonly ThreadId[]): Reply {
  return UTF8.encode(threads.length === 0 ? 'l' : `m${threads.map(encodeThreadId).join(',')}`);
}

/** qC: `QC` + thread-id. */
export function encodeCurrentThreadReply(thread: ThreadId): Reply {
  return UTF8.encode(`QC${encodeThreadId(thread)}`);
}

/** qAttached: `1` when we attached to an existing process, `0` when we created it. */
export function encodeAttachedReply(attached: boolean): Reply {
  return UTF8.encode(attached ? '1' : '0');
}

export type VContActionLetter = 'c' | 'C' | 's' | 'S' | 't' | 'r';

/** `vCont;c;C;s;S`: the vCont actions we handle. */
export function encodeVContSupportedReply(actions: readonly VContActionLetter[]): Reply {
  return UTF8.encode(['vCont', ...actions].join(';'));
}

/** What we tell lldb about the target in qHostInfo. */
export interface HostInfo {
  readonly endian: 'little' | 'big';
  /** Pointer size in bytes. */
  readonly ptrsize: number;
  /** Whether a watchpoint stops before the access (AArch64) or after the instruction that made it (x86). */
  readonly watchpointExceptionsReceived: 'before' | 'after';
}

/** qHostInfo: `key:value;` pairs, as lldb-server sends them (lldb's docs/lldb-gdb-remote.txt). */
export function encodeHostInfoReply(info: HostInfo): Reply {
  return UTF8.encode(
    `endian:${info.endian};ptrsize:${info.ptrsize};watchpoint_exceptions_received:${info.watchpointExceptionsReceived};`,
  );
}

/** qWatchpointSupportInfo: `num:N;`, the number of watchpoints that can be set at once. */
export function encodeWatchpointSupportInfoReply(count: number): Reply {
  return UTF8.encode(`num:${count};`);
}

/** A memory region as lldb's qMemoryRegionInfo describes it. */
export interface MemoryRegionInfo {
  readonly start: bigint;
  readonly size: bigint;
  /** Some of `r`, `w`, `x`, in that order; empty for an unmapped region. */
  readonly permissions: string;
  /** Shown by lldb's `memory region`. */
  readonly name?: string;
}

/** qMemoryRegionInfo: `start:HEX;size:HEX;permissions:rwx;name:HEX-TEXT;` (lldb's docs/lldb-gdb-remote.txt). */
export function encodeMemoryRegionInfoReply(region: MemoryRegionInfo): Reply {
  const name = region.name === undefined ? '' : `name:${encodeHex(UTF8.encode(region.name))};`;
  const permissions = region.permissions === '' ? '' : `permissions:${region.permissions};`;
  return UTF8.encode(`start:${region.start.toString(16)};size:${region.size.toString(16)};${permissions}${name}`);
}

function withPrefix(prefix: number, data: Uint8Array): Reply {
  const out = new Uint8Array(data.length + 1);
  out[0] = prefix;
  out.set(data, 1);
  return out;
}
