import { expect } from 'chai';
import { CNT_CTL, GenericTimer, sysregKey } from '../../../core/devices/generic-timer.js';

// Encodings from the Arm ARM (D19): CNTP_* is S3_3_C14_C2_n, CNTV_* is S3_3_C14_C3_n; n = 0 TVAL, 1 CTL, 2 CVAL.
const CNTP_TVAL = sysregKey(3, 3, 14, 2, 0);
const CNTP_CTL = sysregKey(3, 3, 14, 2, 1);
const CNTP_CVAL = sysregKey(3, 3, 14, 2, 2);
const CNTV_TVAL = sysregKey(3, 3, 14, 3, 0);
const CNTV_CTL = sysregKey(3, 3, 14, 3, 1);
const CNTV_CVAL = sysregKey(3, 3, 14, 3, 2);

function rig(start = 1000n) {
  const clock = { count: start };
  const lines = new Map<number, boolean>();
  const changes: string[] = [];
  const timer = new GenericTimer({
    count: () => clock.count,
    setLine: (intid, level) => {
      lines.set(intid, level);
      changes.push(`${intid}:${level ? 1 : 0}`);
    },
  });
  timer.reset();
  return { clock, lines, changes, timer };
}

describe('generic timer (CNTP/CNTV as the Arm ARM defines them, PPIs 30 and 27 as QEMU virt wires them)', () => {
  it('is not a timer register: counters, CNTKCTL and other CRm are left to unicorn', () => {
    const { timer } = rig();
    expect(timer.readSysreg(sysregKey(3, 3, 14, 0, 1))).to.equal(null); // CNTPCT_EL0
    expect(timer.readSysreg(sysregKey(3, 0, 14, 1, 0))).to.equal(null); // CNTKCTL_EL1
    expect(timer.writeSysreg(sysregKey(3, 3, 14, 4, 1), 1n)).to.equal(false);
  });

  it('fires the virtual timer on PPI 27 when the count reaches CVAL, and ISTATUS follows', () => {
    const { clock, lines, timer } = rig(1000n);
    timer.writeSysreg(CNTV_CVAL, 1500n);
    timer.writeSysreg(CNTV_CTL, CNT_CTL.ENABLE);
    expect(timer.readSysreg(CNTV_CTL)).to.equal(1n); // enabled, condition not met
    expect(lines.get(27) ?? false).to.equal(false);
    expect(timer.nextDeadline()).to.equal(1500n);
    clock.count = 1499n;
    timer.update();
    expect(lines.get(27) ?? false).to.equal(false);
    clock.count = 1500n;
    timer.update();
    expect(lines.get(27)).to.equal(true);
    expect(timer.readSysreg(CNTV_CTL)).to.equal(5n); // ENABLE | ISTATUS
    expect(timer.nextDeadline()).to.equal(null); // already up
    expect(lines.get(30) ?? false).to.equal(false); // the physical timer is not involved
  });

  it('IMASK drops the line but ISTATUS still reports the condition; disabling clears ISTATUS', () => {
    const { clock, lines, timer } = rig(2000n);
    timer.writeSysreg(CNTP_CVAL, 100n);
    timer.writeSysreg(CNTP_CTL, CNT_CTL.ENABLE);
    expect(lines.get(30)).to.equal(true);
    timer.writeSysreg(CNTP_CTL, CNT_CTL.ENABLE | CNT_CTL.IMASK);
    expect(lines.get(30)).to.equal(false);
    expect(timer.readSysreg(CNTP_CTL)).to.equal(7n);
    timer.writeSysreg(CNTP_CTL, 0n);
    expect(timer.readSysreg(CNTP_CTL)).to.equal(0n);
    clock.count = 3000n;
    timer.update();
    expect(lines.get(30)).to.equal(false);
  });

  it('TVAL writes set CVAL = count + sign-extended 32-bit value; reads give CVAL - count in 32 bits', () => {
    const { clock, timer } = rig(0x1_0000_0000n);
    timer.writeSysreg(CNTV_TVAL, 0x100n);
    expect(timer.readSysreg(CNTV_CVAL)).to.equal(0x1_0000_0100n);
    timer.writeSysreg(CNTV_TVAL, 0xffff_fff0n); // -16
    expect(timer.readSysreg(CNTV_CVAL)).to.equal(0xffff_fff0n);
    clock.count = 0x1_0000_0000n + 0x20n;
    expect(timer.readSysreg(CNTV_TVAL)).to.equal(0xffff_ffd0n); // -48 as 32 bits
    timer.writeSysreg(CNTP_TVAL, 5n);
    expect(timer.readSysreg(CNTP_TVAL)).to.equal(5n);
  });

  it('the virtual timer counts CNTPCT - CNTVOFF', () => {
    const { lines, timer } = rig(10_000n);
    timer.cntvoff = 9_000n; // virtual count 1000
    timer.writeSysreg(CNTV_TVAL, 500n);
    expect(timer.readSysreg(CNTV_CVAL)).to.equal(1500n);
    timer.writeSysreg(CNTV_CTL, CNT_CTL.ENABLE);
    expect(lines.get(27) ?? false).to.equal(false);
    expect(timer.nextDeadline()).to.equal(10_500n); // in physical count
  });

  it('reports a line change once, and reset lowers a raised line', () => {
    const { changes, timer } = rig(50n);
    timer.writeSysreg(CNTV_CVAL, 10n);
    timer.writeSysreg(CNTV_CTL, CNT_CTL.ENABLE);
    timer.update();
    timer.update();
    expect(changes).to.deep.equal(['27:1']);
    timer.reset();
    expect(changes).to.deep.equal(['27:1', '27:0']);
    expect(timer.readSysreg(CNTV_CTL)).to.equal(0n);
  });
});
