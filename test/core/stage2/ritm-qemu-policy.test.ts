// RITM's QEMU-virt stage-2 policy (el2-model.md): which IPAs are mapped, and the level of the
// invalid entry every other IPA meets, which becomes DFSC 0b0001LL.
import { expect } from 'chai';
import { DEVICE, NORMAL } from '../../../core/stage2/stage2-attributes.js';
import { Stage2PolicyError } from '../../../core/stage2/stage2-errors.js';
import { buildAllowAllPolicy, buildRitmPciPolicy, buildRitmQemuPolicy } from '../../../core/stage2/ritm-qemu-policy.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../../../core/stage2/stage2-policy.js';

const GiB = 1n << 30n;
const dfsc = (level: number) => 0b000100 + level;

function ritmPolicy(ramSize?: bigint): Stage2Policy {
  const b = new Stage2PolicyBuilder();
  buildRitmQemuPolicy(b, ramSize);
  return b.build();
}

function faultDfsc(policy: Stage2Policy, ipa: bigint): number | 'mapped' {
  const t = policy.translate(ipa);
  return t.kind === 'mapped' ? 'mapped' : dfsc(t.level);
}

describe('buildRitmQemuPolicy', () => {
  const policy = ritmPolicy();

  it('declares the ranges of el2-model.md, RAM split around the hypervisor window', () => {
    expect(policy.allowedRanges.map((r) => [r.base, r.end, r.attrs])).to.deep.equal([
      [0n, 0x0f00_0000n, DEVICE],
      [0x0f00_1000n, 0x4000_0000n, DEVICE],
      [0x4000_0000n, 0x4700_0000n, NORMAL],
      [0x4740_0000n, 0x8000_0000n, NORMAL],
    ]);
    expect(policy.regions.map((r) => [r.name, r.base, r.size])).to.deep.equal([
      ['filtered-mmio', 0x0f00_0000n, 0x1000n],
    ]);
  });

  it('faults at level 3 on the filtered page (DFSC 0x07), with its handler', () => {
    for (const ipa of [0x0f00_0000n, 0x0f00_0010n, 0x0f00_0ff8n, 0x0f00_0fffn]) {
      const t = policy.translate(ipa);
      expect(t.kind === 'fault' && [t.level, t.region?.name]).to.deep.equal([3, 'filtered-mmio']);
      expect(policy.lookupHandler(ipa)?.offset).to.equal(ipa - 0x0f00_0000n);
    }
    expect(faultDfsc(policy, 0x0f00_0000n)).to.equal(0x07);
  });

  it('maps the device ranges around the filtered page', () => {
    for (const ipa of [0n, 0x0900_0000n, 0x0eff_fff8n, 0x0f00_1000n, 0x0f1f_f000n, 0x0f20_0000n, 0x3fff_ffffn]) {
      expect(policy.translate(ipa), `0x${ipa.toString(16)}`).to.deep.include({
        kind: 'mapped',
        pa: ipa,
        attrs: DEVICE,
      });
    }
    expect(policy.walk(0x0f00_1000n)).to.deep.include({ level: 3 });
    expect(policy.walk(0x0f20_0000n)).to.deep.include({ level: 2 });
    expect(policy.walk(0x0eff_f000n)).to.deep.include({ level: 2 });
  });

  it('faults at level 2 in the 2 MiB-aligned hypervisor window (DFSC 0x06), with no handler', () => {
    for (const ipa of [0x4700_0000n, 0x4720_0000n, 0x473f_fff8n]) {
      expect(policy.translate(ipa)).to.deep.equal({ kind: 'fault', level: 2, region: null });
    }
    expect(faultDfsc(policy, 0x4700_0000n)).to.equal(0x06);
  });

  it('maps RAM as normal memory on both sides of the window', () => {
    for (const ipa of [0x4000_0000n, 0x46ff_fff8n, 0x4740_0000n, 0x7fff_fff8n]) {
      expect(policy.translate(ipa), `0x${ipa.toString(16)}`).to.deep.include({
        kind: 'mapped',
        pa: ipa,
        attrs: NORMAL,
        level: 2,
      });
    }
  });

  it('faults at level 1 in a 1 GiB region with nothing mapped (DFSC 0x05)', () => {
    for (const ipa of [0x8000_0000n, 0x1_0000_0000n, 0x40_1000_0000n, 0x7f_ffff_f000n]) {
      expect(policy.translate(ipa), `0x${ipa.toString(16)}`).to.deep.equal({ kind: 'fault', level: 1, region: null });
    }
    expect(faultDfsc(policy, 0x1_0000_0000n)).to.equal(0x05);
  });

  it('faults at level 0 beyond the first 512 GiB (DFSC 0x04)', () => {
    expect(policy.translate(0x80_0000_0000n)).to.deep.equal({ kind: 'fault', level: 0, region: null });
    expect(policy.translate(0xff_ffff_f000n)).to.deep.equal({ kind: 'fault', level: 0, region: null });
    expect(faultDfsc(policy, 0x80_0000_0000n)).to.equal(0x04);
  });

  it('follows the RAM size', () => {
    const twoGiB = ritmPolicy(2n * GiB);
    expect(twoGiB.translate(0xbfff_f000n)).to.deep.include({ kind: 'mapped', attrs: NORMAL, level: 1 });
    expect(twoGiB.translate(0xc000_0000n)).to.deep.include({ kind: 'fault', level: 1 });
    const small = ritmPolicy(0x0700_0000n);
    expect(small.allowedRanges.at(-1)).to.deep.include({ base: 0x4000_0000n, end: 0x4700_0000n });
    const insideWindow = ritmPolicy(0x0720_0000n);
    expect(insideWindow.allowedRanges.at(-1)).to.deep.include({ base: 0x4000_0000n, end: 0x4700_0000n });
    expect(insideWindow.translate(0x4740_0000n)).to.deep.include({ kind: 'fault', level: 2 });
    const tiny = ritmPolicy(0x10_0000n);
    expect(tiny.allowedRanges.at(-1)).to.deep.include({ base: 0x4000_0000n, end: 0x4010_0000n });
    expect(tiny.translate(0x4010_0000n)).to.deep.include({ kind: 'fault', level: 3 });
  });

  it('rejects a RAM size of 0 or not a multiple of 4 KiB', () => {
    expect(() => ritmPolicy(0n))
      .to.throw(Stage2PolicyError)
      .with.property('code', 'EmptyRange');
    expect(() => ritmPolicy(GiB + 0x800n))
      .to.throw(Stage2PolicyError)
      .with.property('code', 'RangeSizeNotPageMultiple');
  });

  it('gives every policy instance its own filtered page counter', () => {
    const b1 = new Stage2PolicyBuilder();
    const page1 = buildRitmQemuPolicy(b1);
    const p1 = b1.build();
    const p2 = ritmPolicy();
    const readCounter = (p: Stage2Policy) => {
      const m = p.lookupHandler(0x0f00_0010n);
      return m?.region.read?.({ ipa: 0x0f00_0010n, offset: m.offset, width: 64 });
    };
    expect([readCounter(p1), readCounter(p1), readCounter(p2)]).to.deep.equal([
      { kind: 'value', value: 0n },
      { kind: 'value', value: 1n },
      { kind: 'value', value: 0n },
    ]);
    page1.reset();
    expect(readCounter(p1)).to.deep.equal({ kind: 'value', value: 0n });
  });

  it('routes the filtered page accesses to the handlers of el2-model.md', () => {
    const m = policy.lookupHandler(0x0f00_0008n);
    if (m === null) return expect.fail('no handler for the filtered page');
    expect(
      m.region.write?.({ ipa: 0x0f00_0008n, offset: m.offset, width: 64, value: 0x123456789abcdef0n }),
    ).to.deep.equal({ kind: 'handled' });
    expect(m.region.read?.({ ipa: 0x0f00_0008n, offset: m.offset, width: 64 })).to.deep.equal({ kind: 'fault' });
    expect(m.region.read?.({ ipa: 0x0f00_0000n, offset: 0n, width: 64 })).to.deep.equal({
      kind: 'value',
      value: 0xfeedfacecafebeefn,
    });
  });
});

