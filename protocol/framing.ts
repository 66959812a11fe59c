// RSP framing: `$payload#cs` packets, `+`/`-` acks and the 0x03 interrupt byte, both ways.
// Decoding follows gdb's reader (remote.c read_frame): run-length `*` is expanded on the raw
// (still escaped) characters, and `}` escapes are removed from the expanded stream. The encoder
// does the mirror image, so a run may include the second byte of an escape pair.
import { hexDigitValue } from './hex.js';

/** Largest payload we accept by default; the server advertises it to gdb as `PacketSize`. */
export const DEFAULT_MAX_PAYLOAD = 0x4000;

export const ACK = 0x2b; // '+'
export const NACK = 0x2d; // '-'
export const INTERRUPT = 0x03;
const PACKET_START = 0x24; // '$'
const PACKET_END = 0x23; // '#'
const ESCAPE = 0x7d; // '}'
const RUN_LENGTH = 0x2a; // '*'
const ESCAPE_XOR = 0x20;

/** Run-length counts are sent as count + 29; the manual allows printable characters only. */
const RUN_COUNT_OFFSET = 29;
const MIN_RUN_COUNT_CHAR = 0x20;
const MAX_RUN_COUNT_CHAR = 0x7e;

/** What each framing error code carries. */
export interface FramingErrorDetails {
  /** The checksum digits do not match the sum of the bytes between `$` and `#`. */
  BadChecksum: { computed: number; received: number };
  /** One of the two bytes after `#` is not a hex digit. */
  BadChecksumDigits: { received: [number, number] };
  /**
   * The frame body or its decoded payload exceeded the limit and the frame was discarded.
   * `length` counts raw body bytes, so it can be below `limit` when run-length expansion overflowed.
   */
  PacketTooLong: { limit: number; length: number };
  /** A `$` arrived before the current frame ended; the bytes so far were dropped. */
  TruncatedPacket: { length: number };
  /** A `*` with nothing before it, or a repeat-count byte outside ' '..'~' (or `#`). */
  BadRunLength: { offset: number; countByte: number };
  /** The payload ended in the middle of a `}` escape. */
  DanglingEscape: { length: number };
  /** Bytes outside a packet other than `+`, `-`, 0x03 and `$`; reported once per run. */
  GarbageBeforePacket: { firstByte: number };
}

export type FramingErrorCode = keyof FramingErrorDetails;

export type FramingError = {
  [C in FramingErrorCode]: { kind: 'error'; code: C; detail: FramingErrorDetails[C] };
}[FramingErrorCode];

export type DecoderEvent =
  /** A frame with a good checksum; payload is unescaped and run-length expanded. */
  | { kind: 'packet'; payload: Uint8Array }
  | { kind: 'ack' }
  | { kind: 'nack' }
  /** 0x03 outside a packet (inside one it is data). */
  | { kind: 'interrupt' }
  | FramingError;

export interface PacketDecoderOptions {
  /** Largest frame body and decoded payload, in bytes. */
  maxPayload?: number;
}

type DecoderState = 'idle' | 'garbage' | 'body' | 'runCount' | 'checksum' | 'discard' | 'discardChecksum';

/** Turns a byte stream into packets, acks, interrupts and framing errors. `feed` never throws. */
export class PacketDecoder {
  readonly maxPayload: number;
  private state: DecoderState = 'idle';
  private payload: Uint8Array;
  private payloadLength = 0;
  /** Bytes between `$` and `#` so far, as sent (escaped, run-length encoded). */
  private rawLength = 0;
  private sum = 0;
  /** The last raw character a `*` would repeat, or -1 at the start of the frame. */
  private lastRaw = -1;
  private escapePending = false;
  private firstProblem: FramingError | undefined;
  private checksumDigits: number[] = [];

