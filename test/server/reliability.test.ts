// Reliability of the server under hostile clients and hostile policies: handler budgets and errors become stops,
// a batch of 20 000 breakpoints does not hold the event loop, a departed client's packets are dropped, a gdb can
// attach the moment the previous one has gone, each session starts with clean settings, bad frames are logged
// with a bound, and connections can come and go without leaking. Real server, real gdb, real guests.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector';
import { promisify } from 'node:util';
import { join } from 'node:path';
import winston from 'winston';
import { Writable } from 'node:stream';
import { projectRoot } from '../../core/unicorn/library.js';
import { buildElf } from '../helpers/asm.js';
import { runEl2dbg } from '../helpers/cli.js';
import { trackProcess } from '../helpers/processes.js';
import { POWER_OFF } from '../helpers/machine.js';
import { RawClient, runGdb, spawnGdb, startServer, type TestServer } from './gdb-harness.js';

const hostilePolicy = () => join(projectRoot(), 'test/fixtures/policies/hostile-policy.mjs');

describe('server: reliability (hostile handlers, big batches, reconnects, clean sessions)', function () {
  this.timeout(60_000);
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('abandons a handler that never returns after --handler-timeout, stops gdb with the reason, and runs on', async () => {
    // Reads offsets 16 (a throwing getter), 0 (never returns), 24 (100 000 000 bits) and 0 again; the vector skips
    // each faulting load; then SYSTEM_OFF.
    const guest = buildElf(`
      adr x9, vectors
      msr vbar_el1, x9
      isb
      movz x1, #0x0f00, lsl #16
      ldr x2, [x1, #16]
      ldr x3, [x1]
      ldr x4, [x1, #24]
      ldr x5, [x1]
      ${POWER_OFF}
      .balign 2048
    vectors:
      .skip 0x200
      mrs x10, elr_el1
      add x10, x10, #4
      msr elr_el1, x10
      eret`);
    server = await startServer({ image: guest, policy: hostilePolicy(), handlerTimeoutMs: 200 });
    const out = await runGdb(server.port, [
      'continue',
      'continue',
      'monitor stage2 last',
      'monitor catch handler-error off',
      'continue',
      'p/x $x4',
    ]);
    expect(out).to.match(
      /policy hostile read handler threw at trap #1 .*Error: kind getter exploded; treated as Fault/,
    );
    expect(out).to.match(/policy hostile read handler timed out at trap #2 .*did not return within 200 ms/);
    expect(out).to.match(/decision {2}inject \(handler-timeout\), read handler/);
    expect(out.match(/Program received signal SIGTRAP/g)).to.have.length(2);
    expect(out).to.match(/exited normally/); // the second hang is abandoned too, without a stop: the catch is off
    expect(server.consoleText()).to.equal('');
    // The wide value was cut to the access: the trap log holds 64 bits, not 100 000 000.
    const last = server.server.target.debug.log
      .recent(4)
      .find((e) => e.decision?.region === 'hostile' && e.decision.why === 'handler-value');
    expect(last?.decision?.value).to.equal(0n);
  });

  it('a handler in the machine thread (--handler-timeout 0) that throws from a getter stops with SIGTRAP, not SIGILL', async () => {
    server = await startServer({ policy: join(projectRoot(), 'test/fixtures/policies/throwing-policy.mjs') });
    const out = await runGdb(server.port, ['continue', 'continue']);
    expect(out).to.match(/policy buggy read handler threw at trap #1 .*handler bug at offset 0/);
    expect(out).to.match(/Program received signal SIGTRAP/);
    expect(out).to.not.match(/SIGILL|internal error/);
  });

  it('takes 20 000 breakpoints in one batch without holding the event loop, then applies them at the next step', async () => {
    server = await startServer();
    const client = await RawClient.connect(server.port);
    expect(await client.request('QStartNoAckMode')).to.equal('OK');
    client.sendRaw('+');
    const base = 0x5000_0000;
    const packets = Array.from({ length: 20_000 }, (_, i) => `Z0,${(base + i * 4).toString(16)},4`);
    const frames = packets.map((p) => `$${p}#${checksum(p)}`).join('');
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    const t0 = performance.now();
    client.sendRaw(frames);
    for (let i = 0; i < 20_000; i++) expect(await client.nextPacket()).to.equal('OK');
    const ms = performance.now() - t0;
    clearInterval(ticker);
    expect(turns, 'timers ran while the batch was handled').to.be.greaterThan(0);
    expect(ms).to.be.below(20_000); // quadratic insertion took minutes
    expect(await client.request(`z0,${base.toString(16)},4`)).to.equal('OK');
    expect(await client.request('vCont;s')).to.match(/^T05/); // the 19 999 others are applied at this resume
    await client.close();
  });

  it("drops a departed client's queued packets and lets the next gdb attach at once, even while the guest runs", async () => {
    server = await startServer();
    const first = await RawClient.connect(server.port);
    first.send('vCont;c');
    await server.waitForConsole(/iteration 0x0000000000000004/);
    await first.close(); // while the guest runs
    const second = await RawClient.connect(server.port);
    const reply = await second.request('?');
    expect(reply).to.match(/^T05/); // not "another gdb is already attached"
    await second.close();
    const third = await RawClient.connect(server.port);
    third.sendRaw(Array.from({ length: 5000 }, () => `$g#67`).join(''));
    await third.close(); // 5000 register dumps asked and abandoned
    const fourth = await RawClient.connect(server.port);
    const t0 = performance.now();
    expect(await fourth.request('qC')).to.equal('QC01');
    expect(performance.now() - t0).to.be.below(2000);
    await fourth.close();
  });

  it('starts every gdb session clean: catch rules, event catches and memspace of the last one do not leak', async () => {
    server = await startServer();
    const first = await runGdb(server.port, [
      'monitor stage2 catch before',
      'monitor catch hvc on',
      'monitor memspace ipa',
      'detach',
    ]);
    expect(first).to.match(/stage-2 catch #1/);
    const gdb = spawnGdb([
      `target remote 127.0.0.1:${server.port}`,
      'monitor stage2 catch',
      'monitor catch',
      'monitor memspace',
      'continue',
      'p 1',
    ]);
    await server.waitForConsole(/iteration 0x0000000000000004/);
    gdb.child.kill('SIGINT');
    const { output } = await gdb.exited;
    expect(output).to.match(/no stage-2 catch rules/);
    expect(output).to.match(/event catches on: handler-error \(/);
    expect(output).to.match(/memory space: va/);
    expect(output).to.match(/Program received signal SIGINT/); // no catch stopped it
  });

  it('applies serve --catch settings to every session', async () => {
    server = await startServer({ catchDefaults: ['stage2 before region=filtered-mmio'] });
    const out = await runGdb(server.port, ['continue', 'monitor stage2 catch', 'detach']);
    expect(out).to.match(/Program received signal SIGTRAP/);
    expect(out).to.match(/#1 before .*region=filtered-mmio/);
  });

  it('logs ten bad frames one by one and then only counts them', async () => {
    const lines: string[] = [];
    server = await startServer({ logger: capturingLogger(lines) });
    const client = await RawClient.connect(server.port);
    client.sendRaw('$g#00'.repeat(2000)); // bad checksums
    for (let i = 0; i < 2000; i++) expect(await client.nextAck()).to.equal('-');
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const bad = lines.filter((l) => /bad frame/.test(l));
    expect(bad.length).to.be.at.most(11);
    expect(bad.at(-1)).to.match(/bad frames from gdb.*"notLogged":1990/);
  });

  it('serves 300 connect-disconnect cycles without keeping a handle or a session behind', async () => {
    server = await startServer();
    const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    const before = handles();
    for (let i = 0; i < 300; i++) {
      const c = await RawClient.connect(server.port);
      expect(await c.request('qC')).to.equal('QC01');
      await c.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handles()).to.be.at.most(before + 2);
    const c = await RawClient.connect(server.port);
    expect(await c.request('?')).to.match(/^T05/);
    await c.close();
  });

  it('lets every finished session be collected and allocates little per connect-disconnect cycle', async () => {
    // A disconnect used to re-export the native fill's stage-2 table and flush the TLB twice even without
    // watchpoints (109 KB of garbage a cycle, which grew V8's young generation and the RSS the bench reports).
    server = await startServer();
    const cycle = async () => {
      const c = await RawClient.connect(server!.port);
      expect(await c.request('qC')).to.equal('QC01');
      await c.close();
    };
    const sessions: WeakRef<object>[] = [];
    server.server.onSessionEnd((s) => sessions.push(new WeakRef(s)));
    for (let i = 0; i < 20; i++) await cycle();
    const inspector = new Session();
    inspector.connect();
    const post = promisify(inspector.post.bind(inspector)) as (m: string, p?: object) => Promise<unknown>;
    const flags = { includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
    await post('HeapProfiler.startSampling', { samplingInterval: 1024, ...flags });
    const cycles = 200;
    for (let i = 0; i < cycles; i++) await cycle();
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { samples: { size: number }[] } };
    const kbPerCycle = profile.samples.reduce((sum, s) => sum + s.size, 0) / cycles / 1024;
    await post('HeapProfiler.collectGarbage');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await post('HeapProfiler.collectGarbage');
    inspector.disconnect();
    expect(sessions.length).to.equal(220);
    expect(sessions.filter((s) => s.deref() !== undefined).length).to.be.at.most(2);
    expect(kbPerCycle, 'KB allocated per cycle (server and client)').to.be.below(70);
  });
});

function checksum(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum = (sum + payload.charCodeAt(i)) & 0xff;
  return sum.toString(16).padStart(2, '0');
}

/** A winston logger that keeps every line (message and metadata, as JSON) in `lines`. */
function capturingLogger(lines: string[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return winston.createLogger({
    level: 'debug',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream })],
  });
}

describe('el2dbg run and serve under signals and hostile handlers (child processes)', function () {
  this.timeout(60_000);

  it('run: a hanging handler is abandoned after --handler-timeout, the guest runs on, a wide value is cut once', async () => {
    const guest = buildElf(`
      adr x9, vectors
      msr vbar_el1, x9
      isb
      movz x1, #0x0f00, lsl #16
      ldr x3, [x1]
      ldr x4, [x1, #24]
      ldr x4, [x1, #24]
      ${POWER_OFF}
      .balign 2048
    vectors:
      .skip 0x200
      mrs x10, elr_el1
      add x10, x10, #4
      msr elr_el1, x10
      eret`);
    const r = await runEl2dbg(['run', '--image', guest, '--policy', hostilePolicy(), '--handler-timeout', '300']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/MMIO handler failed; treated as Fault.*did not return within 300 ms/);
    expect(r.stderr.match(/wider than the access; cut to its width/g)).to.have.length(1);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`run: ${signal} ends a guest spinning without traps within a second, console flushed`, async () => {
      const child = trackProcess(
        spawn(process.execPath, [join(projectRoot(), 'bin/el2dbg.js'), 'run', '--image', spinningGuest()], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      const t0 = performance.now();
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(performance.now() - t0).to.be.below(1000);
      expect(code).to.equal(130);
      expect(stdout).to.equal('spinning\n');
    });
  }

  it('serve: SIGTERM ends the server within a second while gdb runs a spinning guest', async () => {
    const child = trackProcess(
      spawn(
        process.execPath,
        [join(projectRoot(), 'bin/el2dbg.js'), 'serve', '--port', '0', '--image', spinningGuest()],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    while (!/Listening on port (\d+)/.test(stdout)) await new Promise((r) => child.stdout.once('data', r));
    const port = Number(/Listening on port (\d+)/.exec(stdout)![1]);
    const gdb = spawnGdb([`target remote 127.0.0.1:${port}`, 'continue']);
    while (!/spinning/.test(stdout)) await new Promise((r) => child.stdout.once('data', r));
    const t0 = performance.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(performance.now() - t0).to.be.below(1000);
    expect(code).to.equal(0);
    await gdb.exited;
  });
});

/** A guest that prints "spinning" and then loops on `b .` forever (no trap, no exception). */
function spinningGuest(): string {
  const put = (c: string) => `movz w0, #${c.charCodeAt(0)}\n str w0, [x1]\n`;
  return buildElf(`movz x1, #0x0900, lsl #16\n${[...'spinning\n'].map(put).join('')}1: b 1b`, 'spin');
}
