// Typed RSP requests. The `Packet` union lists every packet we understand and `packetSyntax`
// says how each is spelled; adding a packet means adding to both, and the compiler enforces the
// second. Kinds keep the protocol's names for named packets (`qXfer`, `vCont`); one-letter
// packets get a verb (`readMemory` for `m`), and `qRcmd` is `monitor`, after the gdb command.
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
  type MalformedReason,
} from './packet-fields.js';
import {
  readBreakpoint,
  readMemoryWrite,
  readQSupportedFeatures,
  readQSymbol,
  readResume,
  readVContActions,
  readVRun,
  type QSupportedFeature,
  type BreakpointType,
  type VContAction,
} from './packet-arguments.js';
import type { ThreadId } from './thread-id.js';

export type { MalformedReason } from './packet-fields.js';
export { BREAKPOINT_TYPES, type BreakpointType, type QSupportedFeature, type VContAction } from './packet-arguments.js';
export type { ThreadId, ThreadSelector } from './thread-id.js';

export type Packet =
  /** `qSupported[:feature;...]` */
  | { kind: 'qSupported'; features: ReadonlyMap<string, QSupportedFeature> }
  | { kind: 'QStartNoAckMode' }
  | { kind: 'vMustReplyEmpty' }
  /** `qXfer:object:read:annex:offset,length` */
  | { kind: 'qXfer'; object: string; annex: string; offset: number; length: number }
  | { kind: 'qTStatus' }
  /** `?` */
  | { kind: 'haltReason' }
  | { kind: 'qfThreadInfo' }
  | { kind: 'qsThreadInfo' }
  | { kind: 'qC' }
  /** `qAttached[:pid]` */
  | { kind: 'qAttached'; pid?: number }
  /** `H op thread-id`: `g` selects for register/memory access, `c` for step and continue */
  | { kind: 'setThread'; op: 'g' | 'c'; thread: ThreadId }
  /** `T thread-id` */
  | { kind: 'threadAlive'; thread: ThreadId }
  | { kind: 'qOffsets' }
  /** `qSymbol::` (ready to look symbols up), or `qSymbol:[value]:hex-name` answering a lookup */
  | { kind: 'qSymbol'; value?: bigint; name?: string }
  /** `g` */
  | { kind: 'readRegisters' }
  /** `G hex` */
  | { kind: 'writeRegisters'; bytes: Uint8Array }
  /** `p n` */
  | { kind: 'readRegister'; regnum: number }
  /** `P n=hex` */
  | { kind: 'writeRegister'; regnum: number; value: Uint8Array }
  /** `m addr,length` */
  | { kind: 'readMemory'; addr: bigint; length: number }
  /** `M addr,length:hex` or `X addr,length:binary` (gdb probes X support with a zero length) */
  | { kind: 'writeMemory'; addr: bigint; data: Uint8Array }
  /** `c [addr]` or `C sig[;addr]` */
  | { kind: 'continue'; signal?: number; addr?: bigint }
  /** `s [addr]` or `S sig[;addr]` */
  | { kind: 'step'; signal?: number; addr?: bigint }
  /** `bs` / `bc`: reverse step, reverse continue (gdb's reverse execution) */
  | { kind: 'reverse'; action: 'step' | 'continue' }
  /** `vCont?` */
  | { kind: 'vContQuery' }
  /** `vCont;action[:thread-id]...` */
  | { kind: 'vCont'; actions: VContAction[] }
  /** `Z type,addr,kind[;cond...][;cmds...]`; `size` is the protocol's kind (instruction or watched length) */
  | { kind: 'insertBreakpoint'; type: BreakpointType; addr: bigint; size: number }
  /** `z type,addr,kind` */
  | { kind: 'removeBreakpoint'; type: BreakpointType; addr: bigint; size: number }
  /** `D[;pid]` */
  | { kind: 'detach'; pid?: number }
  /** `k` */
  | { kind: 'kill' }
  /** `R XX` (the argument is ignored) */
  | { kind: 'restart' }
  /** `vRun;hex-filename[;hex-arg]...` */
  | { kind: 'vRun'; filename: string; args: string[] }
  /** `!` */
  | { kind: 'extendedMode' }
  /** `qRcmd,hex-command` */
  | { kind: 'monitor'; command: string }
  /** `vKill;pid` */
  | { kind: 'vKill'; pid: number }
  /** `QThreadEvents:0|1` */
  | { kind: 'QThreadEvents'; enable: boolean }
  /** `qThreadExtraInfo,thread-id` */
  | { kind: 'qThreadExtraInfo'; thread: ThreadId }
  /** `qHostInfo` (an lldb extension) */
  | { kind: 'qHostInfo' }
  /** `qWatchpointSupportInfo[:]` (an lldb extension) */
  | { kind: 'qWatchpointSupportInfo' }
  /** `qMemoryRegionInfo:addr` (an lldb extension) */
  | { kind: 'qMemoryRegionInfo'; addr: bigint };

export type PacketKind = Packet['kind'];

/** A packet we do not implement; the server answers it with an empty reply. */
export interface UnknownPacket {
  kind: 'unknown';
  name: string;
}

