// One sentence per image load problem: what is wrong with which file, and what to do about it.
import type { AddressRange } from './loaded-image.js';
import type { ImageDefect, ImageLoadProblem, ImagePart } from './image-load-problem.js';
import { hex } from '../text/hex.js';

const EM_AARCH64 = 183;

const span = (start: bigint, end: bigint): string => `${hex(start)}-${hex(end - 1n)}`;

const region = (r: AddressRange): string => span(r.base, r.base + r.size);

function describePart(part: ImagePart, segmentIndex: number | undefined): string {
  switch (part) {
    case 'elfHeader':
      return 'ELF header';
    case 'programHeaderTable':
      return 'program header table';
    case 'segment':
      return `segment ${segmentIndex ?? '?'}`;
    case 'sectionHeaderTable':
      return 'section header table';
    case 'symbolTable':
      return 'symbol table';
    case 'stringTable':
      return 'symbol string table';
    default: {
      const unreachable: never = part;
      return unreachable;
    }
  }
}

function describeDefect(d: ImageDefect): string {
  switch (d.defect) {
    case 'ProgramHeaderEntryTooSmall':
      return `its program header entries are ${d.entrySize} bytes, fewer than the 56 of an ELF64 program header`;
    case 'SectionHeaderEntryTooSmall':
      return `its section header entries are ${d.entrySize} bytes, fewer than the 64 of an ELF64 section header`;
    case 'SegmentFileSizeAboveMemSize':
      return `segment ${d.segmentIndex} has p_filesz ${hex(d.fileSize)} above p_memsz ${hex(d.memSize)}`;
    case 'SymbolTableBadLink':
      return `its symbol table links to section ${d.link}, which is not a string table`;
    case 'SymbolTableBadEntrySize':
      return `its symbol table entries are ${d.entrySize} bytes instead of 24`;
    case 'SymbolNameOutsideStringTable':
      return `symbol ${d.symbolIndex} has a name at offset ${d.nameOffset}, outside its NUL-terminated string table`;
    default: {
      const unreachable: never = d;
      return unreachable;
    }
  }
}

function describeWrongType(image: string, elfType: number): string {
  if (elfType === 1) {
    return `${image} is a relocatable object file (ET_REL, e_type 1), not an executable; link it first, e.g. with aarch64-linux-gnu-ld -Ttext=0x40080000`;
  }
  const what = elfType === 4 ? 'a core dump (ET_CORE, e_type 4)' : `an ELF with e_type ${elfType}`;
  return `${image} is ${what}, not an executable; pass a linked executable (ET_EXEC or ET_DYN) instead`;
}

/** Returns the user-facing sentence for `problem` in the image named `image`. */
export function describeImageLoadProblem(image: string, problem: ImageLoadProblem): string {
  const p = problem;
  switch (p.code) {
    case 'ImageNotFound':
      return p.path === image
        ? `${image} does not exist; check the guest image path`
        : `${image} does not exist (no file at ${p.path}); check the guest image path`;
    case 'ImageIsDirectory':
      return `${image} is a directory, not an image file; pass the path of an ELF or raw binary instead`;
    case 'ImageUnreadable':
      return `${image} cannot be read (${p.errno}); check that the file exists and is readable`;
    case 'ImageEmpty':
      return `${image} is empty (0 bytes); rebuild the guest image`;
    case 'ImageTruncated':
      return (
        `${image} is truncated: its ${describePart(p.part, p.segmentIndex)} needs file bytes ` +
        `${span(p.offset, p.offset + p.size)} but the file has only ${p.fileSize} bytes; rebuild or re-copy the image`
      );
    case 'ImageWrongClass':
      return p.elfClass === 1
        ? `${image} is a 32-bit ELF (ELFCLASS32); el2dbg runs 64-bit AArch64 images, so rebuild it for aarch64`
        : `${image} has an invalid ELF class (EI_CLASS ${p.elfClass}); el2dbg runs 64-bit (ELFCLASS64) AArch64 images`;
    case 'ImageWrongEndianness':
      return p.dataEncoding === 2
        ? `${image} is a big-endian ELF (ELFDATA2MSB); el2dbg runs little-endian AArch64 images, so rebuild it without -EB/-mbig-endian`
        : `${image} has an invalid ELF data encoding (EI_DATA ${p.dataEncoding}); el2dbg runs little-endian (ELFDATA2LSB) AArch64 images`;
    case 'ImageWrongArchitecture':
      return p.machineName === undefined
        ? `${image} is an ELF for e_machine ${p.machine}, not AArch64 (e_machine ${EM_AARCH64}); rebuild it with an aarch64 toolchain`
        : `${image} is an ELF for ${p.machineName} (e_machine ${p.machine}); el2dbg runs AArch64 images (e_machine ${EM_AARCH64}), so rebuild it with an aarch64 toolchain`;
    case 'ImageWrongType':
      return describeWrongType(image, p.elfType);
    case 'ImageNoLoadableSegments':
      return `${image} has no PT_LOAD segment with a nonzero size, so there is nothing to load; check the linker script`;
    case 'ImageOutsideRam': {
      const allowed =
        p.flash === undefined ? `RAM (${region(p.ram)})` : `RAM (${region(p.ram)}) or flash (${region(p.flash)})`;
      return p.segmentIndex === undefined
        ? `${image} (a raw image of ${p.end - p.start} bytes) at ${span(p.start, p.end)} does not fit inside ${allowed}; choose a load address where it fits, or a smaller image`
        : `${image} segment ${p.segmentIndex} at ${span(p.start, p.end)} does not fit inside ${allowed}; link it at a physical address inside RAM`;
    }
    case 'ImageMalformed':
      return `${image} is a malformed ELF: ${describeDefect(p)}; rebuild it with a standard aarch64 linker`;
    default: {
      const unreachable: never = p;
      return unreachable;
    }
  }
}
