import koffi from 'koffi';
import type { TypeObject } from 'koffi';
import { UC_HOOK, UC_MEM } from './constants.js';
import { check } from './check.js';
import type { UnicornLibrary } from './library.js';

/** Kind of memory access unicorn reports to hooks (uc_mem_type subset we use). */
export type MemAccessType = 'read' | 'write' | 'fetch';

/** What a TLB-fill callback answers: a physical page and its permissions, or a miss (the access faults). */
export type TlbFillAnswer = { paddr: bigint; perms: number } | null;

/** A handle to a hook, for removeHook. */
export interface HookHandle {
  readonly id: bigint;
  readonly callback: unknown;
  /**
   * live is cleared by removeHook: unicorn may still call a deleted hook from code translated before, so wrappers check
   * it.
   */
  readonly state: { live: boolean };
}

const MEM_TYPE_NAME: Record<number, MemAccessType> = {
  [UC_MEM.READ]: 'read',
  [UC_MEM.WRITE]: 'write',
  [UC_MEM.FETCH]: 'fetch',
};
const UNMAPPED_TYPE_NAME: Record<number, MemAccessType> = {
  [UC_MEM.READ_UNMAPPED]: 'read',
  [UC_MEM.WRITE_UNMAPPED]: 'write',
  [UC_MEM.FETCH_UNMAPPED]: 'fetch',
};

/** What uc_hook_add is called with: the hook type mask, the registered callback, its range and a name for errors. */
interface HookSpec {
  readonly type: number;
  readonly native: unknown;
  readonly begin: bigint;
  readonly end: bigint;
  readonly what: string;
  readonly state: { live: boolean };
}

/**
 * The hooks of one engine: each JS callback is registered with koffi for the engine's lifetime, wrapped so a deleted
 * hook is never run and an exception thrown inside it stops the run (the engine's start() rethrows it) instead of
 * unwinding through unicorn's C frames.
 */
export class EngineHooks {
  private readonly hooks = new Set<HookHandle>();
  private readonly callbacks = new Set<unknown>();
  /** An exception thrown by a JS hook; the hook stops the run and start() rethrows it. */
  private pendingError: unknown = undefined;

  constructor(
    private readonly lib: UnicornLibrary,
    private readonly handle: unknown,
  ) {}

  /**
   * Hooks instructions in [begin, end] (inclusive); begin > end means everywhere. Use narrow ranges: a JS hook per
   * instruction caps the guest at a few MIPS.
   */
  addCodeHook(begin: bigint, end: bigint, cb: (address: bigint, size: number) => void): HookHandle {
    return this.addAddressHook(UC_HOOK.CODE, 'UC_HOOK_CODE', { begin, end }, cb);
  }

  /** Hooks translated-block entries in [begin, end]; the callback gets the block's address and size in bytes. */
  addBlockHook(begin: bigint, end: bigint, cb: (address: bigint, size: number) => void): HookHandle {
    return this.addAddressHook(UC_HOOK.BLOCK, 'UC_HOOK_BLOCK', { begin, end }, cb);
  }

  /** A code or block hook: both get (address, size) through unicorn's hookCode signature. */
  private addAddressHook(
    type: number,
    what: string,
    range: { begin: bigint; end: bigint },
    cb: (address: bigint, size: number) => void,
  ): HookHandle {
    const state = { live: true };
    const native = this.register((_uc: unknown, address: number | bigint, size: number) => {
      if (!state.live) return;
      try {
        cb(BigInt(address), size);
      } catch (e) {
        this.failFromHook(e);
      }
    }, this.lib.types.hookCode);
    return this.addHook({ type, native, begin: range.begin, end: range.end, what, state });
  }

  /** Hooks CPU exceptions (QEMU exception numbers: 1 UDEF, 2 SVC, 3 prefetch abort, 4 data abort, ...). */
  addInterruptHook(cb: (intno: number) => void): HookHandle {
    const state = { live: true };
    const native = this.register((_uc: unknown, intno: number) => {
      if (!state.live) return;
      try {
        cb(intno);
      } catch (e) {
        this.failFromHook(e);
      }
    }, this.lib.types.hookIntr);
    return this.addHook({ type: UC_HOOK.INTR, native, begin: 1n, end: 0n, what: 'UC_HOOK_INTR', state });
  }

  /** Hooks data accesses of the given UC_HOOK_MEM_* type mask in [begin, end]. */
  addMemoryHook(
    type: number,
    begin: bigint,
    end: bigint,
    cb: (access: MemAccessType, address: bigint, size: number, value: bigint) => void,
  ): HookHandle {
    const state = { live: true };
    const native = this.register(
      (_uc: unknown, t: number, address: number | bigint, size: number, value: number | bigint) => {
        if (!state.live) return;
        try {
          cb(MEM_TYPE_NAME[t] ?? 'read', BigInt(address), size, BigInt.asUintN(64, BigInt(value)));
        } catch (e) {
          this.failFromHook(e);
        }
      },
      this.lib.types.hookMem,
    );
    return this.addHook({ type, native, begin, end, what: 'UC_HOOK_MEM', state });
  }

