import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { assemble, buildElf } from '../../helpers/asm.js';
import { runEl2dbg } from '../../helpers/cli.js';
import { guestPath } from '../../helpers/guests.js';

describe('el2dbg run (the real CLI, in a child process)', () => {
  it('boots hello: the greeting on stdout, nothing else, exit 0', async () => {
    const r = await runEl2dbg(['run', '--image', guestPath('hello')]);
    expect(r).to.deep.equal({ code: 0, stdout: 'Hello from el2dbg guest!\n', stderr: '' });
  });

  it('boots the MMU guest (T0SZ=16, TTBR1 console) to both lines and exit 0', async () => {
    const r = await runEl2dbg(['run', '--image', guestPath('mmu')]);
    expect(r.stdout).to.equal('MMU on: T0SZ=16 walk from level 0\nHello from the high half (0xffff000009000000)!\n');
    expect(r.code).to.equal(0);
  });

  it('keeps stdout for the guest even at --log-level debug (logs go to stderr)', async () => {
    const r = await runEl2dbg(['--log-level', 'debug', 'run', '--image', guestPath('hello')]);
    expect(r.stdout).to.equal('Hello from el2dbg guest!\n');
    expect(r.stderr).to.match(/debug|info/);
    expect(r.code).to.equal(0);
  });

  it('writes logs to --log-file and not to stderr', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'el2dbg-log-')), 'run.log');
    const r = await runEl2dbg(['--log-level', 'info', '--log-file', file, 'run', '--image', guestPath('hello')]);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.equal('');
    expect(readFileSync(file, 'utf8')).to.match(/guest loaded/);
  });

  it('stops a spinning guest at --timeout with exit 3 and one line on stderr naming the pc', async () => {
    const r = await runEl2dbg(['run', '--image', buildElf('1: b 1b'), '--timeout', '0.3']);
    expect(r.code).to.equal(3);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.equal('el2dbg: stopped: timeout after 0.3 s, at pc 0x40080000\n');
  });

  it('stops at exactly --max-insns with exit 3, naming the pc', async () => {
    const r = await runEl2dbg([
      'run',
      '--image',
      buildElf('1: add x0, x0, #1\n add x1, x1, #1\n b 1b'),
      '--max-insns',
      '300000',
    ]);
    expect(r.code).to.equal(3);
    // 100 000 turns of the 3-instruction loop: back at its first instruction.
    expect(r.stderr).to.equal(
      'el2dbg: stopped: instruction limit reached after 300000 instructions, at pc 0x40080000\n',
    );
  });

  it('reports a guest exception without vectors as a panic: exit 4, one line with PC and the fault', async () => {
    const r = await runEl2dbg(['run', '--image', buildElf('nop\n udf #7')]);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.equal(
      'el2dbg: guest panic at pc 0x40080004: undefined instruction, ESR_EL1=0x2000000, and the guest has no exception vectors (VBAR_EL1 = 0); powered off\n',
    );
  });

  it('runs a guest that writes to a physical hole into an external abort: without vectors a panic (exit 4)', async () => {
    const r = await runEl2dbg(['run', '--image', buildElf('movz x0, #0x0c00, lsl #16\n str x0, [x0]')]);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.equal(
      'el2dbg: guest panic at pc 0x40080004: data abort (synchronous external abort: nothing at physical address ' +
        '0xc000000) of VA 0xc000000, ESR_EL1=0x96000050, and the guest has no exception vectors (VBAR_EL1 = 0); ' +
        'powered off\n',
    );
  });

  it('boots a raw binary at --load-addr', async () => {
    const r = await runEl2dbg(['run', '--image', guestPath('hello', 'bin'), '--load-addr', '0x40080000']);
    expect(r.stdout).to.equal('Hello from el2dbg guest!\n');
    expect(r.code).to.equal(0);
  });

  it('boots a raw binary in flash at 0x0, where firmware starts (0 is not an exit address)', async () => {
    // uc_emu_start's `until` of 0 used to end the run before the first fetch. The guest prints one byte and powers off.
    const dir = mkdtempSync(join(tmpdir(), 'el2dbg-flash0-'));
    try {
      const bin = join(dir, 'fw.bin');
      const uart = 'movz x1, #0x0900, lsl #16\n mov w2, #0x4b\n str w2, [x1]\n';
      writeFileSync(bin, assemble(`${uart} movz x0, #0x0008\n movk x0, #0x8400, lsl #16\n hvc #0`));
      const r = await runEl2dbg(['run', '--image', bin, '--load-addr', '0x0']);
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.equal('K');
      expect(r.code).to.equal(0);
      const fw = await runEl2dbg(['run', '--firmware', bin]);
      expect([fw.stdout, fw.code]).to.deep.equal(['K', 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('bad input: a clear message and exit 2', () => {
    const cases: [string, string[], RegExp][] = [
      ['a missing image', ['run', '--image', '/nonexistent/guest.elf'], /\/nonexistent\/guest\.elf does not exist/],
      [
        'no --image',
        ['run'],
        /give --image FILE \(a guest\), --firmware u-boot\|FILE \(firmware in flash\) or --kernel Image/,
      ],
      ['--firmware with --image', ['run', '--image', 'x', '--firmware', 'u-boot'], /--image and --firmware: give one/],
      [
        '--kernel with --firmware',
        ['run', '--kernel', 'x', '--firmware', 'u-boot'],
        /--firmware and --kernel: give one/,
      ],
      ['--initrd without --kernel', ['run', '--image', 'x', '--initrd', 'y'], /--initrd goes with --kernel/],
      [
        '--append without --kernel',
        ['run', '--firmware', 'u-boot', '--append', 'quiet'],
        /--append goes with --kernel/,
      ],
      [
        '--load-addr with --kernel',
        ['run', '--kernel', 'x', '--load-addr', '0x40000000'],
        /--load-addr places a raw --image/,
      ],
      [
        'a bad --cpu',
        ['run', '--image', 'x', '--cpu', 'cortex-a53'],
        /--cpu: 'cortex-a53' is not a CPU model \(cortex-a57, cortex-a72, max\)/,
      ],
      ['a --kernel that is no Image', ['run', '--kernel', 'package.json'], /package.json: not an arm64 Linux Image/],
      ['a missing --kernel', ['run', '--kernel', '/nonexistent'], /--kernel \/nonexistent: ENOENT/],
      ['an unknown flag', ['run', '--image', 'x', '--frobnicate'], /unknown option '--frobnicate'/],
      ['a bad --memory', ['run', '--image', 'x', '--memory', 'lots'], /--memory: 'lots' is not a size/],
      [
        'too little --memory',
        ['run', '--image', 'x', '--memory', '1M'],
        /--memory: 1048576 bytes is not a usable RAM size/,
      ],
      [
        'a bad --timeout',
        ['run', '--image', 'x', '--timeout', '-1'],
        /--timeout: '-1' is not a positive number of seconds/,
      ],
      [
        'a bad --max-insns',
        ['run', '--image', 'x', '--max-insns', 'many'],
        /--max-insns: 'many' is not a positive whole number/,
      ],
      ['a bad --load-addr', ['run', '--image', 'x', '--load-addr', 'here'], /--load-addr: 'here' is not an address/],
      [
        'a misaligned --load-addr',
        ['run', '--image', guestPath('hello', 'bin'), '--load-addr', '0x40080003'],
        /^el2dbg: --load-addr: 0x40080003 is not 4-byte aligned/,
      ],
      [
        'a --timeout beyond what a timer can wait',
        ['run', '--image', guestPath('hello'), '--timeout', '99999999999'],
        /^el2dbg: --timeout: 99999999999 s is too long \(at most 2147483 s/,
      ],
      [
        '--events without --trace',
        ['run', '--image', guestPath('hello'), '--events', 'psci'],
        /^el2dbg: --events selects what --trace FILE records: give --trace too/,
      ],
      [
        'a --log-file that cannot be opened',
        ['--log-file', join(guestPath('hello'), 'x.log'), 'run', '--image', guestPath('hello')],
        /^el2dbg: --log-file .*hello\.elf\/x\.log: cannot open it for writing \(ENOTDIR\)/,
      ],
      ['a bad --log-level', ['--log-level', 'loud', 'run', '--image', 'x'], /argument 'loud' is invalid/],
      ['an unknown command', ['frobnicate'], /^el2dbg: unknown command 'frobnicate' \(el2dbg --help/],
    ];
    for (const [what, args, message] of cases) {
      it(`rejects ${what}`, async () => {
        const r = await runEl2dbg(args);
        expect(r.code).to.equal(2);
        expect(r.stdout).to.equal('');
        expect(r.stderr).to.match(message);
        expect(r.stderr, 'exactly one line, with the el2dbg: prefix').to.match(/^el2dbg: [^\n]+\n$/);
      });
    }

    it('rejects more --memory than the host can give with one line naming --memory (exit 2)', async function () {
      if (totalmem() > 255 * 2 ** 30) this.skip(); // a host this large can map 255 GiB: nothing to refuse
      const r = await runEl2dbg(['run', '--image', guestPath('hello'), '--memory', '255G']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(
        /^el2dbg: --memory: this host cannot give the guest 255 GiB of RAM .*; ask for less\n$/,
      );
    });

    it('rejects an x86-64 ELF naming the architecture', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'el2dbg-x86-'));
      writeFileSync(join(dir, 'a.s'), '.globl _start\n_start: ret\n');
      execFileSync('as', ['-o', join(dir, 'a.o'), join(dir, 'a.s')]);
      execFileSync('ld', ['-o', join(dir, 'a.elf'), join(dir, 'a.o')]);
      const r = await runEl2dbg(['run', '--image', join(dir, 'a.elf')]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/x86-64.*AArch64/);
    });

    it('rejects a truncated ELF', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'el2dbg-trunc-'));
      writeFileSync(join(dir, 't.elf'), readFileSync(guestPath('hello')).subarray(0, 100));
      const r = await runEl2dbg(['run', '--image', join(dir, 't.elf')]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/truncated/i);
    });

    it('rejects an image that does not fit in RAM', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'el2dbg-big-'));
      writeFileSync(join(dir, 'big.bin'), new Uint8Array(17 << 20));
      const r = await runEl2dbg(['run', '--image', join(dir, 'big.bin'), '--memory', '16M']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/RAM/);
    });
  });

  it('refuses to start without a usable libunicorn and says how to fix it (exit 1)', async () => {
    const r = await runEl2dbg(['run', '--image', guestPath('hello')], { UNICORN_LIB: '/nonexistent/libunicorn.so.2' });
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/libunicorn not found at \/nonexistent\/libunicorn\.so\.2: run scripts\/setup/);
  });
});

