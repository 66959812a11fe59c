// Turns the bytes of a guest image (an AArch64 ELF or a raw binary) into segments to copy into
// guest memory. Pure: the caller reads the file (see read-image-file.ts) and writes the memory.
import type { AddressRange, ImageLoadOptions, ImageSegment, LoadedImage } from './loaded-image.js';
import { ImageLoadError } from './image-load-error.js';
import { hasElfMagic, openElfFile, readElf64Header, readElf64LoadSegments } from './elf64.js';
import { readElf64Symbols } from './elf-symbols.js';

export type {
  AddressRange,
  ImageLoadOptions,
  ImageSegment,
  ImageSymbol,
  ImageSymbolBinding,
  ImageSymbolType,
  LoadedImage,
} from './loaded-image.js';
export { ImageLoadError } from './image-load-error.js';
export type { ImageDefect, ImageLoadErrorCode, ImageLoadProblem, ImagePart } from './image-load-error.js';

/**
 * Parses an ELF64 AArch64 executable, or else a raw binary placed at `options.loadAddr` with its
 * entry there (the arm64 Image convention); throws ImageLoadError if it cannot be loaded.
 */
export function parseImage(bytes: Uint8Array, options: ImageLoadOptions): LoadedImage {
  if (bytes.length === 0) throw new ImageLoadError(options.name, { code: 'ImageEmpty' });
  return hasElfMagic(bytes) ? parseElfImage(bytes, options) : parseRawImage(bytes, options);
}

function parseElfImage(bytes: Uint8Array, options: ImageLoadOptions): LoadedImage {
  const elf = openElfFile(bytes, options.name);
  const header = readElf64Header(elf);
  const loadSegments = readElf64LoadSegments(elf, header);
  if (loadSegments.length === 0) throw new ImageLoadError(options.name, { code: 'ImageNoLoadableSegments' });
  const segments = loadSegments.map(({ index, addr, data, memSize }): ImageSegment => {
    requireInsideMemory(options, addr, addr + memSize, index);
    return { addr, data, memSize };
  });
  return { format: 'elf', entry: header.entry, segments, symbols: readElf64Symbols(elf, header) };
}

function parseRawImage(bytes: Uint8Array, options: ImageLoadOptions): LoadedImage {
  const addr = options.loadAddr;
  const size = BigInt(bytes.length);
  requireInsideMemory(options, addr, addr + size, undefined);
  return { format: 'raw', entry: addr, segments: [{ addr, data: new Uint8Array(bytes), memSize: size }] };
}

const contains = (r: AddressRange, start: bigint, end: bigint): boolean => start >= r.base && end <= r.base + r.size;

/** Each segment must lie wholly in RAM or wholly in flash; `end` is exclusive. */
function requireInsideMemory(
  options: ImageLoadOptions,
  start: bigint,
  end: bigint,
  segmentIndex: number | undefined,
): void {
  const { ram, flash } = options;
  if (contains(ram, start, end) || (flash !== undefined && contains(flash, start, end))) return;
  const problem = { code: 'ImageOutsideRam', start, end, ram } as const;
  throw new ImageLoadError(options.name, {
    ...problem,
    ...(segmentIndex === undefined ? {} : { segmentIndex }),
    ...(flash === undefined ? {} : { flash }),
  });
}
