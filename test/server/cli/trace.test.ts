import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
        .filter((l) => !/"type":"(header|psci)"/.test(l)).length,
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
    expect(
      (await runEl2dbg(['trace', 'convert', join(dir, 'missing.jsonl'), '--perfetto', join(dir, 'y.json')])).code,
    ).to.equal(2);
    expect((await runEl2dbg(['trace'])).stderr).to.match(/--image FILE is required/);
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
      icount: number;
    };
    expect(last.type).to.equal('psci');
    // Exact: 3 set-up instructions, 100 000 x (the emulated ldr, 94 adds, subs, b.ne), then movz, movk before the hvc.
    expect(last.icount).to.equal(3 + 100_000 * 97 + 2);
  });
});
