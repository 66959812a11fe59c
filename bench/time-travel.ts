// Time travel's costs (issue 15): what recording costs a trap-heavy guest (the demo guest: a stage-2 trap every few
// dozen instructions), how long a reverse step takes at a random point of the recording, and how much memory the
// recording holds per million instructions.
import { readFileSync } from 'node:fs';
import { parseImage } from '../core/loader/image-loader.js';
import { Machine } from '../core/machine/machine.js';
import { buildRitmQemuPolicy } from '../core/stage2/ritm-qemu-policy.js';
import { Stage2PolicyBuilder } from '../core/stage2/stage2-policy.js';
import type { UnicornLibrary } from '../core/unicorn/library.js';
import { guestPath } from '../test/helpers/guests.js';

const RAM = { base: 0x4000_0000n, size: 0x4000_0000n };
const INSNS = 1_000_000n;

function demoMachine(lib: UnicornLibrary): Machine {
  const image = parseImage(readFileSync(guestPath('demo')), { name: 'demo', loadAddr: 0x4008_0000n, ram: RAM });
  const b = new Stage2PolicyBuilder();
  buildRitmQemuPolicy(b, RAM.size);
  return new Machine({ lib, image, ramSize: RAM.size, console: { write: () => undefined }, policy: b.build() });
}

async function runSeconds(lib: UnicornLibrary, record: boolean): Promise<number> {
  const m = demoMachine(lib);
  try {
    if (record) m.timeTravel.start({});
    const t0 = performance.now();
    await m.run({ maxInsns: INSNS });
    return (performance.now() - t0) / 1000;
  } finally {
    await m.close();
  }
}

export interface TimeTravelFigures {
  /** Seconds for INSNS instructions of the demo guest, recording and not (best of rounds). */
  readonly plainSeconds: number;
  readonly recordSeconds: number;
  /** One reverse step at random points: median and worst, in ms. */
  readonly reverseStepMedianMs: number;
  readonly reverseStepMaxMs: number;
  /** Checkpoint memory per million instructions recorded, in MiB. */
  readonly mibPerMillion: number;
}

export async function benchTimeTravel(lib: UnicornLibrary, rounds = 2, steps = 25): Promise<TimeTravelFigures> {
  let plainSeconds = Infinity;
  let recordSeconds = Infinity;
  for (let i = 0; i < rounds; i++) {
    plainSeconds = Math.min(plainSeconds, await runSeconds(lib, false));
    recordSeconds = Math.min(recordSeconds, await runSeconds(lib, true));
  }
  const m = demoMachine(lib);
  try {
    m.timeTravel.start({});
    await m.run({ maxInsns: INSNS });
    const st = m.timeTravel.status()!;
    const times: number[] = [];
    let seed = 12345;
    for (let i = 0; i < steps; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const at = 1n + (BigInt(seed) % (INSNS - 1n));
      await m.timeTravel.seek(at, (maxInsns) => m.run({ maxInsns }));
      const t0 = performance.now();
      await m.timeTravel.seek(at - 1n, (maxInsns) => m.run({ maxInsns })); // what gdb's bs does
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      plainSeconds,
      recordSeconds,
      reverseStepMedianMs: times[Math.floor(times.length / 2)]!,
      reverseStepMaxMs: times[times.length - 1]!,
      mibPerMillion: st.bytes / 2 ** 20 / (Number(st.to - st.from) / 1e6),
    };
  } finally {
    await m.close();
  }
}
