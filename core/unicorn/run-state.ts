// The run state the native shim's hooks share with JS: instruction count, stop reason, limits, the slice deadline,
// the breakpoint to step off, the VA range of block mappings for TLB maintenance, and the stage-2 table of the native
// TLB fill. One per engine.
import koffi from 'koffi';
import { UC_MEM } from './constants.js';
import { check, type UnicornEngine } from './engine.js';
import type { HostRegion, InstructionClock } from './host-memory.js';

/** Why a shim hook stopped the run (el2dbg-shim.c STOP_*). */
export const RUN_STOP = {
  NONE: 0n,
  REQUEST: 1n,
  LIMIT: 2n,
  DEADLINE: 3n,
  BREAKPOINT: 4n,
  INTERRUPT: 5n,
  EVENT: 6n,
} as const;

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
  fillOff: 14,
  fillNative: 15,
  fillPassed: 16,
  fillRangeCount: 17,
  inRun: 18,
  regsValid: 19,
  fillRanges: 24,
} as const;
/** Entries of the native fill's range table (FILL_MAX_RANGES), three slots each. */
export const NATIVE_FILL_MAX_RANGES = 64;
/** Host mappings the shim made (el2dbg_run.host_maps), three slots each. */
const HOST_MAPS = 4;
const TAIL = SLOT.fillRanges + 3 * NATIVE_FILL_MAX_RANGES + 3 * HOST_MAPS; // el2dbg_run.time_base_ns onwards
const TAIL_SLOT = {
  timeBaseNs: TAIL,
  cntvoff: TAIL + 1,
  irqLines: TAIL + 2,
  eventNs: TAIL + 3,
  sysregCb: TAIL + 4,
  sysregCalls: TAIL + 5,
} as const;
/** Bits of the interrupt lines the shim's block hook checks against PSTATE (el2dbg_run.irq_lines). */
export const IRQ_LINES = { IRQ: 1n, FIQ: 2n } as const;
/** ROM devices (el2dbg_run.romd: ROMD_MAX entries of ROMD_SLOTS slots; ROMD_ARRAY_MODE is the third). */
export const ROM_DEVICE_MAX = 2;
const ROMD_SLOTS = 8;
const ROMD_ARRAY_MODE = 2;
const SLOT_ROMD = TAIL + 6;
/** el2dbg_run.icount_ns, icount_origin, icount_time0, icount_now: the instruction clock of a recording. */
const SLOT_ICOUNT = SLOT_ROMD + ROMD_SLOTS * ROM_DEVICE_MAX;
/** el2dbg_run.mrs_answers: 4 pairs (SYSREG_KEY, value) an MRS reads instead of unicorn's register. */
const SLOT_MRS = SLOT_ICOUNT + 4;
const SLOTS = SLOT_MRS + 2 * 4;
/** How a ROM device is mapped (el2dbg-shim.c ROMD_MAPPED_*). */
export const ROMD_MAPPED = { NONE: 0, MEMORY: 1, MMIO: 2 } as const;
export type RomdMapping = (typeof ROMD_MAPPED)[keyof typeof ROMD_MAPPED];

/** Why the native fill leaves every fill to JS (bits of el2dbg_run.fill_off); none set: it answers what it can. */
export const FILL_OFF = {
  /** No valid stage-2 table was exported (too many ranges, or not exported yet). */
  NO_TABLE: 1n,
  /** Watchpoints are set: watched pages need the JS fill. */
  WATCHPOINTS: 2n,
  /** A probe through unicorn's TLB is under way (AddressSpace.probing). */
  PROBING: 4n,
  /** Turned off by hand (tests, measurements). */
  MANUAL: 8n,
} as const;

/**
 * One entry of the native fill's stage-2 table: IPAs in [base, end) translate to PA = IPA and something answers there;
 * `memory` when it is RAM or flash (descriptors may be read there without calling a device model).
 */
