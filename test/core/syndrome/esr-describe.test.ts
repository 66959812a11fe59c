// describeEsr on hand-built ESR_EL2 values (ARM DDI 0487 D23: EC in [31:26], IL in [25], ISS [24:0]).
import { expect } from 'chai';
import { describeEsr, type EsrDescription } from '../../../core/syndrome/esr-describe.js';

/** name -> [bits, value, meaning] of every field. */
function byName(d: EsrDescription): Record<string, [string, bigint, string]> {
  return Object.fromEntries(d.fields.map((f) => [f.name, [f.bits, f.value, f.meaning]]));
}

describe('describeEsr', () => {
  it('decodes a data abort with an instruction syndrome (ldr x0, [x1], level-3 translation fault)', () => {
    const d = describeEsr(0x93c0_8007n);
    expect({ ec: d.ec, ecName: d.ecName, il: d.il, iss: d.iss }).to.deep.equal({
      ec: 0x24,
      ecName: 'Data Abort from a lower Exception level',
      il: true,
      iss: 0x1c0_8007n,
    });
    expect(d.fields.map((f) => f.name)).to.deep.equal([
      'EC',
      'IL',
      'ISV',
      'SAS',
      'SSE',
      'SRT',
      'SF',
      'AR',
      'VNCR',
      'FnV',
      'EA',
      'CM',
      'S1PTW',
      'WnR',
      'DFSC',
    ]);
    const f = byName(d);
    expect(f.EC).to.deep.equal(['31:26', 0x24n, 'Data Abort from a lower Exception level']);
    expect(f.ISV).to.deep.equal(['24', 1n, 'ISS[23:14] hold a valid instruction syndrome']);
    expect(f.SAS).to.deep.equal(['23:22', 3n, 'doubleword (8 bytes)']);
    expect(f.SRT).to.deep.equal(['20:16', 0n, 'X0']);
    expect(f.SF).to.deep.equal(['15', 1n, '64-bit register (X)']);
    expect(f.WnR).to.deep.equal(['6', 0n, 'read']);
    expect(f.DFSC).to.deep.equal(['5:0', 7n, 'Translation fault, level 3']);
  });

  it('decodes the injected form (EC 0x25) and a write of WZR with acquire/release', () => {
    expect(describeEsr(0x97c0_8007n).ecName).to.equal('Data Abort taken without a change in Exception level');
    // ISV, SAS = 2, SRT = 31, SF = 0, AR, WnR, DFSC 0x06
    const f = byName(
      describeEsr(0x9200_0000n | (1n << 24n) | (2n << 22n) | (31n << 16n) | (1n << 14n) | (1n << 6n) | 6n),
    );
    expect(f.SAS?.[2]).to.equal('word (4 bytes)');
    expect(f.SRT?.[2]).to.equal('WZR');
    expect(f.AR?.[2]).to.equal('acquire/release semantics');
    expect(f.WnR?.[2]).to.equal('write');
    expect(f.DFSC?.[2]).to.equal('Translation fault, level 2');
  });

  it('decodes a data abort without an instruction syndrome (ISV = 0)', () => {
    const d = describeEsr(0x9200_0146n); // CM, WnR, DFSC 0x06
    expect(d.fields.map((f) => f.name)).to.deep.equal([
      'EC',
      'IL',
      'ISV',
      'VNCR',
      'FnV',
      'EA',
      'CM',
      'S1PTW',
      'WnR',
      'DFSC',
    ]);
    expect(byName(d).CM?.[1]).to.equal(1n);
    expect(byName(d).ISV?.[2]).to.equal('no instruction syndrome; ISS[23:14] RES0');
  });

  it('names SET for a synchronous External abort and stage-2 walk faults', () => {
    const f = byName(describeEsr(0x9200_1610n)); // SET = 0b10, FnV, EA, DFSC 0x10
    expect(f.SET).to.deep.equal(['12:11', 2n, 'Synchronous Error Type: Uncontainable (UC)']);
    expect(f.FnV?.[2]).to.equal('FAR is not valid (UNKNOWN)');
    expect(f.DFSC?.[2]).to.equal(
      'Synchronous External abort, not on translation table walk or hardware update of translation table',
    );
    expect(byName(describeEsr(0x9200_0085n)).S1PTW?.[2]).to.equal('stage 2 fault on a stage 1 translation table walk');
  });

  it('names the fault status codes', () => {
    const dfsc = (code: number) => byName(describeEsr(0x9200_0000n | BigInt(code))).DFSC?.[2];
    expect(dfsc(0x00)).to.equal('Address size fault, level 0');
    expect(dfsc(0x09)).to.equal('Access flag fault, level 1');
    expect(dfsc(0x0f)).to.equal('Permission fault, level 3');
    expect(dfsc(0x15)).to.equal(
      'Synchronous External abort on translation table walk or hardware update of translation table, level 1',
    );
    expect(dfsc(0x21)).to.equal('Alignment fault');
    expect(dfsc(0x2b)).to.equal('Translation fault, level -1');
    expect(dfsc(0x30)).to.equal('TLB conflict abort');
    expect(dfsc(0x3f)).to.equal('reserved');
  });

  it('decodes an instruction abort (EC 0x20) with IFSC', () => {
    const d = describeEsr(0x8200_0086n);
    expect(d.ecName).to.equal('Instruction Abort from a lower Exception level');
    expect(d.fields.map((f) => f.name)).to.deep.equal(['EC', 'IL', 'FnV', 'EA', 'S1PTW', 'IFSC']);
    expect(byName(d).IFSC?.[2]).to.equal('Translation fault, level 2');
    expect(byName(describeEsr(0x8600_0021n)).IFSC?.[2]).to.equal('reserved'); // alignment is data-only
    expect(describeEsr(0x8600_0007n).ecName).to.equal('Instruction Abort taken without a change in Exception level');
  });

  it('decodes HVC64, SMC64, SVC64 and BRK immediates', () => {
    expect(byName(describeEsr(0x5a00_1234n)).imm16).to.deep.equal(['15:0', 0x1234n, 'HVC #0x1234']);
    expect(describeEsr(0x5a00_1234n).ecName).to.equal('HVC instruction execution in AArch64 state');
    expect(byName(describeEsr(0x5e00_0000n)).imm16?.[2]).to.equal('SMC #0x0');
    expect(describeEsr(0x5e00_0000n).ec).to.equal(0x17);
    expect(byName(describeEsr(0x5600_0042n)).imm16?.[2]).to.equal('SVC #0x42');
    expect(describeEsr(0x5600_0042n).ec).to.equal(0x15);
    const brk = describeEsr(0xf200_03e8n);
    expect({ ec: brk.ec, ecName: brk.ecName }).to.deep.equal({
      ec: 0x3c,
      ecName: 'BRK instruction execution in AArch64 state',
    });
    expect(byName(brk).Comment?.[2]).to.equal('BRK #0x3e8');
  });

  it('decodes an unknown-reason exception (EC 0x00)', () => {
    const d = describeEsr(0x0200_0000n);
    expect({ ec: d.ec, ecName: d.ecName, il: d.il }).to.deep.equal({ ec: 0, ecName: 'Unknown reason', il: true });
    expect(d.fields.map((f) => [f.name, f.bits, f.meaning])).to.deep.equal([
      ['EC', '31:26', 'Unknown reason'],
      ['IL', '25', '32-bit instruction'],
      ['ISS', '24:0', 'RES0'],
    ]);
  });

  it('decodes MSR/MRS traps (EC 0x18)', () => {
    // MRS X1, SCTLR_EL1: Op0 3, Op2 0, Op1 0, CRn 1, Rt 1, CRm 0, Direction 1.
    const mrs = describeEsr(0x6230_0421n);
    expect(mrs.ecName).to.equal('Trapped MSR, MRS or System instruction execution in AArch64 state');
    expect(mrs.fields.map((f) => [f.name, f.bits, f.value])).to.deep.equal([
      ['EC', '31:26', 0x18n],
      ['IL', '25', 1n],
      ['Op0', '21:20', 3n],
      ['Op2', '19:17', 0n],
      ['Op1', '16:14', 0n],
      ['CRn', '13:10', 1n],
      ['Rt', '9:5', 1n],
      ['CRm', '4:1', 0n],
      ['Direction', '0', 1n],
    ]);
    expect(byName(mrs).Direction?.[2]).to.equal('read: MRS X1, S3_0_C1_C0_0');
    // MSR CNTV_CTL_EL0, X2: Op0 3, Op1 3, CRn 14, CRm 3, Op2 1, Direction 0.
    expect(byName(describeEsr(0x6232_f846n)).Direction?.[2]).to.equal('write: MSR S3_3_C14_C3_1, X2');
  });

  it('lists set RES0 bits, ISS2, and undecoded classes', () => {
    expect(byName(describeEsr(0x5a01_0000n))['ISS[24:16]']?.[1]).to.equal(1n);
    expect(byName(describeEsr(0x1_93c0_8007n)).ISS2?.[1]).to.equal(1n);
    const fp = describeEsr(0x1e00_0000n);
    expect(fp.ecName).to.equal('Access to SME, SVE, Advanced SIMD or floating-point functionality trapped');
    expect(fp.fields.at(-1)?.meaning).to.equal('not decoded for this exception class');
    expect(describeEsr(0x0800_0000n).ecName).to.equal('Unallocated exception class');
  });
});
