import { closeSync, openSync, writeSync } from 'node:fs';
import type { TraceSink } from './trace-recorder.js';
import type { TraceRecord } from './trace-events.js';

/** What the header line says about the run. */
export interface TraceHeader {
  readonly tool: string;
  readonly version: string;
  readonly image: string;
  readonly policy: string;
  readonly inject: string;
}

const FLUSH_BYTES = 1 << 16;

/** Buffered text output to a file in 64 KiB writes: memory stays bounded whatever the trace length. */
export class BufferedFile {
  private readonly fd: number;
  private chunks: string[] = [];
  private size = 0;
  private flushed = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Appends text. */
  write(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  /** Bytes written so far (buffered ones included). */
  get bytes(): number {
    return this.flushed + this.size;
  }

  /** Writes what is buffered. */
  flush(): void {
    if (this.size === 0) return;
    writeSync(this.fd, this.chunks.join(''));
    this.flushed += this.size;
    this.chunks = [];
    this.size = 0;
  }

  /** Flushes and closes. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Writes trace records as JSON Lines: a header line, then one line per record. */
export class JsonlTraceWriter implements TraceSink {
  private readonly file: BufferedFile;

  constructor(path: string, header: TraceHeader) {
    this.file = new BufferedFile(path);
    this.file.write(JSON.stringify({ type: 'header', format: 1, ...header, started: new Date().toISOString() }) + '\n');
  }

  write(record: TraceRecord): void {
    this.file.write(JSON.stringify(record) + '\n');
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.file.bytes;
  }

  close(): void {
    this.file.close();
  }
}
