// `el2dbg serve` as a user runs it: a child process, driven by real gdb-multiarch.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../core/unicorn/library.js';
import { runEl2dbg } from '../../helpers/cli.js';
import { guestPath } from '../../helpers/guests.js';
import { runGdb, spawnGdb } from '../gdb-harness.js';
import { trackProcess } from '../../helpers/processes.js';

const BIN = join(projectRoot(), 'bin/el2dbg.js');

interface ServeProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp): Promise<RegExpMatchArray>;
  readonly exited: Promise<number | null>;
}

/** `el2dbg serve ARGS` under this node, or `bin` starts the bin file itself, as `npx el2dbg` does (its shebang). */
function spawnServe(args: string[], opts: { bin?: boolean } = {}): ServeProcess {
  const [command, argv] = opts.bin ? [BIN, ['serve', ...args]] : [process.execPath, [BIN, 'serve', ...args]];
  const child = trackProcess(spawn(command, argv, { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    for (const w of [...waiters]) {
      const m = out.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    line: (pattern) => {
      const m = out.match(pattern);
      return m ? Promise.resolve(m) : new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
    exited,
  };
}

describe('el2dbg serve (the real CLI, in a child process)', function () {
  this.timeout(30_000);
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('prints "Listening on port N" and the exact gdb command on stdout; that command attaches; --once exits after the session', async () => {
    guestPath('demo');
    const serve = spawnServe(['--port', '0', '--once']);
    children.push(serve.child);
    const [, port] = await serve.line(/^Listening on port (\d+)$/m);
    const [, command] = await serve.line(/^Attach with: (.*)$/m);
    expect(command).to.equal(`gdb-multiarch -ex 'target remote 127.0.0.1:${port}' guests/build/demo.elf`);
    // The printed command, as a shell would split it, plus batch commands.
    const gdb = spawnGdb(['break compute', 'continue', 'p/x $ESR_EL2', 'stepi', 'p/x $pc'], {
      args: ['-ex', `target remote 127.0.0.1:${port}`, join(projectRoot(), 'guests/build/demo.elf')],
    });
    const { output } = await gdb.exited;
    expect(output).to.match(/Breakpoint 1, compute \(\)/);
    expect(output).to.match(/\$1 = 0x93c18047/); // the last trap: write_filtered's `str x1, [x2]` (ISV, 64-bit, Rt 1, WnR)
    expect(output).to.match(/\$2 = 0x4008016c/);
    expect(await serve.exited).to.equal(0);
    expect(serve.stdout()).to.match(/el2dbg demo: reading and writing the filtered MMIO page/); // the guest console
  });

  it('run as `npx el2dbg` runs it (the bin file), node gets the young-generation bound that keeps RSS flat', async () => {
    // Through the shebang: V8's semi-spaces stay at 2 MiB (RSS over 3000 connect cycles: +6.7 MiB, not +16 MiB).
    const serve = spawnServe(['--port', '0'], { bin: true });
    children.push(serve.child);
    await serve.line(/^Listening on port \d+$/m);
    const argv = readFileSync(`/proc/${serve.child.pid}/cmdline`, 'utf8').split('\0');
    expect(argv).to.include('--max-semi-space-size=2');
    expect(argv).to.include('serve');
    serve.child.kill('SIGTERM');
    await serve.exited;
  });

  it('--firmware u-boot: halted at 0x0 with x0 = 0; continue, Ctrl-C, monitor uboot; a second gdb finds it there', async () => {
    const serve = spawnServe(['--firmware', 'u-boot', '--policy', 'ritm-pci', '--port', '0']);
    children.push(serve.child);
    const [, port] = await serve.line(/^Listening on port (\d+)$/m);
    const [, command] = await serve.line(/^Attach with: (.*)$/m);
    expect(command).to.equal(
      `gdb-multiarch -ex 'target remote 127.0.0.1:${port}' /usr/lib/u-boot/qemu_arm64/uboot.elf`,
    );
    const connect = `target remote 127.0.0.1:${port}`;
    const first = spawnGdb([
      connect,
      'p/x $pc',
      'p/x $x0',
      'continue',
      'echo interrupted\\n',
      'monitor uboot',
      'detach',
    ]);
    await serve.line(/Hit any key to stop autoboot/); // U-Boot relocated long before it prints this
    first.child.kill('SIGINT');
    const one = (await first.exited).output;
    expect(one).to.match(/\$1 = 0x0\n/);
    expect(one).to.match(/\$2 = 0x0\n/); // QEMU's -bios leaves x0 zero; U-Boot finds the DTB at the start of RAM
    expect(one).to.match(/Program received signal SIGINT/);
    // ritm-pci with 1 GiB: U-Boot sees the RAM below RITM's window and relocates to its top (bdinfo says the same).
    expect(one).to.match(/relocated to 0x46ef7000, offset 0x46ef7000 from its link address 0x0/);
    expect(one).to.contain('symbol-file -o 0x46ef7000 /usr/lib/u-boot/qemu_arm64/uboot.elf');

    const second = spawnGdb([connect, 'monitor uboot', 'stepi', 'p/x $pc', 'detach']);
    const two = (await second.exited).output;
    expect(two).to.match(/relocated to 0x46ef7000/);
    expect(two).to.match(/\$1 = 0x46[0-9a-f]{6}\n/); // still in the relocated copy after one step
    serve.child.kill('SIGTERM');
    expect(await serve.exited).to.equal(0);
  });

  it('serves over stdin/stdout with --stdio: target remote | el2dbg serve --stdio', async () => {
    const image = guestPath('demo');
    const gdb = spawnGdb([
      `target remote | ${process.execPath} ${BIN} serve --stdio --image ${image}`,
      'p/x $pc',
      'break compute',
      'continue',
      'p/x $x0',
      'info registers el2',
      'kill',
    ]);
    const { output } = await gdb.exited;
    expect(output).to.match(/\$1 = 0x40080000/);
    expect(output).to.match(/Breakpoint 1, compute \(\)/);
    expect(output).to.match(/\$2 = 0xfeedfacecafebeef/);
    expect(output).to.match(/^HCR_EL2\s+0x80080001/m);
    expect(output).to.match(/el2dbg: serving the GDB remote protocol on stdin\/stdout/); // on stderr, which gdb shows
    expect(output).to.not.match(/Ignoring packet error|Remote connection closed|Bad remote/);
  });

  it('refuses a non-loopback --host without --allow-remote (exit 2), and warns when it is allowed', async () => {
    const refused = await runEl2dbg(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/--host 0\.0\.0\.0 is not a loopback address.*--allow-remote/);
    const serve = spawnServe(['--host', '0.0.0.0', '--allow-remote', '--port', '0']);
    children.push(serve.child);
    const [, port] = await serve.line(/^Listening on port (\d+)$/m);
    expect(serve.stdout()).to.include(`target remote 127.0.0.1:${port}`);
    expect(serve.stderr()).to.match(/warning: listening on 0\.0\.0\.0: .*write trace files below \//);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).to.equal(0);
  });

  it('refuses a --trace-dir that is not a directory and a --catch naming a region the policy lacks (exit 2)', async () => {
    const dir = await runEl2dbg(['serve', '--port', '0', '--trace-dir', guestPath('hello')]);
    expect(dir.code).to.equal(2);
    expect(dir.stderr).to.match(/^el2dbg: --trace-dir .*hello\.elf: not an existing directory\n$/);
    const region = await runEl2dbg(['serve', '--port', '0', '--catch', 'stage2 before region=filtred']);
    expect(region.code).to.equal(2);
    expect(region.stderr).to.equal(
      "el2dbg: --catch 'stage2 before region=filtred': the policy has no region 'filtred' " +
        '(its handler regions: filtered-mmio)\n',
    );
  });

  it('refuses --record-budget without --record and a budget under 1M (exit 2)', async () => {
    const alone = await runEl2dbg(['serve', '--port', '0', '--record-budget', '2G']);
    expect(alone.code).to.equal(2);
    expect(alone.stderr).to.equal('el2dbg: --record-budget only applies with --record\n');
    const small = await runEl2dbg(['serve', '--port', '0', '--record', '--record-budget', '10K']);
    expect(small.code).to.equal(2);
    expect(small.stderr).to.equal('el2dbg: --record-budget: 10K is less than 1M\n');
  });

  it('--record records from the entry: gdb can reverse-stepi back to it', async () => {
    const serve = spawnServe(['--port', '0', '--record', '--record-budget', '64M']);
    children.push(serve.child);
    const [, port] = await serve.line(/^Listening on port (\d+)$/m);
    const out = await runGdb(Number(port), [
      'stepi',
      'stepi',
      'reverse-stepi',
      'reverse-stepi',
      'p/x $pc',
      'reverse-stepi',
    ]);
    expect(out).to.match(/\$1 = 0x40080000/);
    expect(out).to.include('No more reverse-execution history.');
    serve.child.kill('SIGTERM');
    expect(await serve.exited).to.equal(0);
  });

  it('--help describes the options with an example', async () => {
    const r = await runEl2dbg(['serve', '--help']);
    expect(r.code).to.equal(0);
    const flags = ['--image', '--policy', '--inject', '--port', '--host', '--allow-remote', '--stdio', '--once'];
    for (const flag of [...flags, '--catch', '--handler-timeout', '--trace-dir', '--record', '--record-budget'])
      expect(r.stdout).to.include(flag);
    expect(r.stdout).to.match(/Examples:\n\s+\$ el2dbg serve\n\s+Listening on port 1234/);
  });
});
