import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGdb, spawnGdb, startServer, type TestServer } from './gdb-harness.js';

// Monitor commands take exactly what their usage says: extra words, unknown regions, out-of-range addresses are
// rejected with the usage or the reason, as text with an OK reply (QEMU's way), so gdb never reports "Protocol error
// with Rcmd" and a bad line does not end a -x script. Trace files go only below the server's trace directory.
describe('server: strict monitor commands and trace files confined to the trace directory (real gdb)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let traceDir: string;
  beforeEach(async () => {
    traceDir = mkdtempSync(join(tmpdir(), 'el2dbg-strict-'));
    server = await startServer({ traceDir });
  });
  afterEach(async () => {
    await server.close();
  });

  it('commands that take no arguments reject extra words with their usage, and nothing happens', async () => {
    const out = await runGdb(server.port, [
      'stepi',
      'monitor reset now',
      'p/x $pc',
      'monitor halt please',
      'monitor frame extra',
      'monitor stage2 last 3',
      'monitor stats all',
    ]);
    expect(out).to.match(/el2dbg: usage: monitor reset {3}\(it takes no arguments\)/);
    expect(out).to.match(/el2dbg: usage: monitor halt {3}\(it takes no arguments\)/);
    expect(out).to.match(/el2dbg: usage: monitor frame {3}\(it takes no arguments\)/);
    expect(out).to.match(/el2dbg: usage: monitor stage2 last {3}\(it takes no arguments\)/);
    expect(out).to.match(/el2dbg: usage: monitor stats {3}\(it takes no arguments\)/);
    expect(out).not.to.match(/Guest reset/); // `reset now` did not reset
    expect(out).not.to.match(/Protocol error/);
  });

  it('stage2 catch: unknown regions, IPAs beyond 40 bits and repeated filters are refused; read write is both', async () => {
    const out = await runGdb(server.port, [
      'monitor stage2 catch before region=filtred',
      'monitor stage2 catch before ipa=0x10000000000',
      'monitor stage2 catch before ipa=0xf000000-0x10000000000',
      'monitor stage2 catch before read read',
      'monitor stage2 catch after ipa=0x1 ipa=0x2',
      'monitor stage2 catch before read write',
      'monitor stage2 catch before region=filtered-mmio ipa=0xffffffffff',
      'monitor stage2 catch',
    ]);
    expect(out).to.match(/the policy has no region 'filtred' \(its handler regions: filtered-mmio\)/);
    expect(out).to.match(/ipa 0x10000000000 is outside the 40-bit IPA space/);
    expect(out).to.match(/ipa 0xf000000-0x10000000000 is outside the 40-bit IPA space/);
    expect(out).to.match(/'read': read is given twice/);
    expect(out).to.match(/'ipa=0x2': ipa= is given twice/);
    // Only the two valid rules exist, numbered in order of acceptance, each as written.
    expect(out).to.match(
      /stage-2 catch rules:\n {2}#1 before read\/write\n {2}#2 before read\/write ipa=0xffffffffff region=filtered-mmio\n/,
    );
    expect(out).not.to.match(/Protocol error/);
  });

  it('stage2 catch off N removes that one rule; an unknown number is refused', async () => {
    const out = await runGdb(server.port, [
      'monitor stage2 catch before write',
      'monitor stage2 catch after read',
      'monitor stage2 catch off 1',
      'monitor stage2 catch off 7',
      'monitor stage2 catch off x',
      'monitor stage2 catch',
      'continue',
      'p/x $FAR_EL2',
    ]);
    expect(out).to.match(/removed stage-2 catch #1 before write/);
    expect(out).to.match(/no stage-2 catch rule #7/);
    expect(out).to.match(/usage: monitor stage2 catch off \[N\]/);
    expect(out).to.match(/stage-2 catch rules:\n {2}#2 after read\n(?! {2}#)/);
    // The remaining rule (after read) is the one that stops: the first trap of the demo is the read at +0.
    expect(out).to.match(/\[catch #2 after read\]/);
    expect(out).to.match(/\$1 = 0xf000000/);
  });

  it('translate and decide refuse numbers that do not fit in 64 bits (no wrap)', async () => {
    const out = await runGdb(server.port, [
      'monitor translate 0x10000000000000000',
      'monitor translate 0xffffffffffffffff',
      'monitor stage2 decide value 0x10000000000000000',
    ]);
    expect(out).to.match(/usage: monitor translate VA \(a 64-bit address/);
    expect(out).to.match(/VA 0xffffffffffffffff/i);
    expect(out).to.match(/usage: monitor stage2 decide value HEX/);
    expect(out).not.to.match(/Protocol error/);
  });

  it('a bad monitor line in a -x script prints its reason and the rest of the script runs', async () => {
    const script = join(traceDir, 'script.gdb');
    const lines = [
      `target remote 127.0.0.1:${server.port}`,
      'monitor bogus',
      'monitor stage2 catch sideways',
      'monitor',
    ];
    writeFileSync(script, [...lines, 'print 40 + 2', ''].join('\n'));
    const { output: out } = await spawnGdb([], { args: ['-x', script] }).exited;
    expect(out).to.match(/el2dbg: unknown monitor command 'bogus' \(monitor help lists them\)/);
    expect(out).to.match(/el2dbg: usage: monitor stage2 catch before\|after/);
    expect(out).to.match(/el2dbg: monitor needs a command/);
    expect(out).to.match(/\$1 = 42/);
    expect(out).not.to.match(/Protocol error/);
  });

  it('monitor help fits in 100 columns and lists every command', async () => {
    const out = await runGdb(server.port, ['monitor help']);
    const help = out.slice(out.indexOf('el2dbg monitor commands:'));
    const lines = help.split('\n').filter((l) => l.startsWith('  '));
    expect(lines.length).to.be.greaterThan(15);
    for (const l of lines) expect(l.length, l).to.be.at.most(100);
    expect(help).to.match(/\n {2}stage2 catch before\|after .*\| off \[N\]\n {26}stop at matching stage-2 traps/);
  });

  it('trace start writes only below the trace directory and never over a file unless told to', async () => {
    mkdirSync(join(traceDir, 'sub'));
    const outside = mkdtempSync(join(tmpdir(), 'el2dbg-outside-'));
    symlinkSync(outside, join(traceDir, 'escape'));
    writeFileSync(join(traceDir, 'kept.jsonl'), 'precious\n');
    const out = await runGdb(server.port, [
      'monitor trace start ../up.jsonl',
      'monitor trace start sub/../../up.jsonl',
      `monitor trace start ${join(outside, 'abs.jsonl')}`,
      'monitor trace start escape/through-link.jsonl',
      'monitor trace start kept.jsonl',
      'monitor trace start sub/new.jsonl',
      'monitor trace stop',
      'monitor trace start kept.jsonl force',
      'monitor trace stop',
    ]);
    expect(out).to.match(/'\.\.\/up\.jsonl': '\.\.' is not allowed in a trace path/);
    expect(out).to.match(/'sub\/\.\.\/\.\.\/up\.jsonl': '\.\.' is not allowed/);
    expect(out).to.match(/abs\.jsonl' is outside the trace directory/);
    expect(out).to.match(/'escape\/through-link\.jsonl' leads outside the trace directory/);
    expect(out).to.match(/kept\.jsonl exists; add 'force' to overwrite it/);
    expect(out).to.match(/tracing to sub\/new\.jsonl \(JSON Lines\)/);
    expect(out).to.match(/trace kept\.jsonl closed/);
    expect(readFileSync(join(traceDir, 'sub', 'new.jsonl'), 'utf8')).to.match(/^\{"type":"header"/);
    expect(readFileSync(join(traceDir, 'kept.jsonl'), 'utf8')).to.match(/^\{"type":"header"/); // forced
    expect(() => readFileSync(join(outside, 'through-link.jsonl'))).to.throw(/ENOENT/);
    expect(() => readFileSync(join(outside, 'abs.jsonl'))).to.throw(/ENOENT/);
    expect(() => readFileSync(join(traceDir, '..', 'up.jsonl'))).to.throw(/ENOENT/);
  });
});
