// A model of the stage-2 identity map RITM builds with aarch64-paging's `IdMap::map_range`
// (root at level 0, 4 KiB granule, 40-bit IPA): the same block/table/invalid structure, so a
// walk meets an invalid entry at exactly the level the real tables would, without descriptors
// in guest memory. The mapper splits each range into chunks of the level's granule; a chunk
// that fills a whole entry becomes a block (levels 1 and 2 only: the crate never puts a block
// at level 0, and the 4 KiB granule has none there), anything else gets a subtable, and level 3
// holds pages. Entries no range touches stay invalid.
import { Stage2PolicyError, type Stage2ConfigError } from './stage2-errors.js';
import { checkRangeRepresentable, checkRangeShape, findOverlappingRange } from './ipa-range.js';
import { RITM_VTCR_EL2, STAGE2_IPA_LIMIT, vtcrStartLevel } from './stage2-vtcr.js';
import type { IpaRange, Stage2Level } from './stage2-types.js';

export type Stage2Walk<R extends IpaRange = IpaRange> =
  | { kind: 'mapped'; level: 1 | 2 | 3; blockBase: bigint; blockSize: bigint; range: R }
  /** The level of the invalid entry the walk meets; level 0 also for IPAs beyond 2^40. */
  | { kind: 'fault'; level: Stage2Level };

/** A block (levels 1-2) or page (level 3) the tables hold, in IPA order. */
export type Stage2Leaf<R extends IpaRange = IpaRange> = Readonly<{
  level: 1 | 2 | 3;
  base: bigint;
  size: bigint;
  range: R;
}>;

export interface Stage2Tables<R extends IpaRange = IpaRange> {
  /** Walks the tables for `ipa` from the root. */
  walk(ipa: bigint): Stage2Walk<R>;
  /** Every block and page, in IPA order. */
  leaves(): Stage2Leaf<R>[];
  /** Translation tables the mapper allocated, root included (4 KiB each). */
  readonly tableCount: number;
}

type Entry<R extends IpaRange> = { kind: 'leaf'; range: R } | { kind: 'table'; table: Table<R> };
type Table<R extends IpaRange> = { level: Stage2Level; entries: Map<number, Entry<R>> };

const ROOT_LEVEL: Stage2Level = vtcrStartLevel(RITM_VTCR_EL2) ?? 0;
const NEXT_LEVEL = { 0: 1, 1: 2, 2: 3 } as const;

/** Bytes one entry at `level` covers: 512 GiB, 1 GiB, 2 MiB, 4 KiB. */
export function stage2EntrySize(level: Stage2Level): bigint {
  return 1n << BigInt(12 + 9 * (3 - level));
}

function entryIndex(ipa: bigint, level: Stage2Level): number {
  return Number((ipa >> BigInt(12 + 9 * (3 - level))) & 0x1ffn);
}

/**
 * Builds the tables for `ranges`, mapping each in turn like `IdMap::map_range`. Throws
 * Stage2PolicyError if a range is malformed, beyond 2^40 or overlaps another.
 */
export function buildStage2Tables<R extends IpaRange>(ranges: readonly R[]): Stage2Tables<R> {
  const root: Table<R> = { level: ROOT_LEVEL, entries: new Map() };
  const counter = { tables: 1 };
  ranges.forEach((range, i) => {
    const problem =
      checkRangeShape(range.base, range.size) ??
      checkRangeRepresentable(range.base, range.size) ??
      overlapProblem(ranges.slice(0, i), range);
    if (problem !== null) throw new Stage2PolicyError(problem);
    mapRange(root, range.base, range.base + range.size, range, counter);
  });
  return {
    walk: (ipa) => walkTables(root, ipa),
    leaves: () => collectLeaves(root, 0n, []),
    tableCount: counter.tables,
  };
}

function overlapProblem(earlier: readonly IpaRange[], range: IpaRange): Stage2ConfigError | null {
  const existing = findOverlappingRange(earlier, range);
  return existing === null ? null : { code: 'AllowedRangeOverlap', requested: range, existing };
}

// aarch64-paging PageTableWithLevel::map_range, for valid identity mappings of disjoint ranges
// (so neither the "already mapped with these flags" shortcut nor block splitting can arise).
function mapRange<R extends IpaRange>(
  table: Table<R>,
  start: bigint,
  end: bigint,
  range: R,
  counter: { tables: number },
): void {
  const { level } = table;
  const granule = stage2EntrySize(level);
  for (let chunkStart = start; chunkStart < end;) {
    const chunkEnd = minBigInt(end, (chunkStart | (granule - 1n)) + 1n);
    const index = entryIndex(chunkStart, level);
    const entry = table.entries.get(index);
    const wholeEntry = chunkStart % granule === 0n && chunkEnd % granule === 0n;
    if (level === 3 || (level > 0 && wholeEntry && entry?.kind !== 'table')) {
      table.entries.set(index, { kind: 'leaf', range });
    } else {
      let sub = entry?.kind === 'table' ? entry.table : null;
      if (sub === null) {
        sub = { level: NEXT_LEVEL[level], entries: new Map() };
        table.entries.set(index, { kind: 'table', table: sub });
        counter.tables += 1;
      }
      mapRange(sub, chunkStart, chunkEnd, range, counter);
    }
    chunkStart = chunkEnd;
  }
}

function walkTables<R extends IpaRange>(root: Table<R>, ipa: bigint): Stage2Walk<R> {
  if (ipa < 0n || ipa >= STAGE2_IPA_LIMIT) return { kind: 'fault', level: root.level };
  let table = root;
  for (;;) {
    const entry = table.entries.get(entryIndex(ipa, table.level));
    if (entry === undefined) return { kind: 'fault', level: table.level };
    if (entry.kind === 'table') {
      table = entry.table;
      continue;
    }
    const level = table.level as 1 | 2 | 3; // leaves never sit at level 0
    const blockSize = stage2EntrySize(level);
    return { kind: 'mapped', level, blockBase: ipa - (ipa % blockSize), blockSize, range: entry.range };
  }
}

function collectLeaves<R extends IpaRange>(table: Table<R>, tableBase: bigint, out: Stage2Leaf<R>[]): Stage2Leaf<R>[] {
  const size = stage2EntrySize(table.level);
  const indices = [...table.entries.keys()].sort((a, b) => a - b);
  for (const index of indices) {
    const entry = table.entries.get(index) as Entry<R>;
    const base = tableBase + BigInt(index) * size;
    if (entry.kind === 'table') collectLeaves(entry.table, base, out);
    else out.push(Object.freeze({ level: table.level as 1 | 2 | 3, base, size, range: entry.range }));
  }
  return out;
}

function minBigInt(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
