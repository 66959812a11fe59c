// Why a stage-2 policy could not be declared: RITM's Stage2ConfigError (src/stage2.rs), each
// variant with the data that explains it, plus the two ways to misuse the builder itself.
import type { IpaRange } from './stage2-types.js';
import { hex } from '../text/hex.js';

export type Stage2ConfigError =
  | { code: 'RangeBaseNotPageAligned'; base: bigint }
  | { code: 'EmptyRange'; base: bigint }
  | { code: 'RangeSizeNotPageMultiple'; base: bigint; size: bigint }
  /** base + size does not fit in 64 bits (an end of exactly 2^64 overflows). */
  | { code: 'RangeEndOverflow'; base: bigint; size: bigint }
  | { code: 'TooManyAllowedRanges'; limit: number }
  | { code: 'TooManyMemoryAccessHandlerRegions'; limit: number }
  | { code: 'AllowedRangeOverlap'; requested: IpaRange; existing: IpaRange }
  | { code: 'MemoryAccessHandlerRangeOverlap'; requested: IpaRange; existing: IpaRange }
  /** An allowed range and a handler region overlap; `requested` is whichever came second. */
  | { code: 'AllowedRangeOverlapsMemoryAccessHandler'; requested: IpaRange; existing: IpaRange }
  /** The range ends above the 40-bit IPA space. */
  | { code: 'RangeAddressNotRepresentable'; base: bigint; size: bigint };

/** Builder misuse that RITM's types rule out: Rust takes `self` in build() and u64 arguments. */
export type Stage2BuilderMisuse =
  | { code: 'PolicyAlreadyBuilt'; operation: 'allowRange' | 'handleRange' | 'build' }
  | { code: 'ArgumentNotU64'; argument: 'base' | 'size'; value: bigint };

export type Stage2PolicyProblem = Stage2ConfigError | Stage2BuilderMisuse;
export type Stage2PolicyErrorCode = Stage2PolicyProblem['code'];

/** Thrown by the stage-2 policy builder; `problem` says what was wrong. */
export class Stage2PolicyError extends Error {
  readonly code: Stage2PolicyErrorCode;

  constructor(
    readonly problem: Stage2PolicyProblem,
    options?: ErrorOptions,
  ) {
    super(describeStage2PolicyProblem(problem), options);
    this.code = problem.code;
    this.name = 'Stage2PolicyError';
  }
}

const range = (r: IpaRange): string => `[${hex(r.base)}, ${hex(r.base + r.size)})`;

/** Returns a one-sentence description of `p` for a human. */
export function describeStage2PolicyProblem(p: Stage2PolicyProblem): string {
  switch (p.code) {
    case 'RangeBaseNotPageAligned':
      return `stage-2 range base ${hex(p.base)} is not 4 KiB aligned`;
    case 'EmptyRange':
      return `stage-2 range at ${hex(p.base)} has size 0`;
    case 'RangeSizeNotPageMultiple':
      return `stage-2 range at ${hex(p.base)} has size ${hex(p.size)}, not a multiple of 4 KiB`;
    case 'RangeEndOverflow':
      return `stage-2 range at ${hex(p.base)} of size ${hex(p.size)} ends beyond 2^64`;
    case 'TooManyAllowedRanges':
      return `too many stage-2 allowed ranges (at most ${p.limit})`;
    case 'TooManyMemoryAccessHandlerRegions':
      return `too many stage-2 memory access handler regions (at most ${p.limit})`;
    case 'AllowedRangeOverlap':
      return `allowed range ${range(p.requested)} overlaps allowed range ${range(p.existing)}`;
    case 'MemoryAccessHandlerRangeOverlap':
      return `handler region ${range(p.requested)} overlaps handler region ${range(p.existing)}`;
    case 'AllowedRangeOverlapsMemoryAccessHandler':
      return `range ${range(p.requested)} overlaps ${range(p.existing)}: allowed ranges and handler regions must not overlap`;
    case 'RangeAddressNotRepresentable':
      return `stage-2 range ${range(p)} ends beyond the 40-bit IPA space (0x10000000000)`;
    case 'PolicyAlreadyBuilt':
      return `${p.operation}() called after build(): the stage-2 policy is read-only once built`;
    case 'ArgumentNotU64':
      return `stage-2 range ${p.argument} ${p.value < 0n ? `-${hex(-p.value)}` : hex(p.value)} is not a 64-bit unsigned value`;
    default: {
      const unknown: never = p;
      return `stage-2 policy error ${String(unknown)}`;
    }
  }
}
