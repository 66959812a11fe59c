import { expect } from 'chai';
import fc from 'fast-check';
import { PacketDecoder, encodePacket } from '../../protocol/framing.js';
import { decodeHex } from '../../protocol/hex.js';
import {
  ReplyEncodingError,
  encodeAttachedReply,
  encodeConsoleOutput,
  encodeConsoleOutputReplies,
  encodeCurrentThreadReply,
  encodeEmptyReply,
  encodeErrorReply,
  encodeHexReply,
  encodeHexTextReply,
  encodeHostInfoReply,
  encodeMemoryRegionInfoReply,
  encodeOkReply,
  encodeQSupportedReply,
  encodeQXferChunk,
  encodeQXferReply,
  encodeStopReply,
  encodeThreadListReply,
  encodeVContSupportedReply,
  encodeWatchpointSupportInfoReply,
  type Reply,
} from '../../protocol/replies.js';
import { latin1Bytes, latin1Text } from './bytes.js';
import { GDB13_QEMU72_TRACE, QEMU72_REPLIES } from './fixtures/gdb13-vs-qemu72-packet-trace.js';

const text = (reply: Reply): string => latin1Text(reply);
const THREAD_1_1 = { pid: 1, tid: 1 };

/** The ReplyEncodingError `encode` throws. */
function refusal(encode: () => unknown): ReplyEncodingError {
  try {
    encode();
  } catch (err) {
    if (err instanceof ReplyEncodingError) return err;
    throw err;
  }
  throw new Error('no ReplyEncodingError thrown');
}

function hexToText(hex: string): string {
  const decoded = decodeHex(hex);
  if (decoded.kind !== 'bytes') throw new Error(`bad hex ${hex}`);
  return new TextDecoder().decode(decoded.bytes);
}

describe('protocol/replies: what QEMU 7.2 answered gdb 13 with', () => {
  it('the stop reply T05thread:p01.01;', () => {
    expect(QEMU72_REPLIES).to.include('T05thread:p01.01;');
    expect(text(encodeStopReply({ kind: 'signal', signal: 5, thread: THREAD_1_1 }))).to.equal('T05thread:p01.01;');
  });

  it('W00 after the detach', () => {
    expect(QEMU72_REPLIES.at(-1)).to.equal('W00');
    expect(text(encodeStopReply({ kind: 'exited', code: 0 }))).to.equal('W00');
  });

  it('the thread list, vCont? reply, qAttached, OK and the empty reply', () => {
    expect(QEMU72_REPLIES).to.include.members(['mp01.01', 'l', 'vCont;c;C;s;S', '1', 'OK', '']);
    expect(text(encodeThreadListReply([THREAD_1_1]))).to.equal('mp01.01');
    expect(text(encodeThreadListReply([]))).to.equal('l');
    expect(text(encodeVContSupportedReply(['c', 'C', 's', 'S']))).to.equal('vCont;c;C;s;S');
    expect(text(encodeAttachedReply(true))).to.equal('1');
    expect(text(encodeOkReply())).to.equal('OK');
    expect(text(encodeEmptyReply())).to.equal('');
  });

  it('the qSupported reply', () => {
    const reply = encodeQSupportedReply([
      ['PacketSize', { value: '1000' }],
      ['qXfer:features:read', '+'],
      ['vContSupported', '+'],
      ['multiprocess', '+'],
    ]);
    expect(text(reply)).to.equal(QEMU72_REPLIES[0]);
    expect(() => encodeQSupportedReply([['a', { value: 'x;y' }]]))
      .to.throw(ReplyEncodingError)
      .with.property('code', 'ReservedCharacter');
  });

  it('every O packet of `monitor info registers`, byte for byte', () => {
    const consoleLines = QEMU72_REPLIES.filter((r) => r.startsWith('O') && r !== 'OK');
    expect(consoleLines).to.have.length(14);
    expect(hexToText(consoleLines[1]!.slice(1))).to.equal('CPU#0\r\n');
    for (const line of consoleLines) expect(text(encodeConsoleOutput(hexToText(line.slice(1))))).to.equal(line);
  });

  it('the m reply as hex of the bytes read', () => {
    const reply =
      QEMU72_REPLIES[
        GDB13_QEMU72_TRACE.filter((l) => l.includes('Sent:')).findIndex((l) => l.includes('000080d200040091'))
      ]!;
    const bytes = decodeHex(reply);
    if (bytes.kind !== 'bytes') throw new Error('fixture is not hex');
    expect(bytes.bytes).to.have.length(0x40);
    expect(text(encodeHexReply(bytes.bytes))).to.equal(reply);
  });
});

