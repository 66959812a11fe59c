/** Layout of the SharedArrayBuffer between the machine thread and its slice watchdog. */
export const WATCHDOG = {
  /** Int32 slots: 1 while a slice runs. */
  RUNNING: 0,
  /** Slice length in microseconds. */
  SLICE_US: 1,
  QUIT: 2,
  /** Never notified except on quit: the worker's timed sleeps wait here. */
  SLEEP: 3,
  WORDS: 4,
  /** Byte offset of the BigInt64 slice start (process.hrtime.bigint). */
  TIMES_OFFSET: 16,
  BYTES: 24,
} as const;
