// `monitor trace start|stop|status`: a trace started from gdb. A gdb client names the file, so the server only
// writes where its user allowed: below one trace directory (`serve --trace-dir`, default the working directory),
// never over an existing file unless the client says `force`.
import { closeSync, existsSync, lstatSync, openSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Machine } from '../core/machine/machine.js';
import { JsonlTraceWriter } from '../core/trace/jsonl-trace-writer.js';
import { PerfettoTraceWriter } from '../core/trace/perfetto-writer.js';
import { TraceRecorder } from '../core/trace/trace-recorder.js';
import { EL2DBG_VERSION } from '../core/version.js';
import { SessionError } from './session-error.js';

const fail = (message: string): never => {
  throw new SessionError('MonitorCommandFailed', message);
};

/** True if `path` is `dir` or below it (both absolute, symlinks resolved). */
function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Where a client-named trace file may be written: `file` resolved against `traceDir`, refused when it has a `..`
 * component, leaves the directory (also through a symlinked folder), is not a regular file, or exists without
 * `force`. Returns the absolute path.
 */
export function traceFilePath(traceDir: string, file: string, force: boolean): string {
  if (file.split(/[\\/]/).includes('..')) fail(`'${file}': '..' is not allowed in a trace path`);
  const root = realpathSync(traceDir);
  const path = resolve(root, file);
  if (!isInside(root, path)) fail(`'${file}' is outside the trace directory ${root} (el2dbg serve --trace-dir DIR)`);
  const parent = dirname(path);
  if (!existsSync(parent)) fail(`cannot write ${file}: its folder ${parent} does not exist`);
  if (!isInside(root, realpathSync(parent))) fail(`'${file}' leads outside the trace directory ${root}`);
  if (existsSync(path) || isDanglingLink(path)) {
    if (!force) fail(`${file} exists; add 'force' to overwrite it (monitor trace start FILE force)`);
    if (!lstatSync(path).isFile()) fail(`${file} is not a regular file`);
  }
  return path;
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A trace started from gdb (`monitor trace start FILE [--perfetto] [force]`): one at a time. */
export class TraceControl {
  private recorder: TraceRecorder | null = null;
  private file = '';
  private startedNs = 0n;

  constructor(
    private readonly machine: Machine,
    private readonly imagePath: string,
    /** The directory client-named trace files are confined to. */
    readonly traceDir: string,
  ) {}

  start(file: string, options: { perfetto: boolean; force: boolean }): string {
    if (this.recorder) return `a trace is already being written to ${this.file}: monitor trace stop first\n`;
    const path = traceFilePath(this.traceDir, file, options.force);
    let sink: JsonlTraceWriter | PerfettoTraceWriter;
    try {
      if (!options.force) closeSync(openSync(path, 'wx')); // claims the name: a file appearing meanwhile is kept
      sink = options.perfetto
        ? new PerfettoTraceWriter(path)
        : new JsonlTraceWriter(path, {
            tool: 'el2dbg',
            version: EL2DBG_VERSION,
            image: this.imagePath,
            policy: this.machine.hypervisor.policyName,
            inject: this.machine.hypervisor.injectMode,
          });
    } catch (e) {
      return fail(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    this.recorder = new TraceRecorder([sink]);
    this.recorder.attach(this.machine);
    this.file = path.startsWith(this.traceDir + sep) ? relative(this.traceDir, path) : path;
    this.startedNs = process.hrtime.bigint();
    return `tracing to ${this.file} (${options.perfetto ? 'Perfetto JSON' : 'JSON Lines'}); monitor trace stop to finish it\n`;
  }

  /** Whether a trace is being written. */
  get active(): boolean {
    return this.recorder !== null;
  }

  stop(): string {
    if (!this.recorder) return 'no trace is being written\n';
    const n = this.recorder.eventsWritten;
    this.recorder.close();
    this.recorder = null;
    return `trace ${this.file} closed: ${n} events\n`;
  }

  status(): string {
    if (!this.recorder) return 'no trace is being written\n';
    return `tracing to ${this.file}: ${this.recorder.eventsWritten} events in ${(Number(process.hrtime.bigint() - this.startedNs) / 1e9).toFixed(1)} s\n`;
  }
}