/** A packet we implement whose arguments do not parse. */
export interface MalformedPacket {
  kind: 'malformed';
  name: string;
  reason: MalformedReason;
  /** Which argument was wrong, e.g. `addr` or `length`. */
  field: string;
}

export type ParsedPacket = Packet | UnknownPacket | MalformedPacket;

type PacketOf<K extends PacketKind> = Extract<Packet, { kind: K }>;

interface PacketArguments {
  /** The wire name the packet was sent under (e.g. `C` for a `continue`). */
  name: string;
  /** The payload bytes after the name; index i here is character i of the text argument. */
  body: Uint8Array;
}

interface PacketSyntax<K extends PacketKind> {
  /** Wire names: the letter, or the whole name of a q/Q/v packet. */
  names: readonly string[];
  /** Parses what follows the name; throws MalformedField. */
  parse(rest: string, args: PacketArguments): PacketOf<K> | UnknownPacket;
}

const noArguments =
  <K extends PacketKind>(kind: K) =>
  (rest: string): PacketOf<K> => {
    expectNoArguments(rest);
    return { kind } as PacketOf<K>;
  };

/** How each packet is spelled. A kind missing here is a compile error. */
export const packetSyntax: { readonly [K in PacketKind]: PacketSyntax<K> } = {
  qSupported: {
    names: ['qSupported'],
    parse: (rest) => ({ kind: 'qSupported', features: readQSupportedFeatures(rest) }),
  },
  QStartNoAckMode: { names: ['QStartNoAckMode'], parse: noArguments('QStartNoAckMode') },
  vMustReplyEmpty: { names: ['vMustReplyEmpty'], parse: noArguments('vMustReplyEmpty') },
  qXfer: { names: ['qXfer'], parse: parseQXfer },
  qTStatus: { names: ['qTStatus'], parse: noArguments('qTStatus') },
  haltReason: { names: ['?'], parse: noArguments('haltReason') },
  qfThreadInfo: { names: ['qfThreadInfo'], parse: noArguments('qfThreadInfo') },
  qsThreadInfo: { names: ['qsThreadInfo'], parse: noArguments('qsThreadInfo') },
  qC: { names: ['qC'], parse: noArguments('qC') },
  qAttached: {
    names: ['qAttached'],
    parse: (rest) =>
      rest === ''
        ? { kind: 'qAttached' }
        : { kind: 'qAttached', pid: readNumber(expectPrefix(rest, ':', 'pid'), 'pid') },
  },
  setThread: { names: ['H'], parse: parseSetThread },
  threadAlive: { names: ['T'], parse: (rest) => ({ kind: 'threadAlive', thread: readThreadId(rest, 'thread') }) },
  qOffsets: { names: ['qOffsets'], parse: noArguments('qOffsets') },
  qSymbol: { names: ['qSymbol'], parse: (rest) => ({ kind: 'qSymbol', ...readQSymbol(rest) }) },
  readRegisters: { names: ['g'], parse: noArguments('readRegisters') },
  writeRegisters: {
    names: ['G'],
    parse: (_rest, { body }) => ({ kind: 'writeRegisters', bytes: readHexBytes(body, 'registers') }),
  },
  readRegister: { names: ['p'], parse: (rest) => ({ kind: 'readRegister', regnum: readNumber(rest, 'regnum') }) },
  writeRegister: {
    names: ['P'],
    parse: (rest) => {
      const [regnum, value] = splitFields(rest, '=', 2, 'regnum=value');
      return { kind: 'writeRegister', regnum: readNumber(regnum, 'regnum'), value: readHexBytes(value!, 'value') };
    },
  },
  readMemory: {
    names: ['m'],
    parse: (rest) => {
      const [addr, length] = splitFields(rest, ',', 2, 'addr,length');
      return { kind: 'readMemory', addr: readU64(addr, 'addr'), length: readNumber(length, 'length') };
    },
  },
  writeMemory: {
    names: ['M', 'X'],
    parse: (rest, { name, body }) => ({ kind: 'writeMemory', ...readMemoryWrite(rest, body, name === 'X') }),
  },
  continue: { names: ['c', 'C'], parse: (rest, { name }) => ({ kind: 'continue', ...readResume(rest, name === 'C') }) },
  step: { names: ['s', 'S'], parse: (rest, { name }) => ({ kind: 'step', ...readResume(rest, name === 'S') }) },
  reverse: { names: ['b'], parse: parseReverse },
  vContQuery: { names: ['vCont?'], parse: noArguments('vContQuery') },
  vCont: { names: ['vCont'], parse: (rest) => ({ kind: 'vCont', actions: readVContActions(rest) }) },
  insertBreakpoint: { names: ['Z'], parse: (rest) => ({ kind: 'insertBreakpoint', ...readBreakpoint(rest) }) },
  removeBreakpoint: { names: ['z'], parse: (rest) => ({ kind: 'removeBreakpoint', ...readBreakpoint(rest) }) },
  detach: {
    names: ['D'],
    parse: (rest) =>
      rest === '' ? { kind: 'detach' } : { kind: 'detach', pid: readNumber(expectPrefix(rest, ';', 'pid'), 'pid') },
  },
  kill: { names: ['k'], parse: noArguments('kill') },
  restart: { names: ['R'], parse: () => ({ kind: 'restart' }) },
  vRun: { names: ['vRun'], parse: (rest) => ({ kind: 'vRun', ...readVRun(rest) }) },
  extendedMode: { names: ['!'], parse: noArguments('extendedMode') },
  monitor: {
    names: ['qRcmd'],
    parse: (rest) => ({ kind: 'monitor', command: readHexText(expectPrefix(rest, ',', 'command'), 'command') }),
  },
  vKill: {
    names: ['vKill'],
    parse: (rest) => ({ kind: 'vKill', pid: readNumber(expectPrefix(rest, ';', 'pid'), 'pid') }),
  },
  QThreadEvents: { names: ['QThreadEvents'], parse: parseQThreadEvents },
  qThreadExtraInfo: {
    names: ['qThreadExtraInfo'],
    parse: (rest) => ({ kind: 'qThreadExtraInfo', thread: readThreadId(expectPrefix(rest, ',', 'thread'), 'thread') }),
  },
  qHostInfo: { names: ['qHostInfo'], parse: noArguments('qHostInfo') },
  qWatchpointSupportInfo: {
    names: ['qWatchpointSupportInfo'],
    parse: (rest) => (expectNoArguments(rest === ':' ? '' : rest), { kind: 'qWatchpointSupportInfo' }), // lldb adds `:`
  },
  qMemoryRegionInfo: {
    names: ['qMemoryRegionInfo'],
    parse: (rest) => ({ kind: 'qMemoryRegionInfo', addr: readU64(expectPrefix(rest, ':', 'addr'), 'addr') }),
  },
};

