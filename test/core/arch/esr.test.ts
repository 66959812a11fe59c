// core/arch/esr.ts against the Arm ARM (DDI 0487, D23 "ESR_EL2"): EC in [31:26], IL in [25], ISS in [24:0],
// and the Data Abort ISS fields at their documented bit positions. Expected values are written as literal
// numbers from the Arm ARM's field layout, not built with the module's own constants.
import { expect } from 'chai';
import {
  EC,
  ESR_ISS_SAS,
  ESR_ISS_SRT,
  ESR_ISS_ISV,
  ESR_ISS_SF,
  ESR_ISS_WNR,
  esrExceptionClass,
  exceptionClassName,
  fieldValue,
  issField,
  issFlag,
  makeEsr,
  withExceptionClass,
} from '../../../core/arch/esr.js';

/**
 * Every exception class the Arm ARM allocates (ESR_EL2.EC), with words its description must contain. The words
 * follow the Arm ARM's EC table (and name the same things as Linux's esr_class_str): a class named wrongly or
 * left unnamed shows up as a missing word.
 */
const ARM_ARM_CLASSES: ReadonlyArray<[code: number, words: RegExp[]]> = [
  [0x00, [/unknown/i]],
  [0x01, [/WF\*/]],
  [0x03, [/MCR or MRC/, /0b1111/]],
  [0x04, [/MCRR or MRRC/, /0b1111/]],
  [0x05, [/MCR or MRC/, /0b1110/]],
  [0x06, [/LDC or STC/]],
  [0x07, [/SVE/, /SIMD/, /floating-point/]],
  [0x08, [/VMRS/]],
  [0x09, [/pointer authentication/i]],
  [0x0a, [/LD64B/, /ST64B/]],
  [0x0c, [/MRRC/, /0b1110/]],
  [0x0d, [/Branch Target/]],
  [0x0e, [/Illegal Execution state/]],
  [0x11, [/SVC/, /AArch32/]],
  [0x12, [/HVC/, /AArch32/]],
  [0x13, [/SMC/, /AArch32/]],
  [0x15, [/SVC/, /AArch64/]],
  [0x16, [/HVC/, /AArch64/]],
  [0x17, [/SMC/, /AArch64/]],
  [0x18, [/MSR, MRS or System/, /AArch64/]],
  [0x19, [/SVE/]],
  [0x1a, [/ERET/]],
  [0x1b, [/TSTART/]],
  [0x1c, [/FPAC/]],
  [0x1d, [/SME/]],
  [0x1f, [/IMPLEMENTATION DEFINED/, /EL3/]],
  [0x20, [/Instruction Abort/, /lower Exception level/]],
  [0x21, [/Instruction Abort/, /without a change in Exception level/]],
  [0x22, [/PC alignment/]],
  [0x24, [/Data Abort/, /lower Exception level/]],
  [0x25, [/Data Abort/, /without a change in Exception level/]],
  [0x26, [/SP alignment/]],
  [0x27, [/Memory Operation/]],
  [0x28, [/floating-point exception/, /AArch32/]],
  [0x2c, [/floating-point exception/, /AArch64/]],
  [0x2f, [/SError/]],
  [0x30, [/Breakpoint/, /lower Exception level/]],
  [0x31, [/Breakpoint/, /without a change in Exception level/]],
  [0x32, [/Software Step/, /lower Exception level/]],
  [0x33, [/Software Step/, /without a change in Exception level/]],
  [0x34, [/Watchpoint/, /lower Exception level/]],
  [0x35, [/Watchpoint/, /without a change in Exception level/]],
  [0x38, [/BKPT/, /AArch32/]],
  [0x3a, [/Vector Catch/, /AArch32/]],
  [0x3c, [/BRK/, /AArch64/]],
];

