import { expect } from 'chai';
import fc from 'fast-check';
import { DEFAULT_MAX_PAYLOAD, PacketDecoder, encodePacket, type DecoderEvent } from '../../protocol/framing.js';
import { frame, latin1Bytes, latin1Text } from './bytes.js';

function decode(stream: string, decoder = new PacketDecoder()): DecoderEvent[] {
  return decoder.feed(latin1Bytes(stream));
}

const packet = (payload: string): DecoderEvent => ({ kind: 'packet', payload: latin1Bytes(payload) });

/** Splits `bytes` at the given cut points (any numbers; they are reduced modulo the length). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  return chunks;
}

function feedAll(decoder: PacketDecoder, chunks: Uint8Array[]): DecoderEvent[] {
  return chunks.flatMap((c) => decoder.feed(c));
}

describe('protocol/framing: encodePacket of a view into a larger buffer', () => {
  it('frames a payload at any byte offset as it frames a copy (the checksum reads 4-byte words only when aligned)', () => {
    const buffer = new Uint8Array(300).map((_, i) => 0x30 + ((i * 7) % 40)); // no byte that needs escaping
    for (const offset of [0, 1, 2, 3, 4, 5]) {
      for (const length of [10, 63, 64, 100, 257]) {
        const view = buffer.subarray(offset, offset + length);
        expect(encodePacket(view), `offset ${offset}, ${length} bytes`).to.deep.equal(encodePacket(view.slice()));
        const sum = view.reduce((a, b) => (a + b) & 0xff, 0);
        const framed = encodePacket(view);
        expect(String.fromCharCode(...framed.subarray(-2))).to.equal(sum.toString(16).padStart(2, '0'));
      }
    }
  });
});

describe('protocol/framing: PacketDecoder', () => {
  it('decodes a packet, acks, nacks and an interrupt outside a packet', () => {
    expect(decode(`+${frame('g')}-\x03${frame('m0,4')}`)).to.deep.equal([
      { kind: 'ack' },
      packet('g'),
      { kind: 'nack' },
      { kind: 'interrupt' },
      packet('m0,4'),
    ]);
  });

  it('takes 0x03 inside a packet as data', () => {
    expect(decode(frame('X0,1:\x03'))).to.deep.equal([packet('X0,1:\x03')]);
  });

  it('decodes the same events whether fed at once or byte by byte', () => {
    const stream = latin1Bytes(`+${frame('qSupported:multiprocess+')}xx\x03${frame('0*"00')}$bad#00`);
    const whole = new PacketDecoder().feed(stream);
    const decoder = new PacketDecoder();
    expect(Array.from(stream).flatMap((b) => decoder.feed(Uint8Array.of(b)))).to.deep.equal(whole);
    expect(whole.map((e) => e.kind)).to.deep.equal(['ack', 'packet', 'error', 'interrupt', 'packet', 'error']);
  });

  it('reports a checksum mismatch with both sums, then goes on', () => {
    expect(decode(`$g#00${frame('g')}`)).to.deep.equal([
      { kind: 'error', code: 'BadChecksum', detail: { computed: 0x67, received: 0 } },
      packet('g'),
    ]);
  });

  it('accepts upper-case checksum digits', () => {
    expect(decode('$OK#9A')).to.deep.equal([packet('OK')]);
  });

  it('reports checksum bytes that are not hex digits, whichever of the two is wrong', () => {
    expect(decode(`$g#6z$g#z7${frame('g')}`)).to.deep.equal([
      { kind: 'error', code: 'BadChecksumDigits', detail: { received: [0x36, 0x7a] } },
      { kind: 'error', code: 'BadChecksumDigits', detail: { received: [0x7a, 0x37] } },
      packet('g'),
    ]);
  });

  it('reports a run of garbage between packets once, and each separate run', () => {
    expect(decode(`hello+\r\n${frame('g')}#zz`)).to.deep.equal([
      { kind: 'error', code: 'GarbageBeforePacket', detail: { firstByte: 0x68 } },
      { kind: 'ack' },
      { kind: 'error', code: 'GarbageBeforePacket', detail: { firstByte: 0x0d } },
      packet('g'),
      { kind: 'error', code: 'GarbageBeforePacket', detail: { firstByte: 0x23 } },
    ]);
  });

  it('keeps a garbage run open across chunks', () => {
    const decoder = new PacketDecoder();
    expect(decode('ab', decoder)).to.have.length(1);
    expect(decode('cd', decoder)).to.deep.equal([]);
    expect(decode(`${frame('g')}`, decoder)).to.deep.equal([packet('g')]);
  });

  it('restarts at a `$` inside a packet and reports the truncated one', () => {
    expect(decode(`$m4008${frame('g')}`)).to.deep.equal([
      { kind: 'error', code: 'TruncatedPacket', detail: { length: 5 } },
      packet('g'),
    ]);
  });

  it('restarts at a `$` among the checksum digits', () => {
    expect(decode(`$g#6${frame('g')}`)).to.deep.equal([
      { kind: 'error', code: 'TruncatedPacket', detail: { length: 1 } },
      packet('g'),
    ]);
  });

  it('unescapes `}` pairs', () => {
    expect(decode(frame('X0,4:}]}\x03}\x04}\x0a'))).to.deep.equal([packet('X0,4:}#$*')]);
  });

  it('reports a payload that ends inside an escape', () => {
    expect(decode(frame('ab}'))).to.deep.equal([{ kind: 'error', code: 'DanglingEscape', detail: { length: 3 } }]);
  });

  describe('run-length input', () => {
    const cases: [string, string][] = [
      ['0* ', '0000'],
      ['0*!', '00000'],
      ['0*"', '000000'],
      ['0*"0', '0000000'],
      ['0*"00', '00000000'],
      ['0*%', '000000000'],
      ['a0*~b', `a${'0'.repeat(98)}b`],
      ['0* * ', '0'.repeat(7)],
      // Runs repeat the raw character, so a run after `}]` adds literal `]`s: gdb expands runs before unescaping.
      ['}]* ', '}]]]'],
    ];
    for (const [body, expected] of cases) {
      it(`${JSON.stringify(body)} -> ${expected.length} bytes`, () =>
        expect(decode(frame(body))).to.deep.equal([packet(expected)]));
    }

    it('reports a `*` with nothing to repeat', () => {
      expect(decode(frame('* '))).to.deep.equal([
        { kind: 'error', code: 'BadRunLength', detail: { offset: 1, countByte: 0x20 } },
      ]);
    });

    it('reports a repeat count that is not printable', () => {
      expect(decode(frame('0*\x01'))).to.deep.equal([
        { kind: 'error', code: 'BadRunLength', detail: { offset: 2, countByte: 1 } },
      ]);
    });

    // The manual: a count character above 126 must not be used, so '~' (97 extra repeats) is the largest.
    it('reports a repeat count above `~`', () => {
      expect(decode(`${frame('0*\x7f')}${frame('0*\xff')}`)).to.deep.equal([
        { kind: 'error', code: 'BadRunLength', detail: { offset: 2, countByte: 0x7f } },
        { kind: 'error', code: 'BadRunLength', detail: { offset: 2, countByte: 0xff } },
      ]);
    });

    it('does not expand a bad run, so a small limit still reports BadRunLength, not PacketTooLong', () => {
      const decoder = new PacketDecoder({ maxPayload: 16 });
      expect(decode(`${frame('0*\xff')}${frame('*~')}${frame('g')}`, decoder)).to.deep.equal([
        { kind: 'error', code: 'BadRunLength', detail: { offset: 2, countByte: 0xff } },
        { kind: 'error', code: 'BadRunLength', detail: { offset: 1, countByte: 0x7e } },
        packet('g'),
      ]);
    });

    it('takes `#` after `*` as the end of the frame, not as a count', () => {
      expect(decode(`${frame('0*')}${frame('g')}`)).to.deep.equal([
        { kind: 'error', code: 'BadRunLength', detail: { offset: 2, countByte: 0x23 } },
        packet('g'),
      ]);
    });

    it('counts the expanded payload against the limit', () => {
      const decoder = new PacketDecoder({ maxPayload: 16 });
      expect(decode(`${frame('0*~')}${frame('g')}`, decoder)).to.deep.equal([
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 16, length: 3 } },
        packet('g'),
      ]);
    });

    it('takes a run that expands to exactly the limit, and refuses one byte more', () => {
      const decoder = new PacketDecoder({ maxPayload: 4 });
      // '0* ' is 0000 and '0*!' is 00000 (the manual's examples): 3 bytes on the wire either way.
      expect(decode(`${frame('0* ')}${frame('0*!')}`, decoder)).to.deep.equal([
        packet('0000'),
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 4, length: 3 } },
      ]);
    });
  });

  describe('PacketTooLong', () => {
    it('defaults to 0x4000 bytes', () => {
      expect(new PacketDecoder().maxPayload).to.equal(DEFAULT_MAX_PAYLOAD).and.to.equal(0x4000);
      expect(decode(frame('a'.repeat(0x4000)))).to.deep.equal([packet('a'.repeat(0x4000))]);
      expect(decode(frame('a'.repeat(0x4001)))).to.deep.equal([
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 0x4000, length: 0x4001 } },
      ]);
    });

    it('discards through the checksum and decodes what follows', () => {
      const decoder = new PacketDecoder({ maxPayload: 4 });
      expect(decode(`${frame('abcd')}${frame('abcde')}+${frame('g')}`, decoder)).to.deep.equal([
        packet('abcd'),
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 4, length: 5 } },
        { kind: 'ack' },
        packet('g'),
      ]);
    });

    it('resyncs at a `$` before the end of the long frame', () => {
      const decoder = new PacketDecoder({ maxPayload: 4 });
      expect(decode(`$abcdefgh${frame('g')}`, decoder)).to.deep.equal([
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 4, length: 8 } },
        packet('g'),
      ]);
    });

    it('reports a long frame as too long when the byte past the limit is a `*`', () => {
      const decoder = new PacketDecoder({ maxPayload: 4 });
      expect(decode(`$abcd*${frame('g')}`, decoder)).to.deep.equal([
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 4, length: 5 } },
        packet('g'),
      ]);
    });

    it('reports a long frame as too long when a `$` cuts its checksum short', () => {
      const decoder = new PacketDecoder({ maxPayload: 4 });
      expect(decode(`$abcde#6${frame('g')}`, decoder)).to.deep.equal([
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 4, length: 5 } },
        packet('g'),
      ]);
    });

    // The manual's PacketSize is a limit on the data characters as sent, so escapes count twice.
    it('counts the body as sent, escapes included, against the limit', () => {
      const decoder = new PacketDecoder({ maxPayload: 4 });
      expect(decode(`${frame('}]}]')}${frame('}]}]}]')}`, decoder)).to.deep.equal([
        packet('}}'),
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 4, length: 6 } },
      ]);
    });

    it('accepts a limit of one byte', () => {
      const decoder = new PacketDecoder({ maxPayload: 1 });
      expect(decoder.maxPayload).to.equal(1);
      expect(decode(`${frame('g')}${frame('gg')}`, decoder)).to.deep.equal([
        packet('g'),
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 1, length: 2 } },
      ]);
    });

    it('refuses a limit that is not a positive integer, saying which value', () => {
      for (const maxPayload of [0, -1, 1.5, Number.NaN])
        expect(() => new PacketDecoder({ maxPayload }))
          .to.throw(RangeError, /maxPayload/)
          .with.property('message')
          .that.includes(String(maxPayload));
    });

    it('does not buffer a long frame', () => {
      const decoder = new PacketDecoder({ maxPayload: 16 });
      for (let i = 0; i < 100; i++) decoder.feed(latin1Bytes(i === 0 ? '$' : 'a'.repeat(1000)));
      expect(decode('#00', decoder)).to.deep.equal([
        { kind: 'error', code: 'PacketTooLong', detail: { limit: 16, length: 99_000 } },
      ]);
    });
  });

  describe('properties', () => {
    const anyCuts = fc.array(fc.nat(), { maxLength: 8 });

    it('decodes exactly what encodePacket encoded, with or without RLE, however it is chunked', () => {
      const payloads = fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        // Long runs and the special characters exercise run splitting and escapes.
        fc
          .array(
            fc.tuple(fc.constantFrom(0x30, 0x23, 0x24, 0x7d, 0x2a, 0x5d, 0x03, 0x00), fc.integer({ min: 1, max: 120 })),
            { maxLength: 12 },
          )
          .map((runs) => Uint8Array.from(runs.flatMap(([b, n]) => Array<number>(n).fill(b)))),
      );
      fc.assert(
        fc.property(payloads, fc.boolean(), anyCuts, (payload, runLength, cuts) => {
          const decoder = new PacketDecoder({ maxPayload: 0x10000 });
          const events = feedAll(decoder, chunked(encodePacket(payload, { runLength }), cuts));
          expect(events).to.deep.equal([{ kind: 'packet', payload }]);
        }),
        { numRuns: 3000 },
      );
    });

    it('never throws on arbitrary bytes, and always decodes the next valid packet', () => {
      const noise = fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.constantFrom(...latin1Bytes('$#}*+-\x03a0 ~')), { maxLength: 300 }).map((a) => Uint8Array.from(a)),
      );
      fc.assert(
        fc.property(
          noise,
          fc.uint8Array({ maxLength: 64 }),
          fc.boolean(),
          anyCuts,
          (junk, payload, runLength, cuts) => {
            const decoder = new PacketDecoder({ maxPayload: 256 });
            const good = encodePacket(payload, { runLength });
            const stream = new Uint8Array(junk.length + good.length);
            stream.set(junk);
            stream.set(good, junk.length);
            const events = feedAll(decoder, chunked(stream, cuts));
            expect(events.at(-1)).to.deep.equal({ kind: 'packet', payload });
          },
        ),
        { numRuns: 3000 },
      );
    });
  });
});

describe('protocol/framing: encodePacket', () => {
  it('frames and checksums', () => {
    expect(latin1Text(encodePacket('OK'))).to.equal('$OK#9a');
    expect(latin1Text(encodePacket(''))).to.equal('$#00');
    expect(latin1Text(encodePacket('T05thread:p01.01;'))).to.equal(frame('T05thread:p01.01;'));
  });

  it('escapes $, #, } and *', () => {
    expect(latin1Text(encodePacket(latin1Bytes('l$#}*x')))).to.equal(frame('l}\x04}\x03}]}\x0ax'));
  });

  it('leaves other bytes alone, 0x03 and high bytes included', () => {
    expect(latin1Text(encodePacket(Uint8Array.of(0x03, 0x80, 0xff, 0x2b, 0x2d)))).to.equal(frame('\x03\x80\xff+-'));
  });

  it('sends strings as UTF-8', () => {
    expect(latin1Text(encodePacket('é'))).to.equal(frame('\xc3\xa9'));
  });

  describe('run-length encoding', () => {
    const cases: [string, string][] = [
      ['000', '000'],
      ['0000', '0* '],
      ['000000', '0*"'],
      // 6 and 7 extra repeats would be '#' and '$': the manual's own examples.
      ['0000000', '0*"0'],
      ['00000000', '0*"00'],
      ['000000000', '0*%'],
      ['0'.repeat(98), '0*~'],
      ['0'.repeat(99), '0*~0'],
      ['0'.repeat(200), '0*~0*~0* '],
      // 14, 16, 13 and 96 extra would be '+', '-', '*' and '}'.
      ['0'.repeat(15), `0*${String.fromCharCode(12 + 29)}00`],
      ['0'.repeat(17), `0*${String.fromCharCode(15 + 29)}0`],
      ['0'.repeat(97), `0*${String.fromCharCode(95 + 29)}0`],
      ['ab0000cd', 'ab0* cd'],
    ];
    for (const [payload, body] of cases) {
      it(`${payload.length > 20 ? `${payload.length} zeros` : JSON.stringify(payload)} -> ${JSON.stringify(body)}`, () => {
        expect(latin1Text(encodePacket(payload, { runLength: true }))).to.equal(frame(body));
      });
    }

    it('decodes back to the payload, with a checksum computed byte by byte, at any length and offset', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 120 })), { maxLength: 40 }),
          fc.integer({ min: 0, max: 7 }),
          fc.boolean(),
          (runs, offset, runLength) => {
            const bytes = runs.flatMap(([b, n]) => Array<number>(n).fill(b));
            // A payload that starts at an odd place in its buffer, as a subarray of a larger read would.
            const payload = new Uint8Array(bytes.length + offset).subarray(offset);
            payload.set(bytes);
            const encoded = encodePacket(payload, { runLength });
            const body = encoded.subarray(1, -3);
            let sum = 0;
            for (const b of body) sum = (sum + b) & 0xff;
            expect(latin1Text(encoded.subarray(-2))).to.equal(sum.toString(16).padStart(2, '0'));
            expect(new PacketDecoder({ maxPayload: 1 << 20 }).feed(encoded)).to.deep.equal([
              { kind: 'packet', payload: Uint8Array.from(bytes) },
            ]);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('never uses a count of #, $, +, -, * or } and never grows the packet', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom(0x30, 0x66, 0x7d), fc.integer({ min: 1, max: 300 })), { maxLength: 6 }),
          (runs) => {
            const payload = Uint8Array.from(runs.flatMap(([b, n]) => Array<number>(n).fill(b)));
            const plain = encodePacket(payload);
            const encoded = encodePacket(payload, { runLength: true });
            expect(encoded.length).to.be.at.most(plain.length);
            const body = latin1Text(encoded.subarray(1, -3));
            for (let i = body.indexOf('*'); i >= 0; i = body.indexOf('*', i + 2))
              expect('#$+-*}').not.to.include(body[i + 1]);
          },
        ),
      );
    });
  });
});
