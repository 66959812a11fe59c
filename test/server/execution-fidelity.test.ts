// The everyday gdb flows that must not change what the guest does: continue, Ctrl-C, break on code that already
// ran, continue; stepi after Ctrl-C; removed breakpoints; reset and restart. Real gdb-multiarch, demo guest.
import { expect } from 'chai';
import { guestPath } from '../helpers/guests.js';
import { runGdb, spawnGdb, startServer, type TestServer } from './gdb-harness.js';

const runGdbAt = (server: TestServer, connect: string, commands: readonly string[]) =>
  runGdb(server.port, commands, { connect });

/** Runs gdb with `before` (ending in a continue), interrupts it once the guest is running, then runs `after`. */
async function interruptThen(server: TestServer, before: readonly string[], after: readonly string[]) {
  const marker = `echo el2dbg-test-interrupted\\n`;
  const gdb = spawnGdb([`target remote 127.0.0.1:${server.port}`, ...before, marker, ...after]);
  await server.waitForConsole(/iteration 0x0000000000000004/);
  gdb.child.kill('SIGINT');
  const { output } = await gdb.exited;
  return output;
}

describe('server: the guest runs as it would without gdb (execution fidelity, real gdb)', function () {
  this.timeout(20_000); // a breakpoint that never fires shows as this timeout
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.close();
  });

  for (const kind of ['break', 'hbreak']) {
    it(`continue, Ctrl-C, ${kind} read_filtered (called every loop), continue: it fires, twice`, async () => {
      const out = await interruptThen(
        server,
        ['continue'],
        [`${kind} read_filtered`, 'continue', 'continue', 'info breakpoints'],
      );
      expect(out).to.match(/Program received signal SIGINT/);
      expect(out.match(/(Breakpoint|Hardware assisted breakpoint) 1, read_filtered \(\)/g)).to.have.length(2);
      expect(out).to.match(/breakpoint already hit 2 times/);
    });
  }

  it('stepi right after Ctrl-C executes one instruction: the count goes up by one, x30 is kept unless it was a bl', async () => {
    const out = await interruptThen(
      server,
      ['continue'],
      [
        'monitor stats',
        'p/x $pc',
        'p/x $x30',
        'x/i $pc',
        'stepi',
        'monitor stats',
        'p/x $pc',
        'p/x $x30',
        'stepi 5',
        'monitor stats',
      ],
    );
    const counts = [...out.matchAll(/instructions +(\d+) since the last reset/g)].map((m) => BigInt(m[1]!));
    expect(counts).to.have.length(3);
    expect(counts[1]! - counts[0]!).to.equal(1n);
    expect(counts[2]! - counts[1]!).to.equal(5n);
    const insn = /=> 0x[0-9a-f]+ <[^>]+>:\s+(\w+)/.exec(out)![1]!;
    if (insn !== 'bl') expect(/\$4 = (0x[0-9a-f]+)/.exec(out)![1]).to.equal(/\$2 = (0x[0-9a-f]+)/.exec(out)![1]);
  });

  it('a removed breakpoint does not stop the guest again', async () => {
    const out = await interruptThen(server, ['break read_filtered', 'continue', 'delete', 'continue'], ['p 1']);
    expect(out.match(/Breakpoint 1, read_filtered/g)).to.have.length(1);
    expect(out).to.match(/Program received signal SIGINT/);
  });

  it('monitor reset, then break on code that ran before the reset, continue: it fires', async () => {
    const out = await interruptThen(
      server,
      ['continue'],
      ['monitor reset', 'maintenance flush register-cache', 'break compute', 'continue', 'p (long)demo_iterations'],
    );
    expect(out).to.match(/Breakpoint 1, compute \(\)/);
    expect(out).to.match(/\$1 = 0\n/); // the reset put the globals back: the first iteration
  });

  it('extended-remote: kill and run start the guest afresh, and a breakpoint set before fires', async () => {
    const gdb = spawnGdb([
      `target extended-remote 127.0.0.1:${server.port}`,
      'continue',
      'echo el2dbg-test-interrupted\\n',
      'break compute',
      'kill',
      'run',
      'p (long)demo_iterations',
    ]);
    await server.waitForConsole(/iteration 0x0000000000000004/);
    gdb.child.kill('SIGINT');
    const { output } = await gdb.exited;
    expect(output).to.match(/Breakpoint 1, compute \(\)/);
    expect(output).to.match(/\$1 = 0\n/);
  });

  it('ritm-selftest passes 47/47 on each run in one server: run, kill and run, monitor reset', async () => {
    const selftest = await startServer({ image: guestPath('ritm-selftest') });
    try {
      const out = await runGdbAt(selftest, 'target extended-remote', [
        'continue',
        'run',
        'continue',
        'run',
        'monitor reset',
        'continue',
      ]);
      expect(out.match(/exited normally/g)!.length).to.be.at.least(3);
      const summaries = selftest.consoleText().match(/^# passed \d+\/\d+$/gm)!;
      expect(summaries.length).to.be.at.least(3);
      expect(new Set(summaries)).to.deep.equal(new Set(['# passed 47/47']));
    } finally {
      await selftest.close();
    }
  });
});
