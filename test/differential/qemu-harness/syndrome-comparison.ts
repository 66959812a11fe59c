// Compares two sides' syndromes entry by entry and explains each mismatch field by field, so a
// failing differential test says which instruction and which ESR field went wrong, and how.
import { describeEsr, type EsrField } from '../../../core/syndrome/esr-describe.js';
import type { CorpusEntry } from '../corpus.js';
import type { EntryInstruction } from './build-harness.js';
import { syndromeOutcome, type EntryObservation, type SyndromeOutcome } from './entry-observation.js';
import { expectedSyndrome } from './expected-syndrome.js';

export type Side = Readonly<{ name: string; outcome: SyndromeOutcome; note?: string }>;

export type SyndromeMismatch = Readonly<{ index: number; entry: CorpusEntry; left: Side; right: Side }>;

const hex = (v: bigint): string => `0x${v.toString(16)}`;

function sameOutcome(a: SyndromeOutcome, b: SyndromeOutcome): boolean {
  if (a.kind === 'no-abort' || b.kind === 'no-abort') return a.kind === b.kind;
  return a.esr === b.esr && a.far === b.far && a.hpfar === b.hpfar;
}

/** Every entry where the two sides' outcomes differ; `sideOf(i)` gives each side's view of entry i. */
export function compareSyndromes(
  corpus: readonly CorpusEntry[],
  sidesOf: (index: number) => readonly [Side, Side],
): SyndromeMismatch[] {
  return corpus.flatMap((entry, index) => {
    const [left, right] = sidesOf(index);
    return sameOutcome(left.outcome, right.outcome) ? [] : [{ index, entry, left, right }];
  });
}

function summary(s: Side): string {
  const o = s.outcome;
  const what =
    o.kind === 'no-abort' ? 'no abort' : `ESR_EL2 ${hex(o.esr)}  FAR_EL2 ${hex(o.far)}  HPFAR_EL2 ${hex(o.hpfar)}`;
  return `${s.name}: ${what}${s.note ? `  (${s.note})` : ''}`;
}

function fieldText(f: EsrField | undefined): string {
  return f === undefined ? '-' : `${hex(f.value)} ${f.meaning}`;
}

/** ESR fields of both sides (or of the one that aborted), one line each, differing ones marked with '*'. */
function esrFieldLines(left: Side, right: Side): string[] {
  const fieldsOf = (s: Side): readonly EsrField[] =>
    s.outcome.kind === 'abort' ? describeEsr(s.outcome.esr).fields : [];
  const a = fieldsOf(left);
  const b = fieldsOf(right);
  const names = [...new Set([...a, ...b].map((f) => f.name))];
  return names.map((name) => {
    const fa = a.find((f) => f.name === name);
    const fb = b.find((f) => f.name === name);
    const mark = fa?.value === fb?.value ? ' ' : '*';
    const label = name.includes('[') ? name : `${name} [${(fa ?? fb)!.bits}]`;
    return `   ${mark} ${label.padEnd(14)} ${left.name}: ${fieldText(fa).padEnd(52)} ${right.name}: ${fieldText(fb)}`;
  });
}

function addressLines(left: Side, right: Side): string[] {
  if (left.outcome.kind !== 'abort' || right.outcome.kind !== 'abort') return [];
  const l = left.outcome;
  const r = right.outcome;
  const ipaPage = (hpfar: bigint) => hex(((hpfar >> 4n) & ((1n << 44n) - 1n)) << 12n);
  return [
    `   ${l.far === r.far ? ' ' : '*'} FAR_EL2        ${left.name}: ${hex(l.far).padEnd(52)} ${right.name}: ${hex(r.far)}`,
    `   ${l.hpfar === r.hpfar ? ' ' : '*'} HPFAR_EL2      ${left.name}: ${`${hex(l.hpfar)} (IPA page ${ipaPage(l.hpfar)})`.padEnd(52)} ${right.name}: ${hex(r.hpfar)} (IPA page ${ipaPage(r.hpfar)})`,
  ];
}

/** A multi-line explanation of one mismatch. */
export function formatMismatch(m: SyndromeMismatch): string {
  return [
    `#${m.index} ${m.entry.asm}${m.entry.mmu ? '  [MMU on]' : ''}  setup ${m.entry.setup.map((s) => `x${s.reg}=${hex(s.value)}`).join(' ')}`,
    `    ${summary(m.left)}`,
    `    ${summary(m.right)}`,
    ...esrFieldLines(m.left, m.right),
    ...addressLines(m.left, m.right),
  ].join('\n');
}

/**
 * What makes an observation unusable as a reference, whatever its syndrome: the entry never finished,
 * it trapped more than once, EL2 saw a different instruction, or (where `el1Allowed` is false) an
 * exception reached the guest's own vector.
 */
export function observationProblems(o: EntryObservation, instruction: EntryInstruction, el1Allowed: boolean): string[] {
  const problems: string[] = [];
  if (!o.completed) problems.push('the code after the instruction never ran');
  if (o.stage2 && o.stage2.count !== 1) problems.push(`${o.stage2.count} exceptions to EL2 instead of 1`);
  if (o.stage2 && o.stage2.elr !== instruction.pc)
    problems.push(`ELR_EL2 ${hex(o.stage2.elr)} is not the instruction (${hex(instruction.pc)})`);
  if (o.el1 && !el1Allowed)
    problems.push(`exception to EL1: ESR_EL1 ${hex(o.el1.esr)} FAR_EL1 ${hex(o.el1.far)} ELR_EL1 ${hex(o.el1.elr)}`);
  return problems;
}

export type QemuValidation = Readonly<{
  mismatches: SyndromeMismatch[];
  problems: { index: number; entry: CorpusEntry; problems: string[] }[];
}>;

/** Checks QEMU's observations alone against the syndrome decoder's prediction for every entry. */
export function validateQemuResults(
  corpus: readonly CorpusEntry[],
  instructions: readonly EntryInstruction[],
  observations: readonly EntryObservation[],
): QemuValidation {
  const mismatches = compareSyndromes(corpus, (i) => {
    const expected = expectedSyndrome(corpus[i]!, instructions[i]!);
    return [
      { name: 'decoder', outcome: expected, note: expected.why },
      { name: 'QEMU', outcome: syndromeOutcome(observations[i]!) },
    ];
  });
  const problems = corpus.flatMap((entry, index) => {
    const found = observationProblems(observations[index]!, instructions[index]!, false);
    return found.length === 0 ? [] : [{ index, entry, problems: found }];
  });
  return { mismatches, problems };
}
