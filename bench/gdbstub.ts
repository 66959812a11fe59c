// el2dbg's GDB server against QEMU 7.2's gdbstub, measured in the same run with the same gdb-multiarch Python
// script and the same guest: stepi per second, `info registers` with the register cache flushed, `dump binary
// memory` of 16 MiB, and free-run MIPS with 16 breakpoints set vs none.
import { QEMU_BASE_ARGS } from '../server/cli/doctor-command.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../core/unicorn/library.js';
import { buildElf } from '../test/helpers/asm.js';

/** Loop iterations of the free-run guest (4 instructions each). */
const ITERATIONS = 150_000_000;
const LOOP_INSTRUCTIONS = ITERATIONS * 4;
/** How long each repeated measurement (stepi, info registers) runs. */
const MEASURE_SECONDS = 1.5;

// x0 counts down; 16 never-executed nops after the power-off give the breakpoints addresses that cost nothing if
// a stub handles breakpoints without per-instruction work.
/** The guest: the loop, 16 breakpoint targets, and 16 MiB of random bytes (a dump that does not compress). */
const guest = (randomFile: string) => `
  ldr x0, =${ITERATIONS}
loop:
  add x1, x1, #1
  add x2, x2, #3
  subs x0, x0, #1
  b.ne loop
  movz x0, #0x0008
  movk x0, #0x8400, lsl #16
  hvc #0
  b .
  .ltorg
  .balign 64
.global bp_targets
bp_targets:
  .rept 16
  nop
  .endr
  .section .data
  .balign 4096
.global random_data
random_data:
  .incbin "${randomFile}"
`;

const SCRIPT = `
import gdb, json, time, os
mode = os.environ['BENCH_MODE']
out = {}
def timed(fn, seconds):
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn(); n += 1
    return n / (time.perf_counter() - t0)
if mode == 'interactive':
    for _ in range(50): gdb.execute('stepi', to_string=True)
    out['stepi'] = timed(lambda: gdb.execute('stepi', to_string=True), ${MEASURE_SECONDS})
    def info_registers():
        gdb.execute('maintenance flush register-cache')
        gdb.execute('info registers', to_string=True)
    out['inforegs'] = timed(info_registers, ${MEASURE_SECONDS})
    best = 1e9
    for _ in range(2):
        t0 = time.perf_counter()
        start = int(gdb.parse_and_eval('(long)&random_data'))
        gdb.execute('dump binary memory %s %d %d' % (os.environ['BENCH_DUMP'], start, start + (16 << 20)))
        best = min(best, time.perf_counter() - t0)
    out['dump'] = 16 / best
else:
    base = int(gdb.parse_and_eval('(long)&bp_targets'))
    for i in range(int(os.environ['BENCH_BREAKPOINTS'])):
        gdb.execute('break *%d' % (base + 4 * i), to_string=True)
    t0 = time.perf_counter()
    try:
        gdb.execute('continue', to_string=True)
    except gdb.error:
        pass  # QEMU may close the connection as the guest powers off
    out['seconds'] = time.perf_counter() - t0
print('BENCH ' + json.dumps(out))
`;

export interface GdbStubFigures {
  stepiPerSecond: number;
  infoRegistersPerSecond: number;
  dumpMiBPerSecond: number;
  mipsNoBreakpoints: number;
  mips16Breakpoints: number;
}

type Stub = 'el2dbg' | 'qemu';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('close', () => resolve()),
  );
}

/** Starts a stub serving `elf`, halted at its entry; resolves with the port gdb connects to. */
async function startStub(stub: Stub, elf: string): Promise<{ child: ChildProcess; port: number }> {
  if (stub === 'qemu') {
    const port = await freePort();
    const args = [
      '-M',
      'virt',
      '-cpu',
      'max',
      '-m',
      '1024',
      ...QEMU_BASE_ARGS,
      '-S',
      '-gdb',
      `tcp:127.0.0.1:${port}`,
      '-kernel',
      elf,
      '-serial',
      'none',
    ];
    return { child: spawn('qemu-system-aarch64', args, { stdio: ['ignore', 'ignore', 'ignore'] }), port };
  }
  const child = spawn(
    process.execPath,
    [join(projectRoot(), 'bin/el2dbg.js'), 'serve', '--port', '0', '--once', '--image', elf],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /Listening on port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('close', () => reject(new Error(`el2dbg serve exited before listening: ${out}`)));
  });
  return { child, port };
}

/** One gdb session with the bench script against a fresh stub; returns what the script printed. */
async function measure(
  stub: Stub,
  elf: string,
  script: string,
  env: Record<string, string>,
): Promise<Record<string, number>> {
  const { child, port } = await startStub(stub, elf);
  try {
    // gdb retries the connection while QEMU is still starting (set tcp auto-retry is on by default).
    const gdb = spawn(
      'gdb-multiarch',
      [
        '-batch',
        '-nx',
        '-ex',
        'set pagination off',
        '-ex',
        `target remote 127.0.0.1:${port}`,
        '-x',
        script,
        '-ex',
        'kill',
        elf,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      },
    );
    let output = '';
    gdb.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    gdb.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    await exited(gdb);
    const line = /^BENCH (.*)$/m.exec(output);
    if (!line) throw new Error(`${stub}: the gdb bench script printed no result:\n${output}`);
    return JSON.parse(line[1]!) as Record<string, number>;
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited(child);
  }
}

/** How many times each measurement is repeated, alternating between the stubs; the best of each is kept. */
const ROUNDS = 2;

/** Runs the same gdb script against el2dbg serve and QEMU 7.2's gdbstub, alternating so both see the same host load. */
export async function benchGdbStubs(): Promise<Record<Stub, GdbStubFigures>> {
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-bench-'));
  try {
    const random = join(dir, 'random.bin');
    writeFileSync(random, randomBytes(16 << 20));
    const elf = buildElf(guest(random), 'bench-loop');
    const script = join(dir, 'bench.py');
    writeFileSync(script, SCRIPT);
    const dump = join(dir, 'dump.bin');
    const best = (): GdbStubFigures => ({
      stepiPerSecond: 0,
      infoRegistersPerSecond: 0,
      dumpMiBPerSecond: 0,
      mipsNoBreakpoints: 0,
      mips16Breakpoints: 0,
    });
    const figures: Record<Stub, GdbStubFigures> = { el2dbg: best(), qemu: best() };
    for (let round = 0; round < ROUNDS; round++) {
      for (const stub of ['el2dbg', 'qemu'] as const) {
        const f = figures[stub];
        const r = await measure(stub, elf, script, { BENCH_MODE: 'interactive', BENCH_DUMP: dump });
        f.stepiPerSecond = Math.max(f.stepiPerSecond, r.stepi!);
        f.infoRegistersPerSecond = Math.max(f.infoRegistersPerSecond, r.inforegs!);
        f.dumpMiBPerSecond = Math.max(f.dumpMiBPerSecond, r.dump!);
        for (const breakpoints of [0, 16]) {
          const run = await measure(stub, elf, script, { BENCH_MODE: 'run', BENCH_BREAKPOINTS: String(breakpoints) });
          const mips = LOOP_INSTRUCTIONS / run.seconds! / 1e6;
          if (breakpoints === 0) f.mipsNoBreakpoints = Math.max(f.mipsNoBreakpoints, mips);
          else f.mips16Breakpoints = Math.max(f.mips16Breakpoints, mips);
        }
      }
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
