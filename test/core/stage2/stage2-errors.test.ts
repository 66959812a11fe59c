// The sentence each Stage2ConfigError (RITM src/stage2.rs) and builder misuse becomes, the built-in policies by
// name, and the edges the other stage-2 tests leave open: the messages are written out by hand from the variant's
// data (hex of base, base + size), the layouts from el2-model.md and RITM's src/platform/qemu.rs.
import { expect } from 'chai';
import { BUILTIN_POLICIES } from '../../../core/stage2/builtin-policies.js';
import { createFilteredMmioPage } from '../../../core/stage2/filtered-mmio-page.js';
import { DEVICE, NORMAL } from '../../../core/stage2/stage2-attributes.js';
import { describeStage2PolicyProblem, Stage2PolicyError } from '../../../core/stage2/stage2-errors.js';
import { buildRitmQemuPolicy } from '../../../core/stage2/ritm-qemu-policy.js';
import { Stage2PolicyBuilder } from '../../../core/stage2/stage2-policy.js';

const GiB = 1n << 30n;

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (e) {
    expect(e).to.be.instanceOf(Stage2PolicyError);
    return (e as Error).message;
  }
  throw new Error('expected a Stage2PolicyError');
}

describe('stage-2 policy error messages', () => {
  it('says what is wrong with the shape of a range', () => {
    const b = new Stage2PolicyBuilder();
    expect(messageOf(() => b.allowRange(0x1234n, 0x1000n, DEVICE))).to.equal(
      'stage-2 range base 0x1234 is not 4 KiB aligned',
    );
    expect(messageOf(() => b.allowRange(0x2000n, 0n, DEVICE))).to.equal('stage-2 range at 0x2000 has size 0');
    expect(messageOf(() => b.allowRange(0x2000n, 0x1800n, DEVICE))).to.equal(
      'stage-2 range at 0x2000 has size 0x1800, not a multiple of 4 KiB',
    );
    expect(messageOf(() => b.allowRange(0xffff_ffff_ffff_f000n, 0x1000n, DEVICE))).to.equal(
      'stage-2 range at 0xfffffffffffff000 of size 0x1000 ends beyond 2^64',
    );
    expect(messageOf(() => b.allowRange(0xff_ffff_f000n, 0x2000n, DEVICE))).to.equal(
      'stage-2 range [0xfffffff000, 0x10000001000) ends beyond the 40-bit IPA space (0x10000000000)',
    );
  });

  it('says which limit was reached: 32 allowed ranges, 16 handler regions', () => {
    const b = new Stage2PolicyBuilder();
    for (let i = 0n; i < 32n; i++) b.allowRange(i * 0x1000n, 0x1000n, DEVICE);
    expect(messageOf(() => b.allowRange(0x10_0000n, 0x1000n, DEVICE))).to.equal(
      'too many stage-2 allowed ranges (at most 32)',
    );
    const h = new Stage2PolicyBuilder();
    for (let i = 0n; i < 16n; i++) h.handleRange(i * 0x1000n, 0x1000n, {});
    expect(messageOf(() => h.handleRange(0x10_0000n, 0x1000n, {}))).to.equal(
      'too many stage-2 memory access handler regions (at most 16)',
    );
  });

  it('names both ranges of an overlap as half-open [base, base + size)', () => {
    const b = new Stage2PolicyBuilder().allowRange(0x1_0000n, 0x3000n, DEVICE).handleRange(0x2_0000n, 0x2000n, {});
    expect(messageOf(() => b.allowRange(0x1_2000n, 0x2000n, NORMAL))).to.equal(
      'allowed range [0x12000, 0x14000) overlaps allowed range [0x10000, 0x13000)',
    );
    expect(messageOf(() => b.handleRange(0x2_1000n, 0x1000n, {}))).to.equal(
      'handler region [0x21000, 0x22000) overlaps handler region [0x20000, 0x22000)',
    );
    expect(messageOf(() => b.handleRange(0xf000n, 0x2000n, {}))).to.equal(
      'range [0xf000, 0x11000) overlaps [0x10000, 0x13000): allowed ranges and handler regions must not overlap',
    );
  });

  it('says how the builder was misused', () => {
    const b = new Stage2PolicyBuilder();
    expect(messageOf(() => b.allowRange(-0x1000n, 0x1000n, DEVICE))).to.equal(
      'stage-2 range base -0x1000 is not a 64-bit unsigned value',
    );
    expect(messageOf(() => b.allowRange(0n, 1n << 64n, DEVICE))).to.equal(
      'stage-2 range size 0x10000000000000000 is not a 64-bit unsigned value',
    );
    b.build();
    expect(messageOf(() => b.handleRange(0n, 0x1000n, {}))).to.equal(
      'handleRange() called after build(): the stage-2 policy is read-only once built',
    );
  });

  it('still says something for a problem it does not know', () => {
    expect(describeStage2PolicyProblem({ code: 'Bogus' } as never)).to.equal('stage-2 policy error [object Object]');
  });
});

