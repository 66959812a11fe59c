import { expect } from 'chai';
import fc from 'fast-check';
import {
  packetName,
  packetSyntax,
  parsePacket,
  type ParsedPacket,
  type QSupportedFeature,
} from '../../protocol/packets.js';
import { latin1Bytes } from './bytes.js';
import { GDB13_COMMANDS } from './fixtures/gdb13-vs-qemu72-packet-trace.js';

function parse(text: string): ParsedPacket {
  return parsePacket(latin1Bytes(text));
}

const featureRead = (annex: string, offset: number): ParsedPacket => ({
  kind: 'qXfer',
  object: 'features',
  annex,
  offset,
  length: 0xffb,
});
const readMemory = (addr: bigint, length: number): ParsedPacket => ({ kind: 'readMemory', addr, length });

/** What each payload gdb 13 sent to QEMU 7.2 must parse to. */
const GDB13_EXPECTED: Readonly<Record<string, ParsedPacket>> = {
  'qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386':
    {
      kind: 'qSupported',
      features: new Map<string, QSupportedFeature>([
        ['multiprocess', '+'],
        ['swbreak', '+'],
        ['hwbreak', '+'],
        ['qRelocInsn', '+'],
        ['fork-events', '+'],
        ['vfork-events', '+'],
        ['exec-events', '+'],
        ['vContSupported', '+'],
        ['QThreadEvents', '+'],
        ['no-resumed', '+'],
        ['memory-tagging', '+'],
        ['xmlRegisters', { value: 'i386' }],
      ]),
    },
  vMustReplyEmpty: { kind: 'vMustReplyEmpty' },
  'Hgp0.0': { kind: 'setThread', op: 'g', thread: { pid: 'any', tid: 'any' } },
  'qXfer:features:read:target.xml:0,ffb': featureRead('target.xml', 0),
  'qXfer:features:read:aarch64-core.xml:0,ffb': featureRead('aarch64-core.xml', 0),
  'qXfer:features:read:aarch64-fpu.xml:0,ffb': featureRead('aarch64-fpu.xml', 0),
  'qXfer:features:read:aarch64-fpu.xml:7fd,ffb': featureRead('aarch64-fpu.xml', 0x7fd),
  'qXfer:features:read:system-registers.xml:0,ffb': featureRead('system-registers.xml', 0),
  'qXfer:features:read:system-registers.xml:7fd,ffb': featureRead('system-registers.xml', 0x7fd),
  'qXfer:features:read:system-registers.xml:ffa,ffb': featureRead('system-registers.xml', 0xffa),
  'qXfer:features:read:system-registers.xml:17f7,ffb': featureRead('system-registers.xml', 0x17f7),
  'qXfer:features:read:system-registers.xml:1ff4,ffb': featureRead('system-registers.xml', 0x1ff4),
  'qXfer:features:read:system-registers.xml:27f1,ffb': featureRead('system-registers.xml', 0x27f1),
  qTStatus: { kind: 'qTStatus' },
  '?': { kind: 'haltReason' },
  qfThreadInfo: { kind: 'qfThreadInfo' },
  qsThreadInfo: { kind: 'qsThreadInfo' },
  'qAttached:1': { kind: 'qAttached', pid: 1 },
  'Hc-1': { kind: 'setThread', op: 'c', thread: { tid: 'all' } },
  qOffsets: { kind: 'qOffsets' },
  g: { kind: 'readRegisters' },
  'm40080000,4': readMemory(0x4008_0000n, 4),
  'm4007fffc,4': readMemory(0x4007_fffcn, 4),
  'qSymbol::': { kind: 'qSymbol' },
  'm40080014,4': readMemory(0x4008_0014n, 4),
  'Z0,40080014,4': { kind: 'insertBreakpoint', type: 'swbreak', addr: 0x4008_0014n, size: 4 },
  'vCont?': { kind: 'vContQuery' },
  'vCont;c:p1.-1': { kind: 'vCont', actions: [{ kind: 'continue', thread: { pid: 1, tid: 'all' } }] },
  'z0,40080014,4': { kind: 'removeBreakpoint', type: 'swbreak', addr: 0x4008_0014n, size: 4 },
  'm40080010,4': readMemory(0x4008_0010n, 4),
  'qRcmd,696e666f20726567697374657273': { kind: 'monitor', command: 'info registers' },
  'vCont;s:p1.1': { kind: 'vCont', actions: [{ kind: 'step', thread: { pid: 1, tid: 1 } }] },
  'm40080018,4': readMemory(0x4008_0018n, 4),
  'm40080000,40': readMemory(0x4008_0000n, 0x40),
  'D;1': { kind: 'detach', pid: 1 },
};

