import type { GicVersion } from '../../core/devices/interrupt-controller.js';
import { parseImage } from '../../core/loader/image-loader.js';
import type { InjectMode } from '../../core/el2/el2-state.js';
import type { HaltReason, MachineEvent } from '../../core/el2/events.js';
import { Machine } from '../../core/machine/machine.js';
import { buildRitmQemuPolicy } from '../../core/stage2/ritm-qemu-policy.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../../core/stage2/stage2-policy.js';
import { loadUnicorn, type UnicornLibrary } from '../../core/unicorn/library.js';

let lib: UnicornLibrary | null = null;
const RAM = { base: 0x4000_0000n, size: 0x4000_0000n };

/** RITM's QEMU-virt policy for 1 GiB of RAM. */
export function ritmPolicy(): Stage2Policy {
  const b = new Stage2PolicyBuilder();
  buildRitmQemuPolicy(b, RAM.size);
  return b.build();
}

/**
 * A machine running `code` (an ELF, or raw at 0x40080000) under `policy` (default RITM's), recording events and
 * console output.
 */
export function guestMachine(
  code: Uint8Array,
  opts: {
    policy?: Stage2Policy | (() => Stage2Policy);
    inject?: InjectMode;
    sliceMs?: number;
    gic?: GicVersion;
  } = {},
) {
  lib ??= loadUnicorn();
  const out: number[] = [];
  const events: MachineEvent[] = [];
  const image = parseImage(code, { name: 'test', loadAddr: 0x4008_0000n, ram: RAM });
  const machine = new Machine({
    lib,
    image,
    ramSize: RAM.size,
    console: { write: (b) => out.push(...b) },
    policy: opts.policy ?? ritmPolicy(),
    injectMode: opts.inject ?? 'ritm',
    ...(opts.sliceMs !== undefined ? { sliceMs: opts.sliceMs } : {}),
    ...(opts.gic !== undefined ? { gic: opts.gic } : {}),
  });
  machine.on((e) => events.push(e));
  return { machine, events, console: () => Buffer.from(out).toString('latin1') };
}

/** Assembly that powers the machine off (PSCI SYSTEM_OFF over HVC). */
export const POWER_OFF = 'movz x0, #0x0008\n movk x0, #0x8400, lsl #16\n hvc #0\n';

/** Assembly loading a 64-bit constant into Xn. */
export function movq(n: number | string, v: bigint): string {
  const r = typeof n === 'number' ? `x${n}` : n;
  return (
    [0, 1, 2, 3]
      .map(
        (i) =>
          `${i === 0 ? 'movz' : 'movk'} ${r}, #0x${((v >> BigInt(16 * i)) & 0xffffn).toString(16)}, lsl #${16 * i}`,
      )
      .join('\n') + '\n'
  );
}

/** Runs `m` to instruction count `n` exactly (or to a halt before it). */
export function runTo(m: Machine, n: bigint): Promise<HaltReason> {
  return m.run({ maxInsns: n - m.instructionsExecuted });
}

/** Puts `m` at instruction count `n` of its recording (what gdb's reverse commands do); null once there. */
export function seek(m: Machine, n: bigint): Promise<HaltReason | null> {
  return m.timeTravel.seek(n, (maxInsns) => m.run({ maxInsns }));
}
