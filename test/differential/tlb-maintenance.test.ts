// TLB maintenance on block mappings, el2dbg against QEMU 7.2: guests/tlbi maps a 2 MiB and a 1 GiB block, lets the
// TLB cache one page of each, repoints the block and runs every EL1 TLBI form (and a TTBR0 switch to another ASID).
// The architecture wants the new mapping after each; unicorn caches blocks as 4 KiB entries, so el2dbg must turn a
// TLBI by VA inside a block into a wider flush. QEMU is the reference for every form both CPUs implement.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { QEMU_BASE_ARGS } from '../../server/cli/doctor-command.js';
import { runEl2dbg } from '../helpers/cli.js';
import { guestPath } from '../helpers/guests.js';

function runQemu(elf: string): Promise<string> {
  const args = ['-M', 'virt', '-cpu', 'max', '-m', '2048', ...QEMU_BASE_ARGS, '-kernel', elf];
  return new Promise((resolve, reject) =>
    execFile('qemu-system-aarch64', args, { timeout: 60_000, killSignal: 'SIGKILL' }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
}

const lines = (text: string) => text.trim().split('\n');

describe('differential: TLB maintenance on 2 MiB and 1 GiB blocks, el2dbg vs QEMU 7.2', function () {
  this.timeout(60_000);
  let ours: string[] = [];
  let qemu: string[] = [];
  before(async () => {
    const elf = guestPath('tlbi');
    const r = await runEl2dbg(['run', '--memory', '2G', '--image', elf]);
    expect(r.code, r.stderr).to.equal(0);
    ours = lines(r.stdout);
    qemu = lines(await runQemu(elf));
  });

  it('every TLBI form el2dbg runs, and the TTBR0 switch to another ASID, read the new mapping', () => {
    const cases = ours.filter((l) => !l.endsWith('n/a'));
    expect(cases).to.have.length(25); // 12 forms x 2 block sizes + the ASID switch
    for (const line of cases) expect(line, line).to.match(/ (2M 0xbbbb000000000002|1G 0xbbbb000000000001)$/);
  });

  it('prints what QEMU prints for each case both run', () => {
    const theirs = new Map(qemu.map((l) => [l.split(' ').slice(0, 2).join(' '), l]));
    for (const line of ours.filter((l) => !l.endsWith('n/a'))) {
      expect(theirs.get(line.split(' ').slice(0, 2).join(' ')), line).to.equal(line);
    }
  });

  it('leaves out only the forms its CPU does not advertise (ID_AA64ISAR0_EL1.TLB = 0: no TLBIOS, no TLBIRANGE)', () => {
    expect(ours.filter((l) => l.endsWith('n/a'))).to.deep.equal(['tlbi-os n/a', 'tlbi-range n/a']);
    const skipped = qemu.filter((l) => /^(vae1os|vaale1os|vmalle1os|rvae1|rvaale1is) /.test(l));
    expect(skipped).to.have.length(10); // QEMU 7.2's max CPU implements them, and they work there too
    for (const line of skipped) expect(line).to.match(/0xbbbb/);
  });
});
