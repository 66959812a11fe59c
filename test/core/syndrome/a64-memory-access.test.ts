// Decodes every row of instruction-table.ts, assembled by the real binutils, and checks the access
// and the ISS field by field. ISS fields are read at literal bit positions (ARM DDI 0487 D23), so the
// test shares no constants with the code under test.
import { expect } from 'chai';
import { assemble } from '../../helpers/asm.js';
import {
  decodeMemoryAccess,
  type MemoryAccess,
  type MemoryAccessClass,
} from '../../../core/syndrome/a64-memory-access.js';
import { dataAbortIss } from '../../../core/syndrome/data-abort-iss.js';
import { PC, ROWS, SP, xValue, type FlagName, type Row } from './instruction-table.js';

const REGS = { x: xValue, sp: SP, pc: PC };

const FLAG_FIELDS: Readonly<Record<FlagName, keyof MemoryAccess>> = {
  W: 'write',
  wb: 'writeback',
  P: 'pair',
  V: 'simd',
  X: 'exclusive',
  A: 'atomic',
  U: 'unprivileged',
  CM: 'cacheMaintenance',
  PF: 'prefetch',
  NF: 'neverFaults',
  S: 'signExtend',
  '64': 'dest64',
  AR: 'acquireRelease',
};

const field = (iss: bigint, hi: number, lo: number): number =>
  Number((iss >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));

/** [ISV, SAS, SSE, SRT, SF, AR, WnR, CM] of an ISS, read at the Arm ARM's bit positions. */
function issFields(iss: bigint): number[] {
  return [
    field(iss, 24, 24),
    field(iss, 23, 22),
    field(iss, 21, 21),
    field(iss, 20, 16),
    field(iss, 15, 15),
    field(iss, 14, 14),
    field(iss, 6, 6),
    field(iss, 8, 8),
  ];
}

/** Assembles all rows in one run of `as` and returns one 32-bit word per row. */
function assembleRows(rows: readonly Row[]): number[] {
  const code = assemble(rows.map((r) => r.asm).join('\n'));
  expect(code.length, 'one instruction per row').to.equal(rows.length * 4);
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  return rows.map((_, i) => view.getUint32(i * 4, true));
}

describe('decodeMemoryAccess on assembled instructions', () => {
  let words: number[] = [];
  before(() => {
    words = assembleRows(ROWS);
  });

  it('has at least 120 instructions covering every class', () => {
    expect(ROWS.length).to.be.at.least(120);
    const classes: MemoryAccessClass[] = [
      'load-store-register',
      'load-register-literal',
      'load-store-unprivileged',
      'load-register-pac',
      'load-store-pair',
      'load-store-exclusive',
      'load-store-ordered',
      'load-acquire-rcpc',
      'load-store-rcpc-unscaled',
      'atomic-memory-operation',
      'compare-and-swap',
      'simd-fp-register',
      'simd-fp-pair',
      'simd-structure-multiple',
      'simd-structure-single',
      'data-cache-zero',
      'cache-maintenance',
      'address-translation',
      'prefetch',
    ];
    expect(new Set(ROWS.map((r) => r.cls))).to.deep.equal(new Set(classes));
  });

  ROWS.forEach((row, i) => {
    it(`${row.asm}`, () => {
      const decoded = decodeMemoryAccess(words[i]!, REGS);
      if (decoded.kind !== 'memory') expect.fail(`decoded as ${JSON.stringify(decoded)}`);
      expect(decoded.class).to.equal(row.cls);
      expect(decoded.address, 'address').to.equal(row.addr);
      expect(decoded.faultAddress, 'faultAddress').to.equal(row.far ?? row.addr);
      expect(decoded.size, 'size').to.equal(row.size);
      expect(decoded.totalSize, 'totalSize').to.equal(row.total ?? row.size);
      expect({ rt: decoded.rt, rt2: decoded.rt2, rs: decoded.rs }).to.deep.equal({
        rt: row.rt,
        rt2: row.rt2,
        rs: row.rs,
      });
      const expectedFlags = new Set(row.flags.split(' ').filter((f) => f !== ''));
      for (const [flag, key] of Object.entries(FLAG_FIELDS)) {
        expect(decoded[key], `${key}`).to.equal(expectedFlags.has(flag));
      }
      const iss = dataAbortIss(decoded, { dfsc: 0x07, s1ptw: false });
      expect(issFields(iss), '[ISV, SAS, SSE, SRT, SF, AR, WnR, CM]').to.deep.equal([...row.iss]);
      expect(field(iss, 5, 0), 'DFSC').to.equal(0x07);
      expect(field(iss, 13, 9), 'VNCR, SET, FnV, EA').to.equal(0);
      expect(field(iss, 7, 7), 'S1PTW').to.equal(0);
      if (row.iss[0] === 0) expect(field(iss, 23, 14), 'ISS[23:14] RES0 when ISV = 0').to.equal(0);
    });
  });
});

