import { expect } from 'chai';
import { buildMemoryMapXml, memoryMapRegions } from '../../server/memory-map.js';

describe('server/memory-map: qXfer:memory-map:read', () => {
  it('lists the two flash banks, the device window, RAM and the rest, covering the 64-bit space without gaps', () => {
    const regions = memoryMapRegions(1n << 30n);
    expect(regions.map((r) => [r.what, r.start, r.length])).to.deep.equal([
      ['flash bank 0', 0n, 0x400_0000n],
      ['flash bank 1', 0x400_0000n, 0x400_0000n],
      ['devices', 0x800_0000n, 0x3800_0000n],
      ['RAM', 0x4000_0000n, 0x4000_0000n],
      ['above RAM (high devices, high-half virtual addresses)', 0x8000_0000n, (1n << 64n) - 0x8000_0000n],
    ]);
    for (let i = 1; i < regions.length; i++)
      expect(regions[i]!.start).to.equal(regions[i - 1]!.start + regions[i - 1]!.length);
  });

  it('is a memory-map document gdb parses (one <memory> per region, hex start and length)', () => {
    const xml = buildMemoryMapXml(memoryMapRegions(0x1000_0000n));
    expect(xml).to.match(/^<\?xml version="1.0"\?>\n<!DOCTYPE memory-map /);
    expect(xml).to.include('<memory type="ram" start="0x40000000" length="0x10000000"/>');
    expect(xml.match(/<memory /g)).to.have.length(5);
  });
});
