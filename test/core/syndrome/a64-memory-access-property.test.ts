// Property tests: random LDR/STR (immediate, unsigned offset) encodings decode to their own fields,
// and no 32-bit word makes the decoder or the ISS builder throw. The expected values come from the
// Arm ARM's encoding table (C6.2 LDR/STR (immediate)), written out here independently.
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeMemoryAccess } from '../../../core/syndrome/a64-memory-access.js';
import { dataAbortIss } from '../../../core/syndrome/data-abort-iss.js';
import { describeEsr } from '../../../core/syndrome/esr-describe.js';

const MASK64 = (1n << 64n) - 1n;
const field = (v: bigint, hi: number, lo: number): number =>
  Number((v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));

/** The general-purpose size:opc combinations of "Load/store register (unsigned immediate)". */
const GPR_FORMS = [
  // [size, opc, mnemonic, write, signExtend, sf]
  [0, 0, 'STRB', true, false, false],
  [0, 1, 'LDRB', false, false, false],
  [0, 2, 'LDRSB (X)', false, true, true],
  [0, 3, 'LDRSB (W)', false, true, false],
  [1, 0, 'STRH', true, false, false],
  [1, 1, 'LDRH', false, false, false],
  [1, 2, 'LDRSH (X)', false, true, true],
  [1, 3, 'LDRSH (W)', false, true, false],
  [2, 0, 'STR (W)', true, false, false],
  [2, 1, 'LDR (W)', false, false, false],
  [2, 2, 'LDRSW', false, true, true],
  [3, 0, 'STR (X)', true, false, true],
  [3, 1, 'LDR (X)', false, false, true],
] as const;

const regValue = (n: number): bigint => (0x1234_5678_0000_0000n + BigInt(n) * 0x1_0001n) & MASK64;

describe('decodeMemoryAccess properties', () => {
  it('LDR/STR (immediate, unsigned offset) of each size decodes to its encoding fields', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GPR_FORMS),
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 31 }),
        fc.bigInt({ min: 0n, max: MASK64 }),
        ([size, opc, , write, signExtend, sf], imm12, rn, rt, sp) => {
          const word = ((size << 30) | (0b111001 << 24) | (opc << 22) | (imm12 << 10) | (rn << 5) | rt) >>> 0;
          const decoded = decodeMemoryAccess(word, { x: regValue, sp, pc: 0n });
          if (decoded.kind !== 'memory') return expect.fail(`not memory: ${word.toString(16)}`);
          const base = rn === 31 ? sp : regValue(rn);
          expect(decoded.address).to.equal((base + (BigInt(imm12) << BigInt(size))) & MASK64);
          expect(decoded).to.include({
            class: 'load-store-register',
            size: 1 << size,
            totalSize: 1 << size,
            rt,
            write,
            signExtend,
            dest64: sf,
            writeback: false,
          });
          const iss = dataAbortIss(decoded, { dfsc: 0x06, s1ptw: false });
          expect([
            field(iss, 24, 24),
            field(iss, 23, 22),
            field(iss, 21, 21),
            field(iss, 20, 16),
            field(iss, 15, 15),
            field(iss, 14, 14),
            field(iss, 6, 6),
            field(iss, 5, 0),
          ]).to.deep.equal([1, size, signExtend ? 1 : 0, rt, sf ? 1 : 0, 0, write ? 1 : 0, 0x06]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('LDR/STR (immediate, unsigned offset, SIMD&FP) decodes B/H/S/D/Q with ISV = 0', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([0, 0], [1, 0], [2, 0], [3, 0], [0, 2]),
        fc.boolean(),
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 31 }),
        ([size, opcHigh], load, imm12, rn, rt) => {
          const opc = opcHigh! | (load ? 1 : 0);
          const word = ((size! << 30) | (0b111101 << 24) | (opc << 22) | (imm12 << 10) | (rn << 5) | rt) >>> 0;
          const decoded = decodeMemoryAccess(word, { x: regValue, sp: 0n, pc: 0n });
          const bytes = opcHigh === 2 ? 16 : 1 << size!;
          if (decoded.kind !== 'memory') return expect.fail(`not memory: ${word.toString(16)}`);
          expect(decoded.address).to.equal((regValue(rn) + BigInt(imm12 * bytes)) & MASK64);
          expect(decoded).to.include({ class: 'simd-fp-register', size: bytes, rt, write: !load, simd: true });
          expect(field(dataAbortIss(decoded, { dfsc: 0x07, s1ptw: false }), 24, 14)).to.equal(0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws on any 32-bit word; every access has an address in 64 bits and a total size >= its size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.bigInt({ min: 0n, max: MASK64 }), (word, value) => {
        const decoded = decodeMemoryAccess(word, { x: () => value, sp: value, pc: value });
        if (decoded.kind === 'memory') {
          dataAbortIss(decoded, { dfsc: 0x07, s1ptw: false }); // must not throw either
          expect(decoded.totalSize).to.be.at.least(decoded.size);
          expect(decoded.address >= 0n && decoded.address <= MASK64).to.equal(true);
        }
      }),
      { numRuns: 50_000 },
    );
  });

  it('gives LDR/STR (unsigned offset, general registers) the ISS the Arm ARM spells out from the encoding', () => {
    // size 111 0 01 opc imm12 Rn Rt. ISV=1, SAS=size, SRT=Rt, WnR=(opc==00); opc=10 sign-extends to 64 (SSE=1,
    // SF=1), opc=11 to 32 (SSE=1, SF=0); zero-extending loads and stores have SF=1 only for 64-bit accesses.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 0xfff }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 31 }),
        (size, opc, imm12, rn, rt) => {
          if (opc >= 2 && (size === 3 || (size === 2 && opc === 3))) return; // PRFM / unallocated
          const word = ((size << 30) | (0b111001 << 24) | (opc << 22) | (imm12 << 10) | (rn << 5) | rt) >>> 0;
          const decoded = decodeMemoryAccess(word, { x: () => 0x4000_0000n, sp: 0x4000_0000n, pc: 0n });
          if (decoded.kind !== 'memory') return expect.fail(`not memory: ${word.toString(16)}`);
          const iss = dataAbortIss(decoded, { dfsc: 0x07, s1ptw: false });
          const signed = opc >= 2;
          const sf = signed ? opc === 2 : size === 3;
          expect(field(iss, 24, 24), 'ISV').to.equal(1);
          expect(field(iss, 23, 22), 'SAS').to.equal(size);
          expect(field(iss, 21, 21), 'SSE').to.equal(signed ? 1 : 0);
          expect(field(iss, 20, 16), 'SRT').to.equal(rt);
          expect(field(iss, 15, 15), 'SF').to.equal(sf ? 1 : 0);
          expect(field(iss, 6, 6), 'WnR').to.equal(opc === 0 ? 1 : 0);
          expect(field(iss, 5, 0), 'DFSC').to.equal(0x07);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on words from the load/store space (op0 = x1x0)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (random) => {
        const word = ((random & ~(1 << 25)) | (1 << 27)) >>> 0;
        const decoded = decodeMemoryAccess(word, { x: regValue, sp: 0x8000n, pc: 0x4000n });
        expect(['memory', 'not-memory']).to.include(decoded.kind);
        if (decoded.kind === 'not-memory') expect(decoded.reason).to.not.equal('other-instruction');
      }),
      { numRuns: 50_000 },
    );
  });

  it('describeEsr never throws on any 64-bit value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MASK64 }), (esr) => {
        const described = describeEsr(esr);
        expect(described.ec).to.equal(field(esr, 31, 26));
      }),
      { numRuns: 20_000 },
    );
  });
});
