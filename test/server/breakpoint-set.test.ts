// The breakpoint set against a recording machine: gdb's Z/z semantics (the RSP manual, "Packets": inserting an
// existing point is a no-op, removing an absent one is not an error, Z2/Z3/Z4 are write/read/access watchpoints
// with a length) and the stop-reply keys gdb reads back (watch, rwatch, awatch).
import { expect } from 'chai';
import type { Machine } from '../../core/machine/machine.js';
import { BreakpointSet, watchStopKey } from '../../server/breakpoint-set.js';
import { SessionError } from '../../server/session-error.js';

function recordingMachine() {
  const calls: string[] = [];
  const watches: unknown[][] = [];
  const machine = {
    addBreakpoint: (a: bigint) => calls.push(`add ${a.toString(16)}`),
    removeBreakpoint: (a: bigint) => calls.push(`remove ${a.toString(16)}`),
    setWatchpoints: (w: unknown[]) => watches.push(w),
  } as unknown as Machine;
  return { machine, calls, watches };
}

describe('server/breakpoint-set: Z/z semantics', () => {
  it('names the stop-reply key of each watch kind', () => {
    expect(['write', 'read', 'access'].map((k) => watchStopKey(k as never))).to.deep.equal([
      'watch',
      'rwatch',
      'awatch',
    ]);
  });

  it('keeps the machine breakpoint while a software or hardware one remains at the address', () => {
    const { machine, calls } = recordingMachine();
    const set = new BreakpointSet(machine);
    set.insert('swbreak', 0x4008_0000n, 4);
    set.insert('hwbreak', 0x4008_0000n, 4);
    set.remove('swbreak', 0x4008_0000n, 4);
    expect(calls).to.not.include('remove 40080000');
    expect(set.breakpointAt(0x4008_0000n)).to.equal('hwbreak');
    set.remove('hwbreak', 0x4008_0000n, 4);
    expect(calls.filter((c) => c.startsWith('remove'))).to.deep.equal(['remove 40080000']);
    expect(set.breakpointAt(0x4008_0000n)).to.equal(null);
    set.remove('hwbreak', 0x4008_0000n, 4);
    expect(calls.filter((c) => c.startsWith('remove'))).to.have.length(1);
  });

  it('clear (detach, disconnect) removes every breakpoint and watchpoint, and re-exports watchpoints only if any', () => {
    const { machine, calls, watches } = recordingMachine();
    const set = new BreakpointSet(machine);
    set.insert('swbreak', 0x4008_0000n, 4);
    set.insert('hwbreak', 0x4008_0010n, 4);
    set.clear(); // no watchpoints: the machine's watch list is not touched (a disconnect must not flush the TLB)
    expect(calls.filter((c) => c.startsWith('remove')).sort()).to.deep.equal(['remove 40080000', 'remove 40080010']);
    expect(watches).to.deep.equal([]);
    expect(set.breakpointAt(0x4008_0000n)).to.equal(null);
    set.insert('watch', 0x4010_0000n, 8);
    set.insert('rwatch', 0x4010_0100n, 4);
    expect(watches.at(-1)).to.have.length(2);
    set.clear();
    expect(watches.at(-1)).to.deep.equal([]);
    set.insert('awatch', 0x4010_0200n, 4); // the cleared ones do not come back with the next one
    expect(watches.at(-1)).to.deep.equal([{ addr: 0x4010_0200n, length: 4, kind: 'access', space: 'va' }]);
  });

  it('accepts a 1-byte watchpoint and rejects a length of 0 or less', () => {
    const { machine, watches } = recordingMachine();
    const set = new BreakpointSet(machine);
    set.insert('watch', 0x4010_0000n, 1);
    expect(watches.at(-1)).to.deep.equal([{ addr: 0x4010_0000n, length: 1, kind: 'write', space: 'va' }]);
    for (const size of [0, -1]) {
      let caught: unknown;
      try {
        set.insert('awatch', 0x4010_0000n, size);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(SessionError);
      expect(caught).to.include({
        code: 'MalformedPacket',
        message: `a awatch watchpoint needs a length, not ${size}`,
      });
    }
    expect(watches).to.have.length(1);
  });
});
