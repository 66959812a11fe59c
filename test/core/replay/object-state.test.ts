// ObjectState: the generic capture and restore of the machine's TypeScript objects for checkpoints.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { ObjectState } from '../../../core/replay/object-state.js';

class Device {
  regs = new Map<bigint, bigint>([[0n, 1n]]);
  fifo: number[] = [1, 2];
  flags = new Set<string>(['on']);
  bytes = new Uint8Array([1, 2, 3]);
  level = false;
  optional?: { n: number };
  readonly onChange = () => 'wired at construction';
  constructor(readonly link: { count: number }) {}
}

const never = () => false;

describe('replay: object state', () => {
  it('puts back fields, Maps, Sets, arrays, typed arrays and nested objects, and drops fields added later', () => {
    const shared = { count: 1 };
    const d = new Device(shared);
    const state = ObjectState.capture([{ obj: d }], never);
    d.regs.set(0n, 9n).set(4n, 4n);
    d.fifo.push(3);
    d.fifo[0] = 7;
    d.flags.delete('on');
    d.bytes[1] = 0xff;
    d.level = true;
    d.optional = { n: 1 };
    (d as unknown as Record<string, unknown>).extra = 1;
    shared.count = 5;
    state.restore();
    expect([...d.regs]).to.deep.equal([[0n, 1n]]);
    expect(d.fifo).to.deep.equal([1, 2]);
    expect([...d.flags]).to.deep.equal(['on']);
    expect([...d.bytes]).to.deep.equal([1, 2, 3]);
    expect(d.level).to.equal(false);
    expect(d.optional).to.equal(undefined);
    expect('extra' in d).to.equal(false);
    expect(shared.count).to.equal(1);
    expect(d.link).to.equal(shared); // identity kept
  });

  it('restores the same capture again and again, and an object replaced since then comes back', () => {
    const d = new Device({ count: 0 });
    const before = d.fifo;
    const state = ObjectState.capture([{ obj: d }], never);
    for (let i = 0; i < 3; i++) {
      d.fifo = [9];
      d.level = !d.level;
      state.restore();
      expect(d.fifo).to.equal(before);
      expect(d.fifo).to.deep.equal([1, 2]);
      expect(d.level).to.equal(false);
    }
  });

  it('leaves functions, boundaries, emitters and the fields a keyed root does not name alone', () => {
    const engine = { handle: 1 };
    const emitter = Object.assign(new EventEmitter(), { n: 1 });
    const root = { state: 1, wiring: { engine, emitter }, other: 'x', fn: () => 1 };
    const state = ObjectState.capture([{ obj: root, keys: ['state', 'wiring'] }], (o) => o === engine);
    root.state = 2;
    root.other = 'y';
    engine.handle = 2;
    emitter.n = 2;
    state.restore();
    expect(root.state).to.equal(1);
    expect(root.other).to.equal('y');
    expect(engine.handle).to.equal(2);
    expect(emitter.n).to.equal(2);
    expect(root.fn()).to.equal(1);
  });

  it('does not copy large typed arrays (views of guest memory, snapshotted natively)', () => {
    const big = { data: new Uint8Array(4 << 20) };
    const state = ObjectState.capture([{ obj: big }], never);
    big.data[0] = 1;
    state.restore();
    expect(big.data[0]).to.equal(1);
    expect(state.size).to.be.lessThan(1024);
  });
});
