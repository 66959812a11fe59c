// Drives an interactive serial console (el2dbg run at a pseudo-terminal, or QEMU -nographic) the way a person does:
// wait for a prompt, type a command, collect what it printed up to the next prompt. Waits are on output, never on time.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { trackProcess } from './processes.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
export const EL2DBG = join(ROOT, 'bin', 'el2dbg.js');

export class ConsoleSession {
  private text = '';
  private waiters: { re: RegExp; from: number; done: (m: RegExpExecArray) => void; fail: (e: Error) => void }[] = [];
  readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      this.text += s.replace(/\r/g, '');
      this.check();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      this.text += s.replace(/\r/g, '');
      this.check();
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        for (const w of this.waiters) w.fail(new Error(`exited (${code}) before ${w.re}; output:\n${this.text}`));
        this.waiters = [];
        resolve(code);
      }),
    );
  }

  /** `el2dbg ARGS` at a pseudo-terminal (util-linux `script`), so stdin is a tty as for a person. */
  static el2dbgAtTerminal(args: readonly string[]): ConsoleSession {
    const command = [process.execPath, EL2DBG, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    return new ConsoleSession(trackProcess(child));
  }

  /** Any command whose stdin/stdout are the console (QEMU -nographic). */
  static spawn(command: string, args: readonly string[]): ConsoleSession {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    return new ConsoleSession(trackProcess(child));
  }

  /** Everything printed so far (carriage returns removed). */
  get output(): string {
    return this.text;
  }

  /** Resolves when the output after `from` matches `re`. */
  waitFor(re: RegExp, from = 0): Promise<RegExpExecArray> {
    return new Promise((done, fail) => {
      this.waiters.push({ re, from, done, fail });
      this.check();
    });
  }

  /** Types bytes as they are (escapes, keys). */
  type(bytes: string): void {
    this.child.stdin!.write(bytes);
  }

  /** Stops autoboot at U-Boot's countdown and waits for the prompt. */
  async stopAutoboot(): Promise<void> {
    await this.waitFor(/Hit any key to stop autoboot/);
    const from = this.text.length;
    this.type(' ');
    await this.waitFor(/=> $/, from);
  }

  /** Runs one command at U-Boot's prompt; returns what it printed (echo and the next prompt left out). */
  async command(line: string): Promise<string> {
    const from = this.text.length;
    this.type(`${line}\r`);
    await this.waitFor(/\n=> $/, from);
    const out = this.text.slice(from);
    const firstNewline = out.indexOf('\n');
    return out.slice(firstNewline + 1, out.length - '=> '.length);
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      const m = w.re.exec(this.text.slice(w.from));
      if (m) w.done(m);
      return !m;
    });
  }
}
