// ESR_EL2, FAR_EL2 and HPFAR_EL2 for stage-2 data aborts. The worked values are those of
// el2-model.md; the others follow ARM DDI 0487 D23 (ESR_EL2, HPFAR_EL2) and AArch64.FaultSyndrome.
import { expect } from 'chai';
import { assemble } from '../../helpers/asm.js';
import { decodeMemoryAccess, type MemoryAccess } from '../../../core/syndrome/a64-memory-access.js';
import {
  dataAbortIss,
  esrEl2ForDataAbort,
  farForAccess,
  hasInstructionSyndrome,
  hpfarFor,
} from '../../../core/syndrome/data-abort-iss.js';

const REGS = {
  x: (n: number): bigint => (n === 1 ? 0x4000_1000n : n === 2 ? 0x4000_1ffcn : 0x0f00_0000n),
  sp: 0x4010_0000n,
  pc: 0x4008_0000n,
};

function decode(source: string): MemoryAccess {
  const code = assemble(source);
  const decoded = decodeMemoryAccess(new DataView(code.buffer, code.byteOffset).getUint32(0, true), REGS);
  if (decoded.kind !== 'memory') return expect.fail(`${source}: ${JSON.stringify(decoded)}`);
  return decoded;
}

const TRANSLATION_L3 = { dfsc: 0x07, s1ptw: false };

describe('esrEl2ForDataAbort', () => {
  // el2-model.md "Worked values" (guest MMU off, level-3 translation fault).
  const worked: [string, bigint][] = [
    ['ldr x0, [x1]', 0x93c0_8007n],
    ['ldr x19, [x0]', 0x93d3_8007n],
    ['str x28, [x0]', 0x93dc_8047n],
    ['ldr w0, [x1]', 0x9380_0007n],
  ];
  for (const [source, esr] of worked) {
    it(`${source} -> 0x${esr.toString(16)}`, () => {
      expect(esrEl2ForDataAbort(dataAbortIss(decode(source), TRANSLATION_L3))).to.equal(esr);
    });
  }

  it('sets EC 0x24 and IL, and clears IL on request', () => {
    expect(esrEl2ForDataAbort(0n)).to.equal(0x9200_0000n);
    expect(esrEl2ForDataAbort(0n, false)).to.equal(0x9000_0000n);
    expect(esrEl2ForDataAbort(0x1ff_ffffn)).to.equal(0x93ff_ffffn);
  });
});

describe('dataAbortIss', () => {
  it('puts the level of the stage-2 translation fault in DFSC', () => {
    const access = decode('ldr x0, [x1]');
    expect(dataAbortIss(access, { dfsc: 0x05, s1ptw: false })).to.equal(0x01c0_8005n);
    expect(dataAbortIss(access, { dfsc: 0x06, s1ptw: false })).to.equal(0x01c0_8006n);
  });

  it('drops the instruction syndrome on a stage-1 table walk (S1PTW) and keeps WnR of the access', () => {
    const load = decode('ldr x0, [x1]');
    const store = decode('str w3, [x1]');
    expect(hasInstructionSyndrome(load, { dfsc: 0x07, s1ptw: true })).to.equal(false);
    expect(dataAbortIss(load, { dfsc: 0x07, s1ptw: true })).to.equal(0x87n);
    expect(dataAbortIss(store, { dfsc: 0x06, s1ptw: true })).to.equal(0xc6n);
  });

  it('drops the instruction syndrome on a synchronous External abort (FEAT_RAS)', () => {
    const load = decode('ldr x0, [x1]');
    for (const dfsc of [0x10, 0x14, 0x15, 0x16, 0x17, 0x18, 0x1c, 0x1f]) {
      expect(hasInstructionSyndrome(load, { dfsc, s1ptw: false }), `DFSC 0x${dfsc.toString(16)}`).to.equal(false);
    }
    expect(dataAbortIss(load, { dfsc: 0x10, s1ptw: false, ea: true, fnv: true })).to.equal(
      (1n << 10n) | (1n << 9n) | 0x10n,
    );
  });

  it('keeps the instruction syndrome for a synchronous Tag Check Fault (DFSC 0x11 is not an External abort)', () => {
    // AArch64.FaultSyndrome drops ISS[24:14] only for IsExternalSyncAbort: SyncExternal and SyncParity, on a walk
    // or not; Fault_TagCheck (0b010001) shares the 0b01xxxx range but is none of them.
    const load = decode('ldr x0, [x1]');
    expect(hasInstructionSyndrome(load, { dfsc: 0x11, s1ptw: false })).to.equal(true);
    expect(dataAbortIss(load, { dfsc: 0x11, s1ptw: false })).to.equal(0x1c0_8011n);
  });

  it('keeps the instruction syndrome for permission and access flag faults', () => {
    const store = decode('strh w2, [x1]');
    // ISV | SAS=1 | SRT=2 | WnR | DFSC
    expect(dataAbortIss(store, { dfsc: 0x0f, s1ptw: false })).to.equal(
      (1n << 24n) | (1n << 22n) | (2n << 16n) | (1n << 6n) | 0x0fn,
    );
    expect(dataAbortIss(store, { dfsc: 0x0b, s1ptw: false })).to.equal(
      (1n << 24n) | (1n << 22n) | (2n << 16n) | (1n << 6n) | 0x0bn,
    );
  });

  it('reports WnR = 1 for an atomic only when a read would not have faulted', () => {
    const atomic = decode('ldadd w0, w1, [x1]');
    expect(dataAbortIss(atomic, TRANSLATION_L3)).to.equal(0x07n);
    expect(dataAbortIss(atomic, { dfsc: 0x0f, s1ptw: false, readWouldFault: false })).to.equal(0x4fn);
    expect(dataAbortIss(decode('casal x0, x1, [x1]'), { dfsc: 0x0f, s1ptw: false, readWouldFault: true })).to.equal(
      0x0fn,
    );
  });

  it('reports CM = 1 and WnR = 1 for AT on a stage-1 walk', () => {
    expect(dataAbortIss(decode('at s1e1r, x1'), { dfsc: 0x06, s1ptw: true })).to.equal(0x1c6n);
  });
});

