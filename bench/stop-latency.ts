// How long a stop request takes to end a run of a spinning guest (what Ctrl-C from gdb waits for): the slice
// watchdog bounds it by the slice length (10 ms). Goal: under 50 ms.
import { parseImage } from '../core/loader/image-loader.js';
import { Machine } from '../core/machine/machine.js';
import type { UnicornLibrary } from '../core/unicorn/library.js';
import { assemble } from '../test/helpers/asm.js';

/** p50, p99 and max of stop latency in milliseconds over `trials` stops. */
export async function benchStopLatency(
  lib: UnicornLibrary,
  trials = 40,
): Promise<{ p50: number; p99: number; max: number }> {
  const image = parseImage(assemble('1: add x1, x1, #1\n b 1b'), {
    name: 'spin',
    loadAddr: 0x4008_0000n,
    ram: { base: 0x4000_0000n, size: 0x4000_0000n },
  });
  const m = new Machine({ lib, image, ramSize: 0x4000_0000n, console: { write: () => undefined } });
  const samples: number[] = [];
  try {
    // Warm up: the first run waits for the watchdog thread to load libunicorn (~50 ms, once per machine).
    setTimeout(() => m.requestStop('warm-up'), 1);
    await m.run();
    for (let i = 0; i < trials; i++) {
      // The request is due at a varying point of a slice; while the guest runs, the event loop (where a socket's
      // Ctrl-C or this timer is seen) only turns between slices, so the latency counts from when it was due.
      const delayMs = 5 + (i % 7) * 3;
      const due = process.hrtime.bigint() + BigInt(delayMs * 1e6);
      setTimeout(() => m.requestStop('bench'), delayMs); // before run(): run() executes its first slice synchronously
      const running = m.run();
      await running;
      samples.push(Number(process.hrtime.bigint() - due) / 1e6);
    }
  } finally {
    await m.close();
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: samples.at(-1)! };
}