  constructor(options: PacketDecoderOptions = {}) {
    this.maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isSafeInteger(this.maxPayload) || this.maxPayload < 1) {
      throw new RangeError(`PacketDecoder: maxPayload must be a positive integer, not ${this.maxPayload}`);
    }
    this.payload = new Uint8Array(Math.min(this.maxPayload, 1024));
  }

  /** Consumes `chunk` and returns the events it completes, in stream order. */
  feed(chunk: Uint8Array): DecoderEvent[] {
    const events: DecoderEvent[] = [];
    for (let i = 0; i < chunk.length; i++) this.consume(chunk[i]!, events);
    return events;
  }

  private consume(byte: number, events: DecoderEvent[]): void {
    if (byte === PACKET_START && this.state !== 'idle' && this.state !== 'garbage') {
      events.push(
        this.state === 'discard' || this.state === 'discardChecksum'
          ? this.tooLong()
          : error('TruncatedPacket', { length: this.rawLength }),
      );
      this.startFrame();
      return;
    }
    switch (this.state) {
      case 'idle':
      case 'garbage':
        return this.consumeBetweenPackets(byte, events);
      case 'body':
        return this.consumeBody(byte);
      case 'runCount':
        return this.consumeRunCount(byte);
      case 'checksum':
        return this.consumeChecksum(byte, events);
      case 'discard':
        if (byte === PACKET_END) this.state = 'discardChecksum';
        else this.rawLength++;
        return;
      case 'discardChecksum':
        this.checksumDigits.push(byte);
        if (this.checksumDigits.length === 2) {
          events.push(this.tooLong());
          this.state = 'idle';
        }
        return;
      default:
        return assertNever(this.state);
    }
  }

  private consumeBetweenPackets(byte: number, events: DecoderEvent[]): void {
    switch (byte) {
      case PACKET_START:
        return this.startFrame();
      case ACK:
        events.push({ kind: 'ack' });
        break;
      case NACK:
        events.push({ kind: 'nack' });
        break;
      case INTERRUPT:
        events.push({ kind: 'interrupt' });
        break;
      default:
        if (this.state === 'idle') events.push(error('GarbageBeforePacket', { firstByte: byte }));
        this.state = 'garbage';
        return;
    }
    this.state = 'idle';
  }

  private consumeBody(byte: number): void {
    if (byte === PACKET_END) {
      this.state = 'checksum';
      return;
    }
    if (!this.countRaw(byte)) return;
    if (byte === RUN_LENGTH) {
      this.state = 'runCount';
      return;
    }
    this.lastRaw = byte;
    this.unescape(byte);
  }

  private consumeRunCount(byte: number): void {
    // '#' may not be a count (it would end the frame in a reader that does not track `*`), so it ends the frame here.
    const badCount = byte < MIN_RUN_COUNT_CHAR || byte > MAX_RUN_COUNT_CHAR || byte === PACKET_END;
    if (badCount || this.lastRaw < 0)
      this.noteProblem(error('BadRunLength', { offset: this.rawLength, countByte: byte }));
    if (byte === PACKET_END) {
      this.state = 'checksum';
      return;
    }
    this.state = 'body';
    if (!this.countRaw(byte) || badCount || this.lastRaw < 0) return;
    for (let n = byte - RUN_COUNT_OFFSET; n > 0 && this.state === 'body'; n--) this.unescape(this.lastRaw);
  }

  private consumeChecksum(byte: number, events: DecoderEvent[]): void {
    this.checksumDigits.push(byte);
    if (this.checksumDigits.length < 2) return;
    this.state = 'idle';
    events.push(this.finishFrame());
  }

  private finishFrame(): DecoderEvent {
    const [c1, c2] = this.checksumDigits as [number, number];
    const hi = hexDigitValue(c1);
    const lo = hexDigitValue(c2);
    if (hi < 0 || lo < 0) return error('BadChecksumDigits', { received: [c1, c2] });
    const received = (hi << 4) | lo;
    if (received !== this.sum) return error('BadChecksum', { computed: this.sum, received });
    if (this.firstProblem) return this.firstProblem;
    if (this.escapePending) return error('DanglingEscape', { length: this.rawLength });
    return { kind: 'packet', payload: this.payload.slice(0, this.payloadLength) };
  }

  private startFrame(): void {
    this.state = 'body';
    this.payloadLength = 0;
    this.rawLength = 0;
    this.sum = 0;
    this.lastRaw = -1;
    this.escapePending = false;
    this.firstProblem = undefined;
    this.checksumDigits = [];
  }

  /** Adds a raw body byte to the checksum; false when the frame just became too long. */
  private countRaw(byte: number): boolean {
    this.sum = (this.sum + byte) & 0xff;
    this.rawLength++;
    if (this.rawLength <= this.maxPayload) return true;
    this.state = 'discard';
    return false;
  }

  private unescape(byte: number): void {
    if (this.escapePending) {
      this.escapePending = false;
      this.append(byte ^ ESCAPE_XOR);
    } else if (byte === ESCAPE) {
      this.escapePending = true;
    } else {
      this.append(byte);
    }
  }

  private append(byte: number): void {
    if (this.payloadLength >= this.maxPayload) {
      this.state = 'discard';
      return;
    }
    if (this.payloadLength === this.payload.length) {
      const grown = new Uint8Array(Math.min(this.maxPayload, this.payload.length * 2));
      grown.set(this.payload);
      this.payload = grown;
    }
    this.payload[this.payloadLength++] = byte;
  }

  private noteProblem(problem: FramingError): void {
    this.firstProblem ??= problem;
  }

  private tooLong(): FramingError {
    return error('PacketTooLong', { limit: this.maxPayload, length: this.rawLength });
  }
}

