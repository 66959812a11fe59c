// gdb on a kernel: `el2dbg serve --kernel` with Debian's stripped kernel (no vmlinux: raw addresses), a policy module
// that traps the PL011's page as a hypervisor developer traps a device, and `monitor stage2 catch before` stopping at
// the first stage-2 trap of the boot, with the EL2 registers readable through `info registers el2` at that moment.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../core/unicorn/library.js';
import { spawnGdb } from './gdb-harness.js';

const ROOT = projectRoot();
const LINUX = join(ROOT, '.deps', 'linux');

// The UART's page trapped: reads answer 0 (so the AMBA bus finds no PrimeCell ID and the kernel boots on without a
// console), writes are dropped; everything else as under `ritm` minus RITM's window.
const UART_TRAP_POLICY = `
export default function policy(b, { DEVICE, NORMAL, ramBase, ramSize }) {
  b.allowRange(0n, 0x0900_0000n, DEVICE);
  b.handleRange(0x0900_0000n, 0x1000n, {
    read: () => ({ kind: 'value', value: 0n }),
    write: () => ({ kind: 'handled' }),
  }, 'uart-trap');
  b.allowRange(0x0900_1000n, ramBase - 0x0900_1000n, DEVICE);
  b.allowRange(ramBase, ramSize, NORMAL);
}
`;

describe('gdb on a kernel: serve --kernel, the first stage-2 trap of the boot, info registers el2', function () {
  this.timeout(300_000);
  let dir: string;

  before(() => {
    execFileSync(join(ROOT, 'scripts', 'fetch-linux'), { stdio: ['ignore', 'ignore', 'inherit'], timeout: 240_000 });
    dir = mkdtempSync(join(tmpdir(), 'el2dbg-linux-gdb-'));
    writeFileSync(join(dir, 'uart-trap.mjs'), UART_TRAP_POLICY);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("stops before the handler at the kernel's first access to the trapped UART page, with ESR/FAR/HPFAR_EL2 of it", async () => {
    const serve = [
      ...[process.execPath, join(ROOT, 'bin', 'el2dbg.js'), 'serve', '--stdio'],
      ...['--kernel', join(LINUX, 'vmlinuz'), '--initrd', join(LINUX, 'initrd.cpio.gz')],
      ...['--append', 'console=ttyAMA0', '--policy', join(dir, 'uart-trap.mjs')],
    ].join(' ');
    const gdb = spawnGdb(
      [
        `target remote | ${serve}`,
        'monitor stage2 catch before',
        'continue',
        'info registers el2',
        'info registers pc',
        'x/i $pc',
        'monitor stage2 last',
        'kill',
      ],
      {},
    );
    const { output } = await gdb.exited;
    expect(output).to.match(/Program received signal SIGTRAP/);
    const reg = (name: string): bigint => {
      const m = new RegExp(`^${name}\\s+(0x[0-9a-f]+)`, 'm').exec(output);
      expect(m, `${name} in:\n${output}`).to.not.equal(null);
      return BigInt(m![1]!);
    };
    const esr = reg('ESR_EL2');
    expect(esr >> 26n, 'EC: data abort from a lower EL').to.equal(0x24n);
    expect((esr >> 24n) & 1n, 'ISV: the access is described').to.equal(1n);
    expect(esr & 0x3cn, 'DFSC: translation fault').to.equal(0x04n);
    // HPFAR_EL2.FIPA = IPA[47:12] in bits [43:4]: the UART's page (Arm ARM D17.2.63).
    expect(reg('HPFAR_EL2'), 'HPFAR_EL2').to.equal(0x0900_0000n >> 8n);
    // The kernel maps the UART somewhere in its vmalloc/fixmap space: FAR_EL2 is that VA, and its page offset is the
    // register's offset in the UART page (the same 12 bits as the IPA's).
    const far = reg('FAR_EL2');
    expect(far >> 48n, 'FAR_EL2 is a kernel VA').to.equal(0xffffn);
    expect(reg('ELR_EL2'), 'ELR_EL2 is the pc gdb shows').to.equal(reg('pc'));
    expect(output).to.match(/uart-trap/); // monitor stage2 last names the handler region
    const ipa = (0x0900_0000n + (far & 0xfffn)).toString(16);
    expect(output).to.match(new RegExp(`IPA\\s+0x0*${ipa}\\b`)); // and the IPA, the page offset of FAR_EL2's
  });
});