describe('protocol/packets: what gdb 13 sends (QEMU 7.2 trace)', () => {
  it('the fixture holds the whole session', () => {
    expect(GDB13_COMMANDS.length).to.equal(52);
    expect(GDB13_COMMANDS[0]!.startsWith('qSupported:')).to.equal(true);
    expect(GDB13_COMMANDS.at(-1)).to.equal('D;1');
  });

  for (const [index, command] of GDB13_COMMANDS.entries()) {
    it(`#${index} ${command.length > 40 ? `${command.slice(0, 40)}...` : command}`, () => {
      expect(GDB13_EXPECTED, 'an expectation for this trace line').to.have.property(command);
      expect(parse(command)).to.deep.equal(GDB13_EXPECTED[command]);
    });
  }

  it('every expectation comes from the trace', () => {
    expect(Object.keys(GDB13_EXPECTED).filter((c) => !GDB13_COMMANDS.includes(c))).to.deep.equal([]);
  });
});

describe('protocol/packets: every packet kind', () => {
  const cases: [string, ParsedPacket][] = [
    ['QStartNoAckMode', { kind: 'QStartNoAckMode' }],
    ['qSupported', { kind: 'qSupported', features: new Map() }],
    [
      'qSupported:a-;b?;c=x=y;;bare;=v',
      {
        kind: 'qSupported',
        features: new Map<string, QSupportedFeature>([
          ['a', '-'],
          ['b', '?'],
          ['c', { value: 'x=y' }],
        ]),
      },
    ],
    // Items without a name (`+`, `=+`) are not features.
    ['qSupported:+;=+;-;?;x+', { kind: 'qSupported', features: new Map<string, QSupportedFeature>([['x', '+']]) }],
    ['qXfer:features:read::0,10', { kind: 'qXfer', object: 'features', annex: '', offset: 0, length: 0x10 }],
    // offset,length is the last field, so an annex keeps its colons.
    [
      'qXfer:features:read:a:b.xml:0,10',
      { kind: 'qXfer', object: 'features', annex: 'a:b.xml', offset: 0, length: 0x10 },
    ],
    ['qXfer:features:write:target.xml:0:abc', { kind: 'unknown', name: 'qXfer:features:write' }],
    ['qC', { kind: 'qC' }],
    ['bs', { kind: 'reverse', action: 'step' }],
    ['bc', { kind: 'reverse', action: 'continue' }],
    ['qAttached', { kind: 'qAttached' }],
    ['Hg1f', { kind: 'setThread', op: 'g', thread: { tid: 0x1f } }],
    ['Hgp2', { kind: 'setThread', op: 'g', thread: { pid: 2, tid: 'all' } }],
    ['Hcp-1.-1', { kind: 'setThread', op: 'c', thread: { pid: 'all', tid: 'all' } }],
    ['Tp1.1', { kind: 'threadAlive', thread: { pid: 1, tid: 1 } }],
    ['qSymbol:40080000:6d61696e', { kind: 'qSymbol', value: 0x4008_0000n, name: 'main' }],
    ['qSymbol::6d61696e', { kind: 'qSymbol', name: 'main' }],
    ['G000102ff', { kind: 'writeRegisters', bytes: Uint8Array.of(0, 1, 2, 0xff) }],
    ['p20', { kind: 'readRegister', regnum: 0x20 }],
    [
      'P1f=1400084000000000',
      { kind: 'writeRegister', regnum: 0x1f, value: Uint8Array.of(0x14, 0, 8, 0x40, 0, 0, 0, 0) },
    ],
    ['M40080000,2:aBcD', { kind: 'writeMemory', addr: 0x4008_0000n, data: Uint8Array.of(0xab, 0xcd) }],
    ['X40080000,0:', { kind: 'writeMemory', addr: 0x4008_0000n, data: new Uint8Array(0) }],
    ['X40080000,4:\x00#}\x03', { kind: 'writeMemory', addr: 0x4008_0000n, data: Uint8Array.of(0, 0x23, 0x7d, 3) }],
    ['c', { kind: 'continue' }],
    ['c40080000', { kind: 'continue', addr: 0x4008_0000n }],
    ['C0b', { kind: 'continue', signal: 11 }],
    ['C05;40080000', { kind: 'continue', signal: 5, addr: 0x4008_0000n }],
    ['s', { kind: 'step' }],
    ['S02;ffffffffffffffff', { kind: 'step', signal: 2, addr: 0xffff_ffff_ffff_ffffn }],
    [
      'vCont;C0b:p1.2;S05:3;t;r1000,2000:p1.1;c',
      {
        kind: 'vCont',
        actions: [
          { kind: 'continue', signal: 11, thread: { pid: 1, tid: 2 } },
          { kind: 'step', signal: 5, thread: { tid: 3 } },
          { kind: 'stop' },
          { kind: 'rangeStep', start: 0x1000n, end: 0x2000n, thread: { pid: 1, tid: 1 } },
          { kind: 'continue' },
        ],
      },
    ],
    ['Z1,40080000,4', { kind: 'insertBreakpoint', type: 'hwbreak', addr: 0x4008_0000n, size: 4 }],
    [
      'Z2,40000000,8;X2,0a0b;cmds:1,X3,010203',
      { kind: 'insertBreakpoint', type: 'watch', addr: 0x4000_0000n, size: 8 },
    ],
    ['z3,40000000,1', { kind: 'removeBreakpoint', type: 'rwatch', addr: 0x4000_0000n, size: 1 }],
    ['z4,40000000,2', { kind: 'removeBreakpoint', type: 'awatch', addr: 0x4000_0000n, size: 2 }],
    ['D', { kind: 'detach' }],
    ['k', { kind: 'kill' }],
    ['R00', { kind: 'restart' }],
    ['vRun;2f746d702f61;2d76;', { kind: 'vRun', filename: '/tmp/a', args: ['-v', ''] }],
    ['vRun;', { kind: 'vRun', filename: '', args: [] }],
    ['!', { kind: 'extendedMode' }],
    ['qRcmd,', { kind: 'monitor', command: '' }],
    ['vKill;1', { kind: 'vKill', pid: 1 }],
    ['QThreadEvents:1', { kind: 'QThreadEvents', enable: true }],
    ['QThreadEvents:0', { kind: 'QThreadEvents', enable: false }],
    ['qThreadExtraInfo,p1.1', { kind: 'qThreadExtraInfo', thread: { pid: 1, tid: 1 } }],
    ['qHostInfo', { kind: 'qHostInfo' }],
    ['qWatchpointSupportInfo:', { kind: 'qWatchpointSupportInfo' }],
    ['qWatchpointSupportInfo', { kind: 'qWatchpointSupportInfo' }],
    ['qMemoryRegionInfo:ffffffffffffffff', { kind: 'qMemoryRegionInfo', addr: 0xffff_ffff_ffff_ffffn }],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => expect(parse(text)).to.deep.equal(expected));
  }

  it('covers every kind in packetSyntax, and no wire name belongs to two kinds', () => {
    const seen = new Set([...cases.map(([, p]) => p.kind), ...GDB13_COMMANDS.map((c) => parse(c).kind)]);
    expect(Object.keys(packetSyntax).filter((kind) => !seen.has(kind as ParsedPacket['kind']))).to.deep.equal([]);
    const names = Object.values(packetSyntax).flatMap((s) => s.names);
    expect(new Set(names).size).to.equal(names.length);
  });
});