export interface NativeFillRange {
  readonly base: bigint;
  readonly end: bigint;
  readonly memory: boolean;
  /** Memory the TLB maps without write permission (flash bank 0 as memory); a write is left to the JS fill. */
  readonly readOnly?: boolean;
  /** Instruction fetches are left to the JS fill (flash bank 0 behind its model, which a fetch may map back). */
  readonly noFetch?: boolean;
}
/** FILL_RANGE_* flags of el2dbg-shim.c. */
const [FILL_RANGE_MEMORY, FILL_RANGE_READ_ONLY, FILL_RANGE_NO_FETCH] = [1n, 2n, 4n];
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
    this.v[SLOT.fillOff] = FILL_OFF.NO_TABLE;
    this.v[SLOT_ICOUNT + 3] = NONE;
    const { lib, handle } = engine;
    const id = () => new BigUint64Array(1); // the block, TLBI, fill, MSR and MRS hooks' ids (not kept)
    check(lib, 'el2dbg_attach', lib.shim.el2dbg_attach(handle, this.block, id(), id(), id(), id(), id()));
  }

  /** Entry `i` (0-3) of the MRS answers: an MRS of `key` (SYSREG_KEY in the shim; 0: none) reads `value`. */
  setMrsAnswer(i: number, key: number, value: bigint): void {
    [this.v[SLOT_MRS + 2 * i], this.v[SLOT_MRS + 2 * i + 1]] = [BigInt(key), value];
  }

  /** CLOCK_MONOTONIC now, in ns: the clock of `timeBaseNs` and `eventNs`. */
  nowNs(): bigint {
    return BigInt(this.engine.lib.shim.el2dbg_now_ns());
  }

  /**
   * Virtual time starts here: the guest's counter (CNTPCT_EL0, 62.5 MHz) is (now - timeBaseNs) / 16. Moving the base
   * forward by a pause hides the pause from the guest.
   */
  get timeBaseNs(): bigint {
    return this.v[TAIL_SLOT.timeBaseNs]!;
  }

  set timeBaseNs(ns: bigint) {
    this.v[TAIL_SLOT.timeBaseNs] = ns;
  }

  /**
   * The instruction clock of a recording: virtual ns = time0 + (executed - origin) * nsPerInsn, so a replay reads the
   * same time at the same instruction. null: virtual time follows the host clock (timeBaseNs).
   */
  get instructionClock(): InstructionClock | null {
    const v = this.v;
    const ns = v[SLOT_ICOUNT]!;
    return ns === 0n ? null : { nsPerInsn: ns, origin: v[SLOT_ICOUNT + 1]!, time0: v[SLOT_ICOUNT + 2]! };
  }

  set instructionClock(c: InstructionClock | null) {
    this.v[SLOT_ICOUNT + 1] = c?.origin ?? 0n;
    this.v[SLOT_ICOUNT + 2] = c?.time0 ?? 0n;
    this.v[SLOT_ICOUNT] = c?.nsPerInsn ?? 0n;
  }

  /** Guest memory the shim allocated (RAM, then the flash arrays), as live views: what a snapshot keeps. */
  hostRegions(): HostRegion[] {
    const out: HostRegion[] = [];
    const add = (slot: number, size: bigint) => {
      if (size === 0n) return;
      const ptr = koffi.decode(this.block, slot * 8, 'void *') as unknown;
      out.push({ ptr, bytes: new Uint8Array(koffi.view(ptr, Number(size))) });
    };
    const maps = SLOT.fillRanges + 3 * NATIVE_FILL_MAX_RANGES;
    for (let i = 0; i < HOST_MAPS; i++) add(maps + 3 * i + 2, this.v[maps + 3 * i + 1]!);
    for (let i = 0; i < ROM_DEVICE_MAX; i++) add(SLOT_ROMD + ROMD_SLOTS * i, this.v[SLOT_ROMD + ROMD_SLOTS * i + 1]!);
    return out;
  }

  /** The generic timer's physical count now (CNTPCT_EL0). */
  get counter(): bigint {
    return BigInt(this.engine.lib.shim.el2dbg_counter(this.block));
  }

  /** CNTVOFF_EL2: CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF. */
  set cntvoff(ticks: bigint) {
    this.v[TAIL_SLOT.cntvoff] = BigInt.asUintN(64, ticks);
  }

  /** The IRQ/FIQ lines (IRQ_LINES): while one is up and PSTATE does not mask it, the run stops before a block. */
  set irqLines(lines: bigint) {
    this.v[TAIL_SLOT.irqLines] = lines;
  }

  /** CLOCK_MONOTONIC ns at which the run stops at a block boundary (a timer's deadline); 0n: none. */
  set eventNs(ns: bigint) {
    this.v[TAIL_SLOT.eventNs] = ns;
  }

  /** Routes MRS/MSR of the generic timers and the GIC CPU interface to a callback (EngineHooks.sysregCallback). */
  set sysregCallback(address: bigint) {
    this.v[TAIL_SLOT.sysregCb] = address;
  }

  /** Register accesses the shim handed to the sysreg callback. */
  get sysregCalls(): bigint {
    return this.v[TAIL_SLOT.sysregCalls]!;
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
    // The native fill may keep the translation registers from now until the run ends or the guest runs an MSR.
    this.v[SLOT.regsValid] = 0n;
    this.v[SLOT.inRun] = 1n;
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
    v[SLOT.inRun] = 0n; // JS may write registers again: the native fill reads them at every fill
    v[SLOT.regsValid] = 0n;
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

  /**
   * Replaces the native fill's stage-2 table (null: no table, every fill goes to JS). More ranges than the table holds
   * also turn the native fill off.
   */
  setFillRanges(ranges: readonly NativeFillRange[] | null): void {
    const v = this.v;
    if (ranges === null || ranges.length > NATIVE_FILL_MAX_RANGES) {
      v[SLOT.fillRangeCount] = 0n;
      this.setFillOff(FILL_OFF.NO_TABLE, true);
      return;
    }
    v[SLOT.fillRangeCount] = 0n; // the fill never runs during this (one thread), but keep the table consistent anyway
    ranges.forEach((r, i) => {
      v[SLOT.fillRanges + 3 * i] = r.base;
      v[SLOT.fillRanges + 3 * i + 1] = r.end;
      const flags = [
        r.memory && FILL_RANGE_MEMORY,
        r.readOnly && FILL_RANGE_READ_ONLY,
        r.noFetch && FILL_RANGE_NO_FETCH,
      ];
      v[SLOT.fillRanges + 3 * i + 2] = flags.reduce<bigint>((all, f) => all | (f || 0n), 0n);
    });
    v[SLOT.fillRangeCount] = BigInt(ranges.length);
    this.setFillOff(FILL_OFF.NO_TABLE, false);
  }

  /** Sets or clears one reason (FILL_OFF) for the native fill to leave every fill to JS. */
  setFillOff(reason: bigint, off: boolean): void {
    const v = this.v;
    v[SLOT.fillOff] = off ? v[SLOT.fillOff]! | reason : v[SLOT.fillOff]! & ~reason;
  }

  /** The FILL_OFF reasons set now. */
  get fillOff(): bigint {
    return this.v[SLOT.fillOff]!;
  }

  /** Fills the native fill answered, and fills it passed on to the JS fill, since the engine was opened. */
  get fillCounts(): { native: bigint; passed: bigint } {
    return { native: this.v[SLOT.fillNative]!, passed: this.v[SLOT.fillPassed]! };
  }

  /**
   * The native fill's answer for one page VA without a run and without side effects (the differential test):
   * [pa, UC_PROT perms, stage-1 block size (0: stage 1 off)], or null where the JS fill decides.
   */
  probeFill(
    va: bigint,
    access: 'read' | 'write' | 'fetch',
    el: 0 | 1,
    regs: readonly [sctlr: bigint, tcr: bigint, ttbr0: bigint, ttbr1: bigint],
  ): { pa: bigint; perms: number; blockSize: bigint } | null {
    const out = new BigUint64Array(3);
    const type = access === 'read' ? UC_MEM.READ : access === 'write' ? UC_MEM.WRITE : UC_MEM.FETCH;
    const { lib, handle } = this.engine;
    const ok = lib.shim.el2dbg_fill_probe(handle, this.block, va, type, el, BigUint64Array.from(regs), out);
    return ok ? { pa: out[0]!, perms: Number(out[1]!), blockSize: out[2]! } : null;
  }

  /**
   * Maps zeroed RAM-like memory the shim allocates (uc_mem_map_ptr), so the native fill reads descriptors there
   * directly. At most four; all are freed by releaseHostMemory after uc_close.
   */
  mapHostMemory(base: bigint, size: bigint, perms: number): void {
    const { lib, handle } = this.engine;
    const what = `el2dbg_host_map(0x${base.toString(16)}, 0x${size.toString(16)})`;
    check(lib, what, lib.shim.el2dbg_host_map(handle, this.block, base, size, perms));
  }

  /**
   * Zeroes [base, base + size) inside memory mapped by mapHostMemory, leaving it mapped (its pages go back to the
   * host); the caller flushes the TLB and the translated blocks.
   */
  zeroHostMemory(base: bigint, size: bigint): void {
    const { lib } = this.engine;
    const what = `el2dbg_host_zero(0x${base.toString(16)}, 0x${size.toString(16)})`;
    check(lib, what, lib.shim.el2dbg_host_zero(this.block, base, size));
  }

  /**
   * Sets up ROM device `index` (el2dbg-shim.c, "ROM devices"): a zeroed array of `size` bytes in host memory, returned
   * as a live view, and the callbacks of its model's MMIO window (EngineHooks.mmioCallbacks). Unmapped until romdMap.
   */
  romdInit(index: number, size: bigint, callbacks: { readCb: unknown; writeCb: unknown }): Uint8Array {
    const { lib } = this.engine;
    const host: [unknown] = [null];
    const rc = lib.shim.el2dbg_romd_init(this.block, index, size, callbacks.readCb, callbacks.writeCb, host);
    check(lib, `el2dbg_romd_init(${index}, 0x${size.toString(16)})`, rc);
    return new Uint8Array(koffi.view(host[0], Number(size)));
  }

  /** Maps ROM device `index` at `base` as memory (with `perms`) or as its MMIO window, or unmaps it. */
  romdMap(index: number, base: bigint, how: RomdMapping, perms: number): void {
    const { lib, handle } = this.engine;
    const what = `el2dbg_romd_map(${index}, 0x${base.toString(16)}, ${how})`;
    check(lib, what, lib.shim.el2dbg_romd_map(handle, this.block, index, base, how, perms));
  }

  /** Tells the shim whether ROM device `index`'s model shows its array (its MMIO reads then come from the array). */
  romdArrayMode(index: number, on: boolean): void {
    this.v[SLOT_ROMD + ROMD_SLOTS * index + ROMD_ARRAY_MODE] = on ? 1n : 0n;
  }

  /** Zeroes ROM device `index`'s array; the caller flushes the TLB and the translated blocks. */
  romdZero(index: number): void {
    const { lib } = this.engine;
    check(lib, `el2dbg_romd_zero(${index})`, lib.shim.el2dbg_romd_zero(this.block, index));
  }

  /** Frees the memory of every host mapping and ROM device: only once the engine is closed. */
  releaseHostMemory(): void {
    this.engine.lib.shim.el2dbg_host_release(this.block);
  }

  /** Adds a breakpoint hook on exactly `address`; returns its hook id (remove it with engine.deleteHook). */
  addBreakpoint(address: bigint): bigint {
    const hh = new BigUint64Array(1);
    const { lib, handle } = this.engine;
    check(lib, 'el2dbg_breakpoint_add', lib.shim.el2dbg_breakpoint_add(handle, this.block, address, hh));
    return hh[0]!;
  }
}
