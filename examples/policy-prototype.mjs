#!/usr/bin/env node
// Prototype an EL2 MMIO handler in JavaScript and watch a guest use it, without rebuilding a hypervisor.
//   node examples/policy-prototype.mjs [guests/build/ritm-selftest.elf]
// The policy below replaces RITM's filtered page with a "scratch register" device: offset 0 reads back the last
// 64-bit value written to offset 8; every other access faults (and is injected into the guest).
import { Guest } from 'el2dbg';

const image = process.argv[2] ?? new URL('../guests/build/ritm-selftest.elf', import.meta.url).pathname;
let scratch = 0xfeedfacecafebeefn;
// The shape of a policy module's default export (el2dbg --policy FILE); Guest.create also takes a module path.
const policy = (b, { DEVICE, NORMAL, ramBase, ramSize }) => {
  b.allowRange(0n, 0x0f00_0000n, DEVICE);
  b.handleRange(
    0x0f00_0000n,
    0x1000n,
    {
      read: ({ offset, width }) =>
        offset === 0n && width === 64 ? { kind: 'value', value: scratch } : { kind: 'fault' },
      write: ({ offset, width, value }) => {
        if (offset !== 8n || width !== 64) return { kind: 'fault' };
        scratch = value;
        return { kind: 'handled' };
      },
    },
    'scratch-register',
  );
  b.allowRange(0x0f00_1000n, ramBase - 0x0f00_1000n, DEVICE);
  b.allowRange(ramBase, ramSize, NORMAL);
};

let out = '';
const guest = await Guest.create({ image, policy, console: (bytes) => (out += Buffer.from(bytes).toString()) });
try {
  const halt = await guest.run();
  const reads = [...guest.decisions()].filter((d) => d.decision.handler === 'read' && d.decision.action === 'emulate');
  const writes = [...guest.decisions()].filter(
    (d) => d.decision.handler === 'write' && d.decision.action === 'emulate',
  );
  console.log(
    JSON.stringify(
      {
        halt: halt.kind,
        emulatedReads: reads.length,
        emulatedWrites: writes.length,
        scratch: `0x${scratch.toString(16)}`,
        guestSaidOk: (out.match(/^ok /gm) ?? []).length,
      },
      null,
      2,
    ),
  );
} finally {
  await guest.close();
}
