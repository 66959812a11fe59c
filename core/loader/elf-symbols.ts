// The .symtab of an ELF64 file, found through the section headers (Elf64_Shdr, Elf64_Sym).
import type { ImageSymbol, ImageSymbolBinding, ImageSymbolType } from './loaded-image.js';
import { ImageLoadError } from './image-load-error.js';
import { requireFileRange, type Elf64Header, type ElfFile } from './elf64.js';

const ELF64_SHDR_SIZE = 64;
const ELF64_SYM_SIZE = 24n;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHN_UNDEF = 0;

const SYMBOL_TYPES: ReadonlyMap<number, ImageSymbolType> = new Map([
  [0, 'notype'],
  [1, 'object'],
  [2, 'func'],
  [3, 'section'],
  [4, 'file'],
  [5, 'common'],
  [6, 'tls'],
  [10, 'ifunc'],
]);

const SYMBOL_BINDINGS: ReadonlyMap<number, ImageSymbolBinding> = new Map([
  [0, 'local'],
  [1, 'global'],
  [2, 'weak'],
]);

type SectionHeader = { type: number; offset: bigint; size: bigint; link: number; entsize: bigint };

type StringTable = { start: number; end: number; decoder: TextDecoder };

/**
 * Returns the named, defined symbols of .symtab; [] for a stripped file. Undefined (SHN_UNDEF)
 * and unnamed (section) symbols are left out; mapping ($x, $d) and file symbols are kept.
 */
export function readElf64Symbols(elf: ElfFile, header: Elf64Header): ImageSymbol[] {
  const sections = readSectionHeaders(elf, header);
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab === undefined) return [];
  const strtab = sections[symtab.link];
  if (strtab === undefined || strtab.type !== SHT_STRTAB) {
    throw new ImageLoadError(elf.image, { code: 'ImageMalformed', defect: 'SymbolTableBadLink', link: symtab.link });
  }
  if (symtab.entsize !== ELF64_SYM_SIZE) {
    throw new ImageLoadError(elf.image, {
      code: 'ImageMalformed',
      defect: 'SymbolTableBadEntrySize',
      entrySize: symtab.entsize,
    });
  }
  const table = requireFileRange(elf, 'symbolTable', symtab.offset, symtab.size);
  const strStart = requireFileRange(elf, 'stringTable', strtab.offset, strtab.size);
  const strings = { start: strStart, end: strStart + Number(strtab.size), decoder: new TextDecoder() };
  const count = Number(symtab.size / ELF64_SYM_SIZE);
  const symbols: ImageSymbol[] = [];
  // Entry 0 is the reserved null symbol.
  for (let i = 1; i < count; i++) {
    const symbol = readSymbol(elf, strings, table + i * Number(ELF64_SYM_SIZE), i);
    if (symbol !== undefined) symbols.push(symbol);
  }
  return symbols;
}

function readSectionHeaders(elf: ElfFile, header: Elf64Header): SectionHeader[] {
  const { shoff, shentsize, shnum } = header;
  // e_shoff 0 means no section header table (fully stripped); e_shnum 0 with a table means the
  // count is in section 0's sh_size (>= SHN_LORESERVE sections), which no guest image needs.
  if (shoff === 0n || shnum === 0) return [];
  if (shentsize < ELF64_SHDR_SIZE) {
    throw new ImageLoadError(elf.image, {
      code: 'ImageMalformed',
      defect: 'SectionHeaderEntryTooSmall',
      entrySize: shentsize,
    });
  }
  const table = requireFileRange(elf, 'sectionHeaderTable', shoff, BigInt(shnum * shentsize));
  const { view } = elf;
  return Array.from({ length: shnum }, (_, i) => {
    const at = table + i * shentsize;
    return {
      type: view.getUint32(at + 4, true),
      offset: view.getBigUint64(at + 24, true),
      size: view.getBigUint64(at + 32, true),
      link: view.getUint32(at + 40, true),
      entsize: view.getBigUint64(at + 56, true),
    };
  });
}

function readSymbol(elf: ElfFile, strings: StringTable, at: number, index: number): ImageSymbol | undefined {
  const { view } = elf;
  const shndx = view.getUint16(at + 6, true);
  if (shndx === SHN_UNDEF) return undefined;
  const name = readSymbolName(elf, strings, view.getUint32(at, true), index);
  if (name === '') return undefined;
  const info = view.getUint8(at + 4);
  return {
    name,
    value: view.getBigUint64(at + 8, true),
    size: view.getBigUint64(at + 16, true),
    type: SYMBOL_TYPES.get(info & 0xf) ?? 'unknown',
    binding: SYMBOL_BINDINGS.get(info >> 4) ?? 'unknown',
  };
}

function readSymbolName(elf: ElfFile, strings: StringTable, nameOffset: number, symbolIndex: number): string {
  const start = strings.start + nameOffset;
  const nul = elf.bytes.subarray(0, strings.end).indexOf(0, start);
  if (nul < 0) {
    throw new ImageLoadError(elf.image, {
      code: 'ImageMalformed',
      defect: 'SymbolNameOutsideStringTable',
      symbolIndex,
      nameOffset,
    });
  }
  return strings.decoder.decode(elf.bytes.subarray(start, nul));
}
