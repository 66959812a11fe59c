// Reverse execution through the real gdb-multiarch (bs/bc over a recording): going back restores every register,
// the EL2 registers and memory exactly; watchpoints and breakpoints are hit going backwards; the ends of the
// recording are reported as gdb expects; without a recording the reverse commands say how to start one.
import { expect } from 'chai';
import { guestPath } from '../helpers/guests.js';
import { RawClient, runGdb, startServer, type TestServer } from './gdb-harness.js';

/** The text between `echo ==NAME` markers of a gdb run. */
function sections(out: string): Map<string, string> {
  const map = new Map<string, string>();
  const parts = out.split(/^==(\w+)$/m);
  for (let i = 1; i < parts.length; i += 2) map.set(parts[i]!, parts[i + 1]!);
  return map;
}

const STATE = ['info registers', 'info registers el2', 'x/8gx &demo_max_iterations', 'x/16gx $sp - 64'];

describe('server: reverse execution with gdb-multiarch', function () {
  this.timeout(60_000);
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const gdb = (commands: string[]) => runGdb(server.port, commands, { args: [guestPath('demo')] });

  it('reverse-stepi over stores and a trapped MMIO load puts back every register, the EL2 registers and memory', async () => {
    // From iteration 2's first trapped load: 45 instructions take three trapped accesses (two loads, a store), the
    // call of compute and four stores to RAM.
    const out = await gdb([
      'monitor record start',
      'break read_filtered',
      'continue',
      'continue',
      'continue',
      'continue',
      'delete',
      'echo ==A\\n',
      ...STATE,
      'echo ==A2\\n',
      'stepi 45',
      'echo ==B\\n',
      ...STATE,
      'monitor stage2 last',
      'reverse-stepi 45',
      'echo ==C\\n',
      ...STATE,
      'echo ==C2\\n',
    ]);
    const s = sections(out);
    expect(s.get('A')).to.match(/pc +0x40080148 +0x40080148 <read_filtered>/);
    expect(s.get('B'), 'the steps passed the trapped store').to.match(/trap #6 at pc 0x40080160: STR x1/);
    expect(s.get('B')).to.not.equal(s.get('A'));
    // gdb prints where the reverse steps ended before the marker; the state after it is the same, byte for byte.
    expect(s.get('C')).to.equal(s.get('A'));
  });

  it('reverse-continue stops at the last write of a watched variable, and at the beginning of the recording', async () => {
    const out = await gdb([
      'break compute',
      'continue',
      'monitor record start',
      'continue',
      'continue',
      'delete',
      'watch *(long *)&demo_iterations',
      'reverse-continue',
      'echo ==W\\n',
      'x/i $pc',
      'p (long)demo_iterations',
      'delete',
      'reverse-continue',
      'echo ==B\\n',
      'p/x $pc',
      'p (long)demo_iterations',
      'reverse-stepi',
      'echo ==E\\n',
    ]);
    const s = sections(out);
    // Going back over `str x22, [x21]` (iteration 2 wrote 2): stopped at the store with the write undone.
    expect(s.get('W')).to.match(/=> 0x400800e4 <main\+160>:\tstr\tx22, \[x21\]/);
    expect(s.get('W')).to.match(/\$\d+ = 1\n/);
    expect(out).to.match(/Hardware watchpoint 2: \*\(long \*\)&demo_iterations/);
    // No hit before: the start of the recording (the first compute stop).
    expect(out).to.include('No more reverse-execution history.');
    expect(s.get('B')).to.match(/\$\d+ = 0x40080168/);
    expect(s.get('B')).to.match(/\$\d+ = 0\n/);
    expect(out.split('No more reverse-execution history.').length - 1).to.equal(2);
  });

  it('monitor record goto TRAP_SEQ: the next stepi goes to the moment before that stage-2 trap', async () => {
    const out = await gdb([
      'monitor record start',
      'break compute',
      'continue',
      'continue',
      'continue',
      'monitor record goto 4',
      'stepi',
      'echo ==G\\n',
      'p/x $pc',
      'p/x $x1',
      'p (long)demo_iterations',
      'monitor record goto 99',
      'monitor record goto insn 0',
      'stepi',
      'echo ==S\\n',
      'p/x $pc',
    ]);
    const s = sections(out);
    expect(out).to.include('The next stepi or continue goes to stage-2 trap #4 (instruction ');
    // Trap #4 is iteration 2's first load from the filtered page (offset 0), not yet executed.
    expect(s.get('G')).to.match(/\$1 = 0x40080150\n\$2 = 0xf000000\n\$3 = 1\n/);
    expect(out).to.include('trap #99 is not in the recording (monitor stage2 log lists the traps)');
    expect(s.get('S')).to.match(/\$4 = 0x40080000/);
  });

  it('answers bs and bc without a recording with an error that says how to start one', async () => {
    const raw = await RawClient.connect(server.port);
    try {
      const supported = await raw.request('qSupported:multiprocess+;swbreak+;hwbreak+');
      expect(supported).to.include('ReverseStep+');
      expect(supported).to.include('ReverseContinue+');
      for (const packet of ['bs', 'bc']) {
        const text = Buffer.from((await raw.request(packet)).slice(1), 'hex').toString();
        expect(text).to.equal(
          'el2dbg: reverse execution needs a recording: monitor record start (or el2dbg serve --record)\n',
        );
        expect(await raw.nextPacket()).to.equal('E01');
      }
      expect(await raw.request('bx')).to.match(/^E/);
    } finally {
      await raw.close();
    }
    const out = await gdb(['reverse-stepi', 'p/x $pc']);
    expect(out).to.match(/reverse execution needs a recording: monitor record start/);
    expect(out).to.match(/\$1 = 0x40080000/);
  });
});
