// A real lldb driven over pipes, one command line at a time. With stdin not a terminal lldb still runs the process
// asynchronously (`process continue` returns at once, the stop is printed when it comes), echoes each line it reads
// after its prompt, and prints no prompt while it waits. So a command that completes before lldb reads on is
// followed by `version`: the echo of that line marks the end of the command's output. Every wait has a timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { trackProcess } from '../../helpers/processes.js';

/** The prompt lldb echoes commands after; set so that an echo cannot be mistaken for output. */
export const LLDB_PROMPT = '(el2dbg-lldb) ';

const DEFAULT_TIMEOUT_MS = 20_000;

interface Waiter {
  pattern: RegExp;
  from: number;
  /** Called with the match, or with null when lldb has exited without one. */
  settle: (m: RegExpMatchArray | null) => void;
}

export class LldbSession {
  private stdout = '';
  private stderr = '';
  private readonly waiters = new Set<Waiter>();
  private exitCode: number | null | undefined;
  /** Resolves with lldb's exit code when it has exited. */
  readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString('utf8');
      this.wake();
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    this.exited = new Promise((resolve) => {
      child.on('error', () => {
        this.exitCode = null;
        this.wake();
        resolve(null);
      });
      child.on('close', (code) => {
        this.exitCode = code;
        this.wake();
        resolve(code);
      });
    });
  }

  /** Starts `command` (lldb or lldb-14) on `image`, without init files or colours, with confirmations off. */
  static start(command: string, image: string): LldbSession {
    const settings = [`settings set prompt "${LLDB_PROMPT}"`, 'settings set auto-confirm true'];
    const args = ['--no-lldbinit', '--no-use-colors', ...settings.flatMap((s) => ['-O', s]), image];
    return new LldbSession(trackProcess(spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })));
  }

  /** Connects to the server and waits for the stop lldb reports on attaching. */
  async attach(port: number): Promise<string> {
    const from = this.send(`gdb-remote 127.0.0.1:${port}`);
    await this.waitFor(/Process 1 stopped\n\* thread #1, stop reason = [^\n]*\n/, from, 'the stop after gdb-remote');
    return this.run('thread info');
  }

  /** Writes one command line; returns where in stdout its output will start. */
  send(line: string): number {
    const from = this.stdout.length;
    this.child.stdin!.write(`${line}\n`);
    return from;
  }

  /** Runs a command that completes before lldb reads the next line (not `process continue`) and returns its output. */
  async run(line: string): Promise<string> {
    const from = this.send(line);
    this.send('version');
    const echo = `${LLDB_PROMPT}${line}\n`;
    const end = `${LLDB_PROMPT}version\n`;
    const m = await this.waitFor(new RegExp(`${escape(end)}lldb version [^\\n]*\\n`), from, `the output of ${line}`);
    const start = this.stdout.indexOf(echo, from);
    if (start < 0) throw new Error(`lldb did not echo ${JSON.stringify(line)}; it printed:\n${this.output()}`);
    return this.stdout.slice(start + echo.length, m.index);
  }

  /** Resolves when stdout from offset `from` on matches `pattern`; rejects on timeout or if lldb exits first. */
  waitFor(pattern: RegExp, from: number, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        this.waiters.delete(waiter);
        reject(new Error(`lldb: ${why} waiting for ${what} (${pattern}); it printed:\n${this.output()}`));
      };
      const timer = setTimeout(() => fail(`no match after ${timeoutMs} ms`), timeoutMs);
      const waiter: Waiter = {
        pattern,
        from,
        settle: (m) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          if (m) resolve(m);
          else fail(`exit (code ${this.exitCode})`);
        },
      };
      this.waiters.add(waiter);
      this.wake();
    });
  }

  /** Ends lldb with `quit` (after `detach`, or lldb kills the process: `k`, which resets the guest). */
  async quit(): Promise<number | null> {
    if (this.exitCode === undefined) this.child.stdin!.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), DEFAULT_TIMEOUT_MS);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** stdout and stderr so far, for failure messages. */
  output(): string {
    return `${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }

  get errors(): string {
    return this.stderr;
  }

  private wake(): void {
    for (const w of [...this.waiters]) {
      const m = this.stdout.slice(w.from).match(w.pattern);
      if (m) {
        m.index = (m.index ?? 0) + w.from;
        w.settle(m);
      } else if (this.exitCode !== undefined) w.settle(null);
    }
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
