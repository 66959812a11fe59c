// A Debug Adapter Protocol client, the part of VS Code that talks to a debug adapter: JSON messages framed by a
// Content-Length header on the adapter's stdin and stdout. Requests resolve with their response body; events queue
// until a test takes them. Every wait has a deadline, and a failure message shows the last messages exchanged.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventQueue, withTimeout } from '../../helpers/event-queue.js';
import { trackProcess } from '../../helpers/processes.js';

/** A DAP message as it travels (the protocol's own field names). */
interface DapMessage {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  event?: string;
  body?: unknown;
}

export interface DapEvent<B = Record<string, unknown>> {
  readonly event: string;
  readonly body: B;
}

/** How long one request or one awaited event may take before the test fails. */
export const DAP_WAIT_MS = 20_000;

const HEADER_END = '\r\n\r\n';

export class DapClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private seq = 1;
  private received = Buffer.alloc(0);
  private readonly transcript: string[] = [];
  private readonly responses: EventQueue<DapMessage>;
  private readonly events: EventQueue<DapEvent>;
  private outputText = '';
  readonly exited: Promise<number | null>;

  private constructor(command: string, args: readonly string[], cwd: string) {
    const describe = () => this.transcript.slice(-30).join('\n');
    this.responses = new EventQueue(describe);
    this.events = new EventQueue(describe);
    // Its own process group, so ending the test ends the adapter and the gdb it started (test/helpers/processes.ts).
    this.child = trackProcess(spawn(command, [...args], { cwd, stdio: 'pipe', detached: true }));
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on('data', (d: Buffer) => this.transcript.push(`(adapter stderr) ${d.toString('utf8')}`));
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code) => {
        const gone = new Error(`the adapter exited (code ${code})`);
        this.responses.fail(gone);
        this.events.fail(gone);
        resolve(code);
      });
    });
  }

  /** Starts `node ENTRY` (a debug adapter speaking DAP on stdio) in `cwd`. */
  static startNodeAdapter(entry: string, cwd: string): DapClient {
    return new DapClient(process.execPath, [entry], cwd);
  }

  /** Sends a request and resolves with the body of its successful response (a failed response rejects). */
  async request<B = Record<string, unknown>>(command: string, args?: object, ms = DAP_WAIT_MS): Promise<B> {
    const response = await this.exchange(command, args, ms);
    if (!response.success) throw new Error(`DAP ${command} failed: ${response.message ?? '(no message)'}`);
    return (response.body ?? {}) as B;
  }

  /** Takes the oldest event named `name` whose body `match` accepts, waiting for it. */
  async event<B = Record<string, unknown>>(
    name: string,
    match: (body: B) => boolean = () => true,
    ms = DAP_WAIT_MS,
  ): Promise<B> {
    const e = await this.events.take((e) => e.event === name && match(e.body as B), ms, `the DAP event "${name}"`);
    return e.body as B;
  }

  /** Events named `name` received and not taken yet. */
  pendingEvents<B = Record<string, unknown>>(name: string): B[] {
    return this.events.peek((e) => e.event === name).map((e) => e.body as B);
  }

  /** The text of every `output` event so far (debug console, gdb's console, the server's output). */
  output(): string {
    return this.outputText;
  }

  /** Closes the adapter's stdin (as VS Code does after `disconnect`) and resolves with its exit code. */
  async close(ms = DAP_WAIT_MS): Promise<number | null> {
    this.child.stdin.end();
    return withTimeout(this.exited, ms, 'the adapter to exit', () => this.transcript.slice(-30).join('\n'));
  }

  private exchange(command: string, args: object | undefined, ms: number): Promise<DapMessage> {
    const seq = this.seq++;
    this.write({ seq, type: 'request', command, ...(args ? { arguments: args } : {}) });
    return this.responses.take((r) => r.request_seq === seq, ms, `the response to ${command} (#${seq})`);
  }

  private write(message: object): void {
    const json = JSON.stringify(message);
    this.transcript.push(`>> ${json.slice(0, 400)}`);
    this.child.stdin.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}${HEADER_END}${json}`);
  }

  private receive(chunk: Buffer): void {
    this.received = Buffer.concat([this.received, chunk]);
    for (;;) {
      const headerEnd = this.received.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const header = this.received.subarray(0, headerEnd).toString('ascii');
      const length = /Content-Length: *(\d+)/i.exec(header);
      if (!length) {
        this.responses.fail(new Error(`DAP framing: no Content-Length in ${JSON.stringify(header)}`));
        return;
      }
      const start = headerEnd + HEADER_END.length;
      const end = start + Number(length[1]);
      if (this.received.length < end) return;
      const message = JSON.parse(this.received.subarray(start, end).toString('utf8')) as DapMessage;
      this.received = this.received.subarray(end);
      this.dispatch(message);
    }
  }

  private dispatch(message: DapMessage): void {
    this.transcript.push(`<< ${JSON.stringify(message).slice(0, 400)}`);
    if (message.type === 'response') this.responses.push(message);
    else if (message.type === 'event') {
      const body = (message.body ?? {}) as Record<string, unknown>;
      if (message.event === 'output' && typeof body.output === 'string') this.outputText += body.output;
      this.events.push({ event: message.event ?? '', body });
    } else {
      // A reverse request (runInTerminal, startDebugging): this client offers neither.
      this.write({
        seq: this.seq++,
        type: 'response',
        request_seq: message.seq,
        command: message.command,
        success: false,
      });
    }
  }
}
