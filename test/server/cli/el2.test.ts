import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../core/unicorn/library.js';
import { buildElf } from '../../helpers/asm.js';
import { runEl2dbg } from '../../helpers/cli.js';
import { guestPath } from '../../helpers/guests.js';
import { POWER_OFF, movq } from '../../helpers/machine.js';

const fixture = (name: string) => join(projectRoot(), 'test/fixtures/policies', name);

describe('el2dbg run with the EL2 model (CLI)', () => {
  it('passes the ritm-selftest guest: every TAP line ok, exit 0', async () => {
    const r = await runEl2dbg(['run', '--image', guestPath('ritm-selftest')]);
    expect(r.code).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    const tests = lines.filter((l) => /^(not )?ok \d+ /.test(l));
    expect(tests.length).to.be.at.least(40);
    expect(tests.filter((l) => l.startsWith('not ok'))).to.deep.equal([]);
    expect(lines.at(-1)).to.equal(`# passed ${tests.length}/${tests.length}`);
  });

  it('passes the selftest with --inject architectural too (aborts come from EL1h)', async () => {
    const r = await runEl2dbg(['run', '--image', guestPath('ritm-selftest'), '--inject', 'architectural']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.not.match(/not ok/);
  });

  it('under --policy allow-all nothing traps: the reads reach the physical hole at 0x0f000000 (external aborts)', async () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'el2dbg-trace-')), 'allow-all.jsonl');
    const r = await runEl2dbg([
      'run',
      '--image',
      guestPath('ritm-selftest'),
      '--policy',
      'allow-all',
      '--trace',
      trace,
    ]);
    expect(r.code).to.equal(0); // the guest's vector takes the aborts and it runs on to SYSTEM_OFF
    expect(r.stdout).to.match(/^not ok 1 - read offset 0 = 0xfeedfacecafebeef$/m);
    const records = readFileSync(trace, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(records.filter((e) => e.type === 'stage2-abort')).to.deep.equal([]);
    const first = records.find((e) => e.type === 'guest-exception')!;
    expect(first).to.include({ esr: '0x96000010', far: '0xf000000' }); // EC 0x25, IL, DFSC 0x10
  });

  it('writes a JSON Lines trace: header, stage2-abort with decision, inject, hvc, psci; 64-bit values as hex strings', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'el2dbg-trace-')), 't.jsonl');
    const r = await runEl2dbg(['run', '--image', guestPath('ritm-selftest'), '--trace', file]);
    expect(r.code).to.equal(0);
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).to.include({
      type: 'header',
      format: 1,
      tool: 'el2dbg',
      policy: 'ritm',
      inject: 'ritm',
      image: guestPath('ritm-selftest'),
    });
    const first = records.find((x) => x.type === 'stage2-abort')!;
    expect(first).to.include({ esr: '0x93c08007', ipa: '0xf000000', region: 'filtered-mmio' });
    expect(first.access).to.deep.equal({ write: false, width: 64, rt: 0 });
    expect(first.decision).to.include({
      action: 'emulate',
      why: 'handler-value',
      value: '0xfeedfacecafebeef',
      outcome: 'elr+4',
    });
    expect(typeof first.icount).to.equal('number');
    const inject = records.find((x) => x.type === 'inject')!;
    expect(inject).to.include({ esr_el1: '0x97810007', mode: 'ritm' });
    expect(records.some((x) => x.type === 'hvc' && x.function_id === '0x84000000')).to.equal(true);
    expect(records.some((x) => x.type === 'smc')).to.equal(true);
    // A PSCI call is one record, of its conduit's type, with family psci (not a second 'psci' record).
    const off = records.filter((x) => x.name === 'SYSTEM_OFF');
    expect(off).to.have.length(1);
    expect(off[0]).to.include({ type: 'hvc', family: 'psci', function_id: '0x84000008' });
    expect(records.filter((x) => x.type === 'psci')).to.deep.equal([]);
    const seqs = records.filter((x) => x.type === 'stage2-abort').map((x) => x.seq as number);
    expect(seqs).to.deep.equal(seqs.map((_, i) => i + 1));
  });

  it('filters trace events with --events', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'el2dbg-trace-')), 't.jsonl');
    await runEl2dbg(['run', '--image', guestPath('ritm-selftest'), '--trace', file, '--events', 'inject']);
    const types = new Set(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type),
    );
    expect([...types].sort()).to.deep.equal(['header', 'inject']);
  });

  it('--events psci keeps the hypercall records of PSCI calls and no other hypercall', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'el2dbg-trace-')), 't.jsonl');
    await runEl2dbg(['run', '--image', guestPath('ritm-selftest'), '--trace', file, '--events', 'psci']);
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as { type: string; family: string; function_id: string });
    expect(records.length).to.be.greaterThan(1);
    for (const r of records) {
      expect(r.family).to.equal('psci');
      expect(['hvc', 'smc']).to.include(r.type);
      expect(r.function_id).to.match(/^0x[8c]40000[0-9a-f]{2}$/); // PSCI's SMC32 (0x84..) and SMC64 (0xc4..) ids
    }
  });

  it('loads a TypeScript policy module with --policy FILE.ts', async () => {
    const image = buildElf(
      movq(1, 0x0f00_0000n) + 'ldr x2, [x1]\n' + movq(3, 0x4008_1000n) + 'str x2, [x3]\n' + POWER_OFF,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'el2dbg-trace-')), 't.jsonl');
    const r = await runEl2dbg(['run', '--image', image, '--policy', fixture('typed-policy.ts'), '--trace', file]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    const abort = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => (l ? JSON.parse(l) : {}))
      .find((x: { type?: string }) => x.type === 'stage2-abort');
    expect(abort.region).to.equal('typed');
    expect(abort.decision.value).to.equal('0xfeed');
  });

  it('reports a handler that throws or returns an ill-typed value, treats it as Fault and keeps running', async () => {
    const vectors = `
      .balign 2048
    vectors: .skip 0x200
      mrs x9, elr_el1
      add x9, x9, #4
      msr elr_el1, x9
      add x20, x20, #1
      eret`;
    const image = buildElf(
      'adr x9, vectors\n msr vbar_el1, x9\n' +
        movq(1, 0x0f00_0000n) +
        'ldr x2, [x1]\n ldr x3, [x1, #8]\n ldr x4, [x1, #16]\n' +
        POWER_OFF +
        vectors,
    );
    const r = await runEl2dbg(['run', '--image', image, '--policy', fixture('throwing-policy.mjs')]);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.match(
      /MMIO handler failed; treated as Fault.*"policy":"throwing-policy\.mjs".*"region":"buggy".*"error":"Error: handler bug at offset 0"/,
    );
    expect(r.stderr).to.match(/read handler returned \{\\"kind\\":\\"value\\",\\"value\\":42\}/);
  });

  const badPolicies: [string, string[], RegExp][] = [
    [
      'an overlapping policy',
      ['--policy', fixture('overlapping-policy.mjs')],
      /--policy .*overlapping-policy\.mjs: .*overlap/i,
    ],
    ['a missing policy file', ['--policy', './no-such-policy.mjs'], /--policy: \.\/no-such-policy\.mjs does not exist/],
    [
      'an unknown policy name',
      ['--policy', 'strict'],
      /'strict' is neither a built-in policy \(ritm, ritm-pci, allow-all\)/,
    ],
    ['an inherited property name as policy', ['--policy', 'constructor'], /'constructor' is neither a built-in policy/],
    [
      'a trace file that cannot be written',
      ['--trace', '/nonexistent-dir/t.jsonl'],
      /cannot write the trace: .*ENOENT/,
    ],
    ['an unknown --inject mode', ['--inject', 'sideways'], /--inject: 'sideways' is not an injection mode/],
    [
      'an unknown --events type',
      ['--trace', '/tmp/x.jsonl', '--events', 'stage2-abort,bogus'],
      /--events: unknown event type 'bogus'/,
    ],
  ];
  for (const [what, args, message] of badPolicies) {
    it(`rejects ${what} with exit 2`, async () => {
      const r = await runEl2dbg(['run', '--image', guestPath('hello'), ...args]);
      expect(r.code).to.equal(2);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(message);
    });
  }
});

describe('el2dbg esr decode', () => {
  it('prints every field of a data abort syndrome', async () => {
    const r = await runEl2dbg(['esr', 'decode', '0x93D38007']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^ESR 0x93d38007: EC 0x24 Data Abort from a lower Exception level, IL 1/);
    expect(r.stdout).to.match(/ISV +\[24\] = 0x1/);
    expect(r.stdout).to.match(/SRT +\[20:16\] = 0x13 +X19/);
    expect(r.stdout).to.match(/DFSC +\[5:0\] = 0x7 +Translation fault, level 3/);
  });
  it('decodes an injected EL1 syndrome (EC 0x25) and an HVC', async () => {
    expect((await runEl2dbg(['esr', 'decode', '97c08007'])).stdout).to.match(
      /EC 0x25 Data Abort taken without a change in Exception level/,
    );
    expect((await runEl2dbg(['esr', 'decode', '0x5a000000'])).stdout).to.match(/EC 0x16 HVC/);
  });
  it('rejects a value that is not hex with exit 2', async () => {
    const r = await runEl2dbg(['esr', 'decode', 'zz']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/'zz' is not a hex value/);
  });
});
