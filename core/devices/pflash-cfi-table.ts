// The geometry of QEMU's virt flash banks (hw/arm/virt.c virt_flash_create1) and the CFI query table that QEMU 7.2's
// pflash_cfi01 answers for it (pflash_cfi01_fill_cfi_table). Table offsets are CFI query addresses (JESD68-01,
// Intel AP-646); each chip answers the table of one chip, the bank puts the chips' answers side by side.

/** How a bank is built from chips, as QEMU's pflash_cfi01 properties describe it. */
export interface PflashGeometry {
  /** Bytes on the bus per access (QEMU's "width"). */
  readonly bankWidth: number;
  /** Bytes of one chip, used at its widest (QEMU's "device-width"; "max-device-width" left to default to it). */
  readonly deviceWidth: number;
  /** Bytes one erase command clears in the bank (QEMU's "sector-length"); each chip holds its share of it. */
  readonly sectorLength: number;
  /** Answer to a read-ID read at ID address 0 (QEMU's "id0"). */
  readonly manufacturerId: number;
  /** Answer at ID address 1 (QEMU's "id1"). */
  readonly deviceId: number;
}

/** virt: two x16 chips side by side on a 32-bit bus, 256 KiB erase blocks, Intel manufacturer ID, device 0x18. */
export const VIRT_PFLASH_GEOMETRY: PflashGeometry = {
  bankWidth: 4,
  deviceWidth: 2,
  sectorLength: 256 * 1024,
  manufacturerId: 0x89,
  deviceId: 0x18,
};

/** QEMU's cfi_table[] size: query addresses at or above it read as 0. */
export const CFI_TABLE_SIZE = 0x52;

/** What one chip answers in query mode, and the write buffer the bank accepts. */
export interface CfiQueryTable {
  /** Index: CFI query address of one chip. */
  readonly bytes: Uint8Array;
  /** Bytes one write-to-buffer sequence covers in the bank (QEMU's writeblock_size): 2^N per chip, times the chips. */
  readonly writeBufferBytes: number;
}

/** Number of trailing zero bits (QEMU's ctz32); 32 for 0. */
function countTrailingZeros(value: number): number {
  return value === 0 ? 32 : 31 - Math.clz32(value & -value);
}

/** Builds the query table of one chip of a bank of `blocks` erase blocks (old-multiple-chip-handling off). */
export function buildCfiQueryTable(geometry: PflashGeometry, blocks: number): CfiQueryTable {
  const chips = geometry.bankWidth / geometry.deviceWidth;
  // Each chip has every block, and holds 1/chips of each.
  const chipSectorLength = geometry.sectorLength / chips;
  const chipLength = chipSectorLength * blocks;
  const t = new Uint8Array(CFI_TABLE_SIZE);
  t.set([0x51, 0x52, 0x59], 0x10); // "QRY"
  t.set([0x01, 0x00], 0x13); // primary command set: Intel/Sharp extended
  t.set([0x31, 0x00], 0x15); // primary extended table at query address 0x31
  // 0x17-0x1a: no alternate command set nor table
  t[0x1b] = 0x45; // Vcc min 4.5 V
  t[0x1c] = 0x55; // Vcc max 5.5 V
  // 0x1d-0x1e: no Vpp pin
  t[0x1f] = 0x07; // typical single-word program: 2^7 us
  t[0x20] = 0x07; // typical buffer write: 2^7 us
  t[0x21] = 0x0a; // typical block erase: 2^10 ms
  t[0x22] = 0x00; // no chip erase
  t[0x23] = 0x04; // maximum single-word program: 2^4 times typical
  t[0x24] = 0x04; // maximum buffer write: 2^4 times typical
  t[0x25] = 0x04; // maximum block erase: 2^4 times typical
  t[0x26] = 0x00;
  t[0x27] = countTrailingZeros(chipLength); // chip size: 2^N bytes
  t.set([0x02, 0x00], 0x28); // interface: x8/x16
  t[0x2a] = geometry.bankWidth === 1 ? 0x08 : 0x0b; // write buffer: 2^N bytes per chip
  t[0x2b] = 0x00;
  t[0x2c] = 0x01; // one erase block region, uniform
  t[0x2d] = (blocks - 1) & 0xff; // region 1: blocks - 1 (16 bits) ...
  t[0x2e] = ((blocks - 1) >> 8) & 0xff;
  t[0x2f] = (chipSectorLength >> 8) & 0xff; // ... and block size / 256 (16 bits)
  t[0x30] = (chipSectorLength >> 16) & 0xff;
  t.set([0x50, 0x52, 0x49, 0x31, 0x30], 0x31); // "PRI" version "1" "0"
  // 0x36-0x3e: no optional features, suspend, lock, Vcc/Vpp optimum
  t[0x3f] = 0x01; // one protection register field
  const writeBufferBytes = (1 << t[0x2a]) * (chips > 1 ? chips : 1);
  return { bytes: t, writeBufferBytes };
}
