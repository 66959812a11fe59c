import type { El2State } from '../el2/el2-state.js';
import { walkStage1, type Stage1Fault, type Stage1Translation, type TableRead } from '../mmu/stage1-walker.js';
import type { Stage2Policy } from '../stage2/stage2-policy.js';
import type { HandlerRegion, Stage2Level } from '../stage2/stage2-types.js';
import { UC_ARM64_REG, UC_PROT } from '../unicorn/constants.js';
import type { MemAccessType, UnicornEngine } from '../unicorn/engine.js';
import type { WatchKind } from '../el2/events.js';
import { SYSREG, pstateEl } from '../arch/sysregs.js';
import { MixedRegisterBatch } from '../unicorn/register-batch.js';
import { FILL_OFF, type NativeFillRange } from '../unicorn/run-state.js';

/** Why a descriptor read on the stage-1 walk failed: stage 2 does not map the table's IPA, or no memory is there. */
export type WalkReadFault = { kind: 'stage2'; ipa: bigint; level: Stage2Level } | { kind: 'no-memory'; pa: bigint };

/** A translation that did not reach memory: stage 1 failed (maybe on a table read), or stage 2 does not map the IPA. */
export type TranslationFault =
  | { stage: 1; fault: Stage1Fault<WalkReadFault> }
  | { stage: 2; ipa: bigint; level: Stage2Level; region: HandlerRegion | null };

/** VA -> IPA -> PA through both stages. */
export type FullTranslation =
  | { kind: 'ok'; va: bigint; ipa: bigint; pa: bigint; stage1: Stage1Translation }
  | { kind: 'fault'; va: bigint; fault: TranslationFault };

/** A fill that faulted, with everything its answer depended on: the translation registers, the stage-2 generation
 * and the value of every descriptor the walk read. */
interface FaultCacheEntry {
  readonly regs: readonly bigint[];
  readonly descriptors: readonly { pa: bigint; value: bigint }[];
  readonly generation: number;
  readonly stop: FillStop;
}

/** A watched range of guest virtual addresses. */
export interface Watchpoint {
  readonly addr: bigint;
  readonly length: number;
  readonly kind: WatchKind;
  /** What `addr` is: a guest virtual address (default) or a guest-physical one (IPA). */
  readonly space?: AddressKind;
}

/** What a debugger address means: a guest virtual address (through both stages) or an IPA (stage 2 only). */
export type AddressKind = 'va' | 'ipa';

/** A debugger read: the bytes read, all of them unless `faultAt` names the first address that did not translate. */
export interface RangeRead {
  readonly data: Uint8Array;
  readonly faultAt: bigint | null;
}

/** A debugger write: how many bytes were written, and where it stopped if it did not reach the end. */
export interface RangeWrite {
  readonly written: number;
  readonly faultAt: bigint | null;
}

/** What the TLB-fill hook ran into, for the machine to handle once the run returns. */
export type FillStop =
  | { kind: 'translation'; va: bigint; access: MemAccessType; el: 0 | 1; fault: TranslationFault }
  | { kind: 'watch-page'; va: bigint; access: MemAccessType }
  /** The translation reached a physical address where the machine has nothing: a synchronous external abort. */
  | { kind: 'external-abort'; va: bigint; access: MemAccessType; el: 0 | 1; pa: bigint }
  | { kind: 'remap-flash'; va: bigint; access: MemAccessType }; // flash bank 0 must be remapped, then it runs again

/** What the address space needs from the machine besides the engine: its memory map and the TLB bookkeeping. */
export interface AddressSpaceHost {
  /** True if RAM, flash or a device answers at this physical address. */
  isBacked(pa: bigint): boolean;
  /** unicorn's TLB now holds a page of the stage-1 block [vaBase, vaBase + size) (larger than a page). */
  noteBlockMapping(vaBase: bigint, size: bigint): void;
  /** Physical ranges something answers at, as the native fill is to treat them (`memory`: RAM or flash). */
  backedRanges(): readonly NativeFillRange[];
  /** Flash bank 0 as memory: map it 'read-only', or 'remap' it before this access (VirtBoard.flashAccess). */
  flashAccess(pa: bigint, access: MemAccessType): 'read-only' | 'remap' | null;
  /** Writes physical memory as a debugger does (flash: its array); false if a byte is unmapped. */
  writePhysical(pa: bigint, bytes: Uint8Array): boolean;
  /** The native TLB fill's controls (the engine's RunState): its stage-2 table and its reasons to stay off. */
  readonly nativeFill: {
    setFillRanges(ranges: readonly NativeFillRange[] | null): void;
    setFillOff(reason: bigint, off: boolean): void;
  };
}

const PAGE = 0x1000n;

function watchMatches(kind: WatchKind, access: MemAccessType): boolean {
  if (access === 'fetch') return false;
  return kind === 'access' || (kind === 'write') === (access === 'write');
}

