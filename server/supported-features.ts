// The qSupported reply, built from what is registered (qXfer objects) and from what gdb offered.
import type { QSupportedFeature } from '../protocol/packets.js';
import type { SupportedFeature } from '../protocol/replies.js';
import { qXferObjects } from './qxfer-objects.js';

/** Stop reasons we report only when gdb offered them (the protocol's rule). */
const IF_OFFERED = ['swbreak', 'hwbreak'] as const;

/** Features for the qSupported reply. */
export function supportedFeatures(
  packetSize: number,
  offered: ReadonlyMap<string, QSupportedFeature>,
): [string, SupportedFeature][] {
  return [
    ['PacketSize', { value: packetSize.toString(16) }],
    ['QStartNoAckMode', '+'],
    ...qXferObjects.map((o): [string, SupportedFeature] => [`qXfer:${o.object}:read`, '+']),
    ...IF_OFFERED.filter((name) => offered.get(name) === '+').map((name): [string, SupportedFeature] => [name, '+']),
    ['vContSupported', '+'],
    // Reverse execution works while a recording is on (monitor record start, serve --record); without one, bs and bc
    // get an error that says how to start it.
    ['ReverseStep', '+'],
    ['ReverseContinue', '+'],
    ['QThreadEvents', '+'],
  ];
}
