import type { MachineEvent } from '../../core/el2/events.js';

/** Counts of what the guest did, for `monitor stats`. */
export class MachineStats {
  readonly trapsByRegion = new Map<string, Map<string, number>>();
  readonly hypercalls = new Map<string, number>();
  injections = 0;
  guestExceptions = 0;
  traps = 0;

  /** Adds one machine event. */
  observe(e: MachineEvent): void {
    switch (e.kind) {
      case 'decision': {
        this.traps++;
        const region = e.decision.region ?? '(no region)';
        let m = this.trapsByRegion.get(region);
        if (!m) this.trapsByRegion.set(region, (m = new Map()));
        m.set(e.decision.why, (m.get(e.decision.why) ?? 0) + 1);
        return;
      }
      case 'injection':
        this.injections++;
        return;
      case 'hypercall': {
        const key = `${e.conduit} ${e.name}`;
        this.hypercalls.set(key, (this.hypercalls.get(key) ?? 0) + 1);
        return;
      }
      case 'guest-exception':
      case 'instruction-abort':
        this.guestExceptions++;
        return;
      default:
        return;
    }
  }

  /** Formats the counts; instructions over run time give MIPS. */
  report(run: { instructions: bigint; runNs: bigint }): string {
    const secs = Number(run.runNs) / 1e9;
    const mips =
      secs > 0 ? `, ${(Number(run.instructions) / secs / 1e6).toFixed(1)} MIPS over ${secs.toFixed(3)} s running` : '';
    const lines = [`instructions   ${run.instructions} since the last reset${mips}`, `stage-2 traps  ${this.traps}`];
    for (const [region, whys] of this.trapsByRegion)
      lines.push(`  ${region}: ${[...whys].map(([w, n]) => `${w} ${n}`).join(', ')}`);
    lines.push(`injections     ${this.injections}`);
    lines.push(`hypercalls     ${[...this.hypercalls].map(([k, n]) => `${k} ${n}`).join(', ') || '0'}`);
    lines.push(`guest exceptions ${this.guestExceptions}`);
    return lines.join('\n') + '\n';
  }

  reset(): void {
    this.trapsByRegion.clear();
    this.hypercalls.clear();
    this.injections = this.guestExceptions = this.traps = 0;
  }
}