  /** Hooks accesses to physical addresses nothing is mapped at; the access then fails (the callback only observes). */
  addUnmappedHook(cb: (access: MemAccessType, address: bigint, size: number) => void): HookHandle {
    const state = { live: true };
    const native = this.register((_uc: unknown, t: number, address: number | bigint, size: number) => {
      if (!state.live) return false;
      try {
        cb(MEM_TYPE_NAME[t] ?? UNMAPPED_TYPE_NAME[t] ?? 'read', BigInt(address), size);
      } catch (e) {
        this.failFromHook(e);
      }
      return false;
    }, this.lib.types.hookMemEvent);
    return this.addHook({
      type: UC_HOOK.MEM_READ_UNMAPPED | UC_HOOK.MEM_WRITE_UNMAPPED | UC_HOOK.MEM_FETCH_UNMAPPED,
      native,
      begin: 1n,
      end: 0n,
      what: 'UC_HOOK_MEM_UNMAPPED',
      state,
    });
  }

  /**
   * Installs the TLB-fill callback (needs setTlbType('virtual')): it gets the page VA and access type and answers the
   * physical page, or null to fault.
   */
  addTlbFillHook(cb: (vaddr: bigint, access: MemAccessType) => TlbFillAnswer): HookHandle {
    const entryType = this.lib.types.tlbEntry;
    const state = { live: true };
    const native = this.register((_uc: unknown, vaddr: number | bigint, type: number, result: unknown) => {
      if (!state.live) return false;
      try {
        const answer = cb(BigInt(vaddr), MEM_TYPE_NAME[type] ?? 'read');
        if (answer === null) return false;
        koffi.encode(result, entryType, { paddr: answer.paddr, perms: answer.perms });
        return true;
      } catch (e) {
        this.failFromHook(e);
        return false;
      }
    }, this.lib.types.tlbFill);
    return this.addHook({ type: UC_HOOK.TLB_FILL, native, begin: 1n, end: 0n, what: 'UC_HOOK_TLB_FILL', state });
  }

  /** Removes a hook added by one of the add*Hook methods. */
  removeHook(hook: HookHandle): void {
    if (!this.hooks.delete(hook)) return;
    hook.state.live = false;
    check(this.lib, 'uc_hook_del', this.lib.fn.uc_hook_del(this.handle, hook.id));
    // unicorn frees deleted hooks lazily; keep the callback registered until close() so it is never called after
    // unregister.
  }

  /** Deletes a hook added by the native shim (by id). */
  deleteHook(id: bigint): void {
    check(this.lib, 'uc_hook_del', this.lib.fn.uc_hook_del(this.handle, id));
  }

  private addHook(spec: HookSpec): HookHandle {
    const { type, native, begin, end, what, state } = spec;
    const hh = new BigUint64Array(1);
    check(this.lib, `uc_hook_add(${what})`, this.lib.fn.uc_hook_add(this.handle, hh, type, native, null, begin, end));
    const hook: HookHandle = { id: hh[0]!, callback: native, state };
    this.hooks.add(hook);
    return hook;
  }

  private register(fn: (...args: never[]) => unknown, type: TypeObject): unknown {
    const ptr = koffi.register(fn as (...args: unknown[]) => unknown, type);
    this.callbacks.add(ptr);
    return ptr;
  }

  private failFromHook(e: unknown): void {
    if (this.pendingError === undefined) this.pendingError = e;
    this.lib.fn.uc_emu_stop(this.handle);
  }

  /** The native callbacks of an MMIO window (uc_mmio_map): reads and writes with offsets relative to its start. */
  mmioCallbacks(
    read: (offset: bigint, size: number) => bigint,
    write: (offset: bigint, size: number, value: bigint) => void,
  ): { readCb: unknown; writeCb: unknown } {
    const readCb = this.register((_uc: unknown, offset: number | bigint, sz: number) => {
      try {
        return BigInt.asUintN(64, read(BigInt(offset), sz));
      } catch (e) {
        this.failFromHook(e);
        return 0n;
      }
    }, this.lib.types.mmioRead);
    const writeCb = this.register((_uc: unknown, offset: number | bigint, sz: number, value: number | bigint) => {
      try {
        write(BigInt(offset), sz, BigInt.asUintN(64, BigInt(value)));
      } catch (e) {
        this.failFromHook(e);
      }
    }, this.lib.types.mmioWrite);
    return { readCb, writeCb };
  }

  /**
   * The native callback the shim calls for the system registers el2dbg emulates (timers, GIC CPU interface): `cb`
   * gets MSR (write) or MRS, the register key (SYSREG_KEY of the shim) and the value written; it returns the value
   * read (MRS), true (MSR emulated), or null to leave the access to unicorn. Returns the callback's address.
   */
  sysregCallback(cb: (write: boolean, key: number, value: bigint) => bigint | boolean | null): bigint {
    const type = this.lib.types.sysreg;
    const native = this.register((write: number, key: number, value: unknown) => {
      try {
        const written = write ? BigInt(koffi.decode(value, 'uint64_t') as number | bigint) : 0n;
        const answer = cb(write !== 0, key, written);
        if (answer === null || answer === false) return 0;
        if (typeof answer === 'bigint') koffi.encode(value, 'uint64_t', BigInt.asUintN(64, answer));
        return 1;
      } catch (e) {
        this.failFromHook(e);
        return 0;
      }
    }, type);
    return BigInt(koffi.address(native));
  }

  /** The error a hook threw during the last run (undefined if none), cleared. */
  takeError(): unknown {
    const e = this.pendingError;
    this.pendingError = undefined;
    return e;
  }

  /** Unregisters every callback (after uc_close: unicorn can no longer call them). */
  release(): void {
    for (const cb of this.callbacks) koffi.unregister(cb as bigint);
    this.callbacks.clear();
    this.hooks.clear();
  }
}
