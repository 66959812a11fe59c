// Debian's arm64 kernel under the EL2 model (--policy ritm), to the busybox shell of a small initramfs, driven at a
// pseudo-terminal as a person drives it: interrupts (the GICv3 and the virtual timer), WFI idle, PL011 interrupts
// and PSCI SYSTEM_OFF. scripts/fetch-linux brings the kernel and builds the initramfs (quick when already there).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFdt, fdtNode, fdtProp, fdtString } from '../../../core/fdt/fdt-builder.js';
import { decodeFdt } from '../../../core/fdt/fdt-parser.js';
import { buildMachineDeviceTree } from '../../../core/platform/device-tree.js';
import { runEl2dbg } from '../../helpers/cli.js';
import { ConsoleSession } from '../../helpers/console-session.js';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const LINUX = join(ROOT, '.deps', 'linux');
/** The shell's prompt (ash asks for the cursor position first: ESC[6n, which a pty does not answer). */
// eslint-disable-next-line no-control-regex -- the escape ash sends is part of what the console shows
const PROMPT = /\n(?:\x1b\[6n)?\/ # (?:\x1b\[6n)?$/;

/** Types a command at the shell and returns what it printed (the echo and the next prompt left out). */
async function shell(session: ConsoleSession, line: string): Promise<string> {
  const from = session.output.length;
  session.type(`${line}\r`);
  await session.waitFor(PROMPT, from);
  const out = session.output.slice(from);
  return out
    .slice(out.indexOf('\n') + 1)
    .replace(PROMPT, '')
    .trim();
}

describe('el2dbg run --kernel (Debian 6.1 cloud-arm64 + busybox initramfs, at a terminal, under ritm)', function () {
  this.timeout(300_000);

  before(() => {
    execFileSync(join(ROOT, 'scripts', 'fetch-linux'), { stdio: ['ignore', 'ignore', 'inherit'], timeout: 240_000 });
  });

  it('boots to the shell, answers commands, keeps time, counts timer interrupts, and powers off with exit 0', async () => {
    const session = ConsoleSession.el2dbgAtTerminal([
      ...['run', '--kernel', join(LINUX, 'vmlinuz'), '--initrd', join(LINUX, 'initrd.cpio.gz')],
      ...['--append', 'console=ttyAMA0 panic=-1', '--policy', 'ritm'],
    ]);
    try {
      await session.waitFor(/el2dbg initramfs: \/init running \(Linux \S+ aarch64\)/);
      await session.waitFor(PROMPT);
      expect(session.output).to.match(/GICv3: 224 SPIs implemented/); // as QEMU 7.2 virt,gic-version=3 reports
      expect(session.output).to.match(/GICv3: CPU0: found redistributor 0 region 0:0x00000000080a0000/);
      expect(session.output).to.match(/arch_timer: cp15 timer\(s\) running at 62\.50MHz \(virt\)/);
      expect(session.output).to.match(/ttyAMA0 at MMIO 0x9000000 \(irq = \d+, base_baud = 0\) is a PL011 rev1/);
      expect(await shell(session, 'echo $((6*7))')).to.equal('42');
      expect(await shell(session, 'uname -m')).to.equal('aarch64');
      // sleep sleeps on the timer interrupt: it must take about a second of the guest's time and of ours.
      const t0 = process.hrtime.bigint();
      const slept = await shell(
        session,
        'T0=$(cut -d" " -f1 /proc/uptime); sleep 1; echo $T0 $(cut -d" " -f1 /proc/uptime)',
      );
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const [before, after] = slept.split('\n').pop()!.trim().split(' ').map(Number); // the echo may wrap
      expect(after! - before!, slept).to.be.within(0.99, 1.5);
      expect(wallS).to.be.greaterThan(0.99);
      const interrupts = await shell(session, 'cat /proc/interrupts');
      const timer = /^\s*\d+:\s+(\d+)\s+GICv3\s+27 Level\s+arch_timer$/m.exec(interrupts);
      expect(timer, interrupts).to.not.equal(null);
      expect(Number(timer![1])).to.be.greaterThan(100);
      expect(interrupts).to.match(/GICv3\s+33 Level\s+uart-pl011/);
      session.type('poweroff -f\r');
      expect(await session.exited).to.equal(0);
      expect(session.output).to.match(/reboot: Power down/);
    } finally {
      session.type('\x01x');
    }
  });

  it('el2dbg trace --kernel records the boot: PSCI calls over HVC, interrupts, and no stage-2 trap under ritm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el2dbg-linux-trace-'));
    try {
      const out = join(dir, 'boot.jsonl');
      const r = await runEl2dbg([
        ...['trace', '--kernel', join(LINUX, 'vmlinuz'), '--initrd', join(LINUX, 'initrd.cpio.gz')],
        ...['--append', 'console=ttyAMA0', '--policy', 'ritm', '--max-insns', '150000000', '--out', out],
      ]);
      expect(r.code, r.stderr).to.equal(3); // --max-insns reached
      const records = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; family?: string; name?: string; function_id?: string });
      const psci = records.filter((x) => x.type === 'hvc' && x.family === 'psci').map((x) => x.name);
      expect(psci.slice(0, 3)).to.deep.equal(['VERSION', 'MIGRATE_INFO_TYPE', 'FEATURES']);
      expect(records.some((x) => x.type === 'interrupt')).to.equal(true);
      expect(records.filter((x) => x.type === 'stage2-abort')).to.deep.equal([]); // RITM's window is not in its memory
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with --gic 2 (QEMU virt's default GIC): the timer and the PL011 interrupts go through the GICv2", async () => {
    const session = ConsoleSession.el2dbgAtTerminal([
      ...['run', '--kernel', join(LINUX, 'vmlinuz'), '--initrd', join(LINUX, 'initrd.cpio.gz')],
      ...['--append', 'console=ttyAMA0 panic=-1', '--policy', 'ritm', '--gic', '2'],
    ]);
    try {
      await session.waitFor(PROMPT);
      expect(session.output).to.not.match(/GICv3/);
      const slept = await shell(
        session,
        'T0=$(cut -d" " -f1 /proc/uptime); sleep 1; echo $T0 $(cut -d" " -f1 /proc/uptime)',
      );
      const [before, after] = slept.split('\n').pop()!.trim().split(' ').map(Number);
      expect(after! - before!, slept).to.be.within(0.99, 1.5);
      const interrupts = await shell(session, 'cat /proc/interrupts');
      const timer = /^\s*\d+:\s+(\d+)\s+GIC-0\s+27 Level\s+arch_timer$/m.exec(interrupts);
      expect(timer, interrupts).to.not.equal(null);
      expect(Number(timer![1])).to.be.greaterThan(100);
      expect(interrupts).to.match(/GIC-0\s+33 Level\s+uart-pl011/);
      session.type('poweroff -f\r');
      expect(await session.exited).to.equal(0);
    } finally {
      session.type('\x01x');
    }
  });

  it('boots with --cpu max: pointer authentication on (QEMU boot code enables), no SVE (unicorn cannot run it)', async () => {
    // Before: ID_AA64PFR0_EL1 advertised SVE and the kernel died on ZCR_EL1 before its console; with SVE hidden,
    // PAuth key accesses then aborted unicorn (SCR_EL3/HCR_EL2 left them trapped).
    const session = ConsoleSession.el2dbgAtTerminal([
      ...['run', '--kernel', join(LINUX, 'vmlinuz'), '--initrd', join(LINUX, 'initrd.cpio.gz'), '--cpu', 'max'],
      ...['--append', 'console=ttyAMA0 panic=-1', '--policy', 'ritm'],
    ]);
    try {
      await session.waitFor(PROMPT);
      expect(session.output).to.match(/CPU features: detected: Address authentication/);
      expect(session.output).to.not.match(/SVE/);
      const features = await shell(session, 'grep -m1 Features /proc/cpuinfo');
      expect(features).to.match(/\bpaca\b/);
      expect(features).to.not.match(/\bsve\b/);
      session.type('poweroff -f\r');
      expect(await session.exited).to.equal(0);
    } finally {
      session.type('\x01x');
    }
  });
  it('boots with --dtb: the user tree (its model line) with /chosen bootargs and initrd filled in as QEMU does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linux-dtb-'));
    const dtb = join(dir, 'user.dtb');
    const { root, memReserve } = decodeFdt(
      buildMachineDeviceTree({ ramBase: 0x4000_0000n, ramSize: 1n << 30n, cpus: 1, pcie: false }),
    );
    const props = [...root.props.filter((p) => p.name !== 'model'), fdtProp('model', fdtString('user tree for --dtb'))];
    writeFileSync(dtb, encodeFdt(fdtNode('', props, root.children), { memReserve }));
    const session = ConsoleSession.el2dbgAtTerminal([
      ...['run', '--kernel', join(LINUX, 'vmlinuz'), '--initrd', join(LINUX, 'initrd.cpio.gz'), '--dtb', dtb],
      ...['--append', 'console=ttyAMA0 panic=-1 el2dbg.dtbtest=1', '--policy', 'ritm'],
    ]);
    try {
      await session.waitFor(PROMPT);
      expect(session.output).to.match(/Machine model: user tree for --dtb/);
      expect(await shell(session, 'cat /proc/cmdline')).to.match(/el2dbg\.dtbtest=1/);
      session.type('poweroff -f\r');
      expect(await session.exited).to.equal(0);
    } finally {
      session.type('\x01x');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
