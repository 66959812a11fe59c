/** Masks a value to `width` bits. */
export function maskToWidth(value: bigint, width: number): bigint {
  return BigInt.asUintN(width, value);
}

/**
 * What an emulated read writes to Rt (el2-model.md): with SSE and width < 64 sign-extend to 64 bits, then keep the
 * low 32 if SF = 0; otherwise mask to the width, and to 32 bits if SF = 0.
 */
export function extendReadValue(value: bigint, width: number, sse: boolean, sf: boolean): bigint {
  let v: bigint;
  if (sse && width < 64) v = BigInt.asUintN(64, BigInt.asIntN(width, value));
  else v = BigInt.asUintN(width, value);
  return sf ? v : v & 0xffff_ffffn;
}
