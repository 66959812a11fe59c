import type { HaltReason } from '../el2/events.js';
import { hex } from '../text/hex.js';
import { UC_ARM64_REG } from '../unicorn/constants.js';
import type { MemAccessType, UnicornEngine } from '../unicorn/engine.js';
import { RUN_STOP, type RunState } from '../unicorn/run-state.js';
import type { AddressSpace, FillStop } from './address-space.js';
import type { GuestExceptions } from './guest-exceptions.js';

/** What a hook noticed during uc_emu_start, handled once the run has returned. */
type PendingStop =
  | { kind: 'cpu-exception'; intno: number; pc: bigint }
  | { kind: 'fill'; stop: FillStop }
  | { kind: 'unmapped'; access: MemAccessType; address: bigint };

/**
 * How one uc_emu_start ended, for the run loop: a halt to report, the slice is over, the guest waits for an interrupt
 * (WFI), or run on.
 */
export type StartOutcome = HaltReason | 'slice-over' | 'wfi' | null;

/** WFI (Arm ARM C6.2.397): unicorn ends uc_emu_start after it with PC past it. */
const WFI = 0xd503207f;
/** How long runUntil may run at most (it ends within one block: this only bounds a missed hook). */
const ONE_SHOT_DEADLINE_NS = 50_000_000n;

/** What the starts work with: the engine, the shared run state, the address space, exception delivery. */
export interface EngineStartsDeps {
  readonly uc: UnicornEngine;
  readonly runState: RunState;
  readonly space: AddressSpace;
  readonly exceptions: GuestExceptions;
  readonly isBreakpoint: (pc: bigint) => boolean;
  /** Drops every cached translation (the Machine's flushTlb). */
  readonly flushTlb: () => void;
  /** Moves flash bank 0 between memory and its command interface (the board's remapFlash). */
  readonly remapFlash: () => void;
  /** Takes the interrupt an unmasked line asks for (true if one was taken); brings the timers up to date. */
  readonly interrupts: { deliver(): boolean; poll(): void };
}

/**
 * One uc_emu_start at a time and what ended it: the hooks that note a stop (a failed TLB fill, a CPU exception, an
 * access where nothing is mapped) and stop the engine at once (nothing is half done at those points), the handling
 * of that stop afterwards (exceptions to EL1 or the EL2 model, watched pages), an exact instruction limit, and
 * unicorn's counted mode for single steps. The Machine's run loop calls start() slice by slice.
 */
export class EngineStarts {
  private pending: PendingStop | null = null;
  /** True inside uc_emu_start: only then does a failed fill or an exception stop the guest. */
  private inStart = false;
  /** unicorn's instruction-count hook is in the translated code (the last start was a counted one). */
  private countMode = false;
  /** runUntil's code hook while its start runs. */
  private oneShot: { hook: bigint; target: bigint } | null = null;

  constructor(private readonly deps: EngineStartsDeps) {
    const { uc, space } = deps;
    uc.hooks.addTlbFillHook((va, access) => {
      const r = space.fill(va, access);
      if ('paddr' in r) return r;
      if (this.inStart && !space.probing) this.pending ??= { kind: 'fill', stop: r };
      return null;
    });
    uc.hooks.addInterruptHook((intno) => this.noteStop({ kind: 'cpu-exception', intno, pc: this.pc() }));
    uc.hooks.addUnmappedHook((access, address) => this.noteStop({ kind: 'unmapped', access, address }));
  }

  private pc(): bigint {
    return this.deps.uc.readReg(UC_ARM64_REG.PC);
  }