describe('el2dbg doctor and --help', () => {
  it('doctor --json reports every dependency as usable on a set-up machine', async () => {
    const r = await runEl2dbg(['doctor', '--json']);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean; version: string | null }[];
    };
    expect(report.checks.map((c) => c.name)).to.deep.equal([
      'node',
      'libunicorn',
      'gdb-multiarch',
      'lldb',
      'qemu-system-aarch64',
      'aarch64-linux-gnu-as',
      'aarch64-linux-gnu-ld',
      'dtc',
    ]);
    expect(report.checks.find((c) => c.name === 'libunicorn')!.version).to.match(/^2\.1\./);
    expect(report.ok).to.equal(true);
    expect(r.code).to.equal(0);
  });

  it('doctor says MISSING and how to fix it when libunicorn is not usable (exit 1)', async () => {
    const r = await runEl2dbg(['doctor'], { UNICORN_LIB: '/nonexistent/libunicorn.so.2' });
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/MISSING libunicorn[\s\S]*fix: run scripts\/setup/);
  });

  it('doctor boots QEMU rather than trusting --version: a QEMU that cannot start -M virt is reported', async () => {
    // A qemu-system-aarch64 that answers --version like 7.2 but fails to build the machine, as QEMU does on a fresh
    // machine when a NIC's option ROM (a recommended package) is missing.
    const dir = mkdtempSync(join(tmpdir(), 'el2dbg-fake-qemu-'));
    try {
      const fake = join(dir, 'qemu-system-aarch64');
      writeFileSync(
        fake,
        '#!/bin/sh\n[ "$1" = --version ] && { echo "QEMU emulator version 7.2.22"; exit 0; }\necho \'qemu-system-aarch64: failed to find romfile "efi-virtio.rom"\' >&2; exit 1\n',
      );
      chmodSync(fake, 0o755);
      const r = await runEl2dbg(['doctor', '--json'], { PATH: `${dir}:${process.env.PATH}` });
      const report = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; detail: string }[] };
      const qemu = report.checks.find((c) => c.name === 'qemu-system-aarch64')!;
      expect(qemu.ok).to.equal(false);
      expect(qemu.detail).to.match(/cannot boot -M virt: .*efi-virtio\.rom/);
      expect(r.code).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const cmd of ['run', 'doctor', 'serve']) {
    it(`${cmd} --help shows an example`, async () => {
      const r = await runEl2dbg([cmd, '--help']);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/Example/);
    });
  }
});
