// Seconds from process start to the initramfs's /init line: `el2dbg run --kernel` (Debian's cloud-arm64 kernel and
// the busybox initramfs of scripts/fetch-linux, --policy ritm) against QEMU 7.2 booting the same files on
// `virt,gic-version=3 -cpu cortex-a57`, in the same run (best of `runs`, each process ended at the line).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Machine } from '../core/machine/machine.js';
import { projectRoot, type UnicornLibrary } from '../core/unicorn/library.js';
import { loadBootImage } from '../server/cli/firmware.js';
import { buildMachineConfigFromOptions } from '../server/cli/machine-options.js';
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

/**
 * TLB fills on one boot to /init, in-process (the same machine `run --kernel ... --policy ritm` builds): how many,
 * how many went to the TypeScript fill, and the boot's wall seconds.
 */
export async function linuxBootFills(lib: UnicornLibrary): Promise<{ fills: number; passed: number; seconds: number }> {
  const root = projectRoot();
  const ramSize = 1n << 30n;
  const boot = await loadBootImage(
    {
      kernel: join(root, '.deps', 'linux', 'vmlinuz'),
      initrd: join(root, '.deps', 'linux', 'initrd.cpio.gz'),
      append: 'console=ttyAMA0',
      image: '',
      loadAddr: 0n,
    },
    ramSize,
  );
  const setup = await buildMachineConfigFromOptions(lib, boot.image, ramSize, {
    policy: 'ritm',
    inject: 'ritm',
    handlerTimeoutMs: 0,
  });
  let out = '';
  // Stopped at the line: past it the shell idles in WFI, where instructions come slowly.
  const write = (b: Uint8Array) => {
    out += Buffer.from(b).toString('latin1');
    if (out.includes(INIT_LINE)) machine.requestStop('/init reached');
  };
  const machine = new Machine({ ...setup.config, ...boot.machine, console: { write } });
  try {
    const t0 = process.hrtime.bigint();
    const halt = await machine.run();
    if (halt.kind !== 'stop-requested') throw new Error(`the boot stopped: ${halt.kind}`);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const { native, passed } = machine.nativeFill.state;
    return { fills: Number(native + passed), passed: Number(passed), seconds };
  } finally {
    await machine.close();
    await setup.closePolicy();
  }
}