function error<C extends FramingErrorCode>(code: C, detail: FramingErrorDetails[C]): FramingError {
  return { kind: 'error', code, detail } as FramingError;
}

function assertNever(value: never): never {
  throw new Error(`unreachable: ${String(value)}`);
}

export interface EncodePacketOptions {
  /** Compress runs of 4 or more identical characters with `*` (worth it for large hex replies). */
  runLength?: boolean;
}

/** The largest extra-repeat count: '~' (126) - 29. */
const MAX_RUN_COUNT = MAX_RUN_COUNT_CHAR - RUN_COUNT_OFFSET;
const MIN_RUN_COUNT = MIN_RUN_COUNT_CHAR - RUN_COUNT_OFFSET;

/**
 * Count characters we never send. The manual forbids '#' (6) and '$' (7); we also skip '+', '-',
 * '*' and '}' so that a reader which scans for acks or escapes before expanding runs still copes.
 */
const AVOIDED_COUNT_CHARS = new Set([PACKET_END, PACKET_START, ACK, NACK, RUN_LENGTH, ESCAPE]);

const HEX_CHAR = new TextEncoder().encode('0123456789abcdef');
const UTF8 = new TextEncoder();

/** `$payload#cs` with `$`, `#`, `}` and `*` escaped; strings are sent as UTF-8. */
export function encodePacket(payload: Uint8Array | string, options: EncodePacketOptions = {}): Uint8Array {
  const bytes = typeof payload === 'string' ? UTF8.encode(payload) : payload;
  const escaped = escapePayload(bytes);
  const body = options.runLength ? runLengthEncode(escaped) : escaped;
  const out = new Uint8Array(body.length + 4);
  out[0] = PACKET_START;
  out.set(body, 1);
  const sum = checksum(body);
  out[body.length + 1] = PACKET_END;
  out[body.length + 2] = HEX_CHAR[(sum >> 4) & 15]!;
  out[body.length + 3] = HEX_CHAR[sum & 15]!;
  return out;
}

