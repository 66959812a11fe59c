// Hex text as the remote protocol uses it: two lowercase digits per byte, most significant nibble
// first. Table-driven so `g`/`m` replies of a few KiB do not build strings byte by byte.

const HEX_DIGITS = '0123456789abcdef';

/** ASCII code of each nibble's lowercase digit. */
const NIBBLE_CHAR: Uint8Array = Uint8Array.from(HEX_DIGITS, (c) => c.charCodeAt(0));

/** Two-character hex text of every byte value. */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!);

/** Value of each ASCII hex digit (either case); -1 for anything else. */
const DIGIT_VALUE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 16; i++) {
    table[HEX_DIGITS.charCodeAt(i)] = i;
    table[HEX_DIGITS.toUpperCase().charCodeAt(i)] = i;
  }
  return table;
})();

/** The value of one ASCII hex digit (either case), or -1 when `code` is not one. */
export function hexDigitValue(code: number): number {
  return code >= 0 && code < 256 ? DIGIT_VALUE[code]! : -1;
}

/**
 * The two ASCII digits of each byte value as one 16-bit unit in the host's byte order: an encode is one table load and
 * one 16-bit store per byte (no intermediate string, ~4x Node's `toString('hex')` plus `Buffer.from` on 64 KiB).
 */
const BYTE_DIGITS_U16: Uint16Array = (() => {
  const table = new Uint16Array(256);
  const pair = new Uint8Array(table.buffer);
  for (let b = 0; b < 256; b++) {
    pair[2 * b] = NIBBLE_CHAR[b >> 4]!;
    pair[2 * b + 1] = NIBBLE_CHAR[b & 15]!;
  }
  return table;
})();

/** ASCII hex of `bytes`, as bytes ready to go into a packet payload. */
export function encodeHexBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  const units = new Uint16Array(out.buffer, 0, bytes.length);
  for (let i = 0; i < bytes.length; i++) units[i] = BYTE_DIGITS_U16[bytes[i]!]!;
  return out;
}

/** Hex text of `bytes`. */
export function encodeHex(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = BYTE_HEX[bytes[i]!]!;
  return parts.join('');
}

export type HexDecodeResult =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'invalid'; problem: 'OddLength'; length: number }
  | { kind: 'invalid'; problem: 'BadDigit'; offset: number };

/** Bytes from hex text (a string or its ASCII bytes), either case, two digits per byte. */
export function decodeHex(hex: string | Uint8Array): HexDecodeResult {
  const length = hex.length;
  if (length % 2 !== 0) return { kind: 'invalid', problem: 'OddLength', length };
  const charAt = typeof hex === 'string' ? (i: number) => hex.charCodeAt(i) : (i: number) => hex[i]!;
  const bytes = new Uint8Array(length / 2);
  for (let i = 0; i < length; i += 2) {
    const hi = hexDigitValue(charAt(i));
    const lo = hexDigitValue(charAt(i + 1));
    if (hi < 0 || lo < 0) return { kind: 'invalid', problem: 'BadDigit', offset: hi < 0 ? i : i + 1 };
    bytes[i / 2] = (hi << 4) | lo;
  }
  return { kind: 'bytes', bytes };
}

/** `value` as `size` little-endian bytes; bits above `size * 8` are dropped. */
export function bigintToLeBytes(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The unsigned value of little-endian `bytes`. */
export function leBytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** A 64-bit register value as the 16 hex digits gdb expects in `g`/`p` (target byte order: little-endian). */
export function u64ToLeHex(value: bigint): string {
  return encodeHex(bigintToLeBytes(value, 8));
}

/** A 32-bit register value (CPSR, FPSR, FPCR) as 8 little-endian hex digits. */
export function u32ToLeHex(value: bigint): string {
  return encodeHex(bigintToLeBytes(value, 4));
}

/** The unsigned value of little-endian hex text, or undefined when it is not valid hex. */
export function leHexToBigint(hex: string): bigint | undefined {
  const decoded = decodeHex(hex);
  return decoded.kind === 'bytes' ? leBytesToBigint(decoded.bytes) : undefined;
}

/** Big-endian hex digits of a non-negative number, at least `minDigits` long (the form of addresses and counts). */
export function formatHexNumber(value: number | bigint, minDigits = 1): string {
  return value.toString(16).padStart(minDigits, '0');
}
