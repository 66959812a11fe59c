// The state of the machine's TypeScript objects (devices, interrupt controller, timers, the EL2 model) at one moment,
// kept so that a later moment can be put back to it. Generic on purpose: a device added to the board is rewound
// without writing save/restore code for it, and a field added to a device cannot be forgotten.
//
// capture() walks the object graph from the roots and keeps, for every object it reaches, a shallow copy of its own
// data properties (arrays, Maps and Sets: their contents; typed arrays: a copy of their bytes). restore() puts every
// one of those objects back as it was, which rebuilds the whole graph as it was (objects made after the capture are
// simply no longer referenced). What is not walked keeps its current value: functions (callbacks wired at
// construction), and whatever `isBoundary` names (the engine, native views, the debugger's settings).
import { EventEmitter } from 'node:events';
import { types } from 'node:util';

/** The state of one object: its data properties, or its elements (arrays, Maps, Sets, typed arrays). */
type Saved =
  | {
      readonly kind: 'object';
      readonly obj: Record<PropertyKey, unknown>;
      readonly props: [PropertyKey, unknown][];
      /** Only these properties are state (a root with keys): others are left alone. */
      readonly partial?: boolean;
    }
  | { readonly kind: 'array'; readonly obj: unknown[]; readonly items: unknown[] }
  | { readonly kind: 'map'; readonly obj: Map<unknown, unknown>; readonly entries: [unknown, unknown][] }
  | { readonly kind: 'set'; readonly obj: Set<unknown>; readonly values: unknown[] }
  /** `obj` is the typed array itself (the key for sharing copies), `view` its bytes. */
  | { readonly kind: 'bytes'; readonly obj: object; readonly view: Uint8Array; readonly copy: Uint8Array };

/** A root and, optionally, the only properties of it that are state (the rest is wiring). */
export interface StateRoot {
  readonly obj: object;
  readonly keys?: readonly string[];
}

/** Typed arrays larger than this are views of native memory (guest RAM, flash arrays), kept by the memory snapshot. */
const MAX_COPIED_BYTES = 1 << 20;

/** The captured state of an object graph. */
export class ObjectState {
  /** Bytes copied for this capture (typed arrays unchanged since the capture before share its copy). */
  private copied = 0;
  private readonly copies = new Map<object, Uint8Array>();

  private constructor(private readonly saved: readonly Saved[]) {}

  /**
   * Captures every object reachable from `roots`, not descending into what `isBoundary` names. Typed arrays equal
   * to their copy in `previous` share it (a device's buffers rarely change between checkpoints).
   */
  static capture(roots: readonly StateRoot[], isBoundary: (o: object) => boolean, previous?: ObjectState): ObjectState {
    const seen = new Set<object>();
    const saved: Saved[] = [];
    const pending: unknown[] = [];
    const visit = (v: unknown) => {
      if (typeof v !== 'object' || v === null || seen.has(v)) return;
      seen.add(v);
      if (!walkable(v) || isBoundary(v)) return;
      pending.push(v);
    };
    for (const root of roots) {
      if (seen.has(root.obj)) continue;
      seen.add(root.obj);
      if (!root.keys) {
        pending.push(root.obj);
        continue;
      }
      const obj = root.obj as Record<string, unknown>;
      const props = root.keys.map((k): [PropertyKey, unknown] => [k, obj[k]]);
      saved.push({ kind: 'object', obj, props, partial: true });
      for (const [, v] of props) visit(v);
    }
    let copied = 0;
    const copy = (obj: object, view: Uint8Array): Uint8Array => {
      const before = previous?.copies.get(obj);
      if (before && Buffer.compare(before, view) === 0) return before;
      copied += view.length;
      return view.slice();
    };
    while (pending.length > 0) {
      const s = saveOne(pending.pop() as object, copy);
      if (s === null) continue;
      saved.push(s);
      forEachChild(s, visit);
    }
    const state = new ObjectState(saved);
    state.copied = copied;
    for (const s of saved) if (s.kind === 'bytes') state.copies.set(s.obj, s.copy);
    return state;
  }

