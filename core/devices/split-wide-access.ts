// QEMU's memory core (access_with_adjusted_size) hands a device whose MemoryRegionOps leave impl.max_access_size
// unset at most 4 bytes per call: a 64-bit guest access reaches it as two 32-bit accesses, low address first.

/** A device register handler that QEMU calls with 1, 2 or 4 bytes. */
export type NarrowRead = (offset: bigint, width: number) => bigint;
export type NarrowWrite = (offset: bigint, width: number, value: bigint) => void;

/** Keeps the low `width` bytes of `value`. */
export function truncateToWidth(value: bigint, width: number): bigint {
  return BigInt.asUintN(width * 8, value);
}

/** Reads `width` bytes through `read`, as two 4-byte reads (low half first) when `width` is 8. */
export function readSplitIntoWords(offset: bigint, width: number, read: NarrowRead): bigint {
  if (width !== 8) return truncateToWidth(read(offset, width), width);
  const low = truncateToWidth(read(offset, 4), 4);
  const high = truncateToWidth(read(offset + 4n, 4), 4);
  return (high << 32n) | low;
}

/** Writes `width` bytes through `write`, as two 4-byte writes (low half first) when `width` is 8. */
export function writeSplitIntoWords(offset: bigint, width: number, value: bigint, write: NarrowWrite): void {
  if (width !== 8) {
    write(offset, width, truncateToWidth(value, width));
    return;
  }
  write(offset, 4, truncateToWidth(value, 4));
  write(offset + 4n, 4, truncateToWidth(value >> 32n, 4));
}
