import type { Machine } from '../machine/machine.js';
import { recordSelected, traceRecords, type TraceEventType, type TraceRecord } from './trace-events.js';

/** Where trace records go (JSON Lines file, Perfetto file, ...). */
export interface TraceSink {
  write(record: TraceRecord): void;
  close(): void;
}

/** Subscribes to a machine and sends each event's records, stamped with time since start, to every sink. */
export class TraceRecorder {
  private readonly startNs = process.hrtime.bigint();
  private unsubscribe: (() => void) | null = null;
  private count = 0;

  constructor(
    private readonly sinks: readonly TraceSink[],
    private readonly events: ReadonlySet<TraceEventType> | null = null,
  ) {}

  /** Starts recording the machine's events (`icount` is its exact instruction count). */
  attach(machine: Machine): void {
    this.unsubscribe = machine.on((e) => {
      if (machine.replaying) return; // a replay of a recording: these were traced the first time
      const tUs = Number(process.hrtime.bigint() - this.startNs) / 1000;
      for (const r of traceRecords(e, machine.instructionsExecuted, tUs)) {
        if (this.events !== null && !recordSelected(r, this.events)) continue;
        this.count++;
        for (const s of this.sinks) s.write(r);
      }
    });
  }

  /** Records written so far. */
  get eventsWritten(): number {
    return this.count;
  }

  /** Stops recording and closes every sink. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const s of this.sinks) s.close();
  }
}