  /** Puts every captured object back as it was. */
  restore(): void {
    for (const s of this.saved) restoreOne(s);
  }

  /** Roughly how many bytes the capture holds beyond what it shares with the capture before (the budget's count). */
  get size(): number {
    let n = this.copied;
    for (const s of this.saved) {
      if (s.kind === 'bytes') continue;
      else if (s.kind === 'object') n += 16 * s.props.length;
      else if (s.kind === 'array') n += 8 * s.items.length;
      else if (s.kind === 'map') n += 16 * s.entries.length;
      else n += 8 * s.values.length;
    }
    return n + 32 * this.saved.length;
  }
}

/** Objects whose state cannot be read or put back from outside, or is not the machine's (streams): never walked. */
function walkable(v: object): boolean {
  if (typeof v === 'function' || types.isExternal(v) || types.isPromise(v) || types.isProxy(v)) return false;
  if (v instanceof EventEmitter) return false;
  if (v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef || v instanceof ArrayBuffer) return false;
  if (ArrayBuffer.isView(v)) return v instanceof Uint8Array || v instanceof BigUint64Array || v instanceof Uint32Array;
  return true;
}

function saveOne(obj: object, copy: (obj: object, view: Uint8Array) => Uint8Array): Saved | null {
  if (ArrayBuffer.isView(obj)) {
    const view = new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength);
    return view.length > MAX_COPIED_BYTES ? null : { kind: 'bytes', obj, view, copy: copy(obj, view) };
  }
  if (Array.isArray(obj)) return { kind: 'array', obj, items: obj.slice() };
  if (obj instanceof Map) return { kind: 'map', obj, entries: [...obj.entries()] };
  if (obj instanceof Set) return { kind: 'set', obj, values: [...obj.values()] };
  const props: [PropertyKey, unknown][] = [];
  for (const key of Reflect.ownKeys(obj)) {
    const d = Object.getOwnPropertyDescriptor(obj, key)!;
    if ('value' in d && typeof d.value !== 'function') props.push([key, d.value]);
  }
  return { kind: 'object', obj: obj as Record<PropertyKey, unknown>, props };
}

function forEachChild(s: Saved, visit: (v: unknown) => void): void {
  switch (s.kind) {
    case 'object':
      for (const [, v] of s.props) visit(v);
      return;
    case 'array':
      s.items.forEach(visit);
      return;
    case 'map':
      for (const [k, v] of s.entries) {
        visit(k);
        visit(v);
      }
      return;
    case 'set':
      s.values.forEach(visit);
      return;
    case 'bytes':
      return;
  }
}

function restoreOne(s: Saved): void {
  switch (s.kind) {
    case 'object': {
      const o = s.obj;
      const kept = new Set<PropertyKey>();
      for (const [k, v] of s.props) {
        kept.add(k);
        if (o[k] !== v) o[k] = v;
      }
      if (s.partial) return;
      // A data property added since the capture (an optional field set later) goes again.
      for (const key of Reflect.ownKeys(o)) {
        const d = Object.getOwnPropertyDescriptor(o, key)!;
        if (!kept.has(key) && 'value' in d && typeof d.value !== 'function' && d.configurable) delete o[key];
      }
      return;
    }
    case 'array': {
      const a = s.obj;
      if (a.length === s.items.length && s.items.every((v, i) => a[i] === v)) return; // (frozen arrays stay as they are)
      a.length = s.items.length;
      s.items.forEach((v, i) => (a[i] = v));
      return;
    }
    case 'map':
      s.obj.clear();
      for (const [k, v] of s.entries) s.obj.set(k, v);
      return;
    case 'set':
      s.obj.clear();
      for (const v of s.values) s.obj.add(v);
      return;
    case 'bytes':
      s.view.set(s.copy);
      return;
  }
}