describe('protocol/replies: stop replies', () => {
  it('puts the thread, the reason, the registers and extra pairs in that order', () => {
    const reply = encodeStopReply({
      kind: 'signal',
      signal: 0x0b,
      thread: THREAD_1_1,
      reason: { kind: 'swbreak' },
      registers: [
        { regnum: 0x20, value: Uint8Array.of(0x14, 0, 8, 0x40, 0, 0, 0, 0) },
        { regnum: 0x1f, value: Uint8Array.of(0xf0, 0xff, 0, 0, 0, 0, 0, 0) },
      ],
      extra: [['core', '0']],
    });
    expect(text(reply)).to.equal('T0bthread:p01.01;swbreak:;20:1400084000000000;1f:f0ff000000000000;core:0;');
  });

  it('hwbreak and watchpoint reasons', () => {
    expect(text(encodeStopReply({ kind: 'signal', signal: 5, reason: { kind: 'hwbreak' } }))).to.equal('T05hwbreak:;');
    expect(
      text(encodeStopReply({ kind: 'signal', signal: 5, reason: { kind: 'watch', addr: 0x4000_1000n } })),
    ).to.equal('T05watch:40001000;');
    expect(
      text(encodeStopReply({ kind: 'signal', signal: 5, reason: { kind: 'rwatch', addr: 0xffff_ffff_ffff_fff8n } })),
    ).to.equal('T05rwatch:fffffffffffffff8;');
    expect(text(encodeStopReply({ kind: 'signal', signal: 5, reason: { kind: 'awatch', addr: 0n } }))).to.equal(
      'T05awatch:0;',
    );
  });

  it('replaylog at either end of a recording (the GDB manual, "Stop Reply Packets")', () => {
    for (const at of ['begin', 'end'] as const) {
      expect(text(encodeStopReply({ kind: 'signal', signal: 5, reason: { kind: 'replaylog', at } }))).to.equal(
        `T05replaylog:${at};`,
      );
    }
  });

  it('thread ids without a pid, and all/any', () => {
    expect(text(encodeStopReply({ kind: 'signal', signal: 2, thread: { tid: 0x1c } }))).to.equal('T02thread:1c;');
    expect(text(encodeStopReply({ kind: 'signal', signal: 2, thread: { pid: 'all', tid: 'any' } }))).to.equal(
      'T02thread:p-1.0;',
    );
  });

  it('exit and termination, with and without a pid', () => {
    expect(text(encodeStopReply({ kind: 'exited', code: 0x7f, pid: 1 }))).to.equal('W7f;process:1');
    expect(text(encodeStopReply({ kind: 'terminated', signal: 9 }))).to.equal('X09');
    expect(text(encodeStopReply({ kind: 'terminated', signal: 0x0b, pid: 0x2a }))).to.equal('X0b;process:2a');
  });

  it('refuses values that do not fit two hex digits', () => {
    for (const bad of [256, -1, 1.5]) {
      expect(() => encodeStopReply({ kind: 'signal', signal: bad }))
        .to.throw(ReplyEncodingError)
        .with.property('code', 'ValueOutOfRange');
    }
    expect(() => encodeStopReply({ kind: 'exited', code: 300 })).to.throw(ReplyEncodingError);
    expect(() => encodeErrorReply(0x100)).to.throw(ReplyEncodingError);
  });

  it('takes 0xff, the largest value two hex digits hold', () => {
    expect(text(encodeStopReply({ kind: 'signal', signal: 0xff }))).to.equal('Tff');
    expect(text(encodeStopReply({ kind: 'exited', code: 0xff }))).to.equal('Wff');
    expect(text(encodeStopReply({ kind: 'terminated', signal: 0xff }))).to.equal('Xff');
    expect(text(encodeErrorReply(0xff))).to.equal('Eff');
  });

  it('refuses extra pairs that would break the reply syntax', () => {
    for (const pair of [
      ['a;b', 'x'],
      ['a:b', 'x'],
      ['', 'x'],
      ['k', 'x;y'],
      ['k', '#'],
    ] as const) {
      expect(() => encodeStopReply({ kind: 'signal', signal: 5, extra: [pair] }))
        .to.throw(ReplyEncodingError)
        .with.property('code', 'ReservedCharacter');
    }
  });
});

describe('protocol/replies: what a refusal names', () => {
  const outOfRange: [field: string, encode: () => unknown, value: number][] = [
    ['error number', () => encodeErrorReply(0x100), 0x100],
    ['signal', () => encodeStopReply({ kind: 'signal', signal: 0x100 }), 0x100],
    ['exit code', () => encodeStopReply({ kind: 'exited', code: 300 }), 300],
    ['signal', () => encodeStopReply({ kind: 'terminated', signal: -1 }), -1],
  ];
  for (const [field, encode, value] of outOfRange) {
    it(`${field} ${value}: names the field, the value and the range`, () => {
      const err = refusal(encode);
      expect({ name: err.name, code: err.code, problem: err.problem }).to.deep.equal({
        name: 'ReplyEncodingError',
        code: 'ValueOutOfRange',
        problem: { code: 'ValueOutOfRange', field, value, max: 0xff },
      });
      expect(err.message).to.include(field).and.include(String(value)).and.include('255');
    });
  }

  const reserved: [field: string, encode: () => unknown, text: string][] = [
    ['qSupported feature', () => encodeQSupportedReply([['a', { value: 'x;y' }]]), 'a=x;y'],
    ['stop reply key', () => encodeStopReply({ kind: 'signal', signal: 5, extra: [['a;b', 'x']] }), 'a;b'],
    ['stop reply value', () => encodeStopReply({ kind: 'signal', signal: 5, extra: [['k', 'x#y']] }), 'x#y'],
  ];
  for (const [field, encode, reservedText] of reserved) {
    it(`${field} ${JSON.stringify(reservedText)}: names the field and the text`, () => {
      const err = refusal(encode);
      expect({ name: err.name, code: err.code, problem: err.problem }).to.deep.equal({
        name: 'ReplyEncodingError',
        code: 'ReservedCharacter',
        problem: { code: 'ReservedCharacter', field, text: reservedText },
      });
      expect(err.message).to.include(field).and.include(JSON.stringify(reservedText));
    });
  }
});

