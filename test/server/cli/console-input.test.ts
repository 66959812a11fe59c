import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { attachConsoleInput, CONSOLE_ESCAPE_HELP, EscapeParser } from '../../../server/cli/console-input.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** Resolves once what was written to `stream` has been emitted as 'data' (a flowing stream empties its buffer). */
const delivered = (stream: PassThrough) =>
  new Promise<void>((resolve) => {
    const check = () => (stream.readableLength === 0 ? resolve() : setImmediate(check));
    setImmediate(check);
  });

describe('console input: Ctrl-A escapes at a terminal', () => {
  it('passes keys through (Ctrl-C included), quits on Ctrl-A x, helps on Ctrl-A h, sends one Ctrl-A for two', () => {
    const p = new EscapeParser();
    expect(p.feed(bytes('ls\r\x03'))).to.deep.equal({ bytes: bytes('ls\r\x03'), actions: [] });
    expect(p.feed(bytes('a\x01hb'))).to.deep.equal({ bytes: bytes('ab'), actions: ['help'] });
    expect(p.feed(bytes('\x01\x01'))).to.deep.equal({ bytes: bytes('\x01'), actions: [] });
    expect(p.feed(bytes('\x01X'))).to.deep.equal({ bytes: new Uint8Array(), actions: ['quit'] });
  });

  it('keeps an escape split across reads, and drops an unknown escape key as QEMU does', () => {
    const p = new EscapeParser();
    expect(p.feed(bytes('q\x01'))).to.deep.equal({ bytes: bytes('q'), actions: [] });
    expect(p.feed(bytes('x'))).to.deep.equal({ bytes: new Uint8Array(), actions: ['quit'] });
    expect(p.feed(bytes('\x01zk'))).to.deep.equal({ bytes: bytes('k'), actions: [] });
  });

  it('in raw mode: sets and restores the terminal, prints the help on the notices stream', async () => {
    const exitHandlers = process.listeners('exit').length;
    const modes: boolean[] = [];
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (raw: boolean) => modes.push(raw) });
    const notices = new PassThrough();
    const pushed: string[] = [];
    let quits = 0;
    const detach = attachConsoleInput(stdin, { push: (b) => pushed.push(text(b)), quit: () => quits++ }, notices);
    stdin.write('ab\x01h\x01x');
    await delivered(stdin);
    expect(process.listeners('exit').length, 'an exit handler restores the terminal').to.equal(exitHandlers + 1);
    detach();
    expect(modes).to.deep.equal([true, false]);
    expect(pushed).to.deep.equal(['ab']);
    expect(quits).to.equal(1);
    expect(String(notices.read())).to.contain(CONSOLE_ESCAPE_HELP);
    expect(process.listeners('exit').length, 'and it goes with detach').to.equal(exitHandlers);
  });

  it('without a terminal (or with raw: false), bytes pass as they are: Ctrl-A included', async () => {
    const stdin = new PassThrough();
    const pushed: string[] = [];
    const detach = attachConsoleInput(
      stdin,
      { push: (b) => pushed.push(text(b)), quit: () => undefined },
      new PassThrough(),
    );
    stdin.write('a\x01xb');
    await delivered(stdin);
    detach();
    expect(pushed).to.deep.equal(['a\x01xb']);
  });
});
