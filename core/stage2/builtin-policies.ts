import { buildAllowAllPolicy, buildRitmPciPolicy, buildRitmQemuPolicy } from './ritm-qemu-policy.js';
import type { Stage2PolicyBuilder } from './stage2-policy.js';

/** The policies el2dbg ships, by name (--policy NAME, Guest.create({ policy: NAME })). */
export const BUILTIN_POLICIES: ReadonlyMap<string, (b: Stage2PolicyBuilder, ramSize: bigint) => unknown> = new Map<
  string,
  (b: Stage2PolicyBuilder, ramSize: bigint) => unknown
>([
  ['ritm', (b, ramSize) => buildRitmQemuPolicy(b, ramSize)],
  ['ritm-pci', (b, ramSize) => buildRitmPciPolicy(b, ramSize)],
  ['allow-all', (b, ramSize) => buildAllowAllPolicy(b, ramSize)],
]);
