import { UC_ARM64_REG } from './constants.js';

/** unicorn's register id of Xn (0..30): X0..X28 are contiguous, X29 and X30 are not. */
export function xRegisterId(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`x${n} is not a general-purpose register (0..30)`);
  return n === 29 ? UC_ARM64_REG.X29 : n === 30 ? UC_ARM64_REG.X30 : UC_ARM64_REG.X0 + n;
}
