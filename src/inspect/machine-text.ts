import type { Machine } from '../core/machine/machine.js';
import type { MachineStats } from '../debug/machine-stats.js';
import { hex } from './trap-text.js';

/** `monitor stage2 map`: allowed ranges with attributes and block structure, handler regions with hit counts. */
export function stage2MapReport(machine: Machine, stats: MachineStats): string {
  const p = machine.hypervisor.policy;
  const lines = [`stage-2 policy '${machine.hypervisor.policyName}' (stage 2 ${machine.el2.stage2Enabled ? 'on' : 'OFF: HCR_EL2.VM = 0'}), 4 KiB granule, 40-bit IPA, identity:`];
  lines.push('  allowed ranges:');
  for (const r of p.allowedRanges) {
    const w = p.walk(r.base);
    lines.push(`    ${hex(r.base, 10)}-${hex(r.end - 1n, 10)}  ${r.attrs.kind.padEnd(6)} (descriptor ${hex(r.attrs.descriptorBits)})${w.kind === 'mapped' ? `  first block: level ${w.level}, ${w.blockSize >> 10n} KiB` : ''}`);
  }
  lines.push('  handler regions (unmapped; accesses trap to EL2):');
  if (!p.regions.length) lines.push('    none');
  for (const r of p.regions) {
    const hits = stats.trapsByRegion.get(r.name);
    const hitText = hits ? [...hits].map(([why, n]) => `${why} ${n}`).join(', ') : 'no traps yet';
    lines.push(`    ${hex(r.base, 10)}-${hex(r.end - 1n, 10)}  ${r.name}  [${r.read ? 'read' : '-'}/${r.write ? 'write' : '-'}]  ${hitText}`);
  }
  const none = stats.trapsByRegion.get('(no region)');
  lines.push(`  everything else is unmapped: accesses trap and are injected${none ? ` (${[...none].map(([w, n]) => `${w} ${n}`).join(', ')})` : ''}`);
  return lines.join('\n') + '\n';
}

/** `monitor translate VA`: each stage-1 descriptor on the walk, then stage 2. */
export function translateReport(machine: Machine, va: bigint): string {
  const t = machine.translate(va, 'read');
  const lines = [`translate VA ${hex(va, 16)} (read, current EL):`];
  if (t.kind === 'ok') {
    if (t.stage1.stage1 === 'disabled') lines.push('  stage 1: MMU off (SCTLR_EL1.M = 0): IPA = VA');
    for (const s of t.stage1.walk) lines.push(`  stage 1 level ${s.level}: table ${hex(s.tableAddr)}[${s.index}] = ${hex(s.descriptor, 16)}`);
    lines.push(`  -> IPA ${hex(t.ipa, 10)}`);
    const w = machine.hypervisor.policy.walk(t.ipa);
    lines.push(`  stage 2: ${machine.el2.stage2Enabled ? (w.kind === 'mapped' ? `mapped by a level-${w.level} ${w.blockSize >> 10n} KiB ${w.range.attrs.kind} block` : 'fault') : 'off'} -> PA ${hex(t.pa, 10)}`);
    return lines.join('\n') + '\n';
  }
  const f = t.fault;
  if (f.stage === 1) {
    for (const s of f.fault.walk) lines.push(`  stage 1 level ${s.level}: table ${hex(s.tableAddr)}[${s.index}] = ${hex(s.descriptor, 16)}`);
    lines.push(`  -> stage-1 ${f.fault.type} fault at level ${f.fault.level}${'reason' in f.fault ? ` (${f.fault.reason})` : ''}`);
  } else {
    lines.push(`  -> IPA ${hex(f.ipa, 10)}`);
    lines.push(`  stage 2: invalid entry at level ${f.level}${f.region ? `: traps to handler region '${f.region.name}'` : ': no handler (accesses are injected)'}`);
  }
  return lines.join('\n') + '\n';
}
