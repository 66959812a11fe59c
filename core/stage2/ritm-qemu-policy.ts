// RITM's stage-2 policy for QEMU virt (src/platform/qemu.rs configure_memory_access) as
// el2-model.md states it, and an allow-everything policy to compare against. Both are policy
// modules: functions of a builder, so they read as examples of writing one.
import { DEVICE, NORMAL } from './stage2-attributes.js';
import { createFilteredMmioPage, type FilteredMmioPage } from './filtered-mmio-page.js';
import type { Stage2PolicyBuilder } from './stage2-policy.js';

export const FILTERED_MMIO_BASE = 0x0f00_0000n;
export const FILTERED_MMIO_SIZE = 0x1000n;
export const FILTERED_MMIO_NAME = 'filtered-mmio';
export const QEMU_VIRT_RAM_BASE = 0x4000_0000n;
export const DEFAULT_RAM_SIZE = 1n << 30n;
/** RITM's own image (RITM_IMAGE_ADDRESS, 4 MiB): unmapped, and no handler takes it. */
export const RITM_IMAGE_WINDOW = Object.freeze({ base: 0x4700_0000n, size: 0x40_0000n });

/**
 * Declares RITM's QEMU-virt policy for `ramSize` bytes of RAM at 0x40000000 and returns the
 * filtered MMIO page it registered (its counter is this policy's own). Throws
 * Stage2PolicyError if ramSize is 0 or not a multiple of 4 KiB.
 */
export function buildRitmQemuPolicy(
  builder: Stage2PolicyBuilder,
  ramSize: bigint = DEFAULT_RAM_SIZE,
): FilteredMmioPage {
  const page = createFilteredMmioPage();
  const filteredEnd = FILTERED_MMIO_BASE + FILTERED_MMIO_SIZE;
  builder.allowRange(0n, FILTERED_MMIO_BASE, DEVICE);
  builder.handleRange(
    FILTERED_MMIO_BASE,
    FILTERED_MMIO_SIZE,
    { read: page.read, write: page.write },
    FILTERED_MMIO_NAME,
  );
  builder.allowRange(filteredEnd, QEMU_VIRT_RAM_BASE - filteredEnd, DEVICE);

  const ramEnd = QEMU_VIRT_RAM_BASE + ramSize;
  const windowEnd = RITM_IMAGE_WINDOW.base + RITM_IMAGE_WINDOW.size;
  const below = ramEnd < RITM_IMAGE_WINDOW.base ? ramSize : RITM_IMAGE_WINDOW.base - QEMU_VIRT_RAM_BASE;
  builder.allowRange(QEMU_VIRT_RAM_BASE, below, NORMAL);
  if (ramEnd > windowEnd) builder.allowRange(windowEnd, ramEnd - windowEnd, NORMAL);
  return page;
}

/** QEMU virt's high PCIe ECAM window (VIRT_HIGH_PCIE_ECAM), reachable under the allow-all policy. */
export const HIGH_PCIE_ECAM = Object.freeze({ base: 0x40_1000_0000n, size: 0x1000_0000n });
/** QEMU virt's high PCIe MMIO window (VIRT_HIGH_PCIE_MMIO with highmem on). */
export const HIGH_PCIE_MMIO = Object.freeze({ base: 0x80_0000_0000n, size: 0x80_0000_0000n });
/** RITM's later policy maps RAM only below 4 GiB of physical address space. */
const RITM_PCI_RAM_END = 0x1_0000_0000n;

/**
 * RITM's later QEMU-virt policy: the `ritm` layout (devices below RAM, the filtered MMIO page, RAM without RITM's own
 * 4 MiB window) with RAM up to 4 GiB, the high PCIe ECAM and the high PCIe MMIO window mapped as device, so firmware
 * and kernels can scan and use PCI under the EL2 model.
 */
export function buildRitmPciPolicy(builder: Stage2PolicyBuilder, ramSize: bigint = DEFAULT_RAM_SIZE): FilteredMmioPage {
  const ramEnd = QEMU_VIRT_RAM_BASE + ramSize;
  const mapped = ramEnd < RITM_PCI_RAM_END ? ramSize : RITM_PCI_RAM_END - QEMU_VIRT_RAM_BASE;
  const page = buildRitmQemuPolicy(builder, mapped);
  builder.allowRange(HIGH_PCIE_ECAM.base, HIGH_PCIE_ECAM.size, DEVICE);
  builder.allowRange(HIGH_PCIE_MMIO.base, HIGH_PCIE_MMIO.size, DEVICE);
  return page;
}

/** Declares a policy that lets the guest reach everything below RAM and the high ECAM as device, and RAM as normal. */
export function buildAllowAllPolicy(builder: Stage2PolicyBuilder, ramSize: bigint = DEFAULT_RAM_SIZE): void {
  builder.allowRange(0n, QEMU_VIRT_RAM_BASE, DEVICE);
  builder.allowRange(QEMU_VIRT_RAM_BASE, ramSize, NORMAL);
  builder.allowRange(HIGH_PCIE_ECAM.base, HIGH_PCIE_ECAM.size, DEVICE);
}
