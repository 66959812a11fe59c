import { expect } from 'chai';
import { REGISTERS, EXPEDITED_REGISTERS } from '../../../server/registers/register-table.js';
import { buildTargetDescription, TARGET_XML } from '../../../server/registers/target-description.js';

/** `<reg .../>` elements of a document as attribute maps. */
function regs(xml: string): Record<string, string>[] {
  return [...xml.matchAll(/<reg ([^>]*)\/>/g)].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}

describe('server/registers: the register table and the target description generated from it', () => {
  const docs = buildTargetDescription();

  it('numbers registers as gdb expects: x0-x30, sp 31, pc 32, cpsr 33 (32-bit), v0-v31 34-65, fpsr 66, fpcr 67', () => {
    const at = (n: number) => REGISTERS[n]!;
    expect(Array.from({ length: 31 }, (_, i) => at(i).name)).to.deep.equal(
      Array.from({ length: 31 }, (_, i) => `x${i}`),
    );
    expect([at(31).name, at(32).name, at(33).name, at(33).bitsize]).to.deep.equal(['sp', 'pc', 'cpsr', 32]);
    expect(at(34)).to.include({ name: 'v0', bitsize: 128, type: 'aarch64v' });
    expect(at(65)).to.include({ name: 'v31', bitsize: 128 });
    expect([at(66).name, at(66).bitsize, at(67).name, at(67).bitsize]).to.deep.equal(['fpsr', 32, 'fpcr', 32]);
  });

  it('has the EL2 feature with the 22 system registers of the issue, all 64-bit, in group el2', () => {
    const el2 = REGISTERS.slice(68);
    expect(el2.map((r) => r.name)).to.deep.equal([
      'ESR_EL2',
      'FAR_EL2',
      'HPFAR_EL2',
      'ELR_EL2',
      'SPSR_EL2',
      'HCR_EL2',
      'VTCR_EL2',
      'VTTBR_EL2',
      'VBAR_EL2',
      'SCTLR_EL1',
      'TCR_EL1',
      'TTBR0_EL1',
      'TTBR1_EL1',
      'MAIR_EL1',
      'VBAR_EL1',
      'ESR_EL1',
      'FAR_EL1',
      'ELR_EL1',
      'SPSR_EL1',
      'SP_EL0',
      'SP_EL1',
      'CurrentEL',
    ]);
    expect(el2.every((r) => r.bitsize === 64 && r.group === 'el2' && r.feature === 'org.el2dbg.el2')).to.equal(true);
  });

  it("groups the FP/SIMD feature as float and leaves the core one without a group (lldb's general set)", () => {
    expect(REGISTERS.slice(0, 34).every((r) => r.group === undefined)).to.equal(true);
    expect(
      REGISTERS.slice(34, 68).every((r) => r.group === 'float' && r.feature === 'org.gnu.gdb.aarch64.fpu'),
    ).to.equal(true);
    expect(regs(docs.get('aarch64-fpu.xml')!).map((r) => r.group)).to.deep.equal(Array(34).fill('float'));
  });

  it('target.xml names the architecture and includes one document per feature, each of which exists', () => {
    const target = docs.get(TARGET_XML)!;
    expect(target).to.include('<architecture>aarch64</architecture>');
    const includes = [...target.matchAll(/xi:include href="([^"]+)"/g)].map((m) => m[1]!);
    expect(includes).to.deep.equal(['aarch64-core.xml', 'aarch64-fpu.xml', 'el2dbg-el2.xml']);
    for (const name of includes) expect(docs.has(name), name).to.equal(true);
  });

  it('gives every register of the table, in order, with its regnum, bitsize, type and group, and nothing else', () => {
    const all = ['aarch64-core.xml', 'aarch64-fpu.xml', 'el2dbg-el2.xml'].flatMap((f) => regs(docs.get(f)!));
    expect(all.map((r) => Number(r.regnum))).to.deep.equal(REGISTERS.map((_, i) => i));
    all.forEach((r, i) => {
      const def = REGISTERS[i]!;
      expect(r.name).to.equal(def.name);
      expect(Number(r.bitsize)).to.equal(def.bitsize);
      expect(r.type).to.equal(def.type);
      expect(r.group).to.equal(def.group);
    });
  });

  it("keeps gdb's feature names and defines the types it uses (cpsr_flags, aarch64v)", () => {
    expect(docs.get('aarch64-core.xml'))
      .to.include('<feature name="org.gnu.gdb.aarch64.core">')
      .and.include('<flags id="cpsr_flags" size="4">');
    expect(docs.get('aarch64-fpu.xml'))
      .to.include('<feature name="org.gnu.gdb.aarch64.fpu">')
      .and.include('<union id="aarch64v">');
    expect(docs.get('el2dbg-el2.xml')).to.include('<feature name="org.el2dbg.el2">');
  });

  it('expedites x29, x30, sp, pc and cpsr with each stop', () => {
    expect(EXPEDITED_REGISTERS).to.deep.equal([29, 30, 31, 32, 33]);
  });
});
