/** Layout of the SharedArrayBuffer between the machine thread and its slice watchdog. */
export const WATCHDOG = {
  /** Int32 slots: 1 while a slice runs. */
  RUNNING: 0,
  /** Slice length in microseconds. */
  SLICE_US: 1,
  QUIT: 2,
  /** Never notified except on quit: the worker's timed sleeps wait here. */
  SLEEP: 3,
  /** Set to 1 (and notified) once the worker has loaded libunicorn and can stop runs. */
  READY: 4,
  WORDS: 5,
  /** Byte offset of the BigInt64 slice start (process.hrtime.bigint). */
  TIMES_OFFSET: 24,
  BYTES: 32,
} as const;
