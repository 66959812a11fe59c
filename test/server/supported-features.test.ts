import { expect } from 'chai';
import type { QSupportedFeature } from '../../protocol/packets.js';
import { qXferObjects } from '../../server/qxfer-objects.js';
import { supportedFeatures } from '../../server/supported-features.js';

describe('server/supported-features: the qSupported reply', () => {
  it('advertises PacketSize, no-ack mode and one qXfer read per registered object', () => {
    const names = supportedFeatures(0x20000, new Map()).map(([n]) => n);
    expect(names.slice(0, 2)).to.deep.equal(['PacketSize', 'QStartNoAckMode']);
    for (const o of qXferObjects) expect(names).to.include(`qXfer:${o.object}:read`);
    expect(qXferObjects.map((o) => o.object)).to.deep.equal(['features', 'memory-map', 'threads', 'exec-file']);
  });

  it('offers swbreak and hwbreak only when gdb offered them', () => {
    const offered = new Map<string, QSupportedFeature>([
      ['swbreak', '+'],
      ['hwbreak', '-'],
    ]);
    const names = supportedFeatures(0x4000, offered).map(([n]) => n);
    expect(names).to.include('swbreak');
    expect(names).to.not.include('hwbreak');
    expect(supportedFeatures(0x4000, new Map()).map(([n]) => n)).to.not.include('swbreak');
  });
});
