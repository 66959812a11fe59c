// GDB/MI output records (the grammar of gdb's manual, "GDB/MI Output Syntax"), parsed into values a test can check:
// result records (^done, ^running, ^connected, ^error, ^exit), async records (*exec, +status, =notify), stream records
// (~console, @target, &log) and the (gdb) prompt. A line that does not follow the grammar is an error, not a guess.

/** A c-string, a tuple {name=value,...} or a list [value,...] / [name=value,...] (each element a one-key tuple). */
export type MiValue = string | MiTuple | readonly MiValue[];
export interface MiTuple {
  readonly [name: string]: MiValue;
}

export type MiAsyncChannel = 'exec' | 'status' | 'notify';
export type MiStreamChannel = 'console' | 'target' | 'log';

export type MiRecord =
  | { kind: 'result'; token: number | undefined; resultClass: string; results: MiTuple }
  | { kind: 'async'; channel: MiAsyncChannel; token: number | undefined; asyncClass: string; results: MiTuple }
  | { kind: 'stream'; channel: MiStreamChannel; text: string }
  | { kind: 'prompt' };

export class MiSyntaxError extends Error {
  constructor(
    readonly line: string,
    readonly offset: number,
    expected: string,
  ) {
    super(`MI syntax: expected ${expected} at column ${offset} of ${JSON.stringify(line)}`);
    this.name = 'MiSyntaxError';
  }
}

const ASYNC_CHANNELS: Record<string, MiAsyncChannel> = { '*': 'exec', '+': 'status', '=': 'notify' };
const STREAM_CHANNELS: Record<string, MiStreamChannel> = { '~': 'console', '@': 'target', '&': 'log' };
const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', f: '\f' };

/** One line of gdb's MI output (without its newline). */
export function parseMiRecord(line: string): MiRecord {
  if (/^\(gdb\) ?$/.test(line)) return { kind: 'prompt' };
  const p = new MiLineParser(line);
  const token = p.token();
  const mark = p.next();
  if (mark in STREAM_CHANNELS && token === undefined) {
    const text = p.cString();
    p.end();
    return { kind: 'stream', channel: STREAM_CHANNELS[mark]!, text };
  }
  if (mark === '^') {
    const resultClass = p.word();
    return { kind: 'result', token, resultClass, results: p.restOfResults() };
  }
  if (mark in ASYNC_CHANNELS) {
    const asyncClass = p.word();
    return { kind: 'async', channel: ASYNC_CHANNELS[mark]!, token, asyncClass, results: p.restOfResults() };
  }
  throw new MiSyntaxError(line, 0, 'a record mark (^ * + = ~ @ &) or "(gdb)"');
}

class MiLineParser {
  private pos = 0;
  constructor(private readonly line: string) {}

  token(): number | undefined {
    const m = /^\d+/.exec(this.line.slice(this.pos));
    if (!m) return undefined;
    this.pos += m[0].length;
    return Number(m[0]);
  }

  next(): string {
    if (this.pos >= this.line.length) this.fail('more input');
    return this.line[this.pos++]!;
  }

  word(): string {
    const m = /^[a-zA-Z_][a-zA-Z0-9_-]*/.exec(this.line.slice(this.pos));
    if (!m) this.fail('a name');
    this.pos += m[0].length;
    return m[0];
  }

  end(): void {
    if (this.pos !== this.line.length) this.fail('the end of the line');
  }

  /** `,name=value` pairs up to the end of the line (gdb's +download records carry a bare tuple: its fields count). */
  restOfResults(): MiTuple {
    const out: Record<string, MiValue> = {};
    while (this.pos < this.line.length) {
      this.expect(',');
      if (this.line[this.pos] === '{') Object.assign(out, this.tuple());
      else {
        const [name, value] = this.result();
        out[name] = value;
      }
    }
    return out;
  }

  cString(): string {
    this.expect('"');
    let text = '';
    for (;;) {
      const c = this.next();
      if (c === '"') return text;
      if (c !== '\\') {
        text += c;
        continue;
      }
      const e = this.next();
      if (e in C_ESCAPES) text += C_ESCAPES[e];
      else if (/[0-7]/.test(e)) {
        const m = /^[0-7]{0,2}/.exec(this.line.slice(this.pos))![0];
        this.pos += m.length;
        text += String.fromCharCode(parseInt(e + m, 8));
      } else this.fail('a C escape');
    }
  }

  private result(): [string, MiValue] {
    const name = this.word();
    this.expect('=');
    return [name, this.value()];
  }

  private value(): MiValue {
    const c = this.line[this.pos];
    if (c === '"') return this.cString();
    if (c === '{') return this.tuple();
    if (c === '[') return this.list();
    return this.fail('a value (" { or [)');
  }

  private tuple(): MiTuple {
    this.expect('{');
    const out: Record<string, MiValue> = {};
    if (this.line[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      const [name, value] = this.result();
      out[name] = value;
      if (this.next() === '}') return out;
      this.pos--;
      this.expect(',');
    }
  }

  private list(): MiValue[] {
    this.expect('[');
    const out: MiValue[] = [];
    if (this.line[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      if (/[a-zA-Z_]/.test(this.line[this.pos] ?? '')) {
        const [name, value] = this.result();
        out.push({ [name]: value });
      } else out.push(this.value());
      if (this.next() === ']') return out;
      this.pos--;
      this.expect(',');
    }
  }

  private expect(c: string): void {
    if (this.line[this.pos] !== c) this.fail(JSON.stringify(c));
    this.pos++;
  }

  private fail(expected: string): never {
    throw new MiSyntaxError(this.line, this.pos, expected);
  }
}

/** `value` as a string (throws if it is a tuple or a list). */
export function miString(value: MiValue | undefined, what = 'value'): string {
  if (typeof value !== 'string') throw new Error(`MI: ${what} is not a string: ${JSON.stringify(value)}`);
  return value;
}

/** `value` as a tuple. */
export function miTuple(value: MiValue | undefined, what = 'value'): MiTuple {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`MI: ${what} is not a tuple: ${JSON.stringify(value)}`);
  return value as MiTuple;
}

/** `value` as a list. */
export function miList(value: MiValue | undefined, what = 'value'): readonly MiValue[] {
  if (!Array.isArray(value)) throw new Error(`MI: ${what} is not a list: ${JSON.stringify(value)}`);
  return value;
}
