// Field readers shared by the packet parsers. A bad field throws MalformedField, which
// parsePacket turns into a `malformed` value; nothing here escapes the protocol module.
import { decodeHex, hexDigitValue } from './hex.js';
import { parseThreadId, type ThreadId } from './thread-id.js';

export type MalformedReason =
  /** A required field is absent. */
  | 'MissingField'
  /** A number field is empty or has a non-hex digit. */
  | 'BadHexNumber'
  /** A number does not fit: more than 64 bits for an address, or above the field's limit. */
  | 'NumberTooLarge'
  /** Hex-encoded data has an odd length or a non-hex digit. */
  | 'BadHexData'
  /** The data's length differs from the length field. */
  | 'LengthMismatch'
  | 'BadThreadId'
  /** A field holds a value outside the set the protocol defines (a Z type, an H operation, a vCont action...). */
  | 'BadValue'
  /** Bytes follow the last field. */
  | 'TrailingCharacters';

export class MalformedField extends Error {
  constructor(
    readonly reason: MalformedReason,
    readonly field: string,
  ) {
    super(`${reason} in ${field}`);
    this.name = 'MalformedField';
  }
}

const MAX_U64_DIGITS = 16;
/** Lengths, offsets and counts: bounded by what fits a 32-bit length. */
export const MAX_LENGTH = 0xffffffff;

/** A hex address or 64-bit value; leading zeros are allowed, more than 64 significant bits are not. */
export function readU64(text: string | undefined, field: string): bigint {
  const digits = requireHexDigits(text, field).replace(/^0+(?=.)/, '');
  if (digits.length > MAX_U64_DIGITS) throw new MalformedField('NumberTooLarge', field);
  return BigInt(`0x${digits}`);
}

/** A hex count, length, register number or signal no larger than `max`. */
export function readNumber(text: string | undefined, field: string, max = MAX_LENGTH): number {
  const digits = requireHexDigits(text, field).replace(/^0+(?=.)/, '');
  if (digits.length > 8 || parseInt(digits, 16) > max) throw new MalformedField('NumberTooLarge', field);
  return parseInt(digits, 16);
}

function requireHexDigits(text: string | undefined, field: string): string {
  if (text === undefined) throw new MalformedField('MissingField', field);
  if (text.length === 0) throw new MalformedField('BadHexNumber', field);
  for (let i = 0; i < text.length; i++) {
    if (hexDigitValue(text.charCodeAt(i)) < 0) throw new MalformedField('BadHexNumber', field);
  }
  return text;
}

/** Bytes from hex-encoded data (a string or ASCII bytes). */
export function readHexBytes(hex: string | Uint8Array, field: string): Uint8Array {
  const decoded = decodeHex(hex);
  if (decoded.kind !== 'bytes') throw new MalformedField('BadHexData', field);
  return decoded.bytes;
}

/** Text from hex-encoded UTF-8 (qRcmd commands, vRun arguments, symbol names). */
export function readHexText(hex: string, field: string): string {
  return new TextDecoder('utf-8').decode(readHexBytes(hex, field));
}

export function readThreadId(text: string | undefined, field: string): ThreadId {
  if (text === undefined) throw new MalformedField('MissingField', field);
  const thread = parseThreadId(text);
  if (thread === undefined) throw new MalformedField('BadThreadId', field);
  return thread;
}

/** Splits `text` at `separator` into exactly `count` fields. */
export function splitFields(text: string, separator: string, count: number, field: string): string[] {
  const parts = text.split(separator);
  if (parts.length < count) throw new MalformedField('MissingField', field);
  if (parts.length > count) throw new MalformedField('TrailingCharacters', field);
  return parts;
}

/** `rest` must be empty: for packets without arguments. */
export function expectNoArguments(rest: string): void {
  if (rest.length > 0) throw new MalformedField('TrailingCharacters', 'arguments');
}

/** `rest` must start with `prefix`; returns what follows it. */
export function expectPrefix(rest: string, prefix: string, field: string): string {
  if (!rest.startsWith(prefix)) throw new MalformedField('MissingField', field);
  return rest.slice(prefix.length);
}
