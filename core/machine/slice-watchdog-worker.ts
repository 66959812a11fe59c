// Runs in a worker thread. uc_emu_start blocks the thread that owns the machine, so this thread ends a run
// that has gone on longer than its slice by calling uc_emu_stop on the same engine: the owner gets back to
// its event loop (sockets, Ctrl-C, timeouts) at least once per slice without unicorn's per-call timer thread.
import koffi from 'koffi';
import { workerData } from 'node:worker_threads';
import { WATCHDOG } from './slice-watchdog-layout.js';

const { libraryPath, engineAddress, shared } = workerData as {
  libraryPath: string;
  engineAddress: bigint;
  shared: SharedArrayBuffer;
};
const lib = koffi.load(libraryPath);
// uintptr_t: the engine pointer travels between threads as an integer.
const ucEmuStop = lib.func('int uc_emu_stop(uintptr_t uc)');
const words = new Int32Array(shared, 0, WATCHDOG.WORDS);
const times = new BigInt64Array(shared, WATCHDOG.TIMES_OFFSET, 1);
Atomics.store(words, WATCHDOG.READY, 1);
Atomics.notify(words, WATCHDOG.READY);

for (;;) {
  if (Atomics.load(words, WATCHDOG.QUIT) === 1) break;
  if (Atomics.load(words, WATCHDOG.RUNNING) === 0) {
    Atomics.wait(words, WATCHDOG.RUNNING, 0, 1000); // the owner notifies when a run starts
    continue;
  }
  const sliceNs = BigInt(Atomics.load(words, WATCHDOG.SLICE_US)) * 1000n;
  const left = Atomics.load(times, 0) + sliceNs - process.hrtime.bigint();
  if (left > 0n) {
    // Sleep on a slot nobody notifies (except quit), so the owner's per-run bookkeeping never wakes us.
    Atomics.wait(words, WATCHDOG.SLEEP, 0, Math.max(1, Math.ceil(Number(left) / 1e6)));
    continue;
  }
  // The run is over its slice. A stop issued in the first microseconds of a uc_emu_start can be lost, and the
  // owner may be between two calls: repeat every millisecond until the owner starts a new slice or goes idle.
  ucEmuStop(engineAddress);
  Atomics.wait(words, WATCHDOG.SLEEP, 0, 1);
}
