// Synchronous exceptions to EL1, el2dbg against QEMU 7.2 (guests/exceptions): ESR_EL1, FAR_EL1 and the preferred
// return address (ELR_EL1) after SVC, BRK and UDF, the continuation after an HVC both answer, and the FAR of a
// load and a store pair that cross into an unmapped page (the first byte in the faulting page).
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { QEMU_BASE_ARGS } from '../../server/cli/doctor-command.js';
import { runEl2dbg } from '../helpers/cli.js';
import { guestPath } from '../helpers/guests.js';

function runQemu(elf: string): Promise<string> {
  const args = ['-M', 'virt', '-cpu', 'max', '-m', '1024', ...QEMU_BASE_ARGS, '-kernel', elf];
  return new Promise((resolve, reject) =>
    execFile('qemu-system-aarch64', args, { timeout: 30_000, killSignal: 'SIGKILL' }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
}

describe('differential: EL1 exceptions and page-crossing FAR, el2dbg vs QEMU 7.2', function () {
  this.timeout(60_000);

  it('prints what QEMU prints, and the values the Arm ARM gives', async () => {
    const elf = guestPath('exceptions');
    const ours = await runEl2dbg(['run', '--image', elf]);
    expect(ours.code, ours.stderr).to.equal(0);
    expect(ours.stdout.trim().split('\n')).to.deep.equal([
      'svc 0x0000000056001234 0x0000000000000004', // EC 0x15, imm16; ELR = the next instruction
      'brk 0x00000000f2000042 0x0000000000000000', // EC 0x3c, comment; ELR = the BRK
      'udf 0x0000000002000000 0x0000000000000000', // EC 0, IL; ELR = the UDF
      'hvc-smccc-version x0 0xffffffffffffffff', // NOT_SUPPORTED, and on to the next instruction
      'ldr-crossing-page 0x0000000096000007 0x0000008000001000 0x0000000000000000',
      'stp-crossing-page 0x0000000096000047 0x0000008000001000 0x0000000000000000',
      'ldr-second-page 0x0000000096000007 0x0000008000001010 0x0000000000000000',
    ]);
    expect(ours.stdout).to.equal(await runQemu(elf));
  });
});
