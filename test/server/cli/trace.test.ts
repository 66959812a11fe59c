import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../core/unicorn/library.js';
import { buildElf } from '../../helpers/asm.js';
import { runEl2dbg } from '../../helpers/cli.js';
import { guestPath } from '../../helpers/guests.js';
import { POWER_OFF } from '../../helpers/machine.js';
import { trackProcess } from '../../helpers/processes.js';

type TraceEvent = {
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  name: string;
  args?: Record<string, unknown>;
};

/** Structural checks of a Chrome Trace Event file as the Perfetto UI reads it. */
function validatePerfetto(file: string): TraceEvent[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] };
  expect(doc.traceEvents).to.be.an('array');
  const named = new Set(doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.tid));
  for (const e of doc.traceEvents) {
    expect(['i', 'X', 'M']).to.include(e.ph);
    expect(e.pid).to.be.a('number');
    expect(e.tid).to.be.a('number');
    expect(e.name).to.be.a('string');
    if (e.ph !== 'M') {
      expect(e.ts, JSON.stringify(e)).to.be.a('number').and.to.be.at.least(0);
      expect(named.has(e.tid), `track ${e.tid} has a name`).to.equal(true);
    }
    if (e.ph === 'X') expect(e.dur).to.be.a('number').and.to.be.greaterThan(0);
  }
  return doc.traceEvents;
}

