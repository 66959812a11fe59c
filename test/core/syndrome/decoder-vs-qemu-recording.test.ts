// The syndrome decoder against what QEMU 7.2 reported for the differential corpus, without starting QEMU: the
// recording (qemu-7.2-syndromes.ts, made by scripts/record-qemu-syndromes.mjs) holds ESR_EL2, FAR_EL2 and
// HPFAR_EL2 of every stage-2 data abort QEMU took in its EL2 harness. The live comparison is
// test/differential/qemu-vs-decoder.test.ts; this one keeps the reference inside the decoder's own test run.
import { expect } from 'chai';
import { CORPUS } from '../../differential/corpus.js';
import type { SyndromeOutcome } from '../../differential/qemu-harness/entry-observation.js';
import { expectedSyndrome } from '../../differential/qemu-harness/expected-syndrome.js';
import { compareSyndromes, formatMismatch } from '../../differential/qemu-harness/syndrome-comparison.js';
import { assemble } from '../../helpers/asm.js';
import { QEMU_7_2_SYNDROMES, type QemuRecord } from './qemu-7.2-syndromes.js';

function recorded(r: QemuRecord): SyndromeOutcome {
  return r[3] === null ? { kind: 'no-abort' } : { kind: 'abort', esr: r[3], far: r[4]!, hpfar: r[5]! };
}

describe('syndrome decoder vs the QEMU 7.2 recording of the differential corpus', () => {
  it('the recording covers the corpus as it stands, entry by entry, with the words binutils assembles', () => {
    expect(
      QEMU_7_2_SYNDROMES.map((r) => r[0]),
      're-record: node scripts/record-qemu-syndromes.mjs',
    ).to.deep.equal(CORPUS.map((e) => e.asm));
    const code = assemble(CORPUS.map((e) => e.asm).join('\n'));
    const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
    expect(QEMU_7_2_SYNDROMES.map((r) => r[1])).to.deep.equal(CORPUS.map((_, i) => view.getUint32(i * 4, true)));
    expect(QEMU_7_2_SYNDROMES.filter((r) => r[3] !== null).length, 'entries with an abort').to.be.at.least(250);
  });

  it('predicts ESR_EL2, FAR_EL2 and HPFAR_EL2 (or no abort) exactly as QEMU reported them', () => {
    const mismatches = compareSyndromes(CORPUS, (i) => {
      const r = QEMU_7_2_SYNDROMES[i]!;
      const predicted = expectedSyndrome(CORPUS[i]!, { word: r[1], pc: r[2] });
      return [
        { name: 'decoder', outcome: predicted, note: predicted.why },
        { name: 'QEMU', outcome: recorded(r) },
      ];
    });
    const text = mismatches.map(formatMismatch).join('\n\n');
    expect(mismatches.length, `${mismatches.length} of ${CORPUS.length} entries differ:\n\n${text}\n`).to.equal(0);
  });
});
