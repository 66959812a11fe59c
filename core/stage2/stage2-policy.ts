// The stage-2 policy: which IPA ranges the guest reaches directly (identity mapped) and which
// trap to typed handlers. Declared once by a builder with RITM's rules (src/stage2.rs
// Stage2Builder), then read-only. Access statistics live with the caller, not here.
import {
  checkRangeRepresentable,
  checkRangeShape,
  checkU64Argument,
  findContainingRange,
  findOverlappingRange,
  sortedInsertIndex,
  toIpaRange,
} from './ipa-range.js';
import { Stage2PolicyError, type Stage2PolicyProblem } from './stage2-errors.js';
import { buildStage2Tables, type Stage2Tables, type Stage2Walk } from './stage2-tables.js';
import type {
  AllowedRange,
  HandlerMatch,
  HandlerRegion,
  MmioAccessHandlers,
  Stage2Attributes,
  Stage2Level,
} from './stage2-types.js';

/** RITM's MAX_ALLOWED_RANGES. */
export const MAX_ALLOWED_RANGES = 32;
/** RITM's MAX_MEMORY_ACCESS_HANDLERS. */
export const MAX_MEMORY_ACCESS_HANDLER_REGIONS = 16;

export type Stage2Translation =
  | { kind: 'mapped'; pa: bigint; attrs: Stage2Attributes; range: AllowedRange; level: 1 | 2 | 3 }
  /** `level` is the level of the invalid entry (DFSC = 0b0001LL); `region` the handler, if any. */
  | { kind: 'fault'; level: Stage2Level; region: HandlerRegion | null };

/** A built stage-2 policy; read-only. */
export interface Stage2Policy {
  /** Allowed ranges sorted by base, frozen. */
  readonly allowedRanges: readonly AllowedRange[];
  /** Handler regions sorted by base, frozen. */
  readonly regions: readonly HandlerRegion[];
  /** Returns the handler region containing `ipa` and the offset into it, or null. */
  lookupHandler(ipa: bigint): HandlerMatch | null;
  /** Translates `ipa` through the stage-2 tables: an identity mapping, or a fault and its level. */
  translate(ipa: bigint): Stage2Translation;
  /** Walks the modelled tables for `ipa` (block size and level of a mapping). */
  walk(ipa: bigint): Stage2Walk<AllowedRange>;
}

/** Collects allowed ranges and handler regions, checking them as RITM does, then builds the policy. */
export class Stage2PolicyBuilder {
  /** In declaration order, like RITM's allowed_ranges. */
  readonly #allowed: AllowedRange[] = [];
  /** Sorted by base, like RITM's handler registry. */
  readonly #regions: HandlerRegion[] = [];
  #built = false;

  /** Lets the guest reach [base, base + size) directly, identity mapped with `attrs`. */
  allowRange(base: bigint, size: bigint, attrs: Stage2Attributes): this {
    this.#checkUsable('allowRange', base, size);
    const requested = { base, size };
    // RITM order: validate_range, capacity, allowed overlap, handler overlap, map_range.
    fail(checkRangeShape(base, size));
    if (this.#allowed.length >= MAX_ALLOWED_RANGES) fail({ code: 'TooManyAllowedRanges', limit: MAX_ALLOWED_RANGES });
    fail(overlap('AllowedRangeOverlap', requested, findOverlappingRange(this.#allowed, requested)));
    fail(overlap('AllowedRangeOverlapsMemoryAccessHandler', requested, findOverlappingRange(this.#regions, requested)));
    fail(checkRangeRepresentable(base, size));
    this.#allowed.push(Object.freeze({ base, size, end: base + size, attrs }));
    return this;
  }

  /** Leaves [base, base + size) unmapped and sends its accesses to `handlers`. */
  handleRange(base: bigint, size: bigint, handlers: MmioAccessHandlers, name?: string): this {
    this.#checkUsable('handleRange', base, size);
    const requested = { base, size };
    // RITM order: validate_range, allowed overlap, capacity, handler overlap. RITM never checks
    // a handler range against the IPA space; we do, since no IPA beyond it can reach a handler.
    fail(checkRangeShape(base, size));
    fail(overlap('AllowedRangeOverlapsMemoryAccessHandler', requested, findOverlappingRange(this.#allowed, requested)));
    if (this.#regions.length >= MAX_MEMORY_ACCESS_HANDLER_REGIONS) {
      fail({ code: 'TooManyMemoryAccessHandlerRegions', limit: MAX_MEMORY_ACCESS_HANDLER_REGIONS });
    }
    fail(overlap('MemoryAccessHandlerRangeOverlap', requested, findOverlappingRange(this.#regions, requested)));
    fail(checkRangeRepresentable(base, size));
    const region: HandlerRegion = Object.freeze({
      name: name ?? `handler@0x${base.toString(16)}`,
      base,
      size,
      end: base + size,
      ...(handlers.read === undefined ? {} : { read: handlers.read }),
      ...(handlers.write === undefined ? {} : { write: handlers.write }),
    });
    this.#regions.splice(sortedInsertIndex(this.#regions, base), 0, region);
    return this;
  }

  /** Returns the read-only policy; the builder accepts no further calls. */
  build(): Stage2Policy {
    if (this.#built) fail({ code: 'PolicyAlreadyBuilt', operation: 'build' });
    this.#built = true;
    return createPolicy(Object.freeze([...this.#allowed]), Object.freeze([...this.#regions]));
  }

  #checkUsable(operation: 'allowRange' | 'handleRange', base: bigint, size: bigint): void {
    if (this.#built) fail({ code: 'PolicyAlreadyBuilt', operation });
    fail(checkU64Argument('base', base) ?? checkU64Argument('size', size));
  }
}

function fail(problem: Stage2PolicyProblem | null): void {
  if (problem !== null) throw new Stage2PolicyError(problem);
}

function overlap(
  code: 'AllowedRangeOverlap' | 'MemoryAccessHandlerRangeOverlap' | 'AllowedRangeOverlapsMemoryAccessHandler',
  requested: { base: bigint; size: bigint },
  existing: AllowedRange | HandlerRegion | null,
): Stage2PolicyProblem | null {
  return existing === null ? null : { code, requested: toIpaRange(requested), existing: toIpaRange(existing) };
}

function createPolicy(declared: readonly AllowedRange[], regions: readonly HandlerRegion[]): Stage2Policy {
  // Mapped in declaration order, as RITM's allow_range maps each range as it is declared.
  const tables: Stage2Tables<AllowedRange> = buildStage2Tables(declared);
  const allowedRanges = Object.freeze([...declared].sort((a, b) => (a.base < b.base ? -1 : 1)));
  const lookupHandler = (ipa: bigint): HandlerMatch | null => {
    const region = findContainingRange(regions, ipa);
    return region === null ? null : Object.freeze({ region, offset: ipa - region.base });
  };
  return Object.freeze({
    allowedRanges,
    regions,
    lookupHandler,
    walk: (ipa: bigint) => tables.walk(ipa),
    translate(ipa: bigint): Stage2Translation {
      const walk = tables.walk(ipa);
      if (walk.kind === 'fault')
        return { kind: 'fault', level: walk.level, region: lookupHandler(ipa)?.region ?? null };
      return { kind: 'mapped', pa: ipa, attrs: walk.range.attrs, range: walk.range, level: walk.level };
    },
  });
}
