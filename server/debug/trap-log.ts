import type { Decision } from '../../core/el2/decision.js';
import type { Stage2TrapEvent } from '../../core/el2/events.js';

/** One logged trap and, once made, its decision. */
export interface TrapLogEntry {
  readonly trap: Stage2TrapEvent;
  decision?: Decision;
}

/** A ring buffer of the last N stage-2 traps (for `monitor stage2 log` and `stage2 last`). */
export class TrapLog {
  private entries: TrapLogEntry[] = [];
  private start = 0;

  constructor(private capacity = 256) {}

  /**
   * Records a trap (its decision arrives with `decide`). The log holds one history: a trap numbered at or below the
   * last one logged means the history was rewritten from there (a write in the past of a recording forgets what
   * followed; a reset starts again at 1), so the entries from that number on are dropped first, and a number is
   * never shown twice.
   */
  record(trap: Stage2TrapEvent): void {
    const last = this.last();
    if (last && trap.seq <= last.trap.seq) this.forgetFrom(trap.seq);
    const entry = { trap };
    if (this.entries.length < this.capacity) this.entries.push(entry);
    else {
      this.entries[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Attaches a decision to the logged trap with that sequence number. */
  decide(seq: number, decision: Decision): void {
    const e = this.last();
    if (e && e.trap.seq === seq) e.decision = decision;
    else for (const x of this.entries) if (x.trap.seq === seq) x.decision = decision;
  }

  private forgetFrom(seq: number): void {
    this.entries = this.recent(this.entries.length).filter((e) => e.trap.seq < seq);
    this.start = 0;
  }

  /** The most recent entry. */
  last(): TrapLogEntry | undefined {
    if (this.entries.length === 0) return undefined;
    return this.entries[(this.start + this.entries.length - 1) % this.entries.length];
  }

  /** The last `n` entries, oldest first. */
  recent(n: number): TrapLogEntry[] {
    const ordered = [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
    return ordered.slice(Math.max(0, ordered.length - n));
  }

  /** Changes the capacity (keeps the newest entries). */
  resize(capacity: number): void {
    const kept = this.recent(capacity);
    this.capacity = capacity;
    this.entries = kept;
    this.start = 0;
  }

  get size(): number {
    return this.entries.length;
  }

  get limit(): number {
    return this.capacity;
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
  }
}
