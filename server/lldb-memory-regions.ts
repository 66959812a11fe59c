// The memory regions lldb reads with qMemoryRegionInfo (an lldb extension; gdb reads the memory map). lldb walks them
// from address 0 by their ends to find addresses for the scratch memory of every expression (`p $pc`): the walk only
// stops in a region with no permissions and room to spare, so the regions carry one hole, and they end at
// 0xffffffffffffffff (LLDB_INVALID_ADDRESS): a region ending at 2^64 wraps to 0 and the walk starts over, forever.
import type { MemoryMapRegion } from './memory-map.js';

/** A region of the memory map as lldb sees it. */
export interface LldbMemoryRegion extends MemoryMapRegion {
  /** Readable, writable and executable; false for the hole. */
  readonly mapped: boolean;
}

/**
 * No address with bit 55 clear and any of bits 54:52 set translates, whatever the configuration: virtual addresses
 * have at most 52 bits (FEAT_LVA) below the tag byte and bit 55 (which selects TTBR1), and so do physical and
 * intermediate physical addresses.
 */
const HOLE_START = 1n << 52n;
const HOLE_END = 1n << 55n;
const LLDB_INVALID_ADDRESS = (1n << 64n) - 1n;

/** The memory map's regions, cut at the hole and at 0xffffffffffffffff (a one-byte region of its own). */
export function lldbMemoryRegions(regions: readonly MemoryMapRegion[]): LldbMemoryRegion[] {
  const cuts = [HOLE_START, HOLE_END, LLDB_INVALID_ADDRESS];
  return regions.flatMap((r) => {
    const end = r.start + r.length;
    const points = [r.start, ...cuts.filter((c) => c > r.start && c < end), end];
    return points.slice(0, -1).map((start, i): LldbMemoryRegion => {
      const hole = start >= HOLE_START && start < HOLE_END;
      return {
        start,
        length: points[i + 1]! - start,
        what: hole ? 'no address translates here (bits 54:52 of a VA, IPA or PA)' : r.what,
        mapped: !hole,
      };
    });
  });
}

/** The region holding `addr`: there always is one, since the regions cover the whole 64-bit space. */
export function lldbMemoryRegionAt(regions: readonly LldbMemoryRegion[], addr: bigint): LldbMemoryRegion {
  const region = regions.find((r) => addr >= r.start && addr - r.start < r.length);
  if (!region) throw new Error(`no memory region holds 0x${addr.toString(16)}`);
  return region;
}