describe('protocol/packets: unknown and malformed', () => {
  const unknown: [string, string][] = [
    ['', ''],
    ['qL1200000000000000000', 'qL1200000000000000000'],
    ['QNonStop:0', 'QNonStop'],
    ['vFile:setfs:0', 'vFile'],
    ['qXfer:auxv:write::0:', 'qXfer:auxv:write'],
    ['B40080000,S', 'B'],
    ['\x00\xff', '\x00'],
  ];
  for (const [text, name] of unknown) {
    it(`unknown ${JSON.stringify(text)}`, () => expect(parse(text)).to.deep.equal({ kind: 'unknown', name }));
  }

  const malformed: [string, string, string, string][] = [
    ['m10000000000000000,4', 'm', 'NumberTooLarge', 'addr'],
    ['b', 'b', 'MissingField', 'action'],
    ['bx', 'b', 'BadValue', 'action'],
    ['Z0,1ffffffffffffffff,4', 'Z', 'NumberTooLarge', 'addr'],
    ['vCont;r0,10000000000000000', 'vCont', 'NumberTooLarge', 'end'],
    ['m40080000,100000000', 'm', 'NumberTooLarge', 'length'],
    ['C100', 'C', 'NumberTooLarge', 'signal'],
    ['mzz,4', 'm', 'BadHexNumber', 'addr'],
    ['m,4', 'm', 'BadHexNumber', 'addr'],
    ['m40080000', 'm', 'MissingField', 'addr,length'],
    ['m1,2,3', 'm', 'TrailingCharacters', 'addr,length'],
    ['M0,2:abc', 'M', 'BadHexData', 'data'],
    ['M0,3:abcd', 'M', 'LengthMismatch', 'data'],
    ['X0,2:a', 'X', 'LengthMismatch', 'data'],
    ['X0,2', 'X', 'MissingField', 'data'],
    ['G0', 'G', 'BadHexData', 'registers'],
    ['P1f', 'P', 'MissingField', 'regnum=value'],
    ['Hx1', 'H', 'BadValue', 'op'],
    ['H', 'H', 'MissingField', 'op'],
    ['Hgp1.-2', 'H', 'BadThreadId', 'thread'],
    ['Tp', 'T', 'BadThreadId', 'thread'],
    ['qMemoryRegionInfo', 'qMemoryRegionInfo', 'MissingField', 'addr'],
    ['qMemoryRegionInfo:zz', 'qMemoryRegionInfo', 'BadHexNumber', 'addr'],
    ['qWatchpointSupportInfo:1', 'qWatchpointSupportInfo', 'TrailingCharacters', 'arguments'],
    ['vCont', 'vCont', 'MissingField', 'actions'],
    ['vCont;x', 'vCont', 'BadValue', 'action'],
    ['vCont;c5', 'vCont', 'TrailingCharacters', 'arguments'],
    ['vCont;;c', 'vCont', 'MissingField', 'action'],
    ['Z5,0,4', 'Z', 'BadValue', 'type'],
    ['Z0,0', 'Z', 'MissingField', 'type,addr,kind'],
    ['gx', 'g', 'TrailingCharacters', 'arguments'],
    ['qRcmd,6', 'qRcmd', 'BadHexData', 'command'],
    ['qRcmd696e', 'qRcmd696e', 'unknown', ''],
    ['QThreadEvents:2', 'QThreadEvents', 'BadValue', 'enable'],
    ['qXfer:features:read:target.xml', 'qXfer', 'MissingField', 'offset'],
    ['qXfer:features', 'qXfer', 'MissingField', 'operation'],
    ['qAttached;1', 'qAttached', 'MissingField', 'pid'],
    ['D1', 'D', 'MissingField', 'pid'],
    // Which field is wrong, for every field of every packet.
    ['qSupported;multiprocess+', 'qSupported', 'MissingField', 'features'],
    ['qXfer', 'qXfer', 'MissingField', 'object'],
    ['qXfer:features:read:target.xml:0', 'qXfer', 'MissingField', 'offset,length'],
    ['qXfer:features:read:target.xml:zz,ffb', 'qXfer', 'BadHexNumber', 'offset'],
    ['qXfer:features:read:target.xml:0,zz', 'qXfer', 'BadHexNumber', 'length'],
    ['qAttached:zz', 'qAttached', 'BadHexNumber', 'pid'],
    ['qSymbol', 'qSymbol', 'MissingField', 'value'],
    ['qSymbol:40080000', 'qSymbol', 'MissingField', 'value:name'],
    ['qSymbol:zz:6d61696e', 'qSymbol', 'BadHexNumber', 'value'],
    ['qSymbol::6d6', 'qSymbol', 'BadHexData', 'name'],
    ['pzz', 'p', 'BadHexNumber', 'regnum'],
    ['Pzz=00', 'P', 'BadHexNumber', 'regnum'],
    ['P1f=0', 'P', 'BadHexData', 'value'],
    ['M:00', 'M', 'MissingField', 'addr,length'],
    ['Mzz,0:', 'M', 'BadHexNumber', 'addr'],
    ['M0,zz:', 'M', 'BadHexNumber', 'length'],
    ['cxyz', 'c', 'BadHexNumber', 'addr'],
    ['C05;zz', 'C', 'BadHexNumber', 'addr'],
    ['C05;40080000;1', 'C', 'TrailingCharacters', 'addr'],
    ['vCont;Czz', 'vCont', 'BadHexNumber', 'signal'],
    ['vCont;c:zz', 'vCont', 'BadThreadId', 'thread'],
    ['vCont;r1000', 'vCont', 'MissingField', 'start,end'],
    ['vCont;rzz,2000', 'vCont', 'BadHexNumber', 'start'],
    ['Zzz,40080000,4', 'Z', 'BadHexNumber', 'type'],
    ['Z0,40080000,zz', 'Z', 'BadHexNumber', 'kind'],
    ['D;zz', 'D', 'BadHexNumber', 'pid'],
    ['vRun', 'vRun', 'MissingField', 'filename'],
    ['vRun;zz', 'vRun', 'BadHexData', 'filename'],
    ['vRun;2f746d702f61;2d7', 'vRun', 'BadHexData', 'args'],
    ['qRcmd', 'qRcmd', 'MissingField', 'command'],
    ['vKill', 'vKill', 'MissingField', 'pid'],
    ['vKill;zz', 'vKill', 'BadHexNumber', 'pid'],
    ['QThreadEvents', 'QThreadEvents', 'MissingField', 'enable'],
    ['qThreadExtraInfo', 'qThreadExtraInfo', 'MissingField', 'thread'],
    ['qThreadExtraInfo,zz', 'qThreadExtraInfo', 'BadThreadId', 'thread'],
  ];
  for (const [text, name, reason, field] of malformed) {
    it(`${reason} ${JSON.stringify(text)}`, () => {
      const expected = reason === 'unknown' ? { kind: 'unknown', name } : { kind: 'malformed', name, reason, field };
      expect(parse(text)).to.deep.equal(expected);
    });
  }

  it('accepts any number of leading zeros in a 64-bit address and a 32-bit length', () => {
    expect(parse(`m${'0'.repeat(40)}ffffffffffffffff,1`)).to.deep.equal(readMemory(0xffff_ffff_ffff_ffffn, 1));
    expect(parse(`m0,${'0'.repeat(40)}ffffffff`)).to.deep.equal(readMemory(0n, 0xffff_ffff));
  });
});

