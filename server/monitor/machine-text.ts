import type { FullTranslation } from '../../core/machine/address-space.js';
import type { Stage2View } from '../debug-target.js';
import type { MachineStats } from '../debug/machine-stats.js';
import { hex } from '../../core/text/hex.js';

/** `monitor stage2 map`: allowed ranges with attributes and block structure, handler regions with hit counts. */
export function stage2MapReport(view: Stage2View, stats: MachineStats): string {
  const p = view.policy;
  const lines = [
    `stage-2 policy '${view.policyName}' (stage 2 ${view.stage2Enabled ? 'on' : 'OFF: HCR_EL2.VM = 0'}), 4 KiB granule, 40-bit IPA, identity:`,
  ];
  lines.push('  allowed ranges:');
  for (const r of p.allowedRanges) {
    const w = p.walk(r.base);
    lines.push(
      `    ${hex(r.base, 10)}-${hex(r.end - 1n, 10)}  ${r.attrs.kind.padEnd(6)} (descriptor ${hex(r.attrs.descriptorBits)})${w.kind === 'mapped' ? `  first block: level ${w.level}, ${w.blockSize >> 10n} KiB` : ''}`,
    );
  }
  lines.push('  handler regions (unmapped; accesses trap to EL2):');
  if (!p.regions.length) lines.push('    none');
  for (const r of p.regions) {
    const hits = stats.trapsByRegion.get(r.name);
    const hitText = hits ? [...hits].map(([why, n]) => `${why} ${n}`).join(', ') : 'no traps yet';
    lines.push(
      `    ${hex(r.base, 10)}-${hex(r.end - 1n, 10)}  ${r.name}  [${r.read ? 'read' : '-'}/${r.write ? 'write' : '-'}]  ${hitText}`,
    );
  }
  const none = stats.trapsByRegion.get('(no region)');
  lines.push(
    `  everything else is unmapped: accesses trap and are injected${none ? ` (${[...none].map(([w, n]) => `${w} ${n}`).join(', ')})` : ''}`,
  );
  return lines.join('\n') + '\n';
}

/** `monitor translate VA`: a summary line (VA -> IPA -> PA, or where it faults), then each descriptor of the walk. */
export function translateReport(t: FullTranslation, view: Stage2View): string {
  const steps = (walk: readonly { level: number; tableAddr: bigint; index: number; descriptor: bigint }[]) =>
    walk.map((s) => `  stage 1 level ${s.level}: table ${hex(s.tableAddr)}[${s.index}] = ${hex(s.descriptor, 16)}`);
  if (t.kind === 'ok') {
    const w = view.policy.walk(t.ipa);
    return (
      [
        `VA ${hex(t.va)} -> IPA ${hex(t.ipa)} -> PA ${hex(t.pa)}`,
        t.stage1.stage1 === 'disabled'
          ? '  stage 1: MMU off (SCTLR_EL1.M = 0): IPA = VA'
          : `  stage 1: ${t.stage1.walk.length}-level walk`,
        ...steps(t.stage1.walk),
        `  stage 2: ${view.stage2Enabled ? (w.kind === 'mapped' ? `level-${w.level} ${w.blockSize >> 10n} KiB ${w.range.attrs.kind} block` : 'fault') : 'off (HCR_EL2.VM = 0)'}`,
      ].join('\n') + '\n'
    );
  }
  const f = t.fault;
  if (f.stage === 2) {
    return (
      [
        `VA ${hex(t.va)} -> IPA ${hex(f.ipa)} -> stage-2 fault at level ${f.level}${f.region ? ` (handled by ${f.region.name})` : ' (no handler: accesses are injected)'}`,
      ].join('\n') + '\n'
    );
  }
  return (
    [
      `VA ${hex(t.va)} -> stage-1 ${f.fault.type} fault at level ${f.fault.level}${'reason' in f.fault ? ` (${f.fault.reason})` : ''}`,
      ...steps(f.fault.walk),
    ].join('\n') + '\n'
  );
}