describe('el2dbg trace (headless capture) and trace convert', () => {
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-trace-cmd-'));
  const jsonl = join(dir, 's.jsonl');
  const perfetto = join(dir, 's.json');
  let recorded: { code: number | null; stdout: string };

  // Both traces of one run, recorded once for the tests that read them (none depends on another test).
  before(async () => {
    recorded = await runEl2dbg([
      'trace',
      '--image',
      guestPath('ritm-selftest'),
      '--out',
      jsonl,
      '--perfetto',
      perfetto,
    ]);
  });

  it('records the selftest as JSON Lines and Perfetto JSON: one track per region, hypercalls, injections', () => {
    expect(recorded.code).to.equal(0);
    expect(recorded.stdout).to.match(/# passed 47\/47/);
    const events = validatePerfetto(perfetto);
    const tracks = events.filter((e) => e.name === 'thread_name').map((e) => e.args!.name);
    expect(tracks).to.include.members(['stage 2: filtered-mmio', 'stage 2: no region', 'hypercalls', 'injections']);
    expect(events.filter((e) => e.ph === 'X' || e.ph === 'i').length).to.equal(
      readFileSync(jsonl, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => !/"type":"header"/.test(l)).length, // one Perfetto event per record: no duplicates
    );
    expect(events.find((e) => e.ph === 'M' && e.name === 'process_name')).to.not.equal(undefined);
  });

  it('converts a JSON Lines trace afterwards into the same Perfetto events', async () => {
    const out = join(dir, 'converted.json');
    const r = await runEl2dbg(['trace', 'convert', jsonl, '--perfetto', out]);
    expect(r.code).to.equal(0);
    const a = validatePerfetto(out).filter((e) => e.ph !== 'M');
    const b = validatePerfetto(perfetto).filter((e) => e.ph !== 'M');
    expect(a.map((e) => [e.ph, e.name, e.ts])).to.deep.equal(b.map((e) => [e.ph, e.name, e.ts]));
  });

  it('rejects bad conversions with exit 2: no --perfetto, not a trace, missing file', async () => {
    const notTrace = join(dir, 'x.jsonl');
    writeFileSync(notTrace, '{"hello":1}\n');
    expect((await runEl2dbg(['trace', 'convert', join(dir, 's.jsonl')])).stderr).to.match(
      /--perfetto OUT\.json is required/,
    );
    const r = await runEl2dbg(['trace', 'convert', notTrace, '--perfetto', join(dir, 'y.json')]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/not an el2dbg trace/);
    const missing = await runEl2dbg([
      'trace',
      'convert',
      join(dir, 'missing.jsonl'),
      '--perfetto',
      join(dir, 'y.json'),
    ]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/^el2dbg: trace convert: cannot read .*missing\.jsonl: it does not exist\n$/);
    expect((await runEl2dbg(['trace'])).stderr).to.match(
      /--image FILE, --firmware u-boot\|FILE or --kernel Image is required/,
    );
  });

  it('never writes over its input, and a failed conversion leaves an existing output as it was', async () => {
    const copy = join(dir, 'copy.jsonl');
    writeFileSync(copy, readFileSync(jsonl));
    const same = await runEl2dbg(['trace', 'convert', copy, '--perfetto', copy]);
    expect(same.code).to.equal(2);
    expect(same.stderr).to.match(/the output .*copy\.jsonl is the input/);
    expect(readFileSync(copy)).to.deep.equal(readFileSync(jsonl));
    const lines = readFileSync(jsonl, 'utf8').split('\n');
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, [lines[0], lines[1], '{"type":"stage2-abort","t_us":5}', lines[2], ''].join('\n'));
    const out = join(dir, 'kept.json');
    writeFileSync(out, 'old output\n');
    const r = await runEl2dbg(['trace', 'convert', bad, '--perfetto', out]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^el2dbg: trace convert: .*bad\.jsonl line 3: malformed event: 'ipa' missing/);
    expect(readFileSync(out, 'utf8')).to.equal('old output\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('converts a trace cut short mid-line up to its last complete line, with a warning', async () => {
    const text = readFileSync(jsonl, 'utf8');
    const complete = text.trim().split('\n').length - 1; // events, without the header
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, text.slice(0, text.length - 20)); // a run killed while writing its last event
    const out = join(dir, 'cut.json');
    const r = await runEl2dbg(['trace', 'convert', cut, '--perfetto', out]);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.equal(
      `el2dbg: warning: ${cut} line ${complete + 1} is cut short (a run ended mid-write?): converted the ` +
        `${complete - 1} events before it\n`,
    );
    const events = validatePerfetto(out).filter((e) => e.ph !== 'M');
    expect(events).to.have.length(complete - 1);
    expect(readFileSync(out, 'utf8')).not.to.include('undefined');
  });

  it('stops at --max-size with exit 3 and a line saying so, the trace complete up to there', async () => {
    const out = join(dir, 'capped.jsonl');
    const r = await runEl2dbg(['trace', '--image', guestPath('demo'), '--out', out, '--max-size', '64K']);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/^el2dbg: stopped: the trace reached --max-size 64 KiB, at pc 0x4008[0-9a-f]{4}\n$/);
    const size = statSync(out).size;
    expect(size).to.be.at.least(64 << 10);
    expect(size).to.be.below(80 << 10); // the run stops within a slice of the limit
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines.pop()).to.equal(''); // every line complete
    for (const l of lines) JSON.parse(l);
  });

  it('says where the default trace.jsonl goes and never writes over one that exists', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'el2dbg-default-'));
    const first = await runEl2dbg(['trace', '--image', guestPath('ritm-selftest')], {}, cwd);
    expect(first.code).to.equal(0);
    expect(first.stderr).to.equal('el2dbg: recording to trace.jsonl (--out FILE to choose another file)\n');
    const written = readFileSync(join(cwd, 'trace.jsonl'), 'utf8');
    const second = await runEl2dbg(['trace', '--image', guestPath('ritm-selftest')], {}, cwd);
    expect(second.code).to.equal(2);
    expect(second.stderr).to.match(/^el2dbg: trace\.jsonl already exists here: give --out FILE/);
    expect(readFileSync(join(cwd, 'trace.jsonl'), 'utf8')).to.equal(written);
    const noTrace = await runEl2dbg(['run', '--image', guestPath('hello'), '--max-size', '1M']);
    expect(noTrace.code).to.equal(2);
    expect(noTrace.stderr).to.match(/--max-size limits what --trace FILE records: give --trace too/);
  });

  it('keeps memory bounded: a 10 M-instruction run with 100k traps traces with a 48 MiB heap limit', async () => {
    // 100 000 iterations of (one trapped read + 96 other instructions): ~9.7 M instructions, 100 000 records (~35 MB
    // of JSON).
    const src = `
      movz x21, #0x86a0
      movk x21, #0x1, lsl #16
      movz x20, #0x0f00, lsl #16
    1: ldr x0, [x20]
      .rept 47
      add x1, x1, #1
      add x2, x2, #1
      .endr
      subs x21, x21, #1
      b.ne 1b
      ${POWER_OFF}`;
    const image = buildElf(src);
    const out = join(dir, 'big.jsonl');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = trackProcess(
        spawn(
          process.execPath,
          ['--max-old-space-size=48', join(projectRoot(), 'bin/el2dbg.js'), 'trace', '--image', image, '--out', out],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        ),
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(statSync(out).size).to.be.greaterThan(30 << 20);
    const text = readFileSync(out, 'utf8');
    const last = JSON.parse(text.slice(text.lastIndexOf('\n', text.length - 2) + 1)) as {
      type: string;
      family: string;
      icount: number;
    };
    expect(last).to.include({ type: 'hvc', family: 'psci' });
    // Exact: 3 set-up instructions, 100 000 x (the emulated ldr, 94 adds, subs, b.ne), then movz, movk before the hvc.
    expect(last.icount).to.equal(3 + 100_000 * 97 + 2);
  });
});
