import { expect } from 'chai';
import { Machine } from '../../core/machine/machine.js';
import { loadUnicorn } from '../../core/unicorn/library.js';
import { xRegisterId } from '../../core/unicorn/registers.js';
import { loadBootImage } from '../../server/cli/firmware.js';
import { findUbootRelocation } from '../../server/monitor/monitor-uboot.js';

/** A gd as U-Boot lays it out: `before` bytes of other fields, then relocaddr .. new_gd (7 unsigned longs). */
function fakeGd(gd: bigint, before: number, relocaddr: bigint, relocOff: bigint, newGd: bigint): Uint8Array {
  const bytes = new Uint8Array(0x400);
  const v = new DataView(bytes.buffer);
  const fields = [relocaddr, 0x4000_0000n, 0xf9000n, 0x7eeb_6da0n, 0x7eeb_6da0n, relocOff, newGd];
  fields.forEach((f, i) => v.setBigUint64(before + 8 * i, f, true));
  v.setBigUint64(0, gd - 0x1000n, true); // bd: a pointer near gd, not gd itself
  return bytes;
}

describe('monitor uboot: U-Boot relocation from gd (x18)', () => {
  const gd = 0x7eeb_6db0n;

  it('finds relocaddr and reloc_off by the new_gd == gd anchor, wherever the configuration puts them', () => {
    for (const before of [0x50, 0x88, 0x1f0]) {
      const mem = fakeGd(gd, before, 0x7fef_7000n, 0x7fef_7000n, gd);
      const r = findUbootRelocation(gd, () => mem);
      expect(r, `fields at 0x${before.toString(16)}`).to.deep.equal({
        kind: 'relocated',
        gd,
        relocaddr: 0x7fef_7000n,
        relocOff: 0x7fef_7000n,
      });
    }
  });

  it('says U-Boot has not relocated while new_gd still points elsewhere, and refuses a gd it cannot read', () => {
    const early = fakeGd(gd, 0x88, 0n, 0n, 0x7eeb_6000n);
    expect(findUbootRelocation(gd, () => early)).to.include({ kind: 'unknown' });
    expect(findUbootRelocation(gd, () => null).kind).to.equal('unknown');
    expect(findUbootRelocation(0n, () => early).kind).to.equal('unknown');
  });

  it("reads Debian's U-Boot after relocation as its own bdinfo (and QEMU's) reports it: 0x7fef7000 with 1 GiB", async function () {
    this.timeout(60_000);
    const boot = await loadBootImage({ image: 'u-boot', firmware: 'u-boot', loadAddr: 0n }, 1n << 30n);
    const m = new Machine({
      lib: loadUnicorn(),
      image: boot.image,
      ramSize: 1n << 30n,
      console: { write() {} },
      ...boot.machine,
    });
    try {
      const at = async (n: bigint) => {
        await m.run({ maxInsns: n });
        const x18 = m.uc.readReg(xRegisterId(18));
        return findUbootRelocation(x18, (a, l) => {
          const got = m.space.readRange('va', a, l);
          return got.faultAt === null ? got.data : null;
        });
      };
      expect((await at(200_000n)).kind, 'still in board_init_f').to.equal('unknown');
      expect(await at(20_000_000n)).to.deep.include({
        kind: 'relocated',
        relocaddr: 0x7fef_7000n,
        relocOff: 0x7fef_7000n,
      });
    } finally {
      await m.close();
    }
  });
});
