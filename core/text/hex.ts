// Numbers as people read them in messages, reports and logs: one spelling everywhere.

/** 0x-prefixed lowercase hex, zero-padded to `digits` digits (0x40080000, hex(esr, 8) = 0x93c08007). */
export function hex(value: bigint | number, digits = 0): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}

/** Lowercase hex digits without a prefix (values of stop-reply keys, which gdb reads as hex). */
export function hexDigits(value: bigint): string {
  return value.toString(16);
}