interface AnyPacketSyntax {
  names: readonly string[];
  parse(rest: string, args: PacketArguments): ParsedPacket;
}

const allSyntax: readonly AnyPacketSyntax[] = Object.values(packetSyntax);

const parserByName: ReadonlyMap<string, AnyPacketSyntax['parse']> = new Map(
  allSyntax.flatMap((syntax) => syntax.names.map((name) => [name, syntax.parse] as const)),
);

/** The typed packet in an unframed payload; unknown and malformed packets are values, never exceptions. */
export function parsePacket(payload: Uint8Array): ParsedPacket {
  const text = latin1(payload);
  const name = packetName(text);
  const parse = parserByName.get(name);
  if (parse === undefined) return { kind: 'unknown', name };
  try {
    return parse(text.slice(name.length), { name, body: payload.subarray(name.length) });
  } catch (err) {
    if (err instanceof MalformedField) return { kind: 'malformed', name, reason: err.reason, field: err.field };
    throw err;
  }
}

/** A q/Q/v packet is named up to the first `:`, `;` or `,`; any other packet by its first character. */
export function packetName(text: string): string {
  const first = text.charAt(0);
  if (first !== 'q' && first !== 'Q' && first !== 'v') return first;
  const end = text.search(/[:;,]/);
  return end < 0 ? text : text.slice(0, end);
}

/** Bytes as a string of the same length, one char per byte, so indexes match. */
function latin1(bytes: Uint8Array): string {
  const CHUNK = 0x2000;
  let text = '';
  for (let i = 0; i < bytes.length; i += CHUNK) text += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return text;
}

function parseQXfer(rest: string): PacketOf<'qXfer'> | UnknownPacket {
  const parts = expectPrefix(rest, ':', 'object').split(':');
  const [object, operation] = parts;
  if (operation === undefined) throw new MalformedField('MissingField', 'operation');
  if (operation !== 'read') return { kind: 'unknown', name: `qXfer:${object}:${operation}` };
  if (parts.length < 4) throw new MalformedField('MissingField', 'offset');
  const [offset, length] = splitFields(parts[parts.length - 1]!, ',', 2, 'offset,length');
  const annex = parts.slice(2, -1).join(':');
  return {
    kind: 'qXfer',
    object: object!,
    annex,
    offset: readNumber(offset, 'offset'),
    length: readNumber(length, 'length'),
  };
}

function parseReverse(rest: string): PacketOf<'reverse'> {
  if (rest === 's') return { kind: 'reverse', action: 'step' };
  if (rest === 'c') return { kind: 'reverse', action: 'continue' };
  throw new MalformedField(rest === '' ? 'MissingField' : 'BadValue', 'action');
}

function parseSetThread(rest: string): PacketOf<'setThread'> {
  const op = rest.charAt(0);
  if (op !== 'g' && op !== 'c') throw new MalformedField(op === '' ? 'MissingField' : 'BadValue', 'op');
  return { kind: 'setThread', op, thread: readThreadId(rest.slice(1), 'thread') };
}

function parseQThreadEvents(rest: string): PacketOf<'QThreadEvents'> {
  const value = expectPrefix(rest, ':', 'enable');
  if (value !== '0' && value !== '1') throw new MalformedField('BadValue', 'enable');
  return { kind: 'QThreadEvents', enable: value === '1' };
}
