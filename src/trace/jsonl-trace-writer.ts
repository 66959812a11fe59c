import { closeSync, openSync, writeSync } from 'node:fs';
import type { Machine } from '../core/machine/machine.js';
import { traceRecords, type TraceEventType } from './trace-events.js';

/** What the header line says about the run. */
export interface TraceHeader {
  readonly tool: string;
  readonly version: string;
  readonly image: string;
  readonly policy: string;
  readonly inject: string;
}

const FLUSH_BYTES = 1 << 16;

/** Writes a machine's events as JSON Lines: a header line, then one line per event; buffered, flushed in 64 KiB writes. */
export class JsonlTraceWriter {
  private readonly fd: number;
  private chunks: string[] = [];
  private size = 0;
  private unsubscribe: (() => void) | null = null;
  private written = 0;
  private bytes = 0;

  constructor(
    path: string,
    header: TraceHeader,
    private readonly events: ReadonlySet<TraceEventType> | null = null,
  ) {
    this.fd = openSync(path, 'w');
    this.push({ type: 'header', format: 1, ...header, started: new Date().toISOString() });
  }

  /** Starts recording a machine's events (turns on its instruction counter for `icount`). */
  attach(machine: Machine): void {
    machine.enableCounting();
    this.unsubscribe = machine.on((e) => {
      for (const r of traceRecords(e, machine.instructionsExecuted)) {
        if (this.events === null || this.events.has(r.type as TraceEventType)) this.push(r);
      }
    });
  }

  /** Events written so far (header excluded) and bytes written. */
  get stats(): { events: number; bytes: number } {
    return { events: this.written, bytes: this.bytes + this.size };
  }

  private push(record: Record<string, unknown>): void {
    const line = JSON.stringify(record) + '\n';
    if (record.type !== 'header') this.written++;
    this.chunks.push(line);
    this.size += line.length;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  /** Writes what is buffered. */
  flush(): void {
    if (this.size === 0) return;
    writeSync(this.fd, this.chunks.join(''));
    this.bytes += this.size;
    this.chunks = [];
    this.size = 0;
  }

  /** Stops recording, flushes and closes the file. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.flush();
    closeSync(this.fd);
  }
}
