import type { Writable } from 'node:stream';
import type { SerialPort } from '../../core/devices/pl011.js';

/**
 * Buffers guest console bytes and writes them to a stream in chunks (one write per byte would dominate chatty guests).
 */
export class ConsoleSink implements SerialPort {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private scheduled = false;

  constructor(private readonly out: Writable) {}

  write(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
    if (this.size >= 4096) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes everything buffered so far. */
  flush(): void {
    this.scheduled = false;
    if (this.size === 0) return;
    this.out.write(Buffer.concat(this.chunks, this.size));
    this.chunks = [];
    this.size = 0;
  }
}
