// The machine's breakpoints as the native shim's code hooks, one per address. Changes are collected and applied
// when the guest next runs (at most once per resume), so inserting or removing N breakpoints costs O(N) in all.
import type { UnicornEngine } from '../unicorn/engine.js';
import type { RunState } from '../unicorn/run-state.js';

export class BreakpointHooks {
  private readonly wanted = new Set<bigint>();
  /** address -> id of its code hook. */
  private readonly installed = new Map<bigint, bigint>();
  private readonly changed = new Set<bigint>();

  constructor(
    private readonly uc: UnicornEngine,
    private readonly run: RunState,
  ) {}

  /** Whether a breakpoint is set at `address` (applied or about to be). */
  has(address: bigint): boolean {
    return this.wanted.has(address);
  }

  /** Sets a breakpoint at `address` (a no-op if there is one). */
  add(address: bigint): void {
    if (this.wanted.has(address)) return;
    this.wanted.add(address);
    this.changed.add(address);
  }

  /** Removes the breakpoint at `address` (a no-op if there is none). */
  remove(address: bigint): void {
    if (!this.wanted.delete(address)) return;
    this.changed.add(address);
  }

  /** Makes the set exactly `addresses`. */
  replaceAll(addresses: Iterable<bigint>): void {
    const next = new Set(addresses);
    for (const a of [...this.wanted]) if (!next.has(a)) this.remove(a);
    for (const a of next) this.add(a);
  }

  /** The addresses, in no particular order. */
  addresses(): bigint[] {
    return [...this.wanted];
  }

  /**
   * Adds and deletes hooks for the addresses that changed since the last call. Returns true if one was added or
   * deleted: the caller then drops every translated block. A hook only reaches code translated after it was added;
   * and unicorn 2.1.4 compiles the only code hook there is as a direct call into the block, which stays there when
   * the hook is deleted (the guest stopped again at the one breakpoint gdb had just removed). gdb removes its
   * breakpoints at every stop and inserts them again on resuming: that nets out here and costs no flush.
   */
  apply(): boolean {
    let changed = false;
    for (const address of this.changed) {
      const hook = this.installed.get(address);
      const want = this.wanted.has(address);
      if (want && hook === undefined) {
        this.installed.set(address, this.run.addBreakpoint(address));
        changed = true;
      } else if (!want && hook !== undefined) {
        this.uc.hooks.deleteHook(hook);
        this.installed.delete(address);
        changed = true;
      }
    }
    this.changed.clear();
    return changed;
  }
}