describe('stage-2 edges', () => {
  it('offers the ritm, ritm-pci and allow-all policies by name', () => {
    expect([...BUILTIN_POLICIES.keys()]).to.deep.equal(['ritm', 'ritm-pci', 'allow-all']);
    const ritm = new Stage2PolicyBuilder();
    BUILTIN_POLICIES.get('ritm')?.(ritm, GiB);
    const r = ritm.build();
    expect(r.regions.map((x) => [x.base, x.end])).to.deep.equal([[0x0f00_0000n, 0x0f00_1000n]]);
    expect(r.translate(0x4700_0000n)).to.deep.include({ kind: 'fault', level: 2 });
    const all = new Stage2PolicyBuilder();
    BUILTIN_POLICIES.get('allow-all')?.(all, GiB);
    const a = all.build();
    expect(a.regions).to.deep.equal([]);
    expect(a.translate(0x4700_0000n)).to.deep.include({ kind: 'mapped', attrs: NORMAL });
  });

  it("ritm-pci is ritm's layout plus RAM to 4 GiB, the high ECAM and the high PCIe MMIO window as device", () => {
    const b = new Stage2PolicyBuilder();
    BUILTIN_POLICIES.get('ritm-pci')?.(b, 8n * GiB);
    const p = b.build();
    expect(p.regions.map((x) => [x.base, x.end])).to.deep.equal([[0x0f00_0000n, 0x0f00_1000n]]);
    expect(p.translate(0x4700_0000n), "RITM's window").to.deep.include({ kind: 'fault' });
    expect(p.translate(0xffff_f000n)).to.deep.include({ kind: 'mapped', attrs: NORMAL });
    expect(p.translate(0x1_0000_0000n), 'RAM above 4 GiB').to.deep.include({ kind: 'fault' });
    for (const ipa of [0x40_1000_0000n, 0x40_1fff_f000n, 0x80_0000_0000n, 0xff_ffff_f000n])
      expect(p.translate(ipa), `0x${ipa.toString(16)}`).to.deep.include({ kind: 'mapped', attrs: DEVICE });
    expect(p.translate(0x40_2000_0000n), 'past the ECAM').to.deep.include({ kind: 'fault' });
  });

  it('gives a handler region its end, base + size', () => {
    const p = new Stage2PolicyBuilder().handleRange(0x9000_0000n, 0x3000n, {}).build();
    expect(p.regions[0]).to.include({ base: 0x9000_0000n, size: 0x3000n, end: 0x9000_3000n });
  });

  it('accepts RAM that ends exactly at the end of the hypervisor window, mapping none of it after', () => {
    // 0x40000000 + 0x07400000 = 0x47400000 = 0x47000000 + 0x400000: nothing above the window to map.
    const b = new Stage2PolicyBuilder();
    buildRitmQemuPolicy(b, 0x0740_0000n);
    expect(b.build().allowedRanges.at(-1)).to.deep.include({ base: 0x4000_0000n, end: 0x4700_0000n });
  });

  it('faults at level 0 on IPAs that do not fit in 40 bits, even ones whose low bits are mapped', () => {
    const p = new Stage2PolicyBuilder().allowRange(0n, 0x20_0000n, DEVICE).build();
    expect(p.walk(0x1000n)).to.include({ kind: 'mapped' });
    expect(p.walk(1n << 48n)).to.deep.equal({ kind: 'fault', level: 0 });
    expect(p.walk((1n << 48n) + 0x1000n)).to.deep.equal({ kind: 'fault', level: 0 });
    expect(p.walk(0x1000n - (1n << 48n))).to.deep.equal({ kind: 'fault', level: 0 });
    expect(p.walk(-1n)).to.deep.equal({ kind: 'fault', level: 0 });
  });

  it('faults a 32-bit write at offset 8 even when the value is the accepted one (RITM checks the width)', () => {
    const page = createFilteredMmioPage();
    const value = 0x1234_5678_9abc_def0n;
    expect(page.write({ ipa: 0x0f00_0008n, offset: 8n, width: 32, value })).to.deep.equal({ kind: 'fault' });
  });
});
