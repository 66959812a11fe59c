// The shared memory between the machine's thread and the worker that runs a policy module's handlers
// (policy-host.ts, policy-worker.ts): a request slot, a reply slot and a text buffer.

/** Int32 slots. */
export const SLOT = {
  /** IDLE, REQUEST (the machine asked) or REPLY (the worker answered). */
  STATE: 0,
  OP: 1,
  REGION: 2,
  WIDTH: 3,
  RESULT: 4,
  TEXT_LENGTH: 5,
} as const;
export const STATE = { IDLE: 0, REQUEST: 1, REPLY: 2 } as const;
export const OP = { INSTANTIATE: 1, READ: 2, WRITE: 3 } as const;
export const RESULT = { VALUE: 0, FAULT: 1, HANDLED: 2, THREW: 3, INVALID: 4, BUILT: 5, BUILD_FAILED: 6 } as const;
/** BigInt64 slots: the access's IPA, offset and (write) value, and the value a read returned. */
export const BIG = { IPA: 0, OFFSET: 1, VALUE_IN: 2, VALUE_OUT: 3 } as const;
const INTS = 8;
const BIGS = 4;
export const TEXT_BYTES = 1 << 16;

/** Views on one shared buffer. */
export interface Wire {
  readonly shared: SharedArrayBuffer;
  readonly ints: Int32Array;
  readonly bigs: BigInt64Array;
  readonly text: Uint8Array;
}

/** A new buffer (shared === undefined) or views on an existing one. */
export function wireViews(shared = new SharedArrayBuffer(INTS * 4 + BIGS * 8 + TEXT_BYTES)): Wire {
  return {
    shared,
    ints: new Int32Array(shared, 0, INTS),
    bigs: new BigInt64Array(shared, INTS * 4, BIGS),
    text: new Uint8Array(shared, INTS * 4 + BIGS * 8, TEXT_BYTES),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes `s` (cut to the buffer) into the text slot. */
export function writeText(w: Wire, s: string): void {
  const bytes = encoder.encode(s).subarray(0, TEXT_BYTES);
  w.text.set(bytes);
  Atomics.store(w.ints, SLOT.TEXT_LENGTH, bytes.length);
}

/** Reads the text slot. */
export function readText(w: Wire): string {
  return decoder.decode(w.text.slice(0, Atomics.load(w.ints, SLOT.TEXT_LENGTH)));
}

/** The layout of a policy the worker built, as JSON (64-bit values as decimal strings). */
export interface PolicyLayout {
  readonly allowed: readonly { base: string; size: string; kind: 'device' | 'normal'; descriptorBits: string }[];
  readonly regions: readonly { name: string; base: string; size: string; read: boolean; write: boolean }[];
}
