// The native TLB fill as tests and measurements see it: on or off by hand, its counts, and its answer for one VA.
import type { MemAccessType } from '../unicorn/engine.js';
import { FILL_OFF, type RunState } from '../unicorn/run-state.js';

export class NativeFillControl {
  constructor(private readonly runState: RunState) {}

  /**
   * Turns the native TLB fill on or off by hand (it is on by default; off, every fill goes through the TypeScript
   * walker, as before it existed).
   */
  set(on: boolean): void {
    this.runState.setFillOff(FILL_OFF.MANUAL, !on);
  }

  /** Its FILL_OFF reasons (0n: on), fills it answered, fills it left to TypeScript. */
  get state(): { off: bigint; native: bigint; passed: bigint } {
    return { off: this.runState.fillOff, ...this.runState.fillCounts };
  }

  /** Its answer for one page VA with the given registers, without a run (the differential test). */
  probe(
    va: bigint,
    access: MemAccessType,
    el: 0 | 1,
    regs: readonly [sctlr: bigint, tcr: bigint, ttbr0: bigint, ttbr1: bigint],
  ): { pa: bigint; perms: number; blockSize: bigint } | null {
    return this.runState.probeFill(va, access, el, regs);
  }
}
