// RITM's filtered MMIO test page (src/platform/qemu.rs read_filtered_mmio/write_filtered_mmio):
// fixed 64-bit values, a read counter, and a single accepted write. The counter is per page
// instance, so each machine built from the policy starts from 0.
import type { MmioReadHandler, MmioWriteHandler } from './stage2-types.js';

export const FILTERED_MMIO_MAGIC = 0xfeed_face_cafe_beefn;
export const FILTERED_MMIO_COUNTER_OFFSET = 16n;
export const FILTERED_MMIO_WRITE_OFFSET = 8n;
export const FILTERED_MMIO_WRITE_VALUE = 0x1234_5678_9abc_def0n;

/** Offset -> value of the constant 64-bit registers. */
const CONSTANT_REGISTERS: ReadonlyMap<bigint, bigint> = new Map([
  [0n, FILTERED_MMIO_MAGIC],
  [24n, 0x1111_2222_3333_4444n],
  [32n, 0x5555_6666_7777_8888n],
  [40n, 0x9999_aaaa_bbbb_ccccn],
]);

const FAULT = Object.freeze({ kind: 'fault' as const });

export interface FilteredMmioPage {
  readonly read: MmioReadHandler;
  readonly write: MmioWriteHandler;
  /** Returns the value the next 64-bit read at offset 16 will return. */
  counter(): bigint;
  /** Puts the counter back to 0 (machine reset). */
  reset(): void;
}

/** Creates one filtered MMIO page with its own counter. */
export function createFilteredMmioPage(): FilteredMmioPage {
  let counter = 0n;
  const read: MmioReadHandler = ({ offset, width }) => {
    if (width !== 64) return FAULT;
    if (offset === FILTERED_MMIO_COUNTER_OFFSET) {
      const value = counter;
      counter = BigInt.asUintN(64, counter + 1n); // RITM: AtomicU64::fetch_add, wrapping
      return { kind: 'value', value };
    }
    const value = CONSTANT_REGISTERS.get(offset);
    return value === undefined ? FAULT : { kind: 'value', value };
  };
  const write: MmioWriteHandler = ({ offset, width, value }) => {
    const accepted = offset === FILTERED_MMIO_WRITE_OFFSET && width === 64 && value === FILTERED_MMIO_WRITE_VALUE;
    return accepted ? { kind: 'handled' } : FAULT;
  };
  return Object.freeze({
    read,
    write,
    counter: () => counter,
    reset: () => {
      counter = 0n;
    },
  });
}