describe('protocol/packets: properties', () => {
  const knownNames = Object.values(packetSyntax).flatMap((s) => s.names);
  const packetAlphabet = fc.constantFrom(...'0123456789abcdefABCDEFp.-,:;=xyz#$}*\x00\xff'.split(''));
  const plausible = fc
    .tuple(fc.constantFrom(...knownNames), fc.array(packetAlphabet, { maxLength: 40 }))
    .map(([name, rest]) => latin1Bytes(name + rest.join('')));

  it('never throws on arbitrary bytes or on known names followed by junk', () => {
    const kinds = new Set<string>([...Object.keys(packetSyntax), 'unknown', 'malformed']);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), plausible), (payload) => {
        expect(kinds.has(parsePacket(payload).kind)).to.equal(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads back any 64-bit address and 32-bit length from m', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat({ max: 0xffffffff }), (addr, length) => {
        expect(parse(`m${addr.toString(16)},${length.toString(16)}`)).to.deep.equal(readMemory(addr, length));
      }),
    );
  });

  it('rejects every address of more than 64 bits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 64n, max: 1n << 200n }), (addr) => {
        expect(parse(`m${addr.toString(16)},4`)).to.deep.equal({
          kind: 'malformed',
          name: 'm',
          reason: 'NumberTooLarge',
          field: 'addr',
        });
      }),
    );
  });

  it('names q/Q/v packets up to the first separator and others by their first byte', () => {
    expect(packetName('qXfer:features:read:x:0,1')).to.equal('qXfer');
    expect(packetName('vCont?')).to.equal('vCont?');
    expect(packetName('qRcmd,00')).to.equal('qRcmd');
    expect(packetName('m0,1')).to.equal('m');
  });
});
