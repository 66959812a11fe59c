// el2-model.md "The filtered MMIO test page": only 64-bit reads at 0/16/24/32/40, a counter at 16
// that only successful 64-bit reads at 16 advance, and one accepted write.
import { expect } from 'chai';
import { createFilteredMmioPage } from '../../../core/stage2/filtered-mmio-page.js';
import type { MmioAccessWidth } from '../../../core/stage2/stage2-types.js';

const BASE = 0x0f00_0000n;
const read = (page: ReturnType<typeof createFilteredMmioPage>, offset: bigint, width: MmioAccessWidth = 64) =>
  page.read({ ipa: BASE + offset, offset, width });
const write = (
  page: ReturnType<typeof createFilteredMmioPage>,
  offset: bigint,
  value: bigint,
  width: MmioAccessWidth = 64,
) => page.write({ ipa: BASE + offset, offset, width, value });
const value = (v: bigint) => ({ kind: 'value', value: v });
const FAULT = { kind: 'fault' };

describe('createFilteredMmioPage', () => {
  it('returns the fixed values on 64-bit reads', () => {
    const page = createFilteredMmioPage();
    expect(read(page, 0n)).to.deep.equal(value(0xfeedfacecafebeefn));
    expect(read(page, 24n)).to.deep.equal(value(0x1111222233334444n));
    expect(read(page, 32n)).to.deep.equal(value(0x5555666677778888n));
    expect(read(page, 40n)).to.deep.equal(value(0x9999aaaabbbbccccn));
  });

  it('counts 0, 1, 2 on 64-bit reads at 16, and nothing else advances the counter', () => {
    const page = createFilteredMmioPage();
    expect(read(page, 16n)).to.deep.equal(value(0n));
    expect(read(page, 0n)).to.deep.equal(value(0xfeedfacecafebeefn));
    expect(read(page, 16n, 32)).to.deep.equal(FAULT);
    expect(read(page, 8n)).to.deep.equal(FAULT);
    expect(write(page, 16n, 5n)).to.deep.equal(FAULT);
    expect(write(page, 8n, 0x123456789abcdef0n)).to.deep.equal({ kind: 'handled' });
    expect(read(page, 16n)).to.deep.equal(value(1n));
    expect(read(page, 24n)).to.deep.equal(value(0x1111222233334444n));
    expect(read(page, 16n)).to.deep.equal(value(2n));
    expect(page.counter()).to.equal(3n);
  });

  it('faults on reads narrower than 64 bits, at every offset', () => {
    const page = createFilteredMmioPage();
    for (const width of [8, 16, 32] as const) {
      for (const offset of [0n, 16n, 24n, 32n, 40n, 4n]) expect(read(page, offset, width)).to.deep.equal(FAULT);
    }
    expect(page.counter()).to.equal(0n);
  });

  it('faults on 64-bit reads at any other offset', () => {
    const page = createFilteredMmioPage();
    for (const offset of [1n, 8n, 15n, 17n, 20n, 48n, 0xff8n]) expect(read(page, offset)).to.deep.equal(FAULT);
  });

  it('handles only a 64-bit write of 0x123456789abcdef0 at offset 8', () => {
    const page = createFilteredMmioPage();
    expect(write(page, 8n, 0x123456789abcdef0n)).to.deep.equal({ kind: 'handled' });
    expect(write(page, 8n, 0x123456789abcdef1n)).to.deep.equal(FAULT);
    expect(write(page, 8n, 0n)).to.deep.equal(FAULT);
    expect(write(page, 8n, 0x9abcdef0n, 32)).to.deep.equal(FAULT);
    expect(write(page, 0n, 0x123456789abcdef0n)).to.deep.equal(FAULT);
    expect(write(page, 16n, 0x123456789abcdef0n)).to.deep.equal(FAULT);
    expect(write(page, 0x1008n, 0x123456789abcdef0n)).to.deep.equal(FAULT);
  });

  it('keeps one counter per page and resets it to 0', () => {
    const a = createFilteredMmioPage();
    const b = createFilteredMmioPage();
    read(a, 16n);
    read(a, 16n);
    expect(read(b, 16n)).to.deep.equal(value(0n));
    expect(read(a, 16n)).to.deep.equal(value(2n));
    a.reset();
    expect(a.counter()).to.equal(0n);
    expect(read(a, 16n)).to.deep.equal(value(0n));
    expect(b.counter()).to.equal(1n);
  });
});
