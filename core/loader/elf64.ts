// ELF64 little-endian AArch64 executables: the file header and the PT_LOAD segments.
// Field offsets follow the System V gABI (Elf64_Ehdr, Elf64_Phdr).
import type { ImageSegment } from './loaded-image.js';
import { ImageLoadError, type ImagePart } from './image-load-error.js';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const EI_CLASS = 4;
const EI_DATA = 5;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELF64_EHDR_SIZE = 64n;
const ELF64_PHDR_SIZE = 56;
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_AARCH64 = 183;
const PT_LOAD = 1;

/** Names for the e_machine values someone is likely to pass by mistake. */
const MACHINE_NAMES: ReadonlyMap<number, string> = new Map([
  [3, 'x86 (i386)'],
  [8, 'MIPS'],
  [20, 'PowerPC'],
  [21, 'PowerPC64'],
  [40, 'ARM (32-bit)'],
  [62, 'x86-64'],
  [243, 'RISC-V'],
  [258, 'LoongArch'],
]);

/** An ELF file's bytes, a little-endian view of them, and the name used in errors. */
export type ElfFile = { bytes: Uint8Array; view: DataView; image: string; fileSize: bigint };

export type Elf64Header = {
  type: number;
  machine: number;
  entry: bigint;
  phoff: bigint;
  phentsize: number;
  phnum: number;
  shoff: bigint;
  shentsize: number;
  shnum: number;
};

/** A PT_LOAD segment plus the index of its program header, for error messages. */
export type ElfLoadSegment = ImageSegment & { index: number };

/** Returns whether `bytes` starts with the ELF magic (or is a non-empty prefix of it). */
export function hasElfMagic(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, ELF_MAGIC.length);
  return n > 0 && ELF_MAGIC.slice(0, n).every((b, i) => bytes[i] === b);
}

/** Wraps `bytes` for the ELF readers below. */
export function openElfFile(bytes: Uint8Array, image: string): ElfFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { bytes, view, image, fileSize: BigInt(bytes.length) };
}

/** Returns `offset` as a number after checking [offset, offset + size) lies inside the file. */
export function requireFileRange(
  elf: ElfFile,
  part: ImagePart,
  offset: bigint,
  size: bigint,
  segmentIndex?: number,
): number {
  if (offset + size > elf.fileSize) {
    const problem = { code: 'ImageTruncated', part, offset, size, fileSize: elf.fileSize } as const;
    throw new ImageLoadError(elf.image, segmentIndex === undefined ? problem : { ...problem, segmentIndex });
  }
  return Number(offset);
}

/** Reads and validates the ELF header: ELF64, little-endian, AArch64, ET_EXEC or ET_DYN. */
export function readElf64Header(elf: ElfFile): Elf64Header {
  const { bytes, view, image } = elf;
  if (bytes.length > EI_CLASS && bytes[EI_CLASS] !== ELFCLASS64) {
    throw new ImageLoadError(image, { code: 'ImageWrongClass', elfClass: bytes[EI_CLASS]! });
  }
  if (bytes.length > EI_DATA && bytes[EI_DATA] !== ELFDATA2LSB) {
    throw new ImageLoadError(image, { code: 'ImageWrongEndianness', dataEncoding: bytes[EI_DATA]! });
  }
  requireFileRange(elf, 'elfHeader', 0n, ELF64_EHDR_SIZE);
  const header: Elf64Header = {
    type: view.getUint16(0x10, true),
    machine: view.getUint16(0x12, true),
    entry: view.getBigUint64(0x18, true),
    phoff: view.getBigUint64(0x20, true),
    shoff: view.getBigUint64(0x28, true),
    phentsize: view.getUint16(0x36, true),
    phnum: view.getUint16(0x38, true),
    shentsize: view.getUint16(0x3a, true),
    shnum: view.getUint16(0x3c, true),
  };
  if (header.machine !== EM_AARCH64) {
    const machineName = MACHINE_NAMES.get(header.machine);
    const problem = { code: 'ImageWrongArchitecture', machine: header.machine } as const;
    throw new ImageLoadError(image, machineName === undefined ? problem : { ...problem, machineName });
  }
  if (header.type !== ET_EXEC && header.type !== ET_DYN) {
    throw new ImageLoadError(image, { code: 'ImageWrongType', elfType: header.type });
  }
  return header;
}

/** Returns the PT_LOAD segments with a nonzero p_memsz, placed at their physical addresses. */
export function readElf64LoadSegments(elf: ElfFile, header: Elf64Header): ElfLoadSegment[] {
  const { phoff, phentsize, phnum } = header;
  if (phnum === 0) return [];
  if (phentsize < ELF64_PHDR_SIZE) {
    throw new ImageLoadError(elf.image, {
      code: 'ImageMalformed',
      defect: 'ProgramHeaderEntryTooSmall',
      entrySize: phentsize,
    });
  }
  const table = requireFileRange(elf, 'programHeaderTable', phoff, BigInt(phnum * phentsize));
  const segments: ElfLoadSegment[] = [];
  for (let index = 0; index < phnum; index++) {
    const segment = readLoadSegment(elf, table + index * phentsize, index);
    if (segment !== undefined) segments.push(segment);
  }
  return segments;
}

function readLoadSegment(elf: ElfFile, at: number, index: number): ElfLoadSegment | undefined {
  const { view } = elf;
  if (view.getUint32(at, true) !== PT_LOAD) return undefined;
  const offset = view.getBigUint64(at + 8, true);
  // p_paddr, not p_vaddr: the guest starts with the MMU off, so it runs from physical addresses.
  // Linkers set p_paddr = p_vaddr unless the script gives a separate load address (AT/LMA).
  const addr = view.getBigUint64(at + 24, true);
  const fileSize = view.getBigUint64(at + 32, true);
  const memSize = view.getBigUint64(at + 40, true);
  if (memSize === 0n) return undefined;
  if (fileSize > memSize) {
    throw new ImageLoadError(elf.image, {
      code: 'ImageMalformed',
      defect: 'SegmentFileSizeAboveMemSize',
      segmentIndex: index,
      fileSize,
      memSize,
    });
  }
  if (fileSize === 0n) return { index, addr, data: new Uint8Array(0), memSize };
  const start = requireFileRange(elf, 'segment', offset, fileSize, index);
  // Copy through the Uint8Array constructor: Buffer.prototype.slice would return a shared view.
  return { index, addr, data: new Uint8Array(elf.bytes.subarray(start, start + Number(fileSize))), memSize };
}
