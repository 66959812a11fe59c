#!/usr/bin/env node
// Capture every stage-2 trap of a guest from a script and summarise the decisions.
//   node examples/trace-capture.mjs [guests/build/ritm-selftest.elf]
// Prints one JSON object: traps by region and decision, and the first trap's syndrome.
import { Guest } from 'el2dbg';

const image = process.argv[2] ?? new URL('../guests/build/ritm-selftest.elf', import.meta.url).pathname;
const guest = await Guest.create({ image, policy: 'ritm' });
try {
  // Stop right after the first trap (its decision applied) and look at its syndrome.
  const first = await guest.runUntil('stage2-trap');
  if (first.kind !== 'event' || first.event.kind !== 'stage2-trap') throw new Error('the guest never trapped');
  const trap = first.event;
  const firstTrap = {
    pc: `0x${trap.pc.toString(16)}`,
    esr: `0x${trap.esrEl2.toString(16)}`,
    ipa: `0x${trap.ipa.toString(16)}`,
    region: trap.region,
  };

  const halt = await guest.run(); // to the end
  const byRegion = {};
  for (const { decision } of guest.decisions()) {
    const region = decision.region ?? '(none)';
    byRegion[region] ??= {};
    byRegion[region][decision.why] = (byRegion[region][decision.why] ?? 0) + 1;
  }
  console.log(JSON.stringify({ halt: halt.kind, firstTrap, byRegion }, null, 2));
} finally {
  await guest.close();
}
