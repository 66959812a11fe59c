// The run state the native shim's hooks share with JS: instruction count, stop reason, limits, the slice deadline,
// the breakpoint to step off, and the VA range of block mappings for TLB maintenance. One per engine.
import koffi from 'koffi';
import { check, type UnicornEngine } from './engine.js';

/** Why a shim hook stopped the run (el2dbg-shim.c STOP_*). */
export const RUN_STOP = { NONE: 0n, REQUEST: 1n, LIMIT: 2n, DEADLINE: 3n, BREAKPOINT: 4n } as const;

/** Slot of each field in the shared block (the order of el2dbg_run in el2dbg-shim.c). */
const SLOT = {
  executed: 0,
  tbBase: 1,
  tbStart: 2,
  tbEnd: 3,
  stopReason: 4,
  stopPc: 5,
  limit: 6,
  deadlineNs: 7,
  skipPc: 8,
  request: 9,
  tick: 10,
  blockLo: 11,
  blockHi: 12,
  tlbiFlushes: 13,
} as const;
const SLOTS = 16;
const NONE = 0xffff_ffff_ffff_ffffn;

/** The shim's per-engine state, readable and writable from JS between (and during) runs without a call. */
export class RunState {
  private readonly block: unknown;
  private readonly v: BigUint64Array;

  constructor(private readonly engine: UnicornEngine) {
    this.block = koffi.alloc('uint64_t', SLOTS);
    this.v = new BigUint64Array(koffi.view(this.block, SLOTS * 8));
    this.v.fill(0n);
    this.v[SLOT.limit] = NONE;
    this.v[SLOT.skipPc] = NONE;
    this.clearBlockRange();
    const blockHook = new BigUint64Array(1);
    const sysHook = new BigUint64Array(1);
    const { lib, handle } = engine;
    check(lib, 'el2dbg_attach', lib.shim.el2dbg_attach(handle, this.block, blockHook, sysHook));
  }

  /** Instructions executed so far (exact once `settle` has run after a run). */
  get executed(): bigint {
    return this.v[SLOT.executed]!;
  }

  set executed(n: bigint) {
    this.v[SLOT.executed] = n;
  }

  /** Why the last run was stopped by a shim hook (RUN_STOP), and where. */
  get stopReason(): bigint {
    return this.v[SLOT.stopReason]!;
  }

  get stopPc(): bigint {
    return this.v[SLOT.stopPc]!;
  }

  /** Gets a run ready: no stop reason yet, the count it may not pass, and the slice deadline (0n: none). */
  prepare(limit: bigint | null, deadlineNs: bigint): void {
    this.v[SLOT.stopReason] = RUN_STOP.NONE;
    this.v[SLOT.limit] = limit ?? NONE;
    this.v[SLOT.deadlineNs] = deadlineNs;
    this.v[SLOT.tick] = 0n;
    this.v[SLOT.request] = 0n;
  }

  /** The breakpoint at `pc` lets its next execution pass (resuming from it); null clears that. */
  skipBreakpointOnce(pc: bigint | null): void {
    this.v[SLOT.skipPc] = pc ?? NONE;
  }

  /** Asks the run in progress to stop at its next block boundary (from a callback on the CPU thread). */
  requestStop(): void {
    this.v[SLOT.request] = 1n;
  }

  /**
   * Makes the count exact after a run: a run stopped inside a block (an exception, a trap, a breakpoint, a count)
   * executed only the block's instructions before `pc`; one stopped at a block boundary executed whole blocks.
   */
  settle(pc: bigint): bigint {
    const v = this.v;
    const start = v[SLOT.tbStart]!;
    const boundary = v[SLOT.stopReason] !== RUN_STOP.NONE && v[SLOT.stopReason] !== RUN_STOP.BREAKPOINT;
    if (!boundary && pc >= start && pc < v[SLOT.tbEnd]!) v[SLOT.executed] = v[SLOT.tbBase]! + (pc - start) / 4n;
    // The next run starts a new block: a partial block is never counted twice.
    v[SLOT.tbStart] = NONE;
    v[SLOT.tbEnd] = 0n;
    return v[SLOT.executed]!;
  }

  /** Notes a stage-1 block (larger than a page) the TLB now holds pages of: a TLBI by VA inside it flushes all. */
  noteBlockMapping(vaBase: bigint, size: bigint): void {
    const v = this.v;
    if (vaBase < v[SLOT.blockLo]!) v[SLOT.blockLo] = vaBase;
    const end = vaBase + size;
    if (end > v[SLOT.blockHi]!) v[SLOT.blockHi] = end;
  }

  /** The TLB was flushed: no block pages are cached any more. */
  clearBlockRange(): void {
    this.v[SLOT.blockLo] = NONE;
    this.v[SLOT.blockHi] = 0n;
  }

  /** Full TLB flushes the TLBI hook made for a TLBI by VA inside a block. */
  get tlbiFlushes(): bigint {
    return this.v[SLOT.tlbiFlushes]!;
  }

  /** Adds a breakpoint hook on exactly `address`; returns its hook id (remove it with engine.deleteHook). */
  addBreakpoint(address: bigint): bigint {
    const hh = new BigUint64Array(1);
    const { lib, handle } = this.engine;
    check(lib, 'el2dbg_breakpoint_add', lib.shim.el2dbg_breakpoint_add(handle, this.block, address, hh));
    return hh[0]!;
  }
}
