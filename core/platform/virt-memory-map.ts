// Physical memory map of QEMU's `virt` machine (hw/arm/virt.c, base_memmap and
// extended_memmap, QEMU 7.2), limited to the regions our machine describes.

export type VirtRegionName =
  | 'flash'
  | 'gic-dist'
  | 'gic-cpu'
  | 'gic-redist'
  | 'uart'
  | 'rtc'
  | 'fw-cfg'
  | 'gpio'
  | 'virtio-mmio'
  | 'pcie-mmio'
  | 'pcie-pio'
  | 'pcie-ecam'
  | 'ram';

export type VirtRegion = { readonly name: VirtRegionName; readonly base: bigint; readonly size: bigint };

const GiB = 1n << 30n;

// Keyed by name so that leaving out a region of VirtRegionName is a compile error.
const REGIONS: { readonly [K in VirtRegionName]: { readonly base: bigint; readonly size: bigint } } = {
  flash: { base: 0x0000_0000n, size: 0x0800_0000n },
  'gic-dist': { base: 0x0800_0000n, size: 0x0001_0000n },
  // The GICv2 CPU interface (VIRT_GIC_CPU) or the GICv3 redistributors, as gic-version says; never both.
  'gic-cpu': { base: 0x0801_0000n, size: 0x0001_0000n },
  'gic-redist': { base: 0x080a_0000n, size: 0x00f6_0000n },
  uart: { base: 0x0900_0000n, size: 0x0000_1000n },
  rtc: { base: 0x0901_0000n, size: 0x0000_1000n },
  'fw-cfg': { base: 0x0902_0000n, size: 0x0000_0018n },
  gpio: { base: 0x0903_0000n, size: 0x0000_1000n },
  'virtio-mmio': { base: 0x0a00_0000n, size: 0x0000_4000n },
  'pcie-mmio': { base: 0x1000_0000n, size: 0x2eff_0000n },
  'pcie-pio': { base: 0x3eff_0000n, size: 0x0001_0000n },
  // 256 MiB ECAM above 4 GiB (VIRT_HIGH_PCIE_ECAM), as with highmem on.
  'pcie-ecam': { base: 0x40_1000_0000n, size: 0x1000_0000n },
  // RAM may extend to 255 GiB (LEGACY_RAMLIMIT_BYTES); the configured size is usually less.
  ram: { base: 0x4000_0000n, size: 255n * GiB },
};

const REGION_NAMES = Object.keys(REGIONS) as VirtRegionName[];
const FROZEN_REGIONS = new Map<VirtRegionName, VirtRegion>(
  REGION_NAMES.map((name) => [name, Object.freeze({ name, ...REGIONS[name] })]),
);

/** The regions in ascending address order, frozen. */
export const VIRT_MEMORY_MAP: readonly VirtRegion[] = Object.freeze(
  [...FROZEN_REGIONS.values()].sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0)),
);

/** The flash region holds two equal CFI banks (firmware, then variables). */
export const VIRT_FLASH_BANK_COUNT = 2;
/** The virtio-mmio region holds this many transports, one every VIRT_VIRTIO_MMIO_SLOT_SIZE bytes. */
export const VIRT_VIRTIO_MMIO_SLOT_COUNT = 32;
export const VIRT_VIRTIO_MMIO_SLOT_SIZE = 0x200n;
/** Each GICv3 redistributor frame pair (RD_base + SGI_base) is 128 KiB. */
export const VIRT_GICV3_REDIST_STRIDE = 0x2_0000n;

/** Returns the region named `name` from VIRT_MEMORY_MAP. */
export function virtRegion(name: VirtRegionName): VirtRegion {
  return FROZEN_REGIONS.get(name) as VirtRegion; // REGIONS has every name, so the entry exists
}
