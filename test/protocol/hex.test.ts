import { expect } from 'chai';
import fc from 'fast-check';
import {
  bigintToLeBytes,
  decodeHex,
  encodeHex,
  encodeHexBytes,
  formatHexNumber,
  hexDigitValue,
  leBytesToBigint,
  leHexToBigint,
  u32ToLeHex,
  u64ToLeHex,
} from '../../protocol/hex.js';
import { latin1Text } from './bytes.js';

describe('protocol/hex', () => {
  it('encodes bytes as lowercase hex, as a string and as ASCII bytes', () => {
    const bytes = Uint8Array.of(0x00, 0x80, 0xd2, 0xff, 0x0a);
    expect(encodeHex(bytes)).to.equal('0080d2ff0a');
    expect(latin1Text(encodeHexBytes(bytes))).to.equal('0080d2ff0a');
    expect(encodeHex(new Uint8Array(0))).to.equal('');
  });

  it('round-trips any bytes, whichever case the digits are in', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (bytes, upper) => {
        const hex = upper ? encodeHex(bytes).toUpperCase() : encodeHex(bytes);
        expect(decodeHex(hex)).to.deep.equal({ kind: 'bytes', bytes });
        expect(decodeHex(new TextEncoder().encode(hex))).to.deep.equal({ kind: 'bytes', bytes });
      }),
    );
  });

  it('reports odd lengths and bad digits with where they are', () => {
    expect(decodeHex('abc')).to.deep.equal({ kind: 'invalid', problem: 'OddLength', length: 3 });
    expect(decodeHex('0g')).to.deep.equal({ kind: 'invalid', problem: 'BadDigit', offset: 1 });
    expect(decodeHex('x0')).to.deep.equal({ kind: 'invalid', problem: 'BadDigit', offset: 0 });
    expect(hexDigitValue(0x46)).to.equal(15);
    expect(hexDigitValue(0x47)).to.equal(-1);
  });

  it('gives -1, never undefined, for codes outside a byte', () => {
    for (const code of [-1, 0x100, 0x146, Number.NaN]) expect(hexDigitValue(code), String(code)).to.equal(-1);
  });

  it('formats register values little-endian', () => {
    expect(u64ToLeHex(0x4008_0014n)).to.equal('1400084000000000');
    expect(u64ToLeHex(0xffff_ffff_ffff_ffffn)).to.equal('ffffffffffffffff');
    expect(u64ToLeHex(-1n)).to.equal('ffffffffffffffff');
    expect(u32ToLeHex(0x4000_03c5n)).to.equal('c5030040');
    expect(leHexToBigint('1400084000000000')).to.equal(0x4008_0014n);
    expect(leHexToBigint('14z0')).to.equal(undefined);
    expect(bigintToLeBytes(0x1_0000_0001n, 4)).to.deep.equal(Uint8Array.of(1, 0, 0, 0));
  });

  it('round-trips any 128-bit value through little-endian bytes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
        expect(leBytesToBigint(bigintToLeBytes(value, 16))).to.equal(value);
      }),
    );
  });

  it('formats numbers big-endian with a minimum width', () => {
    expect(formatHexNumber(1, 2)).to.equal('01');
    expect(formatHexNumber(0x4008_0000n)).to.equal('40080000');
  });
});