/**
 * The guest's view of memory: stage 1 (our walker over the guest's tables), then the EL2 model's stage 2, then
 * unicorn's physical memory. Answers unicorn's TLB fills and the debugger's virtual-memory accesses.
 */
export class AddressSpace {
  private watchpoints: readonly Watchpoint[] = [];
  /** While true, watched pages translate normally (to execute one instruction over a watched page). */
  watchBypass = false;
  private readonly buf8 = new Uint8Array(8);
  private readonly view8 = new DataView(this.buf8.buffer);

  /**
   * Fills that faulted, by page VA, access and EL, with the translation registers they were computed from. unicorn does
   * not cache a failed fill, so a trapping page comes back on every access; while SCTLR/TCR/TTBRx and the stage-2
   * generation are unchanged the answer is the same, and the walk is skipped.
   */
  private readonly faultCache = new Map<bigint, (FaultCacheEntry | undefined)[]>();
  /** While set, readDescriptor records every descriptor the walk reads (so a cached fault can be re-validated). */
  private recording: { pa: bigint; value: bigint }[] | null = null;
  private generation = 0;

  constructor(
    private readonly uc: UnicornEngine,
    private readonly el2: El2State,
    private policy: Stage2Policy,
    private readonly host: AddressSpaceHost,
  ) {
    this.regBatch = new MixedRegisterBatch(
      uc,
      [UC_ARM64_REG.PSTATE, UC_ARM64_REG.TTBR0_EL1, UC_ARM64_REG.TTBR1_EL1],
      [SYSREG.SCTLR_EL1, SYSREG.TCR_EL1],
    );
    this.exportNativeFill();
  }

  /** Replaces the stage-2 policy (a machine reset builds a fresh one); cached faults go. */
  setPolicy(policy: Stage2Policy): void {
    this.policy = policy;
    this.invalidate();
  }

  /**
   * Forgets cached fill faults (stage 2 or watchpoints changed) and gives the native fill a fresh stage-2 table: every
   * change of the policy, HCR_EL2/VTCR_EL2/VTTBR_EL2 and the watchpoints comes through here.
   */
  invalidate(): void {
    this.generation++;
    this.faultCache.clear();
    this.exportNativeFill();
  }

  /**
   * The native fill's stage-2 table: the IPA ranges translateIpa maps (to PA = IPA) where something answers (the
   * fill's external-abort check), cut to the backed ranges. Handler regions and unmapped IPAs are not in it, so the
   * native fill leaves them (and every fault) to fill(). If a range does not translate as exported, no table at all.
   */
  private exportNativeFill(): void {
    const backed = this.host.backedRanges();
    let ranges: NativeFillRange[] | null = [];
    if (!this.el2.stage2Enabled) {
      ranges = [...backed];
    } else {
      for (const a of this.policy.allowedRanges) {
        for (const b of backed) {
          const base = a.base > b.base ? a.base : b.base;
          const end = a.end < b.end ? a.end : b.end;
          if (base < end) ranges.push({ ...b, base, end });
        }
      }
      for (const r of ranges) {
        const first = this.policy.translate(r.base);
        const last = this.policy.translate(r.end - 1n);
        if (first.kind !== 'mapped' || first.pa !== r.base || last.kind !== 'mapped' || last.pa !== r.end - 1n) {
          ranges = null;
          break;
        }
      }
    }
    this.host.nativeFill.setFillRanges(ranges);
  }

  /** PSTATE, TTBR0/1 and SCTLR/TCR in one FFI call (the fill hook's hot path). */
  private readonly regBatch: MixedRegisterBatch;

  /** [SCTLR_EL1, TCR_EL1, TTBR0_EL1, TTBR1_EL1, EL] read in one batch. */
  private readTranslationState(): [bigint, bigint, bigint, bigint, 0 | 1] {
    const v = this.regBatch.read();
    return [v[3]!, v[4]!, v[1]!, v[2]!, pstateEl(v[0]!) === 0 ? 0 : 1];
  }

  /** Translates `va` for `access` at exception level `el` through stage 1 and stage 2. */
  translate(
    va: bigint,
    access: MemAccessType,
    el?: 0 | 1,
    regs?: readonly [bigint, bigint, bigint, bigint],
  ): FullTranslation {
    if (el === undefined || regs === undefined) {
      const st = this.readTranslationState();
      el ??= st[4];
      regs ??= [st[0], st[1], st[2], st[3]];
    }
    const s1 = walkStage1<WalkReadFault>({
      va,
      access,
      el,
      regs: { sctlrEl1: regs[0], tcrEl1: regs[1], ttbr0El1: regs[2], ttbr1El1: regs[3] },
      readTableEntry: (ipa) => this.readDescriptor(ipa),
    });
    if (s1.kind === 'fault') return { kind: 'fault', va, fault: { stage: 1, fault: s1 } };
    const s2 = this.translateIpa(s1.ipa);
    if (s2.kind === 'fault')
      return { kind: 'fault', va, fault: { stage: 2, ipa: s1.ipa, level: s2.level, region: s2.region } };
    return { kind: 'ok', va, ipa: s1.ipa, pa: s2.pa, stage1: s1 };
  }

