import { expect } from 'chai';
import { lldbMemoryRegionAt, lldbMemoryRegions } from '../../server/lldb-memory-regions.js';
import { memoryMapRegions } from '../../server/memory-map.js';

describe('server/lldb-memory-regions: qMemoryRegionInfo', () => {
  const regions = lldbMemoryRegions(memoryMapRegions(1n << 30n));

  it("covers the 64-bit space without gaps in the memory map's regions, cut at the hole and at the last byte", () => {
    expect(regions[0]!.start).to.equal(0n);
    for (let i = 1; i < regions.length; i++)
      expect(regions[i]!.start).to.equal(regions[i - 1]!.start + regions[i - 1]!.length);
    expect(regions.map((r) => [r.start, r.mapped])).to.deep.equal([
      [0n, true],
      [0x400_0000n, true],
      [0x800_0000n, true],
      [0x4000_0000n, true],
      [0x8000_0000n, true],
      [1n << 52n, false],
      [1n << 55n, true],
      [(1n << 64n) - 1n, true],
    ]);
  });

  it('walked the way lldb looks for scratch memory, from 0 by region ends, reaches the hole and stops there', () => {
    // IRMemoryMap::FindSpace (lldb 14): skip mapped regions; stop in an unmapped one with room for the allocation.
    let addr = 0n;
    for (let steps = 0; steps < regions.length; steps++) {
      const r = lldbMemoryRegionAt(regions, addr);
      if (!r.mapped) return expect(r.what).to.match(/no address translates here/);
      addr = BigInt.asUintN(64, r.start + r.length);
    }
    expect.fail('the walk never found an unmapped region');
  });

  it('ends the regions Process::GetMemoryRegions lists at 0xffffffffffffffff, where it stops', () => {
    const ends = regions.map((r) => r.start + r.length);
    expect(ends.filter((e) => e >= 1n << 64n)).to.deep.equal([1n << 64n]); // only the one-byte region at the top
    expect(ends).to.include((1n << 64n) - 1n);
    expect(lldbMemoryRegionAt(regions, 0x4008_0000n)).to.include({ start: 0x4000_0000n, what: 'RAM' });
    expect(lldbMemoryRegionAt(regions, 0xffff_ffff_ffff_ffffn)).to.include({ length: 1n });
  });
});
