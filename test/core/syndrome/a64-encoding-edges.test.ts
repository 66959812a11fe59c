// decodeMemoryAccess at the edges of the encoding groups: words one field away from an allocated load/store that
// the Arm ARM (DDI 0487 C4.1, C6/C7 instruction pages) leaves unallocated, the acquire/release and extend forms the
// main table lacks, AT and the FEAT_MTE DC operations. Allocated words were assembled with aarch64-linux-gnu-as;
// unallocated ones are built by hand from an assembled neighbour, and binutils' disassembler must call them
// undefined too (checked below), so the expectation does not rest on this decoder alone.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMemoryAccess, type MemoryAccess } from '../../../core/syndrome/a64-memory-access.js';
import type { GuestRegisters } from '../../../core/syndrome/memory-access.js';

const X: Readonly<Record<number, bigint>> = {
  0: 0x0f00_0000n,
  1: 0x4000_1000n,
  2: 0xffff_ffff_0000_0010n, // W2 = 0x10; X2 has its upper half set
  3: 0x1_0000_0010n,
};
const REGS: GuestRegisters = { x: (n) => X[n] ?? 0n, sp: 0x4010_0000n, pc: 0x4008_0000n };

function memory(word: number): MemoryAccess {
  const d = decodeMemoryAccess(word, REGS);
  if (d.kind !== 'memory') return expect.fail(`0x${word.toString(16)}: ${JSON.stringify(d)}`);
  return d;
}

/** Unallocated words: [what, word], each one field away from the allocated instruction named. */
const UNALLOCATED: readonly [string, number][] = [
  ['CASP with odd Rs (casp x3, x4, x4, x5, [x0])', 0x4823_7c04],
  ['CASP with Rt2 = 0 (casp x2, x3, x4, x5, [x0] with bits 14:10 clear)', 0x4822_0004],
  ['LDP (SIMD&FP) opc = 11', 0xed40_0000],
  ['V = 1, size = 11, bit 21 = 1 beside the MTE tag group (STG needs V = 0)', 0xdd20_0000],
  ['V = 0, size = 00, bit 21 = 1 beside the MTE tag group (STG needs size = 11)', 0x1920_0000],
  ['LDAPURSH with bits 11:10 = 11', 0x59c0_0c20],
  ['LDAPURSH with V = 1', 0x5dc0_0020],
  ['LDAPURS* into W (opc = 11) with size = 10', 0x99c0_0020],
  ['LDUR (SIMD&FP) size = 01 opc = 11 (a 256-bit register)', 0x7cc0_0000],
  ['LDRAA with V = 1', 0xfc20_0420],
  ['LDADD with V = 1', 0xfc20_0041],
  ['LDAPR with Rs = 0 (Rs must be 11111)', 0xf8a0_c020],
  ['ST64B encoding (o3:opc = 1001) with size = 10', 0xb83f_9020],
  ['ST64B encoding (o3:opc = 1001) with A = 1', 0xf8bf_9020],
  ['LD1R with S = 1', 0x4d40_d820],
  ['LD1 {v0.h}[i] with size<0> = 1', 0x0d40_4420],
  ['LD1 {v0.s}[i] with size<1> = 1', 0x0d40_9820],
  ['LD1 {v0.d}[i] with S = 1', 0x4d40_9420],
  ['LDR (literal, SIMD&FP) opc = 11', 0xdc00_0040],
];

