// Measurements of `el2dbg serve` as a separate process, from a client in this one: Ctrl-C latency over many stops
// (and QEMU's gdbstub for the same guest), resident memory over thousands of connect-disconnect cycles, and the
// rate of a long fuzz run (every reply checked for framing).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '../core/unicorn/library.js';
import { encodePacket, PacketDecoder } from '../protocol/framing.js';
import { QEMU_BASE_ARGS } from '../server/cli/doctor-command.js';
import { buildElf } from '../test/helpers/asm.js';
import { fuzzServer } from '../test/helpers/rsp-fuzz.js';

/** A guest that spins without traps (what Ctrl-C must stop). */
const SPIN = '1: add x1, x1, #1\n b 1b';

async function startServe(elf: string): Promise<{ child: ChildProcess; port: number }> {
  // The bin file itself, as `npx el2dbg` runs it: its shebang carries the V8 options users get.
  const child = spawn(join(projectRoot(), 'bin/el2dbg.js'), ['serve', '--port', '0', '--image', elf], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Listening on port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('close', () => reject(new Error(`el2dbg serve exited: ${out}`)));
  });
  return { child, port };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function startQemu(elf: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const args = ['-M', 'virt', '-cpu', 'max', '-m', '1024', ...QEMU_BASE_ARGS, '-S', '-gdb', `tcp:127.0.0.1:${port}`];
  const child = spawn('qemu-system-aarch64', [...args, '-kernel', elf, '-serial', 'none'], { stdio: 'ignore' });
  return { child, port };
}

/** A minimal RSP client in no-ack mode. */
async function connect(port: number) {
  let socket: net.Socket | null = null;
  for (let i = 0; i < 100 && !socket; i++) {
    socket = await new Promise<net.Socket | null>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
      s.once('error', () => resolve(null));
    });
    if (!socket) await new Promise((r) => setTimeout(r, 50)); // QEMU may still be starting
  }
  if (!socket) throw new Error(`cannot connect to port ${port}`);
  const decoder = new PacketDecoder({ maxPayload: 1 << 24 });
  const packets: string[] = [];
  let wake: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    for (const e of decoder.feed(d)) if (e.kind === 'packet') packets.push(Buffer.from(e.payload).toString('latin1'));
    wake?.();
  });
  const next = async () => {
    while (packets.length === 0) await new Promise<void>((r) => (wake = r));
    return packets.shift()!;
  };
  socket.write(encodePacket('QStartNoAckMode'));
  socket.write('+');
  await next();
  const s = socket;
  return {
    send: (p: string) => s.write(encodePacket(p)),
    interrupt: () => s.write(Uint8Array.of(3)),
    next,
    close: () => s.destroy(),
  };
}

/** Latency in ms from Ctrl-C to the stop reply, over `stops` stops of a spinning guest. */
async function ctrlCLatency(port: number, stops: number): Promise<number[]> {
  const c = await connect(port);
  const samples: number[] = [];
  try {
    for (let i = 0; i < stops; i++) {
      c.send('vCont;c');
      await new Promise((r) => setTimeout(r, 1 + (i % 5)));
      const t0 = performance.now();
      c.interrupt();
      const reply = await c.next();
      samples.push(performance.now() - t0);
      if (!/^[ST]/.test(reply)) throw new Error(`unexpected stop reply ${reply}`);
    }
  } finally {
    c.close();
  }
  return samples.sort((a, b) => a - b);
}

export interface LatencyFigures {
  p50: number;
  p99: number;
  max: number;
}

const summary = (s: number[]): LatencyFigures => ({
  p50: s[Math.floor(s.length * 0.5)]!,
  p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!,
  max: s.at(-1)!,
});

/** Ctrl-C latency of el2dbg serve and of QEMU's gdbstub, `stops` stops each. */
export async function benchCtrlC(stops = 1000): Promise<{ el2dbg: LatencyFigures; qemu: LatencyFigures }> {
  const elf = buildElf(SPIN, 'spin');
  const el2dbg = await startServe(elf);
  let ours: number[];
  try {
    ours = await ctrlCLatency(el2dbg.port, stops);
  } finally {
    el2dbg.child.kill('SIGTERM');
  }
  const qemu = await startQemu(elf);
  let theirs: number[];
  try {
    theirs = await ctrlCLatency(qemu.port, stops);
  } finally {
    qemu.child.kill('SIGKILL');
  }
  return { el2dbg: summary(ours), qemu: summary(theirs) };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

/** Resident memory of `el2dbg serve` after 100 and after `cycles` connect-query-disconnect cycles. */
export async function benchDisconnectCycles(cycles = 3000): Promise<{ after100: number; afterAll: number }> {
  const { child, port } = await startServe(buildElf(SPIN, 'spin'));
  try {
    let after100 = 0;
    for (let i = 1; i <= cycles; i++) {
      const c = await connect(port);
      c.send('qC');
      await c.next();
      c.close();
      if (i === 100) after100 = rssMiB(child.pid!);
    }
    await new Promise((r) => setTimeout(r, 200));
    return { after100, afterAll: rssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
  }
}

/** A long fuzz run against `el2dbg serve`: packets a second and framing errors (must be 0). */
export async function benchFuzz(packets = 1_000_000): Promise<{ perSecond: number; framingErrors: number }> {
  const { child, port } = await startServe(join(projectRoot(), 'guests/build/demo.elf'));
  try {
    const stats = await fuzzServer(port, 0x5eed, packets);
    return { perSecond: (2 * stats.packets) / stats.seconds, framingErrors: stats.framingErrors + stats.unanswered };
  } finally {
    child.kill('SIGTERM');
  }
}