  /** Stage 2 alone: the PA of an IPA, or the level of the invalid entry (identity when HCR_EL2.VM = 0). */
  translateIpa(
    ipa: bigint,
  ): { kind: 'ok'; pa: bigint } | { kind: 'fault'; level: Stage2Level; region: HandlerRegion | null } {
    if (!this.el2.stage2Enabled) return { kind: 'ok', pa: ipa };
    const t = this.policy.translate(ipa);
    return t.kind === 'mapped' ? { kind: 'ok', pa: t.pa } : { kind: 'fault', level: t.level, region: t.region };
  }

  private readDescriptor(ipa: bigint): TableRead<WalkReadFault> {
    const s2 = this.translateIpa(ipa);
    if (s2.kind === 'fault') return { kind: 'fault', fault: { kind: 'stage2', ipa, level: s2.level } };
    if (!this.uc.tryReadMemoryInto(s2.pa, this.buf8)) return { kind: 'fault', fault: { kind: 'no-memory', pa: s2.pa } };
    const value = this.view8.getBigUint64(0, true);
    this.recording?.push({ pa: s2.pa, value });
    return { kind: 'ok', value };
  }

  /** True while every descriptor a cached walk read still holds the value it had (the guest may edit its tables). */
  private descriptorsUnchanged(descriptors: readonly { pa: bigint; value: bigint }[]): boolean {
    for (const d of descriptors) {
      if (!this.uc.tryReadMemoryInto(d.pa, this.buf8) || this.view8.getBigUint64(0, true) !== d.value) return false;
    }
    return true;
  }

  /** The TLB-fill answer for a page VA: the physical page and permissions, or why it must fault. */
  fill(va: bigint, access: MemAccessType): { paddr: bigint; perms: number } | FillStop {
    // Batch order: PSTATE, TTBR0, TTBR1, SCTLR, TCR (the array is reused: compare before allocating anything).
    const v = this.regBatch.read();
    const el: 0 | 1 = pstateEl(v[0]!) === 0 ? 0 : 1;
    const slot = (access === 'read' ? 0 : access === 'write' ? 2 : 4) + el;
    const cached = this.faultCache.get(va)?.[slot];
    if (
      cached &&
      cached.generation === this.generation &&
      cached.regs[0] === v[3] &&
      cached.regs[1] === v[4] &&
      cached.regs[2] === v[1] &&
      cached.regs[3] === v[2] &&
      this.descriptorsUnchanged(cached.descriptors)
    ) {
      return cached.stop;
    }
    const regs = [v[3]!, v[4]!, v[1]!, v[2]!] as const;
    const descriptors: { pa: bigint; value: bigint }[] = [];
    this.recording = descriptors;
    let t: FullTranslation;
    try {
      t = this.translate(va, access, el, regs);
    } finally {
      this.recording = null;
    }
    if (t.kind === 'fault') {
      const stop: FillStop = { kind: 'translation', va, access, el, fault: t.fault };
      if (this.faultCache.size > 1024) this.faultCache.clear();
      let slots = this.faultCache.get(va);
      if (!slots) this.faultCache.set(va, (slots = []));
      slots[slot] = { regs, descriptors, generation: this.generation, stop };
      return stop;
    }
    if (!this.host.isBacked(t.pa)) return { kind: 'external-abort', va, access, el, pa: t.pa };
    const flash = this.host.flashAccess(t.pa, access);
    if (flash === 'remap') return { kind: 'remap-flash', va, access };
    if (t.stage1.stage1 === 'enabled' && t.stage1.blockSize > PAGE) {
      this.host.noteBlockMapping(va & ~(t.stage1.blockSize - 1n), t.stage1.blockSize);
    }
    const rights = el === 0 ? t.stage1.perms.el0 : t.stage1.perms.el1;
    const write = rights.write && flash !== 'read-only';
    let perms = (rights.read ? UC_PROT.READ : 0) | (write ? UC_PROT.WRITE : 0) | (rights.exec ? UC_PROT.EXEC : 0);
    if (!this.watchBypass) {
      for (const w of this.watchpoints) {
        const page = w.space === 'ipa' ? t.ipa : va;
        if (w.addr >= page + PAGE || w.addr + BigInt(w.length) <= page) continue;
        if (watchMatches(w.kind, access)) return { kind: 'watch-page', va, access };
        // Keep the other direction out of the TLB so its first access comes back here.
        if (w.kind !== 'read') perms &= ~UC_PROT.WRITE;
        if (w.kind !== 'write') perms &= ~UC_PROT.READ;
      }
    }
    return { paddr: t.pa, perms };
  }

