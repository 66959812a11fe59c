// gdb-multiarch driven over GDB/MI (--interpreter=mi2) the way IDE front ends drive it: numbered commands on stdin,
// records on stdout parsed by mi-records.ts. Commands wait for the result record with their token; async records
// (*running, *stopped, =...) queue until a test takes them. Every wait has a deadline.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventQueue, withTimeout } from '../../helpers/event-queue.js';
import { trackProcess } from '../../helpers/processes.js';
import { parseMiRecord, miString, type MiRecord, type MiTuple } from './mi-records.js';

export type MiResultRecord = Extract<MiRecord, { kind: 'result' }>;
export type MiAsyncRecord = Extract<MiRecord, { kind: 'async' }>;

/** How long one command or one awaited record may take before the test fails. */
export const MI_WAIT_MS = 15_000;

export class MiGdb {
  private readonly child: ChildProcessWithoutNullStreams;
  private nextToken = 1;
  private pendingLine = '';
  /** Every line gdb printed, for failure messages. */
  private readonly lines: string[] = [];
  private readonly results: EventQueue<MiResultRecord>;
  /** Async records (exec, status, notify) not taken yet. */
  readonly asyncRecords: EventQueue<MiAsyncRecord>;
  private streamText = '';
  readonly exited: Promise<number | null>;

  private constructor(gdbPath: string, args: readonly string[]) {
    const describe = () => this.lines.slice(-40).join('\n');
    this.results = new EventQueue(describe);
    this.asyncRecords = new EventQueue(describe);
    this.child = trackProcess(spawn(gdbPath, ['--interpreter=mi2', '-nx', '-q', ...args], { stdio: 'pipe' }));
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.receive(chunk));
    this.child.stderr.on('data', (d: Buffer) => this.lines.push(`(stderr) ${d.toString('utf8')}`));
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => this.results.fail(e));
      this.child.on('close', (code) => {
        const gone = new Error(`gdb exited (code ${code})`);
        this.results.fail(gone);
        this.asyncRecords.fail(gone);
        resolve(code);
      });
    });
  }

  /** Starts gdb (`gdbPath`, as launch.json's miDebuggerPath or gdbPath) in MI mode, without init files or banner. */
  static start(gdbPath = 'gdb-multiarch', args: readonly string[] = []): MiGdb {
    return new MiGdb(gdbPath, args);
  }

  /** Sends `command` and resolves with its ^done/^running/^connected/^exit record; an ^error rejects with gdb's msg. */
  async command(command: string, ms = MI_WAIT_MS): Promise<MiResultRecord> {
    const record = await this.send(command, ms);
    if (record.resultClass === 'error') throw new Error(`${command}: ^error ${miString(record.results.msg, 'msg')}`);
    return record;
  }

  /** Sends `command`, which must fail; resolves with gdb's error message. */
  async failingCommand(command: string, ms = MI_WAIT_MS): Promise<string> {
    const record = await this.send(command, ms);
    if (record.resultClass !== 'error') throw new Error(`${command}: expected ^error, got ^${record.resultClass}`);
    return miString(record.results.msg, 'msg');
  }

  /** Takes the oldest async record of `asyncClass` (e.g. exec `stopped`) that `match` accepts, waiting for it. */
  waitForAsync(
    channel: MiAsyncRecord['channel'],
    asyncClass: string,
    match: (results: MiTuple) => boolean = () => true,
    ms = MI_WAIT_MS,
  ): Promise<MiAsyncRecord> {
    return this.asyncRecords.take(
      (r) => r.channel === channel && r.asyncClass === asyncClass && match(r.results),
      ms,
      `MI ${channel} record ${asyncClass}`,
    );
  }

  /** Everything gdb printed on its console, target and log streams so far. */
  streams(): string {
    return this.streamText;
  }

  /** Sends -gdb-exit and resolves with gdb's exit code. */
  async exit(ms = MI_WAIT_MS): Promise<number | null> {
    await this.send('-gdb-exit', ms);
    this.child.stdin.end();
    return withTimeout(this.exited, ms, 'gdb to exit');
  }

  private send(command: string, ms: number): Promise<MiResultRecord> {
    const token = this.nextToken++;
    this.lines.push(`>> ${token}${command}`);
    this.child.stdin.write(`${token}${command}\n`);
    return this.results.take((r) => r.token === token, ms, `the result of ${token}${command}`);
  }

  private receive(chunk: string): void {
    this.pendingLine += chunk;
    for (let i = this.pendingLine.indexOf('\n'); i >= 0; i = this.pendingLine.indexOf('\n')) {
      const line = this.pendingLine.slice(0, i).replace(/\r$/, '');
      this.pendingLine = this.pendingLine.slice(i + 1);
      this.lines.push(line);
      let record: MiRecord;
      try {
        record = parseMiRecord(line);
      } catch (e) {
        this.results.fail(e as Error); // a line outside the MI grammar fails the test that waits next
        this.asyncRecords.fail(e as Error);
        continue;
      }
      if (record.kind === 'result') this.results.push(record);
      else if (record.kind === 'async') this.asyncRecords.push(record);
      else if (record.kind === 'stream') this.streamText += record.text;
    }
  }
}
