// Seconds from process start to the initramfs's /init line: `el2dbg run --kernel` (Debian's cloud-arm64 kernel and
// the busybox initramfs of scripts/fetch-linux, --policy ritm) against QEMU 7.2 booting the same files on
// `virt,gic-version=3 -cpu cortex-a57`, in the same run (best of `runs`, each process ended at the line).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../core/unicorn/library.js';
import { secondsToLine } from './uboot-boot.js';

/** What the initramfs's /init prints first (scripts/fetch-linux builds it). */
const INIT_LINE = 'el2dbg initramfs: /init running';

/** Best of `runs` boots each, to /init. */
export async function benchLinuxBoot(runs = 2): Promise<{ el2dbg: number; qemu: number }> {
  const root = projectRoot();
  execFileSync(join(root, 'scripts', 'fetch-linux'), { stdio: ['ignore', 'ignore', 'inherit'], timeout: 240_000 });
  const kernel = join(root, '.deps', 'linux', 'vmlinuz');
  const initrd = join(root, '.deps', 'linux', 'initrd.cpio.gz');
  const boot = ['--kernel', kernel, '--initrd', initrd, '--append', 'console=ttyAMA0'];
  const qemuArgs = ['-M', 'virt,gic-version=3', '-cpu', 'cortex-a57', '-m', '1G', '-nic', 'none', '-nographic'];
  let best = { el2dbg: Infinity, qemu: Infinity };
  for (let i = 0; i < runs; i++) {
    const ours = await secondsToLine(
      process.execPath,
      [join(root, 'bin', 'el2dbg.js'), 'run', ...boot, '--policy', 'ritm'],
      INIT_LINE,
    );
    const qemu = await secondsToLine(
      'qemu-system-aarch64',
      [...qemuArgs, ...boot.map((a) => a.replace(/^--/, '-'))],
      INIT_LINE,
    );
    best = { el2dbg: Math.min(best.el2dbg, ours), qemu: Math.min(best.qemu, qemu) };
  }
  return best;
}
