// The benchmark table: one row a metric, with el2dbg's figure, the reference measured in the same run, their
// ratio and the goal. Printed, and written as JSON under bench/results/ so runs can be compared over time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchRow {
  readonly metric: string;
  readonly unit: string;
  readonly el2dbg: number;
  /** The reference figure and what it is; null when the goal is an absolute number. */
  readonly reference: { readonly name: string; readonly value: number } | null;
  /** Goal as text ("ratio >= 1", "<= 5 ms"), and whether el2dbg meets it. */
  readonly goal: string;
  readonly met: boolean | null;
  /** Higher is better (ratio = el2dbg / reference) or lower is better (ratio = reference / el2dbg). */
  readonly better: 'higher' | 'lower';
}

/** el2dbg's figure over the reference, oriented so that > 1 means el2dbg is better. */
export function ratio(row: BenchRow): number | null {
  if (!row.reference || row.reference.value === 0 || row.el2dbg === 0) return null;
  return row.better === 'higher' ? row.el2dbg / row.reference.value : row.reference.value / row.el2dbg;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The table as text. */
export function formatTable(rows: readonly BenchRow[]): string {
  const lines = rows.map((r) => {
    const q = ratio(r);
    return [
      r.metric,
      `${fmt(r.el2dbg)} ${r.unit}`,
      r.reference ? `${fmt(r.reference.value)} (${r.reference.name})` : '-',
      q === null ? '-' : `${q.toFixed(2)}x`,
      r.goal,
      r.met === null ? '' : r.met ? 'met' : 'NOT MET',
    ];
  });
  const header = ['metric', 'el2dbg', 'reference', 'ratio', 'goal', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}

/** Writes the rows (and the environment) as bench/results/<timestamp>.json; returns the path. */
export function writeResults(root: string, rows: readonly BenchRow[], environment: Record<string, string>): string {
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const file = join(dir, `${stamp}.json`);
  const data = { date: new Date().toISOString(), environment, rows: rows.map((r) => ({ ...r, ratio: ratio(r) })) };
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}
