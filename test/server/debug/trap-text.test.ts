import { expect } from 'chai';
import type { Decision } from '../../../core/el2/decision.js';
import type { Stage2TrapEvent } from '../../../core/el2/events.js';
import { frameReport, trapOneLine, trapReport } from '../../../server/debug/trap-text.js';
import { assemble } from '../../helpers/asm.js';

function word(asm: string): number {
  return new DataView(assemble(asm).buffer).getUint32(0, true);
}
const x = new BigUint64Array(31);
x[19] = 0x0f00_0000n;
const trap: Stage2TrapEvent = {
  kind: 'stage2-trap',
  seq: 7,
  pc: 0x4008_0040n,
  esrEl2: 0x93d3_8007n,
  farEl2: 0x0f00_0010n,
  hpfarEl2: 0xf0000n,
  ipa: 0x0f00_0010n,
  access: { write: false, width: 64, rt: 19 },
  s1ptw: false,
  region: 'filtered-mmio',
  regionOffset: 0x10n,
  instruction: word('ldr x19, [x19, #16]'),
  frame: {
    x,
    spEl1: 0x4010_0000n,
    elrEl2: 0x4008_0040n,
    spsrEl2: 0x3c5n,
    esrEl2: 0x93d3_8007n,
    farEl2: 0x0f00_0010n,
    hpfarEl2: 0xf0000n,
  },
};
const value: Decision = {
  action: 'emulate',
  why: 'handler-value',
  region: 'filtered-mmio',
  offset: 0x10n,
  handler: 'read',
  value: 2n,
  rtValue: 2n,
  outcome: 'elr+4',
};

describe('inspect/trap-text: what a person reads about a trap', () => {
  it('explains a trap and its decision in one line', () => {
    expect(trapOneLine(trap, value)).to.equal(
      'stage-2 data abort: LDR x19, 64-bit read of IPA 0x0f000010 (filtered-mmio+0x10) ESR_EL2=0x93d38007 -> handler read -> Value 0x2, emulated, ELR+4',
    );
    expect(trapOneLine(trap)).to.equal(
      'stage-2 data abort: LDR x19, 64-bit read of IPA 0x0f000010 (filtered-mmio+0x10) ESR_EL2=0x93d38007 -> decision pending',
    );
    const fault: Decision = {
      ...value,
      action: 'inject',
      why: 'handler-fault',
      value: null,
      rtValue: null,
      outcome: 'inject',
    };
    expect(trapOneLine(trap, fault)).to.match(/-> handler read -> Fault, injected into EL1$/);
  });

  it('reports every syndrome field, addresses, access, region, decision and outcome for stage2 last', () => {
    const r = trapReport(trap, value);
    for (const re of [
      /trap #7 at pc 0x40080040: LDR x19/,
      /ISV +\[24\] = 0x1/,
      /SRT +\[20:16\] = 0x13/,
      /FAR_EL2 +0x000000000f000010/,
      /HPFAR_EL2 0x00000000000f0000/,
      /IPA +0x000000000f000010/,
      /access +read of 64 bits, Rt = x19/,
      /region +filtered-mmio\+0x10/,
      /decision +emulate \(handler-value\), read handler, value 0x2, Rt <- 0x2/,
      /outcome +emulated, ELR_EL2 \+= 4/,
    ]) {
      expect(r).to.match(re);
    }
  });

  it('prints the frame: 31 registers, SP_EL1, ELR/SPSR and syndrome', () => {
    const f = frameReport(trap.frame);
    expect(f).to.match(/x19 0x000000000f000000/);
    expect(f).to.match(/x30 0x0000000000000000/);
    expect(f).to.match(/SP_EL1 0x0000000040100000 +ELR_EL2 0x0000000040080040 +SPSR_EL2 0x000003c5/);
  });
});