  /** Replaces the watchpoint list (the caller flushes unicorn's TLB). While any is set, the native fill stays off. */
  setWatchpoints(list: readonly Watchpoint[]): void {
    this.watchpoints = [...list];
    this.host.nativeFill.setFillOff(FILL_OFF.WATCHPOINTS, list.length > 0);
    this.invalidate();
  }

  /** The watchpoint an access of the given direction hits, and the address it hit in the watchpoint's space. */
  watchHit(va: bigint, size: number, write: boolean): { watch: Watchpoint; addr: bigint } | null {
    let ipa: bigint | null | undefined;
    for (const w of this.watchpoints) {
      if (!watchMatches(w.kind, write ? 'write' : 'read')) continue;
      let addr = va;
      if (w.space === 'ipa') {
        if (ipa === undefined) {
          const t = this.translate(va, 'read');
          ipa = t.kind === 'ok' ? t.ipa : null;
        }
        if (ipa === null) continue;
        addr = ipa;
      }
      if (addr < w.addr + BigInt(w.length) && w.addr < addr + BigInt(Math.max(size, 1)))
        return { watch: w, addr: addr > w.addr ? addr : w.addr };
    }
    return null;
  }

  /**
   * Reads guest memory for the debugger: `space` 'va' goes through stage 1 and stage 2 as EL1 sees it, 'ipa' through
   * stage 2 alone. Returns what it read, up to the first byte that does not translate to memory (`faultAt`).
   */
  readRange(space: AddressKind, addr: bigint, length: number): RangeRead {
    const out = new Uint8Array(length);
    const r = this.forEachPage(space, addr, length, (pa, offset, size) =>
      this.uc.tryReadMemoryInto(pa, out.subarray(offset, offset + size)),
    );
    return { data: r.done === length ? out : out.subarray(0, r.done), faultAt: r.faultAt };
  }

  /**
   * Writes guest memory for the debugger (page permissions are not enforced, as on QEMU's gdbstub); same spaces as
   * readRange.
   */
  writeRange(space: AddressKind, addr: bigint, data: Uint8Array): RangeWrite {
    const r = this.forEachPage(space, addr, data.length, (pa, offset, size) =>
      this.host.writePhysical(pa, data.subarray(offset, offset + size)),
    );
    return { written: r.done, faultAt: r.faultAt };
  }

  /** The page walk over a range, written once: `op` gets each page's physical address and its part of the range. */
  private forEachPage(
    space: AddressKind,
    addr: bigint,
    length: number,
    op: (pa: bigint, offset: number, size: number) => boolean,
  ): { done: number; faultAt: bigint | null } {
    let done = 0;
    while (done < length) {
      const cur = BigInt.asUintN(64, addr + BigInt(done));
      const size = Math.min(length - done, Number(PAGE - (cur & (PAGE - 1n))));
      const pa = this.physicalAddress(space, cur);
      if (pa === null || !op(pa, done, size)) return { done, faultAt: cur };
      done += size;
    }
    return { done, faultAt: null };
  }

  /** Where a debugger address lands in physical memory, or null if it does not translate. */
  private physicalAddress(space: AddressKind, addr: bigint): bigint | null {
    if (space === 'ipa') {
      const t = this.translateIpa(addr);
      return t.kind === 'ok' ? t.pa : null;
    }
    const t = this.translate(addr, 'read', 1);
    return t.kind === 'ok' ? t.pa : null;
  }

  #probing = false;

  /**
   * While set, the TLB-fill hook must not record a stop (a probe through unicorn's TLB is under way); the native fill
   * stays off meanwhile, so every fill of a probe goes through fill().
   */
  get probing(): boolean {
    return this.#probing;
  }

  set probing(on: boolean) {
    this.#probing = on;
    this.host.nativeFill.setFillOff(FILL_OFF.PROBING, on);
  }

  /**
   * The 32-bit instruction at a virtual address, or null when it does not translate. Tries unicorn's TLB first (the
   * page of a trapping instruction is almost always cached there), then walks the tables.
   */
  readInstruction(va: bigint): number | null {
    this.probing = true;
    try {
      if (this.uc.tryReadVirtualInto(va, UC_PROT.EXEC, this.buf8.subarray(0, 4))) return this.view8.getUint32(0, true);
    } finally {
      this.probing = false;
    }
    const t = this.translate(va, 'fetch');
    if (t.kind !== 'ok' || !this.uc.tryReadMemoryInto(t.pa, this.buf8.subarray(0, 4))) return null;
    return this.view8.getUint32(0, true);
  }
}
