// Which registers flush unicorn's TLB when gdb writes them, and the gdb types of the pointer-like ones. The Arm ARM
// (D8, the VMSAv8-64 translation regime) names what controls EL1&0 stage-1 translation: SCTLR_EL1.M, TCR_EL1,
// TTBR0_EL1, TTBR1_EL1, MAIR_EL1, and the Exception level PSTATE selects (cpsr, CurrentEL). gdb's aarch64-core.xml
// gives sp data_ptr and pc code_ptr; the EL2 feature follows it for return addresses, vector bases and stacks.
import { expect } from 'chai';
import { REGISTERS } from '../../../server/registers/register-table.js';

const byName = (name: string) => REGISTERS.find((r) => r.name === name)!;

describe('server/registers: translation-affecting registers and pointer types', () => {
  it('marks exactly the registers that change EL1&0 translation', () => {
    expect(REGISTERS.filter((r) => r.affectsTranslation === true).map((r) => r.name)).to.deep.equal([
      'cpsr',
      'SCTLR_EL1',
      'TCR_EL1',
      'TTBR0_EL1',
      'TTBR1_EL1',
      'MAIR_EL1',
      'CurrentEL',
    ]);
  });

  it('gives return addresses and vector bases code_ptr, stacks data_ptr, other EL2-feature registers uint64', () => {
    const types = Object.fromEntries(
      ['ELR_EL2', 'VBAR_EL2', 'ELR_EL1', 'VBAR_EL1', 'SP_EL0', 'SP_EL1', 'ESR_EL2', 'HCR_EL2', 'TCR_EL1'].map((n) => [
        n,
        byName(n).type,
      ]),
    );
    expect(types).to.deep.equal({
      ELR_EL2: 'code_ptr',
      VBAR_EL2: 'code_ptr',
      ELR_EL1: 'code_ptr',
      VBAR_EL1: 'code_ptr',
      SP_EL0: 'data_ptr',
      SP_EL1: 'data_ptr',
      ESR_EL2: 'uint64',
      HCR_EL2: 'uint64',
      TCR_EL1: 'uint64',
    });
  });
});