  /** One uc_emu_start from the current PC (count 0: until stopped) and the handling of whatever ended it. */
  start(count: number, limit: bigint | null, deadlineNs: bigint): StartOutcome {
    const pc = this.pc();
    if (count > 0 && !this.countMode) this.deps.uc.flushTranslationBlocks(); // blocks must carry unicorn's count hook
    this.countMode = count > 0; // (unicorn drops the hook and flushes by itself when a count-free start follows)
    this.deps.runState.prepare(limit, deadlineNs);
    let failure: unknown = null;
    let result: ReturnType<UnicornEngine['start']> | null = null;
    this.inStart = true;
    try {
      result = this.deps.uc.start(pc, count ? { count } : {});
    } catch (e) {
      failure = e;
    } finally {
      this.inStart = false;
      this.removeOneShot();
    }
    const end = this.pc();
    this.deps.runState.settle(end);
    const pending = this.pending;
    this.pending = null;
    if (failure !== null) {
      const description = `internal error while running the guest: ${(failure as Error).message}`;
      return { kind: 'emulator-error', pc: end, description };
    }
    if (pending) return this.handlePending(pending, end);
    if (result?.kind === 'error') {
      return {
        kind: 'emulator-error',
        pc: end,
        description: `unicorn stopped with ${this.deps.uc.strerror(result.err)}`,
      };
    }
    switch (this.deps.runState.stopReason) {
      case RUN_STOP.BREAKPOINT:
        return { kind: 'breakpoint', pc: end };
      case RUN_STOP.INTERRUPT:
        this.deps.interrupts.deliver();
        return null;
      case RUN_STOP.EVENT:
        this.deps.interrupts.poll();
        return null;
      case RUN_STOP.LIMIT:
        return this.finishAtLimit(limit!);
      case RUN_STOP.DEADLINE:
      case RUN_STOP.REQUEST:
        return 'slice-over';
      default:
        return count === 0 && this.deps.space.readInstruction(end - 4n) === WFI ? 'wfi' : null;
    }
  }

  /**
   * The block hook stopped before the block that would pass the limit. A block runs straight on, so the instruction
   * at which the count is reached is in it, a known number of instructions in: a one-shot breakpoint there ends the
   * run exactly, and again after a trapped access the EL2 model emulated inside the block (the guest is still on
   * that straight line: it has executed exactly the instructions between). unicorn's counted mode, used before,
   * drops every translated block on the way in and again on the way out (~10 ms each time on a kernel: every exact
   * stop of a seek or a reverse step paid it); it finishes only what left the line (an exception, an interrupt).
   */
  private finishAtLimit(limit: bigint): HaltReason {
    const rs = this.deps.runState;
    const [from, base] = [this.pc(), rs.executed];
    const target = from + 4n * (limit - base);
    for (;;) {
      const pc = this.pc();
      if (rs.executed >= limit || pc < from || pc >= target || (pc - from) / 4n !== rs.executed - base) break;
      const outcome = this.runUntil(target);
      if (outcome === null || outcome === 'slice-over' || outcome === 'wfi') continue;
      // A user's breakpoint on the instruction at the limit does not fire: the count is reached first (as counted).
      if (outcome.kind === 'breakpoint' && outcome.pc === target && rs.executed === limit) break;
      return outcome;
    }
    while (rs.executed < limit) {
      const outcome = this.start(Number(limit - rs.executed), null, 0n);
      if (outcome !== null && outcome !== 'slice-over' && outcome !== 'wfi') return outcome;
    }
    if (rs.executed > limit) {
      const description = `internal error: the run was to stop at instruction ${limit} and reached ${rs.executed}`;
      return { kind: 'emulator-error', pc: this.pc(), description };
    }
    return { kind: 'insn-limit', executed: rs.executed };
  }

