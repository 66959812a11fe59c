import type { TraceSink } from './trace-recorder.js';
import type { TraceRecord } from './trace-events.js';
import { BufferedFile } from './jsonl-trace-writer.js';

// Chrome Trace Event format (what the Perfetto UI and chrome://tracing open): one JSON object with a
// `traceEvents` array of instants (ph "i"), complete events (ph "X", with dur) and metadata (ph "M"); ts in us.
const PID = 1;
const FIXED_TRACKS: Record<string, number> = {
  hypercalls: 1,
  injections: 2,
  'guest exceptions': 3,
  'instruction aborts': 4,
  'stage 2: no region': 5,
};

/** Streams trace records into a Chrome Trace Event JSON file: one track per stage-2 region, plus hypercalls etc. */
export class PerfettoTraceWriter implements TraceSink {
  private readonly file: BufferedFile;
  private readonly tracks = new Map<string, number>();
  private first = true;

  constructor(path: string, processName = 'el2dbg guest') {
    this.file = new BufferedFile(path);
    this.file.write('{"displayTimeUnit":"ns","traceEvents":[\n');
    this.emit({ ph: 'M', pid: PID, tid: 0, name: 'process_name', args: { name: processName } });
  }

  private emit(event: Record<string, unknown>): void {
    this.file.write((this.first ? '' : ',\n') + JSON.stringify(event));
    this.first = false;
  }

  private track(name: string): number {
    let tid = this.tracks.get(name);
    if (tid === undefined) {
      tid = FIXED_TRACKS[name] ?? 100 + this.tracks.size;
      this.tracks.set(name, tid);
      this.emit({ ph: 'M', pid: PID, tid, name: 'thread_name', args: { name } });
    }
    return tid;
  }

  write(r: TraceRecord): void {
    const ts = typeof r.t_us === 'number' ? r.t_us : Number(r.icount ?? 0);
    const args = { ...r };
    switch (r.type) {
      case 'stage2-abort': {
        const d = r.decision as { why: string; outcome: string; handler_us?: number } | undefined;
        const tid = this.track(r.region ? `stage 2: ${String(r.region)}` : 'stage 2: no region');
        const name = `${r.access ? ((r.access as { write: boolean }).write ? 'write' : 'read') : 'abort'} ${String(r.ipa)} -> ${d?.why ?? '?'}`;
        if (d?.handler_us !== undefined && d.handler_us > 0)
          this.emit({
            ph: 'X',
            pid: PID,
            tid,
            ts: Math.max(0, ts - d.handler_us),
            dur: d.handler_us,
            name,
            cat: 'stage2',
            args,
          });
        else this.emit({ ph: 'i', s: 't', pid: PID, tid, ts, name, cat: 'stage2', args });
        return;
      }
      case 'hvc':
      case 'smc':
        this.emit({
          ph: 'i',
          s: 't',
          pid: PID,
          tid: this.track('hypercalls'),
          ts,
          name: `${r.type} ${String(r.name)}`,
          cat: 'hypercall',
          args,
        });
        return;
      case 'inject':
        this.emit({
          ph: 'i',
          s: 't',
          pid: PID,
          tid: this.track('injections'),
          ts,
          name: `inject ESR_EL1=${String(r.esr_el1)}`,
          cat: 'inject',
          args,
        });
        return;
      case 'guest-exception':
        this.emit({
          ph: 'i',
          s: 't',
          pid: PID,
          tid: this.track('guest exceptions'),
          ts,
          name: String(r.description),
          cat: 'exception',
          args,
        });
        return;
      case 'instruction-abort':
        this.emit({
          ph: 'i',
          s: 't',
          pid: PID,
          tid: this.track('instruction aborts'),
          ts,
          name: `instruction abort ${String(r.ipa)}`,
          cat: 'exception',
          args,
        });
        return;
      default:
        return; // header and unknown types carry no event
    }
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.file.bytes;
  }

  close(): void {
    this.file.write('\n]}\n');
    this.file.close();
  }
}
