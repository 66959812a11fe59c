// VirtioMmioSlot: an empty virtio-mmio transport of QEMU 7.2 virt. Expected values from the virtio spec (4.2.2) and
// hw/virtio/virtio-mmio.c's no-backend path, checked against QEMU 7.2 with u-boot (md.b/md.w/md.l/md.q 0x0a000000).
import { expect } from 'chai';
import { VirtioMmioSlot } from '../../../core/devices/virtio-mmio.js';

const BASE = 0x0a00_3e00n; // the last of virt's 32 transports
const MAGIC = 0x7472_6976n; // bytes 'v' 'i' 'r' 't'
const VENDOR = 0x554d_4551n; // bytes 'Q' 'E' 'M' 'U'

describe('VirtioMmioSlot (empty virtio-mmio transport)', () => {
  it('keeps its name and base and spans 0x200 bytes', () => {
    const slot = new VirtioMmioSlot('virtio-mmio@a003e00', BASE);
    expect([slot.name, slot.base, slot.size]).to.deep.equal(['virtio-mmio@a003e00', BASE, 0x200n]);
  });

  it('answers magic, legacy version 1, device ID 0 and vendor QEMU on 32-bit reads', () => {
    const slot = new VirtioMmioSlot('v', BASE);
    expect(slot.read(0x000n, 4)).to.equal(MAGIC);
    expect(slot.read(0x004n, 4)).to.equal(1n);
    expect(slot.read(0x008n, 4)).to.equal(0n);
    expect(slot.read(0x00cn, 4)).to.equal(VENDOR);
  });

  it('reads 0 from every other register', () => {
    const slot = new VirtioMmioSlot('v', BASE);
    for (let offset = 0x010n; offset < 0x200n; offset += 4n) expect(slot.read(offset, 4)).to.equal(0n);
  });

  it('gives narrow reads the low bytes of the register at that exact offset, and 0 inside a register', () => {
    const slot = new VirtioMmioSlot('v', BASE);
    expect(slot.read(0x000n, 1)).to.equal(0x76n);
    expect(slot.read(0x001n, 1)).to.equal(0n);
    expect(slot.read(0x000n, 2)).to.equal(0x6976n);
    expect(slot.read(0x002n, 2)).to.equal(0n);
    expect(slot.read(0x004n, 1)).to.equal(1n);
    expect(slot.read(0x00cn, 2)).to.equal(0x4551n);
  });

  it('answers a 64-bit read as two 32-bit reads', () => {
    const slot = new VirtioMmioSlot('v', BASE);
    expect(slot.read(0x000n, 8)).to.equal(0x0000_0001_7472_6976n);
    expect(slot.read(0x008n, 8)).to.equal(0x554d_4551_0000_0000n);
  });

  it('ignores writes, to the IDs and to status alike, and reset changes nothing', () => {
    const slot = new VirtioMmioSlot('v', BASE);
    slot.write(0x000n, 4, 0n);
    slot.write(0x008n, 4, 2n);
    slot.write(0x070n, 4, 0xffn); // Status
    slot.write(0x030n, 8, 0xffff_ffff_ffff_ffffn); // QueueSel, QueueNumMax
    slot.reset();
    expect(slot.read(0x000n, 4)).to.equal(MAGIC);
    expect(slot.read(0x008n, 4)).to.equal(0n);
    expect(slot.read(0x070n, 4)).to.equal(0n);
    expect(slot.read(0x030n, 8)).to.equal(0n);
  });
});
