// What the decision tests build decisions from: a trap frame, a syndrome and a one-region policy at BASE.
import type { AbortSyndrome } from '../../../core/el2/decision.js';
import type { TrapFrame } from '../../../core/el2/trap-frame.js';
import { DEVICE } from '../../../core/stage2/stage2-attributes.js';
import { Stage2PolicyBuilder } from '../../../core/stage2/stage2-policy.js';
import type { MmioAccessHandlers } from '../../../core/stage2/stage2-types.js';

/** A trap frame with the given x registers (the rest zero), taken from EL1h with DAIF masked. */
export const frame = (x: Record<number, bigint> = {}): TrapFrame => ({
  x: Array.from({ length: 31 }, (_, i) => x[i] ?? 0n),
  spEl1: 0n,
  elrEl2: 0n,
  spsrEl2: 0x3c5n,
  esrEl2: 0n,
  farEl2: 0n,
  hpfarEl2: 0n,
});

/** A valid syndrome: a 64-bit read into x0 unless `s` says otherwise. */
export const syn = (s: Partial<AbortSyndrome>): AbortSyndrome => ({
  isv: true,
  width: 64,
  sse: false,
  srt: 0,
  sf: true,
  write: false,
  ...s,
});

/** The handler region's base IPA. */
export const BASE = 0x0f00_0000n;

/** Device memory below BASE and one handler region 'dev' at BASE. */
export const policyWith = (h: MmioAccessHandlers) =>
  new Stage2PolicyBuilder().allowRange(0n, BASE, DEVICE).handleRange(BASE, 0x1000n, h, 'dev').build();
