// Values logged by instruction count in the order they happened (counts never decrease), with a cursor for a replay
// that consumes them as it passes their counts. Counts are kept as numbers in a plain array (exact up to 2^53
// instructions): a trap-heavy guest logs a decision every few dozen instructions, and a Map keyed by bigint costs
// more than the trap itself.
export class IcountLog<T> {
  private readonly counts: number[] = [];
  private readonly values: T[] = [];
  /** Entries before this index were dropped (the oldest checkpoints went). */
  private first = 0;
  /** The first entry a replay has not consumed yet. */
  private cursor = 0;

  get length(): number {
    return this.counts.length - this.first;
  }

  /** Logs `value` at `icount` (not before the last entry's count). */
  append(icount: bigint, value: T): void {
    this.counts.push(Number(icount));
    this.values.push(value);
    this.cursor = this.counts.length;
  }

  /** The index of the first entry whose count is at least `n` (or whose value passes `atLeast`). */
  private lowerBound(n: number, key: (i: number) => number = (i) => this.counts[i]!): number {
    let lo = this.first;
    let hi = this.counts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key(mid) < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** How many entries are logged at `icount` (the last count logged): a checkpoint made now comes after them. */
  countAt(icount: bigint): number {
    return this.counts.length - this.lowerBound(Number(icount));
  }

  /**
   * Moves the cursor to the first entry at or after `icount` (a checkpoint there was restored), past the `applied`
   * entries at `icount` that were logged before the checkpoint was made (its state has them already).
   */
  rewind(icount: bigint, applied = 0): void {
    this.cursor = Math.min(this.lowerBound(Number(icount)) + applied, this.counts.length);
  }

  /** The entries at exactly `icount` a replay has not consumed, consuming them (earlier ones are skipped). */
  take(icount: bigint): T[] {
    const n = Number(icount);
    const out: T[] = [];
    while (this.cursor < this.counts.length && this.counts[this.cursor]! <= n) {
      const i = this.cursor++;
      if (this.counts[i] === n) out.push(this.values[i]!);
    }
    return out;
  }

  /**
   * The next entry at exactly `icount` a replay has not consumed, consuming only it (two traps at one count, an abort
   * injected and its handler's first instruction trapping again, take a decision each).
   */
  takeOne(icount: bigint): T | undefined {
    const n = Number(icount);
    while (this.cursor < this.counts.length && this.counts[this.cursor]! < n) this.cursor++;
    return this.counts[this.cursor] === n ? this.values[this.cursor++] : undefined;
  }

  /** The count of the first entry not consumed, if it is after `icount`. */
  nextAfter(icount: bigint): bigint | null {
    const c = this.counts[this.cursor];
    return c !== undefined && c > Number(icount) ? BigInt(c) : null;
  }

  /** Forgets the entries at or after `icount` (a new history starts there). */
  truncateFrom(icount: bigint): void {
    const at = this.lowerBound(Number(icount));
    this.counts.length = at;
    this.values.length = at;
    this.cursor = Math.min(this.cursor, at);
  }

  /** Forgets the entries before `icount` (going back that far is no longer possible). */
  dropBefore(icount: bigint): void {
    this.first = this.lowerBound(Number(icount));
    this.cursor = Math.max(this.cursor, this.first);
    if (this.first > 4096 && this.first * 2 > this.counts.length) {
      this.counts.splice(0, this.first);
      this.values.splice(0, this.first);
      this.cursor -= this.first;
      this.first = 0;
    }
  }

  /** The count of the entry whose value is `v`, for values that increase with the count (trap numbers). */
  countOf(v: number, asNumber: (t: T) => number): bigint | undefined {
    const i = this.lowerBound(v, (k) => asNumber(this.values[k]!));
    return i < this.counts.length && asNumber(this.values[i]!) === v ? BigInt(this.counts[i]!) : undefined;
  }
}
