// DecodeCache: a hit must be exactly what a fresh decode gives, so every input an address comes from (Rn or SP,
// Rm, the Xt of DC, PC, the DC ZVA block size) must take part in the lookup. Instruction words were assembled with
// aarch64-linux-gnu-as; expected addresses follow the Arm ARM's address computation (base + offset).
import { expect } from 'chai';
import { DecodeCache } from '../../../core/syndrome/decode-cache.js';
import type { GuestRegisters, MemoryAccessDecode } from '../../../core/syndrome/memory-access.js';

const LDR_X0_X1 = 0xf940_0020; // ldr x0, [x1]
const LDR_X0_SP = 0xf940_03e0; // ldr x0, [sp]
const LDR_X0_X1_X2 = 0xf862_6820; // ldr x0, [x1, x2]
const DC_ZVA_X3 = 0xd50b_7423; // dc zva, x3
const LDR_X0_LITERAL_8 = 0x5800_0040; // ldr x0, .+8

/** Registers X0..X30 from `x` (0 when unset), SP and PC. X31 reads as SP, as the hypervisor's frame gives it. */
function regs(x: Record<number, bigint>, sp = 0x8000n, pc = 0x4008_0000n): GuestRegisters {
  return { x: (n) => (n === 31 ? sp : (x[n] ?? 0n)), sp, pc };
}

function address(d: MemoryAccessDecode): bigint {
  if (d.kind !== 'memory') return expect.fail(`not a memory access: ${d.reason}`);
  return d.address;
}

describe('DecodeCache', () => {
  it('follows a changed base register', () => {
    const cache = new DecodeCache();
    expect(address(cache.decode(LDR_X0_X1, regs({ 1: 0x1000n })))).to.equal(0x1000n);
    expect(address(cache.decode(LDR_X0_X1, regs({ 1: 0x2000n })))).to.equal(0x2000n);
  });

  it('follows a changed SP when Rn is 31, with X0..X30 unchanged', () => {
    const cache = new DecodeCache();
    const x = { 1: 0x1000n };
    const atSp = (sp: bigint): GuestRegisters => ({ x: (n) => x[n as 1] ?? 0n, sp, pc: 0x4008_0000n });
    expect(address(cache.decode(LDR_X0_SP, atSp(0x8000n)))).to.equal(0x8000n);
    expect(address(cache.decode(LDR_X0_SP, atSp(0x9000n)))).to.equal(0x9000n);
  });

  it('follows a changed offset register', () => {
    const cache = new DecodeCache();
    expect(address(cache.decode(LDR_X0_X1_X2, regs({ 1: 0x1000n, 2: 0x10n })))).to.equal(0x1010n);
    expect(address(cache.decode(LDR_X0_X1_X2, regs({ 1: 0x1000n, 2: 0x20n })))).to.equal(0x1020n);
  });

  it('follows a changed Xt of DC ZVA and a changed block size', () => {
    const cache = new DecodeCache();
    const zva = (xt: bigint, dczBlockBytes: number) => {
      const d = cache.decode(DC_ZVA_X3, regs({ 3: xt }), { dczBlockBytes });
      if (d.kind !== 'memory') return expect.fail('DC ZVA is a memory access');
      return [d.address, d.faultAddress, d.size];
    };
    // DC ZVA zeroes the naturally aligned block holding Xt; FAR reports Xt itself.
    expect(zva(0x1234n, 64)).to.deep.equal([0x1200n, 0x1234n, 64]);
    expect(zva(0x5678n, 64)).to.deep.equal([0x5640n, 0x5678n, 64]);
    expect(zva(0x5678n, 256)).to.deep.equal([0x5600n, 0x5678n, 256]);
  });

  it('follows a changed PC for a literal load', () => {
    const cache = new DecodeCache();
    expect(address(cache.decode(LDR_X0_LITERAL_8, regs({}, 0n, 0x4000n)))).to.equal(0x4008n);
    expect(address(cache.decode(LDR_X0_LITERAL_8, regs({}, 0n, 0x5000n)))).to.equal(0x5008n);
  });

  it('answers a repeated decode from the cache, for several instructions at once', () => {
    const cache = new DecodeCache();
    const r = regs({ 1: 0x1000n, 2: 0x10n });
    const first = cache.decode(LDR_X0_X1, r);
    const second = cache.decode(LDR_X0_X1_X2, r);
    expect(cache.decode(LDR_X0_X1, r)).to.equal(first);
    expect(cache.decode(LDR_X0_X1_X2, r)).to.equal(second);
  });

  it('holds at most 4096 instructions: the 4097th empties it', () => {
    const cache = new DecodeCache();
    const r = regs({ 1: 0x1000n });
    const first = cache.decode(LDR_X0_X1, r); // imm12 = 0
    // ldr x0, [x1, #imm12 * 8] for imm12 = 1..4095: 4096 distinct words in all, the cache is full but whole.
    for (let imm = 1; imm < 4096; imm++) cache.decode((LDR_X0_X1 | (imm << 10)) >>> 0, r);
    expect(cache.decode(LDR_X0_X1, r)).to.equal(first);
    cache.decode(0xf940_0021, r); // ldr x1, [x1]: the 4097th word
    const again = cache.decode(LDR_X0_X1, r);
    expect(again).not.to.equal(first);
    expect(again).to.deep.equal(first);
  });
});