describe('protocol/replies: the rest', () => {
  it('Exx errors', () => {
    expect(text(encodeErrorReply(1))).to.equal('E01');
    expect(text(encodeErrorReply(0x16))).to.equal('E16');
  });

  // The manual: qAttached answers 1 for a process we attached to, 0 for one we created.
  it('qAttached 0 for a process we created', () => {
    expect(text(encodeAttachedReply(false))).to.equal('0');
  });

  // The manual: `m thread-id,thread-id...`.
  it('a thread list of several ids, comma-separated', () => {
    expect(text(encodeThreadListReply([THREAD_1_1, { pid: 1, tid: 2 }, { tid: 0x1c }]))).to.equal('mp01.01,p01.02,1c');
  });

  it('qC and hex text', () => {
    expect(text(encodeCurrentThreadReply(THREAD_1_1))).to.equal('QCp01.01');
    expect(text(encodeHexTextReply('CPU#0'))).to.equal('4350552330');
  });

  it('qHostInfo and qWatchpointSupportInfo as key:value pairs', () => {
    expect(
      text(encodeHostInfoReply({ endian: 'little', ptrsize: 8, watchpointExceptionsReceived: 'before' })),
    ).to.equal('endian:little;ptrsize:8;watchpoint_exceptions_received:before;');
    expect(text(encodeWatchpointSupportInfoReply(16))).to.equal('num:16;');
  });

  it('qMemoryRegionInfo as lldb-server spells it: hex start and size, permissions, hex name; none for a hole', () => {
    expect(
      text(encodeMemoryRegionInfoReply({ start: 0x4000_0000n, size: 0x4000_0000n, permissions: 'rwx', name: 'RAM' })),
    ).to.equal('start:40000000;size:40000000;permissions:rwx;name:52414d;');
    expect(text(encodeMemoryRegionInfoReply({ start: 1n << 52n, size: 7n << 52n, permissions: '' }))).to.equal(
      'start:10000000000000;size:70000000000000;',
    );
  });

  it('splits console output into packets that fit, between UTF-8 characters', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.integer({ min: 3, max: 40 }),
        (message, maxPayload) => {
          const replies = encodeConsoleOutputReplies(message, maxPayload);
          const chunks = replies.map((r) => {
            expect(r.length).to.be.at.most(maxPayload);
            expect(r[0]).to.equal(0x4f);
            const decoded = decodeHex(r.subarray(1));
            if (decoded.kind !== 'bytes') throw new Error('not hex');
            return decoded.bytes;
          });
          const joined = Uint8Array.from(chunks.flatMap((c) => Array.from(c)));
          expect(new TextDecoder().decode(joined)).to.equal(
            new TextDecoder().decode(new TextEncoder().encode(message)),
          );
          // No chunk starts with a continuation byte unless a character is longer than a packet holds.
          if (maxPayload >= 9) for (const c of chunks) expect(c.length > 0 && (c[0]! & 0xc0) === 0x80).to.equal(false);
        },
      ),
    );
    expect(encodeConsoleOutputReplies('')).to.deep.equal([]);
  });

  describe('qXfer', () => {
    const doc = latin1Bytes('<xml>#$}*</xml>');

    it('m for a chunk before the end, l for the last one', () => {
      expect(text(encodeQXferReply(doc, 0, 5))).to.equal('m<xml>');
      expect(text(encodeQXferReply(doc, 5, 4))).to.equal('m#$}*');
      expect(text(encodeQXferReply(doc, 9, 0x100))).to.equal('l</xml>');
      expect(text(encodeQXferReply(doc, 9, 6))).to.equal('l</xml>');
      expect(text(encodeQXferReply(doc, doc.length, 10))).to.equal('l');
      expect(text(encodeQXferReply(doc, 1000, 10))).to.equal('l');
      expect(text(encodeQXferChunk(Uint8Array.of(1, 2), false))).to.equal('m\x01\x02');
    });

    it('reads back the whole document through the framing layer in any chunk size', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (document, length) => {
          const decoder = new PacketDecoder();
          const received: number[] = [];
          for (let offset = 0; ; offset += length) {
            const [event] = decoder.feed(encodePacket(encodeQXferReply(document, offset, length)));
            if (event?.kind !== 'packet') throw new Error('no packet');
            received.push(...event.payload.subarray(1));
            if (event.payload[0] === 0x6c) break;
          }
          expect(Uint8Array.from(received)).to.deep.equal(document);
        }),
      );
    });
  });
});
