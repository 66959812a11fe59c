import type { MmioDevice } from './device.js';
import { readSplitIntoWords } from './split-wide-access.js';

// Virtio 1.x spec 4.2.2 (MMIO device register layout) and QEMU 7.2 hw/virtio/virtio-mmio.c.
const VIRTIO_MMIO_MAGIC_VALUE = 0x000n;
const VIRTIO_MMIO_VERSION = 0x004n;
const VIRTIO_MMIO_VENDOR_ID = 0x00cn;
const VIRT_MAGIC = 0x7472_6976n; // "virt", little-endian
// QEMU's "force-legacy" property defaults to true and virt never sets it, so its transports are legacy: version 1.
const VIRT_VERSION_LEGACY = 1n;
const VIRT_VENDOR = 0x554d_4551n; // "QEMU", little-endian

/** Size of one virtio-mmio transport window. */
export const VIRTIO_MMIO_SLOT_SIZE = 0x200n;

/**
 * One virtio-mmio transport with no backend plugged in, as QEMU's virt shows its 32 transports: magic, version and
 * vendor answer, every other register (DeviceID 0 included, which no driver claims) reads zero, writes are ignored.
 */
export class VirtioMmioSlot implements MmioDevice {
  readonly size = VIRTIO_MMIO_SLOT_SIZE;

  constructor(
    readonly name: string,
    readonly base: bigint,
  ) {}

  read(offset: bigint, width: number): bigint {
    return readSplitIntoWords(offset, width, emptyTransportRegister);
  }

  write(_offset: bigint, _width: number, _value: bigint): void {}

  reset(): void {}
}

// virtio_mmio_read with no vdev switches on the exact offset whatever the width: a byte read at 0 gives the low
// byte of the magic, a byte read at 1 gives 0.
function emptyTransportRegister(offset: bigint): bigint {
  switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE:
      return VIRT_MAGIC;
    case VIRTIO_MMIO_VERSION:
      return VIRT_VERSION_LEGACY;
    case VIRTIO_MMIO_VENDOR_ID:
      return VIRT_VENDOR;
    default:
      return 0n;
  }
}
