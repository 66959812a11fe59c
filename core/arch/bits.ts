// Field extraction in the Arm ARM's x<hi:lo> notation, on 64-bit values held as bigint.

/** A field's bit positions [hi:lo], as the Arm ARM writes them. */
export type BitField = readonly [hi: number, lo: number];

/** Returns bits [hi:lo] of x (the Arm ARM's x<hi:lo>), shifted down to bit 0. */
export function bits(x: bigint, hi: number, lo: number): bigint {
  return (x >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
}
