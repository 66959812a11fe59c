import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../core/unicorn/library.js';
import { guestPath } from '../helpers/guests.js';
import { RawClient, runGdb, startServer, type TestServer } from './gdb-harness.js';

// Issue 6 end to end: stage-2 traps as stop reasons, the EL2 monitor commands and the gdb Python helper,
// with real gdb-multiarch against the real server and the demo / selftest guests under the ritm policy.
describe('server: stage-2 catchpoints and EL2 monitor commands (real gdb)', function () {
  this.timeout(60_000);
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-catch-'));
  beforeEach(async () => {
    server = await startServer({ traceDir: dir });
  });
  afterEach(async () => {
    await server.close();
  });

  it('catch before: stops on the faulting load with the trap frame in registers and one line explaining it', async () => {
    const out = await runGdb(server.port, [
      'monitor stage2 catch before',
      'continue',
      'p/x $pc',
      'info symbol $pc',
      'p/x $x1',
      'p/x $ESR_EL2',
      'p/x $FAR_EL2',
      'p/x $HPFAR_EL2',
      'p/x $ELR_EL2',
      'monitor stage2 last',
      'monitor frame',
    ]);
    expect(out).to.match(
      /stage-2 data abort: LDR x0, 64-bit read of IPA 0x0f000000 \(filtered-mmio\+0x0\) ESR_EL2=0x93c08007 -> decision pending \[catch #1 before read\/write\]/,
    );
    expect(out).to.match(/Program received signal SIGTRAP/);
    expect(out).to.match(/read_filtered \+ 8 in section \.text/);
    expect(out).to.match(/\$2 = 0xf000000/); // x1: the base register of the trapped load
    expect(out).to.match(/\$3 = 0x93c08007/);
    expect(out).to.match(/\$4 = 0xf000000/);
    expect(out).to.match(/\$5 = 0xf0000/);
    const pc = /\$1 = (0x[0-9a-f]+)/.exec(out)![1]!;
    expect(out).to.match(new RegExp(`\\$6 = ${pc}`));
    expect(out).to.match(/decision +pending \(stopped before the handler\)/);
    expect(out).to.match(/trap #1 at pc 0x[0-9a-f]+ \(held before its decision\)/);
    expect(out).to.match(/x1 0x000000000f000000/);
  });

  it('decide value overrides the handler for that one trap; the guest reads the chosen value', async () => {
    const out = await runGdb(server.port, [
      'monitor stage2 catch before',
      'continue',
      'monitor stage2 decide value 0x1234',
      'stepi',
      'p/x $x0',
      'info symbol $pc',
      'monitor stage2 last',
    ]);
    expect(out).to.match(
      /trap #1: when the guest resumes \(continue or stepi\) the decision will be value 0x1234 instead of the handler's/,
    );
    expect(out).to.match(/\$1 = 0x1234/);
    expect(out).to.match(/read_filtered \+ 12 in section/); // ELR+4: the ret after the load
    expect(out).to.match(/decision +emulate \(override\), value 0x1234, Rt <- 0x1234/);
  });

  it('decide fault makes the same access fault: the abort is injected and the guest sees it', async () => {
    const out = await runGdb(server.port, [
      'monitor stage2 catch before',
      'continue',
      'monitor stage2 decide fault',
      'monitor stage2 catch off',
      'continue',
    ]);
    expect(out).to.match(/removed 1 stage-2 catch rule/);
    await server.waitForConsole(/unexpected exception: vector 0x0*4 ESR_EL1 0x0*97c08007 FAR_EL1 0x0*f000000/);
  });

  it('catch after with filters: stops after the emulated write, at the next instruction', async () => {
    const out = await runGdb(server.port, [
      'monitor stage2 catch after write ipa=0x0f000008 region=filtered-mmio',
      'monitor stage2 catch',
      'continue',
      'info symbol $pc',
      'p/x $ESR_EL2',
    ]);
    expect(out).to.match(/#1 after write ipa=0xf000008 region=filtered-mmio/);
    expect(out).to.match(
      /64-bit write of IPA 0x0f000008 \(filtered-mmio\+0x8\) ESR_EL2=0x93c18047 -> handler write -> Handled \(wrote 0x123456789abcdef0\), emulated, ELR\+4/,
    );
    expect(out).to.match(/write_filtered \+ 12 in section/);
    expect(out).to.match(/\$1 = 0x93c18047/);
  });

  it('an IPA filter skips other traps: ipa=0x0f000010 stops at the counter read, not the first one', async () => {
    const out = await runGdb(server.port, [
      'monitor stage2 catch before ipa=0x0f000010',
      'continue',
      'p/x $FAR_EL2',
      'monitor stage2 log 2',
    ]);
    expect(out).to.match(/\$1 = 0xf000010/);
    expect(out).to.match(
      /#1 pc 0x[0-9a-f]+: stage-2 data abort: LDR x0, 64-bit read of IPA 0x0f000000 \(filtered-mmio\+0x0\).*-> handler read -> Value 0xfeedfacecafebeef, emulated, ELR\+4/,
    );
    expect(out).to.match(/#2 pc .*IPA 0x0f000010.*decision pending/);
  });

  it('rejects bad monitor arguments with a usage line, never a silent OK', async () => {
    const out = await runGdb(server.port, [
      'monitor stage2 catch sideways',
      'monitor stage2 catch before decision=inject',
      'monitor stage2 decide value 12',
      'monitor stage2 log lots',
      'monitor esr zz',
      'monitor memspace sideways',
      'monitor catch hvc maybe',
      'monitor trace begin',
      'monitor translate here',
      'monitor trace start /nonexistent-dir/t.jsonl',
    ]);
    for (const re of [
      /usage: monitor stage2 catch before\|after\|off/,
      /decision= needs 'after'/,
      /no trap is held/,
      /usage: monitor stage2 log/,
      /usage: monitor esr HEX/,
      /usage: monitor memspace va\|ipa/,
      /usage: monitor catch hvc\|smc\|psci\|inject\|exception\|irq\|handler-error on\|off/,
      /usage: monitor trace start FILE/,
      /usage: monitor translate VA/,
      /'\/nonexistent-dir\/t\.jsonl' is outside the trace directory/,
    ]) {
      expect(out).to.match(re);
    }
  });

  it('monitor stage2 map, stats, el2, esr, translate and memspace report the model', async () => {
    const out = await runGdb(server.port, [
      'monitor stage2 catch after ipa=0x0f000010',
      'continue',
      'monitor stage2 map',
      'monitor stats',
      'monitor el2',
      'monitor esr 0x93d38007',
      'monitor translate 0x47000000',
      'monitor memspace ipa',
      'x/2wx 0x40080000',
      'monitor memspace',
      'monitor memspace va',
      'x/2wx 0x40080000',
    ]);
    expect(out).to.match(/0x000f000000-0x000f000fff +filtered-mmio +\[read\/write\] +handler-value 2/);
    expect(out).to.match(/0x0040000000-0x0046ffffff +normal/);
    expect(out).to.match(/stage-2 traps +2/);
    expect(out).to.match(/HCR_EL2 +0x0000000080080001/);
    expect(out).to.match(/EL2 model: policy ritm, inject mode ritm, stage 2 on/);
    expect(out).to.match(/SRT +\[20:16\] = 0x13 +X19/);
    expect(out).to.match(/VA 0x47000000 -> IPA 0x47000000 -> stage-2 fault at level 2 \(no handler/);
    expect(out).to.match(/memory space: ipa \(gdb's m\/M\/X and watchpoints use guest-physical \(IPA\) addresses\)/);
    const words = [...out.matchAll(/0x40080000 <_start>:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(words).to.have.length(2);
    expect(words[0]).to.equal(words[1]); // MMU off: IPA view == VA view
  });

  it('monitor catch hvc stops right after a hypercall with its result in x0 (selftest guest)', async () => {
    await server.close();
    server = await startServer({ image: guestPath('ritm-selftest') });
    const out = await runGdb(server.port, [
      'monitor catch hvc on',
      'monitor catch',
      'continue',
      'p/x $x0',
      'monitor catch hvc off',
    ]);
    expect(out).to.match(/event catches on: (handler-error, )?hvc/);
    expect(out).to.match(/HVC at 0x[0-9a-f]+: VERSION \(x0=0x84000000\) -> x0=0x10001/);
    expect(out).to.match(/\$1 = 0x10001/);
    expect(out).to.match(/catch hvc off/);
  });

  it('memspace ipa: a watchpoint on an IPA fires for an access through another VA alias (mmu guest, TTBR1)', async () => {
    await server.close();
    server = await startServer({ image: guestPath('mmu') });
    const out = await runGdb(server.port, [
      'break uart_puts if $x1 != 0x9000000', // the second message goes through VA 0xffff000009000000
      'continue',
      'delete',
      'monitor memspace ipa',
      'awatch *(char*)0x09000000',
      'continue',
      'p/x $x1',
    ]);
    expect(out).to.match(/Hardware access \(read\/write\) watchpoint 2: \*\(char\*\)0x09000000/);
    expect(out).to.match(/Value = /);
    expect(out).to.match(/\$1 = 0xffff000009000000/);
  });

  it('monitor trace start/stop writes the traps as JSON Lines', async () => {
    const file = join(dir, 'gdb-trace.jsonl');
    const out = await runGdb(server.port, [
      `monitor trace start ${file}`,
      'monitor stage2 catch after ipa=0x0f000008',
      'continue',
      'monitor trace status',
      'monitor trace stop',
    ]);
    expect(out).to.match(/tracing to .*gdb-trace\.jsonl \(JSON Lines\)/);
    expect(out).to.match(/trace .*gdb-trace\.jsonl closed: 3 events/);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; ipa?: string });
    expect(lines[0]!.type).to.equal('header');
    expect(lines.slice(1).map((l) => l.ipa)).to.deep.equal(['0xf000000', '0xf000010', '0xf000008']);
  });

  it('the stop reply carries machine-readable keys for RSP scripts (gdb ignores them)', async () => {
    const c = await RawClient.connect(server.port);
    try {
      expect(await c.request('qRcmd,' + Buffer.from('stage2 catch before').toString('hex'))).to.match(
        /^(O[0-9a-f]+|OK)$/,
      );
      // drain the O output and OK of the monitor command
      let reply = await c.request('vCont;c');
      while (reply.startsWith('O') || reply === 'OK') reply = await c.nextPacket();
      expect(reply).to.match(/^T05/);
      expect(reply).to.match(/el2trap:before;esr:93c08007;far:f000000;hpfar:f0000;ipa:f000000;/);
    } finally {
      await c.close();
    }
  });

  it('the gdb Python helper: el2-trap commands and a JSON Lines log of every catch', async () => {
    const file = join(dir, 'catches.jsonl');
    const out = await runGdb(server.port, [
      `source ${join(projectRoot(), 'scripts/gdb/el2dbg.py')}`,
      'el2-trap catch before region=filtered-mmio',
      `el2-trap-log ${file} 3`,
      'el2-trap last',
      'el2-trap frobnicate',
      'el2-trap catch before region=nowhere',
      'el2-trap log 2',
    ]);
    // The server's explanation of a refused command reaches the helper's user, and the next command still runs.
    // (gdb's stdout and stderr reach us through two pipes: a warning may come between the two, so look in order.)
    const refused = out.indexOf("el2dbg: the policy has no region 'nowhere' (its handler regions: filtered-mmio)\n");
    expect(refused, out).to.be.at.least(0);
    expect(out.slice(refused)).to.match(/\n#\d+ pc 0x[0-9a-f]+: stage-2 data abort/);
    expect(out).to.match(/el2dbg: logged 3 catch stop\(s\)/);
    expect(out).to.match(/trap #3 at pc/);
    expect(out).to.match(/usage: el2-trap/);
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stop: number; esr_el2: string; far_el2: string; x: string[]; report: string[] });
    expect(records.map((r) => r.stop)).to.deep.equal([1, 2, 3]);
    expect(records.map((r) => r.far_el2)).to.deep.equal(['0xf000000', '0xf000010', '0xf000008']);
    expect(records[2]!.esr_el2).to.equal('0x93c18047');
    expect(records[0]!.x).to.have.length(31);
  });
});
