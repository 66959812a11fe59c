// What the device tree tells the guest it may reach, from the stage-2 policy: as RITM's modify_dt edits QEMU's tree,
// RAM stage 2 keeps from the guest (RITM's own image window) is left out of the memory node, and the PCIe bridge is
// described only when the guest can reach its whole ECAM window.
import { virtRegion } from '../platform/virt-memory-map.js';
import type { Stage2Policy } from '../stage2/stage2-policy.js';

export interface GuestView {
  readonly ramRanges: readonly { base: bigint; size: bigint }[];
  readonly pcie: boolean;
}

/** The parts of RAM [ramBase, ramBase + ramSize) and of the ECAM window the policy maps or traps to a handler. */
export function guestView(policy: Stage2Policy, ramBase: bigint, ramSize: bigint): GuestView {
  const reachable = [...policy.allowedRanges, ...policy.regions]
    .map((r) => ({ base: r.base, end: r.end }))
    .sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  const ramRanges: { base: bigint; size: bigint }[] = [];
  const ramEnd = ramBase + ramSize;
  for (const r of reachable) {
    const base = r.base > ramBase ? r.base : ramBase;
    const end = r.end < ramEnd ? r.end : ramEnd;
    if (base >= end) continue;
    const last = ramRanges[ramRanges.length - 1];
    if (last && last.base + last.size >= base) {
      const lastEnd = last.base + last.size;
      last.size = (end > lastEnd ? end : lastEnd) - last.base;
    } else ramRanges.push({ base, size: end - base });
  }
  return { ramRanges, pcie: covered(reachable, virtRegion('pcie-ecam')) };
}

/** True if the sorted ranges cover [window.base, window.base + window.size) without a gap. */
function covered(sorted: readonly { base: bigint; end: bigint }[], window: { base: bigint; size: bigint }): boolean {
  let at = window.base;
  const end = window.base + window.size;
  for (const r of sorted) {
    if (r.base > at) break;
    if (r.end > at) at = r.end;
    if (at >= end) return true;
  }
  return false;
}
