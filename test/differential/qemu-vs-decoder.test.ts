// The QEMU side of the differential test on its own: the corpus runs in the bare-metal EL2 harness
// under qemu-system-aarch64 7.2, and every recorded ESR_EL2/FAR_EL2/HPFAR_EL2 must equal what
// el2dbg's syndrome decoder predicts (dataAbortIss(decodeMemoryAccess(...), { dfsc: 0x07, s1ptw: false })).
import { expect } from 'chai';
import { decodeMemoryAccess, type MemoryAccessClass } from '../../core/syndrome/a64-memory-access.js';
import { CORPUS } from './corpus.js';
import { buildHarness, entryInstructions, type EntryInstruction } from './qemu-harness/build-harness.js';
import { syndromeOutcome } from './qemu-harness/entry-observation.js';
import { parseHarnessOutput, QemuHarnessError, runQemuHarness, type QemuRun } from './qemu-harness/run-qemu.js';
import { formatMismatch, validateQemuResults } from './qemu-harness/syndrome-comparison.js';

/** Every MemoryAccessClass, so a class added to the decoder shows up here as a compile error. */
const CLASS_NAMES: Readonly<Record<MemoryAccessClass, true>> = {
  'load-store-register': true,
  'load-register-literal': true,
  'load-store-unprivileged': true,
  'load-register-pac': true,
  'load-store-pair': true,
  'load-store-exclusive': true,
  'load-store-ordered': true,
  'load-acquire-rcpc': true,
  'load-store-rcpc-unscaled': true,
  'atomic-memory-operation': true,
  'compare-and-swap': true,
  'simd-fp-register': true,
  'simd-fp-pair': true,
  'simd-structure-multiple': true,
  'simd-structure-single': true,
  'data-cache-zero': true,
  'cache-maintenance': true,
  'address-translation': true,
  prefetch: true,
};

/** Classes the corpus cannot or does not exercise (see corpus.ts). */
const NOT_IN_CORPUS: readonly MemoryAccessClass[] = ['load-register-literal', 'address-translation'];