  /** `pc`: where the start ended (the engine's PC, read once by start()). */
  private handlePending(p: PendingStop, pc: bigint): HaltReason | null {
    let halt: HaltReason | null;
    switch (p.kind) {
      case 'unmapped':
        return {
          kind: 'emulator-error',
          pc,
          description: `${p.access} of physical address ${hex(p.address)}, where nothing is mapped`,
        };
      case 'fill':
        if (p.stop.kind === 'watch-page') return this.handleWatchPage();
        if (p.stop.kind === 'remap-flash') {
          // Invisible to the guest: the access runs again, now against the bank as it must be mapped.
          this.deps.remapFlash();
          this.deps.flushTlb();
          return null;
        }
        halt =
          p.stop.kind === 'external-abort'
            ? this.deps.exceptions.externalAbort(p.stop, pc)
            : this.deps.exceptions.translationFault(p.stop, pc);
        break;
      case 'cpu-exception':
        halt = this.deps.exceptions.cpuException(p.intno, p.pc);
        break;
      default: {
        const never: never = p;
        throw new Error(`unhandled stop ${JSON.stringify(never)}`);
      }
    }
    // The EL2 model emulated the instruction (a trapped access, an HVC): it executed.
    if (this.pc() === pc + 4n) this.deps.runState.executed++;
    return halt;
  }

  private noteStop(p: PendingStop): void {
    this.pending ??= p;
    this.deps.uc.stop(); // from a hook on the CPU thread, at an exception: nothing is half done
  }

  /** A watched page faulted: stop if the access really touches a watchpoint, else run that one instruction past it. */
  private handleWatchPage(): HaltReason | null {
    const pc = this.pc();
    const access = this.deps.exceptions.decodeAccessAt(pc);
    if (access?.kind === 'memory') {
      const hit = this.deps.space.watchHit(access.address, access.totalSize, access.write);
      if (hit) return { kind: 'watchpoint', pc, watch: hit.watch.kind, addr: hit.addr };
    }
    this.deps.space.watchBypass = true;
    try {
      const outcome = this.countMode ? this.start(1, null, 0n) : this.runOneAccess(pc);
      return outcome === 'slice-over' || outcome === 'wfi' ? null : outcome;
    } finally {
      this.deps.space.watchBypass = false;
      this.deps.flushTlb(); // drop the unwatched translation the bypass cached
    }
  }

  /**
   * Runs the load or store at `pc` alone without leaving free-running translation (a counted start would drop every
   * translated block, twice).
   */
  private runOneAccess(pc: bigint): StartOutcome {
    this.deps.runState.skipBreakpointOnce(null);
    return this.runUntil(pc + 4n);
  }

  /**
   * Runs from the PC until `target` with a one-shot code hook there (its translation dropped first, so the hook is
   * in it); reaching it is not a stop (null) unless the user has a breakpoint there too.
   */
  private runUntil(target: bigint): StartOutcome {
    this.oneShot = { hook: this.deps.runState.addBreakpoint(target), target };
    this.dropTranslation(target);
    // A deadline in case the hook is ever missed: the run then stops in a few blocks instead of running on.
    const outcome = this.start(0, null, process.hrtime.bigint() + ONE_SHOT_DEADLINE_NS);
    if (outcome !== null && outcome !== 'slice-over' && outcome !== 'wfi' && outcome.kind === 'breakpoint') {
      if (outcome.pc === target && !this.deps.isBreakpoint(target)) return null;
    }
    return outcome;
  }

  /**
   * Right after the engine stopped, before the stop is handled: deletes runUntil's hook and drops the code it was
   * compiled into. unicorn 2.1.4 compiles the only code hook as a direct call and keeps that block when the hook is
   * deleted (the guest would stop at `target` every time it passes); the drop translates `target` through the MMU
   * state of now, which is still the one the block ran in (an exception or interrupt is only taken afterwards: from
   * EL1, an EL0 page may not translate for execution and the drop would do nothing).
   */
  private removeOneShot(): void {
    if (this.oneShot === null) return;
    const { hook, target } = this.oneShot;
    this.oneShot = null;
    this.deps.uc.hooks.deleteHook(hook);
    this.dropTranslation(target);
  }

  /** Drops the translated code of the instruction at `va` (the next run translates it again). */
  private dropTranslation(va: bigint): void {
    this.deps.space.probing = true; // translating `va` for the cache removal must not count as the guest's fault
    try {
      this.deps.uc.removeCache(va, va + 4n);
    } finally {
      this.deps.space.probing = false;
    }
  }
}
