// Checks and searches on half-open IPA ranges, with RITM's rules (src/stage2.rs validate_range,
// checked_range_end, page_ranges_overlap, MemoryAccessHandlerRegistry::find).
import type { Stage2ConfigError, Stage2BuilderMisuse } from './stage2-errors.js';
import { STAGE2_IPA_LIMIT } from './stage2-vtcr.js';
import type { IpaRange } from './stage2-types.js';

export const STAGE2_PAGE_SIZE = 0x1000n;
const U64_LIMIT = 1n << 64n;

/** Returns the misuse if `value` is not a u64, else null. */
export function checkU64Argument(argument: 'base' | 'size', value: bigint): Stage2BuilderMisuse | null {
  return value < 0n || value >= U64_LIMIT ? { code: 'ArgumentNotU64', argument, value } : null;
}

/** Returns RITM's validate_range error for [base, base + size), in RITM's order, else null. */
export function checkRangeShape(base: bigint, size: bigint): Stage2ConfigError | null {
  if (base % STAGE2_PAGE_SIZE !== 0n) return { code: 'RangeBaseNotPageAligned', base };
  if (size === 0n) return { code: 'EmptyRange', base };
  if (size % STAGE2_PAGE_SIZE !== 0n) return { code: 'RangeSizeNotPageMultiple', base, size };
  if (base + size >= U64_LIMIT) return { code: 'RangeEndOverflow', base, size };
  return null;
}

/** Returns RangeAddressNotRepresentable if the range ends above the 40-bit IPA space, else null. */
export function checkRangeRepresentable(base: bigint, size: bigint): Stage2ConfigError | null {
  return base + size > STAGE2_IPA_LIMIT ? { code: 'RangeAddressNotRepresentable', base, size } : null;
}

/** True if the half-open ranges share at least one byte; touching ranges do not overlap. */
export function ipaRangesOverlap(a: IpaRange, b: IpaRange): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** Returns the first range of `ranges` that overlaps `range`, or null. */
export function findOverlappingRange<R extends IpaRange>(ranges: readonly R[], range: IpaRange): R | null {
  return ranges.find((r) => ipaRangesOverlap(r, range)) ?? null;
}

/** Returns the range containing `ipa`, by binary search over non-overlapping ranges sorted by base. */
export function findContainingRange<R extends IpaRange>(sorted: readonly R[], ipa: bigint): R | null {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = sorted[mid];
    if (ipa < r.base) hi = mid;
    else if (ipa >= r.base + r.size) lo = mid + 1;
    else return r;
  }
  return null;
}

/** Returns the index at which `base` keeps `sorted` ordered by base (RITM's partition_point). */
export function sortedInsertIndex(sorted: readonly IpaRange[], base: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid].base < base) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Returns the plain {base, size} of a range, without whatever else it carries. */
export function toIpaRange(r: IpaRange): IpaRange {
  return Object.freeze({ base: r.base, size: r.size });
}
