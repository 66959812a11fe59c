import { Worker } from 'node:worker_threads';
import { WATCHDOG } from './slice-watchdog-layout.js';

/** Atomics.waitAsync (Node 16+); TypeScript's ES2022 lib does not declare it. */
interface AtomicsWaitAsync {
  waitAsync(
    array: Int32Array,
    index: number,
    value: number,
    timeoutMs: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}

/** Bounds every uc_emu_start to a time slice by stopping it from a worker thread (see slice-watchdog-worker.ts). */
export class SliceWatchdog {
  private readonly words: Int32Array;
  private readonly times: BigInt64Array;
  private readonly worker: Worker;

  constructor(libraryPath: string, engineAddress: bigint, sliceUs: number) {
    const shared = new SharedArrayBuffer(WATCHDOG.BYTES);
    this.words = new Int32Array(shared, 0, WATCHDOG.WORDS);
    this.times = new BigInt64Array(shared, WATCHDOG.TIMES_OFFSET, 1);
    Atomics.store(this.words, WATCHDOG.SLICE_US, sliceUs);
    this.worker = new Worker(new URL('./slice-watchdog-worker.js', import.meta.url), {
      workerData: { libraryPath, engineAddress, shared },
    });
    this.worker.unref();
  }

  /**
   * Resolves once the worker can stop runs (it loads libunicorn first, ~50 ms after a machine is built): a run
   * that started before would have no slice bound, so a stop request could wait for tens of milliseconds.
   */
  async whenReady(): Promise<void> {
    if (Atomics.load(this.words, WATCHDOG.READY) === 1) return;
    this.worker.ref(); // an Atomics.waitAsync alone does not keep the event loop alive
    try {
      while (Atomics.load(this.words, WATCHDOG.READY) === 0 && !this.closed) {
        const r = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.words, WATCHDOG.READY, 0, 1000);
        if (r.async) await r.value;
      }
    } finally {
      if (!this.closed) this.worker.unref();
    }
  }

  private closed = false;

  /** Starts a slice: runs (uc_emu_start calls) from now on are stopped once `sliceStartNs` + the slice is past. */
  beginSlice(sliceStartNs: bigint): void {
    Atomics.store(this.times, 0, sliceStartNs);
    Atomics.store(this.words, WATCHDOG.RUNNING, 1);
    Atomics.notify(this.words, WATCHDOG.RUNNING);
  }

  /** Ends the slice: the machine is back in its event loop (or halted). */
  endSlice(): void {
    Atomics.store(this.words, WATCHDOG.RUNNING, 0);
  }

  /** Ends the worker. */
  async close(): Promise<void> {
    this.closed = true;
    // Let the worker leave its loop by itself: terminating it while it still loads koffi aborts the process
    // (napi_throw during module registration), which a machine closed right after it was built can hit.
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref(); // keep the event loop alive until it has gone
    Atomics.store(this.words, WATCHDOG.QUIT, 1);
    Atomics.notify(this.words, WATCHDOG.RUNNING);
    Atomics.notify(this.words, WATCHDOG.SLEEP);
    await exited;
  }
}