describe('farForAccess', () => {
  it('is the first byte accessed', () => {
    expect(farForAccess(decode('ldr x0, [x1, #16]!'))).to.equal(0x4000_1010n);
    expect(farForAccess(decode('ldp x0, x3, [x1], #16'))).to.equal(0x4000_1000n);
  });

  it('is Xt for DC ZVA, not the aligned block', () => {
    const access = decode('dc zva, x2');
    expect(access.address).to.equal(0x4000_1fc0n);
    expect(farForAccess(access)).to.equal(0x4000_1ffcn);
  });

  it('is the first byte in the faulting page when an access crosses into it', () => {
    const pair = decode('ldp x0, x3, [x2]'); // 0x4000_1ffc .. 0x4000_200b
    expect(farForAccess(pair, 0x4000_2000n)).to.equal(0x4000_2000n);
    expect(farForAccess(pair, 0x4000_1000n)).to.equal(0x4000_1ffcn);
    expect(farForAccess(pair, 0x4000_3000n)).to.equal(0x4000_1ffcn);
  });

  it('is the first byte when the access ends just below the page named', () => {
    const word = decode('ldr w0, [x2]'); // 0x4000_1ffc .. 0x4000_1fff
    expect(farForAccess(word, 0x4000_2000n)).to.equal(0x4000_1ffcn);
  });

  it('is Xt for DC ZVA even when the faulting page starts at the zeroed block', () => {
    const zva = decodeMemoryAccess(0xd50b_7421, { ...REGS, x: () => 0x4000_1028n }); // dc zva, x1
    if (zva.kind !== 'memory') return expect.fail(JSON.stringify(zva));
    expect(zva.address).to.equal(0x4000_1000n);
    expect(farForAccess(zva, 0x4000_1000n)).to.equal(0x4000_1028n);
  });
});

describe('hpfarFor', () => {
  it('holds IPA[51:12] in FIPA, bits [47:4]', () => {
    expect(hpfarFor(0x0f00_0000n)).to.equal(0xf_0000n);
    expect(hpfarFor(0x4700_0123n)).to.equal(0x47_0000n);
    expect(hpfarFor(0xff_ffff_f000n)).to.equal(0xfff_ffff0n);
    // The page offset is FAR's, never HPFAR's: two IPAs of one page give one HPFAR.
    expect(hpfarFor(0x0f00_0010n)).to.equal(hpfarFor(0x0f00_0ff8n));
    expect(hpfarFor(0x1_2345_6000n)).to.equal(0x12_3456_0n);
  });
});
