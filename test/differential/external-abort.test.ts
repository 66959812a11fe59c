// Accesses to holes in the physical memory map (where neither QEMU's virt nor el2dbg has anything) are synchronous
// external aborts taken to EL1: the guest's handler prints ESR_EL1, FAR_EL1 and ELR_EL1 (relative to the access's
// base register) for a 32-bit load, a 64-bit store and a load pair, under el2dbg and under QEMU 7.2.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { QEMU_BASE_ARGS } from '../../server/cli/doctor-command.js';
import { buildElf } from '../helpers/asm.js';
import { runEl2dbg } from '../helpers/cli.js';

const SOURCE = `
adr x0, vectors
  msr vbar_el1, x0
  isb
  movz x20, #0x0910, lsl #16
  ldr w1, [x20, #4]
  movz x20, #0x0c00, lsl #16
  str x1, [x20, #8]
  movz x20, #0x0e00, lsl #16
  ldp x1, x2, [x20, #16]
  movz x0, #0x0008
  movk x0, #0x8400, lsl #16
  hvc #0
putc:   // w0
  movz x9, #0x0900, lsl #16
  str w0, [x9]
  ret
puthex: // x3, clobbers x4-x6, x0
  mov x6, x30
  mov x4, #60
1: lsr x0, x3, x4
  and x0, x0, #15
  cmp x0, #10
  add x5, x0, #48
  add x0, x0, #87
  csel x0, x5, x0, lo
  bl putc
  subs x4, x4, #4
  b.ge 1b
  mov w0, #32
  bl putc
  mov x30, x6
  ret
  .balign 2048
vectors:
  .skip 0x200
  mrs x3, esr_el1
  bl puthex
  mrs x3, far_el1
  bl puthex
  mrs x3, elr_el1
  sub x3, x3, x20
  bl puthex
  mov w0, #10
  bl putc
  mrs x9, elr_el1
  add x9, x9, #4
  msr elr_el1, x9
  eret
`;

function runQemu(elf: string): Promise<string> {
  const args = ['-M', 'virt', '-cpu', 'max', '-m', '1024', ...QEMU_BASE_ARGS, '-kernel', elf];
  return new Promise((resolve, reject) =>
    execFile('qemu-system-aarch64', args, { timeout: 30_000, killSignal: 'SIGKILL' }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
}

describe('differential: external aborts on physical holes, el2dbg vs QEMU 7.2', function () {
  this.timeout(60_000);

  it('gives the guest the same ESR_EL1 (DFSC 0x10, WnR), FAR_EL1 and ELR_EL1 as QEMU', async () => {
    const elf = buildElf(SOURCE, 'holes');
    const ours = await runEl2dbg(['run', '--image', elf]);
    expect(ours.code, ours.stderr).to.equal(0);
    expect(ours.stdout.split('\n').map((l) => l.trim())).to.deep.equal([
      '0000000096000010 0000000009100004 0000000036f80010',
      '0000000096000050 000000000c000008 0000000034080018',
      '0000000096000010 000000000e000010 0000000032080020',
      '',
    ]);
    expect(ours.stdout).to.equal(await runQemu(elf));
  });
});