/** binutils' disassembly of raw little-endian words, one line per word. */
function objdump(words: readonly number[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-objdump-'));
  try {
    const bytes = Buffer.alloc(words.length * 4);
    words.forEach((w, i) => bytes.writeUInt32LE(w >>> 0, i * 4));
    writeFileSync(join(dir, 'a.bin'), bytes);
    const out = execFileSync('aarch64-linux-gnu-objdump', ['-D', '-b', 'binary', '-m', 'aarch64', join(dir, 'a.bin')], {
      encoding: 'utf8',
    });
    return out.split('\n').filter((line) => /^\s+[0-9a-f]+:\t/.test(line));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('decodeMemoryAccess at encoding-group edges', () => {
  it('binutils also calls every hand-built word undefined', () => {
    const lines = objdump(UNALLOCATED.map(([, w]) => w));
    expect(lines.length).to.equal(UNALLOCATED.length);
    const defined = lines.filter((line) => !line.includes('undefined'));
    expect(defined).to.deep.equal([]);
  });

  for (const [what, word] of UNALLOCATED) {
    it(`${what} is unallocated`, () => {
      expect(decodeMemoryAccess(word, REGS)).to.deep.equal({ kind: 'not-memory', reason: 'unallocated' });
    });
  }

  it('CASPA and CASPL have acquire/release semantics, CASP has none', () => {
    expect(memory(0x4862_7c04)).to.include({ class: 'compare-and-swap', acquireRelease: true, dest64: true }); // caspa
    expect(memory(0x0822_fc04)).to.include({ class: 'compare-and-swap', acquireRelease: true, dest64: false }); // caspl w
    expect(memory(0x4822_7c04)).to.include({ class: 'compare-and-swap', acquireRelease: false, rs: 2, rt: 4, rt2: 5 });
  });

  it('LDAPURSH w0, [x1] loads a sign-extended halfword into W with acquire semantics', () => {
    expect(memory(0x59c0_0020)).to.include({
      class: 'load-store-rcpc-unscaled',
      address: 0x4000_1000n,
      size: 2,
      rt: 0,
      write: false,
      signExtend: true,
      dest64: false,
      acquireRelease: true,
    });
    expect(memory(0x19df_f020)).to.include({ address: 0x4000_0fffn, size: 1, signExtend: true }); // ldapursb w0, [x1, #-1]
  });

  it('extends the offset register as UXTW, LSL (X) and SXTW say', () => {
    expect(memory(0xf862_4820).address, 'ldr x0, [x1, w2, uxtw]: W2 zero-extended').to.equal(0x4000_1010n);
    expect(memory(0xf863_6820).address, 'ldr x0, [x1, x3]: all 64 bits of X3').to.equal(0x1_4000_1010n);
    // ldr x0, [x1, w2, sxtw #3]: W2 = 0x10 sign-extends to 0x10, times 8.
    expect(memory(0xf862_d820).address).to.equal(0x4000_1080n);
  });

  it('decodes every AT S1E{0,1}* form as an address translation on Xt, reported with CM = 1', () => {
    // at s1e1w, s1e0r, s1e0w, s1e1rp, s1e1wp with x1 (C5.5: AT reports no data access, only its walk faults).
    for (const word of [0xd508_7821, 0xd508_7841, 0xd508_7861, 0xd508_7901, 0xd508_7921]) {
      expect(memory(word), `0x${word.toString(16)}`).to.include({
        class: 'address-translation',
        address: 0x4000_1000n,
        size: 0,
        rt: 1,
        write: false,
        cacheMaintenance: true,
      });
    }
  });

  it('names the FEAT_MTE DC operations as out of scope', () => {
    // dc igvac, igdvac, gva, gzva, cgvac, cgdvac, cgvap, cgdvap, cgvadp, cgdvadp, cigvac, cigdvac with x1.
    const words = [
      0xd508_7661, 0xd508_76a1, 0xd50b_7461, 0xd50b_7481, 0xd50b_7a61, 0xd50b_7aa1, 0xd50b_7c61, 0xd50b_7ca1,
      0xd50b_7d61, 0xd50b_7da1, 0xd50b_7e61, 0xd50b_7ea1,
    ];
    for (const word of words) {
      expect(decodeMemoryAccess(word, REGS), `0x${word.toString(16)}`).to.deep.equal({
        kind: 'not-memory',
        reason: 'out-of-scope',
        feature: 'FEAT_MTE',
      });
    }
  });

  it('leaves a SYS with CRn other than 7 alone, though op1:CRm:op2 match DC IVAC (tlbi rvae1, x0)', () => {
    expect(decodeMemoryAccess(0xd508_8620, REGS)).to.deep.equal({ kind: 'not-memory', reason: 'other-instruction' });
  });
});