describe('buildAllowAllPolicy', () => {
  it('maps everything below RAM as device and RAM as normal, with no handlers', () => {
    const b = new Stage2PolicyBuilder();
    buildAllowAllPolicy(b, GiB);
    const policy = b.build();
    expect(policy.regions).to.deep.equal([]);
    expect(policy.translate(0x0f00_0000n)).to.deep.include({ kind: 'mapped', attrs: DEVICE, level: 1 });
    expect(policy.translate(0x3fff_fff8n)).to.deep.include({ kind: 'mapped', attrs: DEVICE });
    expect(policy.translate(0x4700_0000n)).to.deep.include({ kind: 'mapped', attrs: NORMAL, level: 1 });
    expect(policy.translate(0x8000_0000n)).to.deep.include({ kind: 'fault', level: 1 });
  });

  it('defaults to 1 GiB of RAM and also maps the high PCIe ECAM window', () => {
    const b = new Stage2PolicyBuilder();
    buildAllowAllPolicy(b);
    expect(b.build().allowedRanges.map((r) => [r.base, r.end])).to.deep.equal([
      [0n, 0x4000_0000n],
      [0x4000_0000n, 0x8000_0000n],
      [0x40_1000_0000n, 0x40_2000_0000n],
    ]);
  });
});

describe('buildRitmPciPolicy', () => {
  function pciPolicy(ramSize: bigint): Stage2Policy {
    const b = new Stage2PolicyBuilder();
    buildRitmPciPolicy(b, ramSize);
    return b.build();
  }

  it("maps the machine's RAM (not more) below 4 GiB, RITM's window left out, and the high PCIe windows", () => {
    const small = pciPolicy(GiB);
    expect(small.allowedRanges.map((r) => [r.base, r.end, r.attrs])).to.deep.equal([
      [0n, 0x0f00_0000n, DEVICE],
      [0x0f00_1000n, 0x4000_0000n, DEVICE],
      [0x4000_0000n, 0x4700_0000n, NORMAL],
      [0x4740_0000n, 0x8000_0000n, NORMAL],
      [0x40_1000_0000n, 0x40_2000_0000n, DEVICE],
      [0x80_0000_0000n, 0x100_0000_0000n, DEVICE],
    ]);
    expect(faultDfsc(small, 0x8000_0000n)).to.not.equal('mapped'); // no RAM there on a 1 GiB machine
    // 4 GiB of RAM ends at 0x1_4000_0000: RITM's later policy stops at 4 GiB of address space.
    const big = pciPolicy(4n * GiB);
    expect(faultDfsc(big, 0xffff_f000n)).to.equal('mapped');
    expect(faultDfsc(big, 0x1_0000_0000n)).to.not.equal('mapped');
    expect(faultDfsc(big, 0x40_1000_0000n)).to.equal('mapped');
  });
});
