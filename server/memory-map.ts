// The memory map gdb reads with qXfer:memory-map:read: the platform's flash banks and RAM, and the gaps between
// them. Everything is `ram` to gdb: gdb writes flash with plain M/X packets, which write the flash array directly
// (not the CFI command interface), as QEMU's gdbstub writes pflash. The gaps are listed because
// gdb refuses any address outside the map, and gdb's addresses are guest virtual: device windows and a
// high-half kernel (0xffff...) must stay reachable.
import { VIRT_FLASH_BANK_COUNT, virtRegion } from '../core/platform/virt-memory-map.js';
import { hex } from '../core/text/hex.js';

const TOP_OF_MEMORY = 1n << 64n;

export interface MemoryMapRegion {
  readonly start: bigint;
  readonly length: bigint;
  /** What the platform has there (an XML comment for people reading the map). */
  readonly what: string;
}

/** The regions, in address order, covering the whole 64-bit space. */
export function memoryMapRegions(ramSize: bigint): MemoryMapRegion[] {
  const flash = virtRegion('flash');
  const bankSize = flash.size / BigInt(VIRT_FLASH_BANK_COUNT);
  const banks = Array.from({ length: VIRT_FLASH_BANK_COUNT }, (_, i): MemoryMapRegion => ({
    start: flash.base + BigInt(i) * bankSize,
    length: bankSize,
    what: `flash bank ${i}`,
  }));
  const ram = virtRegion('ram').base;
  const flashEnd = flash.base + flash.size;
  return [
    ...banks,
    { start: flashEnd, length: ram - flashEnd, what: 'devices' },
    { start: ram, length: ramSize, what: 'RAM' },
    {
      start: ram + ramSize,
      length: TOP_OF_MEMORY - (ram + ramSize),
      what: 'above RAM (high devices, high-half virtual addresses)',
    },
  ];
}

/** The memory-map XML document (gdb's memory-map.dtd). */
export function buildMemoryMapXml(regions: readonly MemoryMapRegion[]): string {
  const lines = regions.map(
    (r) => `  <!-- ${r.what} -->\n  <memory type="ram" start="${hex(r.start)}" length="${hex(r.length)}"/>\n`,
  );
  return `<?xml version="1.0"?>\n<!DOCTYPE memory-map PUBLIC "+//IDN gnu.org//DTD GDB Memory Map V1.0//EN" "http://sourceware.org/gdb/gdb-memory-map.dtd">\n<memory-map>\n${lines.join('')}</memory-map>\n`;
}
