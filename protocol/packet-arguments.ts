// The argument grammars of the packets whose arguments are more than one field.
// Each reader throws MalformedField; parsePacket turns that into a `malformed` value.
import {
  MalformedField,
  expectNoArguments,
  expectPrefix,
  readHexBytes,
  readHexText,
  readNumber,
  readThreadId,
  readU64,
  splitFields,
} from './packet-fields.js';
import type { ThreadId } from './thread-id.js';

/** A qSupported feature: `name+`, `name-`, `name?` or `name=value`. */
export type QSupportedFeature = '+' | '-' | '?' | { value: string };

/** Z/z types 0-4, named as the matching stop reasons are. */
export const BREAKPOINT_TYPES = ['swbreak', 'hwbreak', 'watch', 'rwatch', 'awatch'] as const;
export type BreakpointType = (typeof BREAKPOINT_TYPES)[number];

/** One `vCont` action; without `thread` it applies to every thread no earlier action named. */
export type VContAction =
  /** `c` or `C sig` */
  | { kind: 'continue'; signal?: number; thread?: ThreadId }
  /** `s` or `S sig` */
  | { kind: 'step'; signal?: number; thread?: ThreadId }
  /** `t` */
  | { kind: 'stop'; thread?: ThreadId }
  /** `r start,end`: step while start <= pc < end */
  | { kind: 'rangeStep'; start: bigint; end: bigint; thread?: ThreadId };

const MAX_SIGNAL = 0xff;

/** gdb's own entries are `name+`, `name-`, `name?` or `name=value`; anything else is skipped. */
export function readQSupportedFeatures(rest: string): Map<string, QSupportedFeature> {
  const features = new Map<string, QSupportedFeature>();
  if (rest === '') return features;
  for (const item of expectPrefix(rest, ':', 'features').split(';')) {
    const eq = item.indexOf('=');
    const last = item.slice(-1);
    if (eq > 0) features.set(item.slice(0, eq), { value: item.slice(eq + 1) });
    else if (eq < 0 && item.length > 1 && (last === '+' || last === '-' || last === '?'))
      features.set(item.slice(0, -1), last);
  }
  return features;
}

/** `:[value]:[hex-name]` after qSymbol. */
export function readQSymbol(rest: string): { value?: bigint; name?: string } {
  const [value, name] = splitFields(expectPrefix(rest, ':', 'value'), ':', 2, 'value:name');
  return {
    ...(value !== '' && { value: readU64(value, 'value') }),
    ...(name !== '' && { name: readHexText(name!, 'name') }),
  };
}

/** `addr,length:data` after `M` (hex data) or `X` (binary data, already unescaped by the framing layer). */
export function readMemoryWrite(rest: string, body: Uint8Array, binary: boolean): { addr: bigint; data: Uint8Array } {
  const colon = rest.indexOf(':');
  if (colon < 0) throw new MalformedField('MissingField', 'data');
  const [addr, length] = splitFields(rest.slice(0, colon), ',', 2, 'addr,length');
  const data = binary ? body.slice(colon + 1) : readHexBytes(body.subarray(colon + 1), 'data');
  if (data.length !== readNumber(length, 'length')) throw new MalformedField('LengthMismatch', 'data');
  return { addr: readU64(addr, 'addr'), data };
}

/** `[addr]` after `c`/`s`, or `sig[;addr]` after `C`/`S`. */
export function readResume(rest: string, withSignal: boolean): { signal?: number; addr?: bigint } {
  if (!withSignal) return rest === '' ? {} : { addr: readU64(rest, 'addr') };
  const [signal, addr, extra] = rest.split(';');
  if (extra !== undefined) throw new MalformedField('TrailingCharacters', 'addr');
  return {
    signal: readNumber(signal, 'signal', MAX_SIGNAL),
    ...(addr !== undefined && { addr: readU64(addr, 'addr') }),
  };
}

/** `;action[:thread-id]...` after vCont. */
export function readVContActions(rest: string): VContAction[] {
  return expectPrefix(rest, ';', 'actions').split(';').map(readVContAction);
}

function readVContAction(item: string): VContAction {
  const colon = item.indexOf(':');
  const args = item.slice(1, colon < 0 ? undefined : colon);
  const thread = colon < 0 ? {} : { thread: readThreadId(item.slice(colon + 1), 'thread') };
  const letter = item.charAt(0);
  switch (letter) {
    case 'c':
    case 's':
      expectNoArguments(args);
      return { kind: letter === 'c' ? 'continue' : 'step', ...thread };
    case 'C':
    case 'S':
      return { kind: letter === 'C' ? 'continue' : 'step', signal: readNumber(args, 'signal', MAX_SIGNAL), ...thread };
    case 't':
      expectNoArguments(args);
      return { kind: 'stop', ...thread };
    case 'r': {
      const [start, end] = splitFields(args, ',', 2, 'start,end');
      return { kind: 'rangeStep', start: readU64(start, 'start'), end: readU64(end, 'end'), ...thread };
    }
    default:
      throw new MalformedField(letter === '' ? 'MissingField' : 'BadValue', 'action');
  }
}

/** `type,addr,kind` after Z/z; conditions and commands after the first `;` are tolerated and ignored. */
export function readBreakpoint(rest: string): { type: BreakpointType; addr: bigint; size: number } {
  const [type, addr, size] = splitFields(rest.split(';')[0]!, ',', 3, 'type,addr,kind');
  const breakpointType = BREAKPOINT_TYPES[readNumber(type, 'type')];
  if (breakpointType === undefined) throw new MalformedField('BadValue', 'type');
  return { type: breakpointType, addr: readU64(addr, 'addr'), size: readNumber(size, 'kind') };
}

/** `;hex-filename[;hex-arg]...` after vRun. */
export function readVRun(rest: string): { filename: string; args: string[] } {
  const [filename, ...args] = expectPrefix(rest, ';', 'filename').split(';');
  return { filename: readHexText(filename!, 'filename'), args: args.map((arg) => readHexText(arg, 'args')) };
}
