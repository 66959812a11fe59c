// What a recording's object snapshots (core/replay/object-state.ts) do not walk into: the engine and the shim's
// native state (they are snapshotted natively) and whatever connects the machine to the outside (the console, the
// logger, streams).
import { UnicornEngine } from '../unicorn/engine.js';
import { RomDevice } from '../unicorn/rom-device.js';
import { RunState } from '../unicorn/run-state.js';

/** The boundary predicate for a machine whose outside connections are `outside`. */
export function replayBoundary(outside: readonly unknown[]): (o: object) => boolean {
  const set = new Set<unknown>(outside.filter((o) => typeof o === 'object' && o !== null));
  return (o) => set.has(o) || o instanceof UnicornEngine || o instanceof RunState || o instanceof RomDevice;
}