/** The modulo-256 sum of `body`'s bytes (the checksum after `#`), 8 bytes at a time where the buffer allows. */
function checksum(body: Uint8Array): number {
  let sum = 0;
  let i = 0;
  if (body.byteOffset % 4 === 0 && body.length >= 64) {
    // Four byte lanes summed in parallel: each lane of (w & 0x00ff00ff) and ((w >> 8) & 0x00ff00ff) holds a sum of
    // at most 255 * 128 (< 2^16) between folds, so no lane overflows into the next.
    const words = new Uint32Array(body.buffer, body.byteOffset, body.length >> 2);
    for (let w = 0; w < words.length;) {
      let lanes = 0;
      const end = Math.min(words.length, w + 128);
      for (; w < end; w++) {
        const v = words[w]!;
        lanes += (v & 0x00ff00ff) + ((v >>> 8) & 0x00ff00ff);
      }
      sum += (lanes & 0xffff) + (lanes >>> 16);
    }
    i = words.length << 2;
  }
  for (; i < body.length; i++) sum += body[i]!;
  return sum & 0xff;
}

/** Bytes a packet body cannot carry as they are. */
const ESCAPED_BYTES = [PACKET_START, PACKET_END, ESCAPE, RUN_LENGTH] as const;

function needsEscape(byte: number): boolean {
  return byte === PACKET_START || byte === PACKET_END || byte === ESCAPE || byte === RUN_LENGTH;
}

function escapePayload(bytes: Uint8Array): Uint8Array {
  // Most payloads (hex) have nothing to escape: four native scans decide that without a JS loop over the bytes.
  if (ESCAPED_BYTES.every((b) => bytes.indexOf(b) < 0)) return bytes;
  let extra = 0;
  for (let i = 0; i < bytes.length; i++) if (needsEscape(bytes[i]!)) extra++;
  const out = new Uint8Array(bytes.length + extra);
  let j = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (needsEscape(b)) {
      out[j++] = ESCAPE;
      out[j++] = b ^ ESCAPE_XOR;
    } else {
      out[j++] = b;
    }
  }
  return out;
}

/**
 * Each run becomes `c*N`, where N is the count of extra repeats plus 29, split so N stays allowed. Bytes outside
 * runs of 4 or more are copied in slices (random data, such as most memory dumps, has almost no runs).
 */
function runLengthEncode(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length); // never grows: a run shrinks or is copied as is
  let j = 0;
  let copied = 0; // body[copied..i) is still to be copied as is
  let i = 0;
  const n = body.length;
  while (i + 3 < n) {
    // A run of 4 starting at i, i+1 or i+2 needs body[i+2] === body[i+3]; one at i or i+1 needs body[i+1] ===
    // body[i+2]: skipping by what failed finds the same first run with about a third of the comparisons.
    const c = body[i]!;
    if (body[i + 3] !== body[i + 2]) {
      i += 3;
      continue;
    }
    if (body[i + 2] !== body[i + 1]) {
      i += 2;
      continue;
    }
    if (body[i + 1] !== c) {
      i++;
      continue;
    }
    out.set(body.subarray(copied, i), j);
    j += i - copied;
    let run = 4;
    while (i + run < n && body[i + run] === c) run++;
    i += run;
    copied = i;
    while (run > 0) {
      out[j++] = c;
      const extra = allowedRunCount(run - 1);
      if (extra < MIN_RUN_COUNT) {
        run--;
        continue;
      }
      out[j++] = RUN_LENGTH;
      out[j++] = extra + RUN_COUNT_OFFSET;
      run -= extra + 1;
    }
  }
  out.set(body.subarray(copied), j);
  j += n - copied;
  return out.slice(0, j);
}

/** The largest allowed count not above `wanted`, or 0 when no count of 3 or more is allowed. */
function allowedRunCount(wanted: number): number {
  for (let n = Math.min(wanted, MAX_RUN_COUNT); n >= MIN_RUN_COUNT; n--) {
    if (!AVOIDED_COUNT_CHARS.has(n + RUN_COUNT_OFFSET)) return n;
  }
  return 0;
}