describe('decodeMemoryAccess outside the described accesses', () => {
  const cases: [source: string, expected: object][] = [
    ['add x0, x1, x2', { kind: 'not-memory', reason: 'other-instruction' }],
    ['hvc #0', { kind: 'not-memory', reason: 'other-instruction' }],
    ['dc isw, x1', { kind: 'not-memory', reason: 'other-instruction' }],
    ['dc csw, x1', { kind: 'not-memory', reason: 'other-instruction' }],
    ['tlbi vmalle1', { kind: 'not-memory', reason: 'other-instruction' }],
    ['msr sctlr_el1, x0', { kind: 'not-memory', reason: 'other-instruction' }],
    ['.arch_extension memtag\nstg x0, [x1]', { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_MTE' }],
    ['.arch_extension memtag\nstgp x0, x1, [x2]', { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_MTE' }],
    ['.arch_extension memtag\ndc gva, x1', { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_MTE' }],
    ['.arch_extension memtag\nldg x0, [x1]', { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_MTE' }],
    [
      '.arch_extension sve\nld1d {z0.d}, p0/z, [x1]',
      { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_SVE' },
    ],
    ['.arch_extension sve\nst1w {z0.s}, p0, [x1]', { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_SVE' }],
    ['.arch armv8.7-a+ls64\nld64b x0, [x1]', { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_LS64' }],
    ['.arch armv8.7-a+ls64\nst64bv x2, x0, [x1]', { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_LS64' }],
    [
      '.arch armv8.8-a+mops\ncpyfp [x0]!, [x1]!, x2!',
      { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_MOPS' },
    ],
    ['.arch armv8.8-a+mops\nsetp [x0]!, x1!, x2', { kind: 'not-memory', reason: 'out-of-scope', feature: 'FEAT_MOPS' }],
  ];
  for (const [source, expected] of cases) {
    it(`${source.split('\n').at(-1)} -> ${JSON.stringify(expected)}`, () => {
      const code = assemble(source);
      const word = new DataView(code.buffer, code.byteOffset).getUint32(0, true);
      expect(decodeMemoryAccess(word, REGS)).to.deep.equal(expected);
    });
  }

  // Hand-built words, ARM DDI 0487 C4.1: fields named as in the encoding diagrams.
  const unallocated: [name: string, word: number][] = [
    ['LDR (unsigned offset) size=10 opc=11', (0b10 << 30) | (0b111001 << 24) | (0b11 << 22)],
    ['PRFM post-index (size=11 opc=10 idx=01)', (0b11 << 30) | (0b111000 << 24) | (0b10 << 22) | (0b01 << 10)],
    ['LDTR SIMD&FP (V=1 idx=10)', (0b11 << 30) | (0b111100 << 24) | (0b01 << 22) | (0b10 << 10)],
    ['LDR register offset option=000', (0b11 << 30) | (0b111000 << 24) | (0b01 << 22) | (1 << 21) | (0b10 << 10)],
    ['LDP opc=11', (0b11 << 30) | (0b101001 << 24) | (1 << 22)],
    ['LDNP with opc=01 (no LDPSW no-allocate form)', (0b01 << 30) | (0b101000 << 24) | (1 << 22)],
    ['SIMD LDR size=11 opc=1x (scale 7)', (0b11 << 30) | (0b111101 << 24) | (0b11 << 22)],
    ['LDAPR with A=0', (0b11 << 30) | (0b111000 << 24) | (1 << 21) | (31 << 16) | (0b1100 << 12)],
    ['atomic o3=1 opc=111', (0b10 << 30) | (0b111000 << 24) | (1 << 21) | (0b1111 << 12)],
    ['CAS with Rt2 != 31', (0b10 << 30) | (0b001000 << 24) | (1 << 23) | (1 << 21) | (0b00000 << 10)],
    ['CASP with odd Rt', (0b00 << 30) | (0b001000 << 24) | (1 << 21) | (31 << 10) | 1],
    ['LD1 multiple opcode=0001', (0b001100 << 24) | (1 << 22) | (0b0001 << 12)],
    ['LD4 multiple .1d (size=11, Q=0)', (0b001100 << 24) | (1 << 22) | (0b0000 << 12) | (0b11 << 10)],
    ['ST1R (replicate store)', (0b001101 << 24) | (0b110 << 13)],
    ['LDAPURS{B,H} into X with size=11', (0b11 << 30) | (0b011001 << 24) | (0b10 << 22)],
    ['LDRAA with size=10', (0b10 << 30) | (0b111000 << 24) | (1 << 21) | (1 << 10)],
  ];
  for (const [name, word] of unallocated) {
    it(`${name} is unallocated`, () => {
      expect(decodeMemoryAccess(word >>> 0, REGS)).to.deep.equal({ kind: 'not-memory', reason: 'unallocated' });
    });
  }

  it('names FEAT_LRCPC3 (LDIAPP: size 011001 0 L 0 Rt2 opc2 10 Rn Rt)', () => {
    const ldiapp = (0b11 << 30) | (0b011001 << 24) | (1 << 22) | (1 << 16) | (0b10 << 10) | (2 << 5);
    expect(decodeMemoryAccess(ldiapp >>> 0, REGS)).to.deep.equal({
      kind: 'not-memory',
      reason: 'out-of-scope',
      feature: 'FEAT_LRCPC3',
    });
  });
});

describe('decodeMemoryAccess addresses', () => {
  it('wraps the address at 64 bits', () => {
    const [word] = assembleRows([{ asm: 'ldr x0, [x1, #8]' } as Row]);
    const decoded = decodeMemoryAccess(word!, { x: () => 0xffff_ffff_ffff_fffcn, sp: 0n, pc: 0n });
    expect(decoded).to.include({ kind: 'memory', address: 0x4n });
  });

  it('uses the DC ZVA block size it is given (DCZID_EL0.BS)', () => {
    const [word] = assembleRows([{ asm: 'dc zva, x1' } as Row]);
    const decoded = decodeMemoryAccess(word!, { x: () => 0x4000_11c8n, sp: 0n, pc: 0n }, { dczBlockBytes: 256 });
    expect(decoded).to.include({
      kind: 'memory',
      address: 0x4000_1100n,
      faultAddress: 0x4000_11c8n,
      size: 256,
      totalSize: 256,
    });
  });

  it('accepts a signed 32-bit word the same as its unsigned value', () => {
    const [word] = assembleRows([{ asm: 'ldr x0, [x1]' } as Row]);
    expect(decodeMemoryAccess(word! | 0, REGS)).to.deep.equal(decodeMemoryAccess(word!, REGS));
  });
});
