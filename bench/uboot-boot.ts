// Seconds from process start to U-Boot's "Hit any key to stop autoboot": `el2dbg run --firmware u-boot` against
// `qemu-system-aarch64 -M virt -bios u-boot.bin` in the same run (best of `runs`, each process ended at the line).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../core/unicorn/library.js';

const UBOOT = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
const AUTOBOOT = 'Hit any key to stop autoboot';

/** Wall seconds until `command` prints `line` on stdout; the process group is killed then. */
export function secondsToLine(command: string, args: readonly string[], line = AUTOBOOT): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    let out = '';
    const timer = setTimeout(() => finish(new Error(`${command}: no '${line}' in 60 s`)), 60_000);
    const finish = (err: Error | null, s?: number) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      if (err) reject(err);
      else resolve(s!);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      out += s;
      if (out.includes(line)) finish(null, (performance.now() - t0) / 1000);
    });
    child.once('exit', () => {
      if (!out.includes(line)) finish(new Error(`${command} exited before '${line}'`));
    });
  });
}

/** Best of `runs` boots each: el2dbg (--policy ritm-pci) and QEMU 7.2 (-nic none). */
export async function benchUbootBoot(runs = 3): Promise<{ el2dbg: number; qemu: number }> {
  const el2dbg = [process.execPath, join(projectRoot(), 'bin', 'el2dbg.js')] as const;
  let best = { el2dbg: Infinity, qemu: Infinity };
  for (let i = 0; i < runs; i++) {
    const ours = await secondsToLine(el2dbg[0], [el2dbg[1], 'run', '--firmware', 'u-boot', '--policy', 'ritm-pci']);
    const qemu = await secondsToLine('qemu-system-aarch64', [
      ...['-M', 'virt', '-cpu', 'cortex-a57', '-m', '1024', '-nic', 'none', '-nographic', '-bios', UBOOT],
    ]);
    best = { el2dbg: Math.min(best.el2dbg, ours), qemu: Math.min(best.qemu, qemu) };
  }
  return best;
}
