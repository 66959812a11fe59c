// Console input for `run` and `serve`: stdin to the guest's PL011. At a terminal the terminal is put in raw mode
// while the guest runs (every key, Ctrl-C included, goes to the guest, as QEMU's -nographic does) and Ctrl-A starts
// an escape: Ctrl-A x quits, Ctrl-A h lists the escapes, Ctrl-A Ctrl-A sends one Ctrl-A. The terminal is restored on
// every way out (return, exception, signal, process.exit). Without a terminal (pipes, tests) bytes pass as they are.
import type { Readable, Writable } from 'node:stream';

const CTRL_A = 0x01;

/** The escape help, as Ctrl-A h prints it (to stderr: stdout is the guest's console). */
export const CONSOLE_ESCAPE_HELP =
  '\r\nC-a h    print this help\r\nC-a x    quit el2dbg\r\nC-a C-a  send C-a to the guest\r\n';

/** What the console input does with the bytes it reads. */
export interface ConsoleInputTarget {
  /** Bytes for the guest's UART receiver. */
  push(bytes: Uint8Array): void;
  /** The user asked to quit (Ctrl-A x). */
  quit(): void;
}

/**
 * Splits terminal input into guest bytes and escapes. Pure state machine (one instance per terminal), so the escape
 * rules are testable without a terminal: feed() returns the bytes for the guest and the actions the escapes asked for.
 */
export class EscapeParser {
  private afterCtrlA = false;

  feed(input: Uint8Array): { bytes: Uint8Array; actions: ('quit' | 'help')[] } {
    const out: number[] = [];
    const actions: ('quit' | 'help')[] = [];
    for (const b of input) {
      if (!this.afterCtrlA) {
        if (b === CTRL_A) this.afterCtrlA = true;
        else out.push(b);
        continue;
      }
      this.afterCtrlA = false;
      const c = String.fromCharCode(b).toLowerCase();
      if (b === CTRL_A) out.push(CTRL_A);
      else if (c === 'x') actions.push('quit');
      else if (c === 'h' || c === '?') actions.push('help');
      // Any other key after Ctrl-A is dropped, as QEMU's mux does with an unknown escape.
    }
    return { bytes: Uint8Array.from(out), actions };
  }
}

/** stdin as the process has it: a terminal (with setRawMode) or a plain stream. */
type Stdin = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * Starts reading `stdin` into `target`; returns the function that stops reading and restores the terminal. At a
 * terminal (unless `raw: false`), raw mode and the Ctrl-A escapes (help on `notices`); otherwise the bytes as they
 * come (a terminal left cooked sends whole lines, and Ctrl-C is a signal).
 */
export function attachConsoleInput(
  stdin: Stdin,
  target: ConsoleInputTarget,
  notices: Writable,
  options: { raw?: boolean } = {},
): () => void {
  const tty = (options.raw ?? true) && stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  const parser = tty ? new EscapeParser() : null;
  const onData = (chunk: Buffer) => {
    if (!parser) {
      target.push(chunk);
      return;
    }
    const { bytes, actions } = parser.feed(chunk);
    if (bytes.length > 0) target.push(bytes);
    for (const a of actions) {
      if (a === 'help') notices.write(CONSOLE_ESCAPE_HELP);
      else target.quit();
    }
  };
  const restore = () => {
    if (tty) stdin.setRawMode!(false);
  };
  if (tty) {
    stdin.setRawMode!(true);
    notices.write('el2dbg: console at the terminal in raw mode: Ctrl-A x quits, Ctrl-A h lists the escapes\n');
    // An exception or process.exit() must not leave the user's terminal raw.
    process.on('exit', restore);
  }
  stdin.on('data', onData);
  stdin.on('error', () => undefined); // a closed or broken stdin only ends console input
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.pause();
    restore();
    if (tty) process.off('exit', restore);
  };
}
