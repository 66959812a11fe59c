// gdb's breakpoints and watchpoints (Z/z packets). Breakpoints go to the machine one by one (it applies them once
// per resume, as hooks on their exact addresses); watchpoints become the address space's watched ranges.
import type { WatchKind } from '../core/el2/events.js';
import type { Machine } from '../core/machine/machine.js';
import type { BreakpointType } from '../protocol/packets.js';
import { SessionError } from './session-error.js';

export type CodeBreakpointType = Extract<BreakpointType, 'swbreak' | 'hwbreak'>;
export type WatchpointType = Exclude<BreakpointType, CodeBreakpointType>;

/** Z2/Z3/Z4 and the machine's watch kinds, both ways; the stop reply names the kind that was hit. */
const WATCH_KIND: { readonly [T in WatchpointType]: WatchKind } = { watch: 'write', rwatch: 'read', awatch: 'access' };

/** The stop-reply key for a watchpoint the machine reports. */
export function watchStopKey(kind: WatchKind): WatchpointType {
  return kind === 'write' ? 'watch' : kind === 'read' ? 'rwatch' : 'awatch';
}

function isCodeBreakpoint(type: BreakpointType): type is CodeBreakpointType {
  return type === 'swbreak' || type === 'hwbreak';
}

/** The breakpoints and watchpoints one gdb session has inserted. */
export class BreakpointSet {
  /** address -> the types inserted there (gdb may put a software and a hardware breakpoint on one address). */
  private readonly code = new Map<bigint, Set<CodeBreakpointType>>();
  private readonly watches = new Map<
    string,
    { type: WatchpointType; addr: bigint; length: number; space: 'va' | 'ipa' }
  >();

  constructor(
    private readonly machine: Machine,
    /** The memory space watchpoint addresses are in when inserted (monitor memspace). */
    private readonly memspace: () => 'va' | 'ipa' = () => 'va',
  ) {}

  /** Z packet; inserting one that exists is a no-op, as the protocol asks. */
  insert(type: BreakpointType, addr: bigint, size: number): void {
    if (isCodeBreakpoint(type)) {
      const types = this.code.get(addr) ?? new Set<CodeBreakpointType>();
      types.add(type);
      this.code.set(addr, types);
      this.machine.addBreakpoint(addr);
      return;
    }
    if (size <= 0) throw new SessionError('MalformedPacket', `a ${type} watchpoint needs a length, not ${size}`);
    this.watches.set(`${type}:${addr}:${size}`, { type, addr, length: size, space: this.memspace() });
    this.applyWatchpoints();
  }

  /** z packet; removing one that is not there is not an error. */
  remove(type: BreakpointType, addr: bigint, size: number): void {
    if (isCodeBreakpoint(type)) {
      const types = this.code.get(addr);
      types?.delete(type);
      if (types?.size === 0) {
        this.code.delete(addr);
        this.machine.removeBreakpoint(addr);
      }
      return;
    }
    this.watches.delete(`${type}:${addr}:${size}`);
    this.applyWatchpoints();
  }

  /** Removes everything (detach, disconnect, restart). */
  clear(): void {
    for (const addr of this.code.keys()) this.machine.removeBreakpoint(addr);
    this.code.clear();
    if (this.watches.size === 0) return; // every disconnect comes here: nothing to re-export or flush
    this.watches.clear();
    this.applyWatchpoints();
  }

  /** The kind of breakpoint at `pc` for the stop reply (software first), or null. */
  breakpointAt(pc: bigint): CodeBreakpointType | null {
    const types = this.code.get(pc);
    if (!types) return null;
    return types.has('swbreak') ? 'swbreak' : 'hwbreak';
  }

  private applyWatchpoints(): void {
    this.machine.setWatchpoints(
      [...this.watches.values()].map((w) => ({
        addr: w.addr,
        length: w.length,
        kind: WATCH_KIND[w.type],
        space: w.space,
      })),
    );
  }
}