describe('ESR vocabulary (core/arch/esr.ts)', () => {
  it('names every allocated exception class with the Arm ARM description, and others as unallocated', () => {
    const missing = ARM_ARM_CLASSES.flatMap(([code, words]) => {
      const name = exceptionClassName(code);
      return words.filter((w) => !w.test(name)).map((w) => `EC 0x${code.toString(16)} "${name}" lacks ${w}`);
    });
    expect(missing).to.deep.equal([]);
    const names = ARM_ARM_CLASSES.map(([code]) => exceptionClassName(code));
    expect(new Set(names).size, 'one description per class').to.equal(names.length);
    expect(names).not.to.include('Unallocated exception class');
    const allocated = new Set(ARM_ARM_CLASSES.map(([code]) => code));
    for (let code = 0; code < 64; code++) {
      if (!allocated.has(code))
        expect(exceptionClassName(code), `EC 0x${code.toString(16)}`).to.equal('Unallocated exception class');
    }
  });

  it('places a value in a field and drops the bits that do not fit', () => {
    expect(fieldValue([31, 26], 0x24n)).to.equal(0x9000_0000n);
    expect(fieldValue([31, 26], 0xffn)).to.equal(0xfc00_0000n); // 6 bits kept
    expect(fieldValue([24, 0], 0x1ff_ffffn)).to.equal(0x1ff_ffffn); // all 25 bits of ISS, ISV included
    expect(fieldValue([24, 0], 0x3ff_ffffn)).to.equal(0x1ff_ffffn);
    expect(fieldValue([23, 22], 3n)).to.equal(0xc0_0000n);
  });

  it('builds an ESR from EC, IL and ISS', () => {
    // Data Abort from a lower EL, IL = 1, ISV = 1, SAS = 3, SF = 1, DFSC = 0x07: ldr x0, [x1] (as QEMU reports it).
    expect(makeEsr(EC.DABT_LOWER, 0x1c0_8007n)).to.equal(0x93c0_8007n);
    expect(makeEsr(EC.DABT_LOWER, 0x1c0_8007n, true)).to.equal(0x93c0_8007n);
    expect(makeEsr(EC.DABT_LOWER, 0x1c0_8007n, false)).to.equal(0x91c0_8007n);
    expect(makeEsr(EC.HVC64, 0n)).to.equal(0x5a00_0000n);
    expect(makeEsr(EC.UNKNOWN, 0x200_0001n)).to.equal(0x0200_0001n); // ISS beyond bit 24 is dropped
    expect(esrExceptionClass(0x93c0_8007n)).to.equal(0x24);
    expect(esrExceptionClass(0xffff_ffff_fc00_0000n)).to.equal(0x3f);
  });

  it('replaces the exception class and keeps IL, ISS and ISS2', () => {
    expect(withExceptionClass(0x93c0_8007n, EC.DABT_CURRENT)).to.equal(0x97c0_8007n);
    expect(withExceptionClass(0x1_97c0_8007n, EC.DABT_LOWER)).to.equal(0x1_93c0_8007n);
    expect(withExceptionClass(0xfe00_0000n, EC.UNKNOWN)).to.equal(0x0200_0000n);
  });

  it('reads ISS fields and flags from an ISS held as a number', () => {
    const iss = 0x1c0_8047; // ISV, SAS = 3, SRT = 0, SF, WnR, DFSC 7
    expect(issField(iss, ESR_ISS_SAS)).to.equal(3);
    expect(issField(0x0080_0000, [23, 22])).to.equal(2);
    expect(issField(0x0040_0000, [23, 22])).to.equal(1);
    expect(issField(0x001f_0000, ESR_ISS_SRT)).to.equal(31);
    expect(issField(0x0015_0000, [20, 16])).to.equal(21);
    expect(issField(0x01ff_ffff, [20, 16])).to.equal(31);
    expect(issField(0x01ff_ffff, [24, 24])).to.equal(1);
    expect(issFlag(iss, ESR_ISS_ISV)).to.equal(true);
    expect(issFlag(iss, ESR_ISS_SF)).to.equal(true);
    expect(issFlag(iss, ESR_ISS_WNR)).to.equal(true);
    expect(issFlag(0x1c0_8007, ESR_ISS_WNR)).to.equal(false);
    expect(issFlag(0, 1n << 24n)).to.equal(false);
  });

  it('names the exception classes with their Arm ARM codes', () => {
    expect([EC.DABT_LOWER, EC.DABT_CURRENT, EC.HVC64, EC.SYS64, EC.BRK64]).to.deep.equal([
      0x24, 0x25, 0x16, 0x18, 0x3c,
    ]);
  });
});
