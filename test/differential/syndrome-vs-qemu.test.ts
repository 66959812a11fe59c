// Differential test: the corpus runs under QEMU 7.2 (a real EL2, the reference) and under el2dbg
// (EL2 modelled in TypeScript), and every stage-2 data abort must carry the same ESR_EL2 (all
// fields), FAR_EL2 and HPFAR_EL2 on both, or be absent on both. Documented QEMU deviations from the
// Arm ARM are kept out of the corpus (see corpus.ts), not excused here.
import { expect } from 'chai';
import { CORPUS } from './corpus.js';
import { runCorpusOnEl2dbg, el2dbgObservationProblems, type El2dbgRun } from './el2dbg-side.js';
import { buildHarness, entryInstructions, type EntryInstruction } from './qemu-harness/build-harness.js';
import { syndromeOutcome } from './qemu-harness/entry-observation.js';
import { runQemuHarness, type QemuRun } from './qemu-harness/run-qemu.js';
import { compareSyndromes, formatMismatch, observationProblems } from './qemu-harness/syndrome-comparison.js';

describe('differential: el2dbg stage-2 data-abort syndromes vs QEMU 7.2', function () {
  this.timeout(120_000);
  let qemu: QemuRun;
  let qemuInstructions: EntryInstruction[];
  let el2dbg: El2dbgRun;

  before(async () => {
    const harness = buildHarness(CORPUS, 'qemu-el2');
    qemuInstructions = entryInstructions(harness.image, CORPUS.length);
    qemu = await runQemuHarness(harness.bytes, CORPUS.length);
    el2dbg = await runCorpusOnEl2dbg(CORPUS);
  });

  it('el2dbg runs the corpus program to PSCI SYSTEM_OFF and traps only at corpus instructions', () => {
    expect(el2dbg.halt).to.deep.equal({ kind: 'power-off', via: 'hvc' });
    expect(el2dbg.strayTraps.map((t) => `0x${t.pc.toString(16)}`)).to.deep.equal([]);
  });

  it('both sides ran every entry once, and el2dbg injected each trap into EL1 unchanged', () => {
    const problems = CORPUS.flatMap((entry, i) => [
      ...observationProblems(qemu.observations[i]!, qemuInstructions[i]!, false).map(
        (p) => `#${i} ${entry.asm}: QEMU: ${p}`,
      ),
      ...el2dbgObservationProblems(el2dbg.observations[i]!, el2dbg.instructions[i]!).map(
        (p) => `#${i} ${entry.asm}: el2dbg: ${p}`,
      ),
    ]);
    expect(problems, `\n${problems.join('\n')}\n`).to.deep.equal([]);
  });

  it('ESR_EL2, FAR_EL2 and HPFAR_EL2 are the same on el2dbg and QEMU for every entry', () => {
    const mismatches = compareSyndromes(CORPUS, (i) => [
      { name: 'el2dbg', outcome: syndromeOutcome(el2dbg.observations[i]!) },
      { name: 'QEMU', outcome: syndromeOutcome(qemu.observations[i]!) },
    ]);
    const text = mismatches.map(formatMismatch).join('\n\n');
    expect(mismatches.length, `${mismatches.length} of ${CORPUS.length} entries differ:\n\n${text}\n`).to.equal(0);
  });
});
