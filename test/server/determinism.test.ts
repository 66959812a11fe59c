// Determinism, proven: a store-heavy guest (guests/hash: a buffer hashed round after round, a pointer chase with
// ldr x0, [x0], a UART line per round) prints the same bytes and executes the same number of instructions when run
// alone, when a client storms it with Ctrl-C, single steps, continues and breakpoints, and under QEMU 7.2.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseImage } from '../../core/loader/image-loader.js';
import { QEMU_BASE_ARGS } from '../../server/cli/doctor-command.js';
import { runEl2dbg } from '../helpers/cli.js';
import { guestMachine } from '../helpers/machine.js';
import { guestPath } from '../helpers/guests.js';
import { RawClient, startServer } from './gdb-harness.js';

/** A small deterministic generator (xorshift32), so a failing storm can be replayed from its seed. */
function generator(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** Debugger actions per storm; the guest then runs to its end. */
const OPERATIONS = 200;
/** Rounds of the stormed run (set through gdb's M packet), enough to outlast the storm. */
const STORM_ROUNDS = 200n;

const le64 = (v: bigint) => Buffer.from(new BigUint64Array([v]).buffer).toString('hex');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The guest's symbols. */
function symbols(elf: string) {
  const image = parseImage(readFileSync(elf), {
    name: 'hash',
    loadAddr: 0x4008_0000n,
    ram: { base: 0x4000_0000n, size: 0x4000_0000n },
  });
  return image.symbols ?? [];
}

/** The instruction addresses of the guest's functions (breakpoint candidates). */
function codeAddresses(elf: string): bigint[] {
  const out: bigint[] = [];
  for (const s of symbols(elf)) {
    if (s.type !== 'func' || s.size === 0n) continue;
    for (let a = s.value; a < s.value + s.size; a += 4n) out.push(a);
  }
  return out;
}

/** Drives the served guest to its power-off through a storm of random debugger actions; returns what it did. */
async function storm(port: number, seed: number, code: readonly bigint[], rounds: bigint) {
  const random = generator(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const client = await RawClient.connect(port);
  const roundsAt = symbols(guestPath('hash')).find((s) => s.name === 'hash_rounds')!.value;
  expect(await client.request(`M${roundsAt.toString(16)},8:${le64(rounds)}`)).to.equal('OK');
  const inserted = new Set<bigint>();
  const counts = { interrupts: 0, steps: 0, continues: 0, breakpointStops: 0, inserts: 0 };
  try {
    for (let op = 0; op < OPERATIONS; op++) {
      const r = random();
      let reply: string;
      if (r < 0.35) {
        counts.steps++;
        reply = await client.request('vCont;s:1');
      } else if (r < 0.55 || inserted.size > 6) {
        const address = inserted.size && random() < 0.5 ? pick([...inserted]) : pick(code);
        const op = inserted.has(address) ? 'z0' : 'Z0';
        expect(await client.request(`${op},${address.toString(16)},4`)).to.equal('OK');
        if (op === 'Z0') {
          inserted.add(address);
          counts.inserts++;
        } else inserted.delete(address);
        continue;
      } else {
        counts.continues++;
        client.send('vCont;c');
        expect(await client.nextAck()).to.equal('+');
        await sleep(random());
        client.sendRaw(Uint8Array.of(0x03));
        counts.interrupts++;
        reply = await client.nextPacket();
        client.sendRaw('+');
        if (/swbreak/.test(reply)) counts.breakpointStops++;
      }
      if (reply.startsWith('W')) return { exit: reply, counts };
      expect(reply).to.match(/^T0[25]/);
      // A Ctrl-C that arrived after the stop reply is answered by nothing: the next request proceeds normally.
    }
    for (const address of inserted) expect(await client.request(`z0,${address.toString(16)},4`)).to.equal('OK');
    return { exit: await client.request('vCont;c'), counts };
  } finally {
    await client.close();
  }
}

function runQemu(elf: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['-M', 'virt', '-cpu', 'max', '-m', '1024', ...QEMU_BASE_ARGS, '-kernel', elf];
    execFile('qemu-system-aarch64', args, { timeout: 60_000, killSignal: 'SIGKILL' }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

describe('determinism: the hash guest alone, under a debugger storm, and on QEMU 7.2', function () {
  this.timeout(120_000);
  const elf = guestPath('hash');
  let reference = '';

  before(async () => {
    const r = await runEl2dbg(['run', '--image', elf]);
    expect(r.code).to.equal(0);
    reference = r.stdout;
    expect(reference).to.match(/^final 0x[0-9a-f]{16}\n$/m);
  });

  it('prints byte for byte what QEMU 7.2 prints for the same image', async () => {
    expect(await runQemu(elf)).to.equal(reference);
  });

  for (const seed of [1, 0x5eed]) {
    it(`prints the same bytes under a storm of Ctrl-C, stepi, continue and breakpoints (seed ${seed})`, async () => {
      const alone = guestMachine(readFileSync(elf), { policy: undefined });
      const roundsAt = symbols(elf).find((s) => s.name === 'hash_rounds')!.value;
      alone.machine.space.writeRange('va', roundsAt, Buffer.from(le64(STORM_ROUNDS), 'hex'));
      expect((await alone.machine.run()).kind).to.equal('power-off');
      await alone.machine.close();
      const server = await startServer({ image: elf });
      try {
        const { exit, counts } = await storm(server.port, seed, codeAddresses(elf), STORM_ROUNDS);
        expect(exit).to.equal('W00');
        expect(counts.interrupts).to.be.greaterThan(OPERATIONS / 5);
        expect(counts.steps).to.be.greaterThan(OPERATIONS / 5);
        expect(server.consoleText()).to.equal(alone.console());
        expect(server.machine.instructionsExecuted).to.equal(alone.machine.instructionsExecuted);
      } finally {
        await server.close();
      }
    });
  }
});
