// A Linux kernel (arm64 Image) and its initial RAM disk placed in RAM as QEMU 7.2's -kernel/-initrd place them
// (hw/arm/boot.c): the header's text_offset from a 2 MiB boundary (2 MiB up when it is below QEMU's 4 KiB boot stub),
// the initrd at RAM base + min(RAM / 2, 128 MiB) or past the kernel, and the entry at the first byte of the Image.
// Pure: the caller reads the files. The header layout is Documentation/arm64/booting.rst.
import type { AddressRange, LoadedImage } from './loaded-image.js';

const MiB = 1n << 20n;
const PAGE = 0x1000n;
/** "ARM\x64" at offset 56, little-endian. */
const ARM64_MAGIC = 0x644d_5241;
const MAGIC_OFFSET = 56;
/** Kernels before 3.17 (image_size 0) were loaded 0x80000 up; QEMU uses that when there is no header. */
const LEGACY_TEXT_OFFSET = 0x8_0000n;
/** QEMU's BOOTLOADER_MAX_SIZE: a text_offset below it is moved up by 2 MiB (its stub sits at the bottom of RAM). */
const BOOTLOADER_MAX_SIZE = 4n * 1024n;

/** Why a kernel or initrd cannot be loaded. */
export class KernelImageError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'KernelImageError';
  }
}

/** The arm64 Image header fields the loader uses. */
export interface Arm64ImageHeader {
  readonly textOffset: bigint;
  /** Bytes the kernel occupies from its load address (BSS included); 0 in kernels before 3.17. */
  readonly imageSize: bigint;
  readonly flags: bigint;
}

/** The header of an arm64 Image, or null when `bytes` does not carry the magic (not an arm64 Image). */
export function readArm64ImageHeader(bytes: Uint8Array): Arm64ImageHeader | null {
  if (bytes.length < 64) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(MAGIC_OFFSET, true) !== ARM64_MAGIC) return null;
  return {
    textOffset: view.getBigUint64(8, true),
    imageSize: view.getBigUint64(16, true),
    flags: view.getBigUint64(24, true),
  };
}

/** What bootKernel returns: the image to load (kernel and initrd segments) and where the initrd went. */
export interface KernelBoot {
  readonly image: LoadedImage;
  readonly initrd: { readonly start: bigint; readonly end: bigint } | null;
}

/** Places a kernel Image (and an initrd) in RAM; throws KernelImageError when they do not fit or it is no Image. */
export function placeKernel(
  kernel: { readonly name: string; readonly bytes: Uint8Array },
  initrd: { readonly name: string; readonly bytes: Uint8Array } | null,
  ram: AddressRange,
): KernelBoot {
  const header = readArm64ImageHeader(kernel.bytes);
  if (header === null)
    throw new KernelImageError(kernel.name, 'not an arm64 Linux Image (no "ARM\\x64" magic at offset 56)');
  if (header.flags & 1n) throw new KernelImageError(kernel.name, 'a big-endian kernel (flags bit 0): not supported');
  let offset = header.imageSize === 0n ? LEGACY_TEXT_OFFSET : header.textOffset;
  if (offset < BOOTLOADER_MAX_SIZE) offset += 2n * MiB;
  const base = ram.base + offset;
  const size = BigInt(kernel.bytes.length);
  const memSize = header.imageSize > size ? header.imageSize : size;
  const ramEnd = ram.base + ram.size;
  if (base + memSize > ramEnd)
    throw new KernelImageError(kernel.name, `needs ${memSize} bytes at 0x${base.toString(16)}: more than --memory`);
  const segments = [{ addr: base, data: kernel.bytes, memSize }];
  let placed: KernelBoot['initrd'] = null;
  if (initrd !== null) {
    const half = ram.size / 2n < 128n * MiB ? ram.size / 2n : 128n * MiB;
    let start = ram.base + half;
    const kernelEnd = (base + memSize + PAGE - 1n) & ~(PAGE - 1n);
    if (start < kernelEnd) start = kernelEnd;
    const length = BigInt(initrd.bytes.length);
    if (start + length > ramEnd)
      throw new KernelImageError(initrd.name, `${length} bytes do not fit in RAM after the kernel: more --memory`);
    segments.push({ addr: start, data: initrd.bytes, memSize: length });
    placed = { start, end: start + length };
  }
  return { image: { format: 'raw', entry: base, segments }, initrd: placed };
}