describe('differential: QEMU 7.2 stage-2 data-abort syndromes vs the syndrome decoder', function () {
  this.timeout(120_000);
  let run: QemuRun;
  let instructions: EntryInstruction[];

  before(async () => {
    const harness = buildHarness(CORPUS, 'qemu-el2');
    instructions = entryInstructions(harness.image, CORPUS.length);
    run = await runQemuHarness(harness.bytes, CORPUS.length);
  });

  it('the corpus has 200+ entries, every access class, every Rt x0..x30 and XZR, and MMU-on entries', () => {
    expect(CORPUS.length).to.be.at.least(200);
    const accesses = CORPUS.map((e, i) => {
      const values = new Map(e.setup.map((s) => [s.reg, s.value]));
      const d = decodeMemoryAccess(instructions[i]!.word, {
        x: (n) => values.get(n) ?? 0n,
        sp: 0n,
        pc: instructions[i]!.pc,
      });
      if (d.kind !== 'memory') return expect.fail(`#${i} ${e.asm}: not a memory access (${d.reason})`);
      return d;
    });
    const gprRt = new Set(
      accesses
        .filter((a) => !a.simd && !a.prefetch && !a.cacheMaintenance && a.class !== 'data-cache-zero')
        .map((a) => a.rt),
    );
    expect([...gprRt].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 32 }, (_, n) => n));
    const classes = new Set(accesses.map((a) => a.class));
    const missing = (Object.keys(CLASS_NAMES) as MemoryAccessClass[]).filter(
      (c) => !classes.has(c) && !NOT_IN_CORPUS.includes(c),
    );
    expect(missing, 'access classes without an entry').to.deep.equal([]);
    expect(CORPUS.filter((e) => e.mmu).length).to.be.at.least(10);
  });

  it('QEMU ran every entry once: it finished, trapped at most once at its own instruction, never reached EL1', () => {
    const { problems } = validateQemuResults(CORPUS, instructions, run.observations);
    const text = problems.map((p) => `#${p.index} ${p.entry.asm}: ${p.problems.join('; ')}`).join('\n');
    expect(problems, `\n${text}\n`).to.deep.equal([]);
  });

  it('QEMU ESR_EL2, FAR_EL2 and HPFAR_EL2 equal the decoder prediction for every entry', () => {
    const { mismatches } = validateQemuResults(CORPUS, instructions, run.observations);
    const text = mismatches.map(formatMismatch).join('\n\n');
    expect(mismatches.length, `${mismatches.length} mismatching entries:\n\n${text}\n`).to.equal(0);
  });

  it('reports a changed syndrome field by field, naming the instruction', () => {
    const changed = run.observations.map((o, i) =>
      i === 0 && o.stage2 ? { ...o, stage2: { ...o.stage2, esr: o.stage2.esr ^ (1n << 6n) } } : o,
    );
    const { mismatches } = validateQemuResults(CORPUS, instructions, changed);
    expect(mismatches.map((m) => m.index)).to.deep.equal([0]);
    const text = formatMismatch(mismatches[0]!);
    expect(text).to.contain(CORPUS[0]!.asm);
    expect(text).to.match(/\* WnR \[6\] +decoder: 0x0 read +QEMU: 0x1 write/);
    expect(text).to.match(/ {2}DFSC \[5:0\]/);
  });

  it('FAR_EL2 holds the VA and HPFAR_EL2 the trapped IPA when the MMU maps VA 0x1_0000_0000 there', () => {
    const mmu = run.observations.map(syndromeOutcome).filter((o, i) => CORPUS[i]!.mmu && o.kind === 'abort');
    expect(mmu.length).to.be.at.least(10);
    for (const o of mmu) {
      if (o.kind !== 'abort') continue;
      expect(o.far >> 32n).to.equal(1n);
      expect(o.hpfar).to.equal(0x0f00_0000n >> 8n);
    }
  });
});

describe('differential: parseHarnessOutput', () => {
  it('turns R, E, N and X lines into observations', () => {
    const out = [
      'R 0 0000000093c08007 000000000f000000 00000000000f0000 0000000040201000 0000000000000001',
      'N 1',
      'E 2 0000000096000021 0000000000000004 0000000040202000 0000000000000001',
      'X 3',
      'END 0000000000000004',
    ].join('\r\n');
    const [r, n, e, x] = parseHarnessOutput(out, 4);
    expect(r!.stage2).to.deep.equal({
      esr: 0x93c0_8007n,
      far: 0x0f00_0000n,
      hpfar: 0xf_0000n,
      elr: 0x4020_1000n,
      count: 1,
    });
    expect(n).to.deep.equal({ stage2: null, el1: null, completed: true });
    expect(e!.el1).to.deep.equal({ esr: 0x9600_0021n, far: 4n, elr: 0x4020_2000n, count: 1 });
    expect(x!.completed).to.equal(false);
  });

  const failures: [string, string, QemuHarnessError['code']][] = [
    ['output without END', 'N 0', 'OutputIncomplete'],
    ['END with the wrong count', 'N 0\nEND 0000000000000002', 'OutputIncomplete'],
    ['an unexpected EL2 exception', 'U 0000000002000000 0000000040200000', 'UnexpectedException'],
    ['an index beyond the corpus', 'N 5\nEND 0000000000000001', 'MalformedLine'],
    ['an R line missing fields', 'R 0 0000000093c08007\nEND 0000000000000001', 'MalformedLine'],
  ];
  for (const [what, output, code] of failures) {
    it(`rejects ${what} with ${code}`, () => {
      expect(() => parseHarnessOutput(output, 1))
        .to.throw(QemuHarnessError)
        .with.property('code', code);
    });
  }
});
