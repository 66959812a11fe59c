import { expect } from 'chai';
import {
  ImageLoadError,
  parseImage,
  type ImageLoadOptions,
  type ImageLoadProblem,
} from '../../../core/loader/image-loader.js';
import {
  GUEST_SOURCE,
  assembleAarch64,
  buildX86Elf,
  craftElf32Header,
  createWorkdir,
  linkAarch64,
  patchLe,
  readBytes,
  readelfLoadSegments,
  removeWorkdir,
  type Workdir,
} from './guest-images.js';

const RAM = { base: 0x4000_0000n, size: 0x4000_0000n };
const FLASH = { base: 0n, size: 0x0800_0000n };
const options = (name: string): ImageLoadOptions => ({ name, loadAddr: 0x4008_0000n, ram: RAM });

const E_SHOFF = 0x28;
const E_PHNUM = 0x38;
const PHDR = (i: number): number => 64 + 56 * i;

/** Runs `load` and returns the ImageLoadError it throws, failing the test otherwise. */
function loadError(load: () => unknown): ImageLoadError {
  try {
    load();
  } catch (err) {
    expect(err).to.be.instanceOf(ImageLoadError);
    return err as ImageLoadError;
  }
  return expect.fail('expected parseImage to throw an ImageLoadError');
}

/** Parses `bytes` as `name`, expects `problem` and a one-line message naming the file. */
function expectProblem(
  bytes: Uint8Array,
  name: string,
  problem: ImageLoadProblem,
  opts = options(name),
): ImageLoadError {
  const err = loadError(() => parseImage(bytes, opts));
  expect(err.problem).to.deep.equal(problem);
  expect(err.code).to.equal(problem.code);
  expect(err.image).to.equal(name);
  expect(err.message.startsWith(`${name} `), err.message).to.equal(true);
  expect(err.message).to.not.include('\n');
  return err;
}

/** File offset of the first section header of `type` (SHT_*), found through e_shoff. */
function sectionHeaderOffset(bytes: Uint8Array, type: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(view.getBigUint64(E_SHOFF, true));
  const shnum = view.getUint16(0x3c, true);
  for (let i = 0; i < shnum; i++) {
    if (view.getUint32(shoff + 64 * i + 4, true) === type) return shoff + 64 * i;
  }
  throw new Error(`no section of type ${type}`);
}

describe('core/loader/image-loader: errors', () => {
  let w: Workdir;
  let guest: Uint8Array;

  before(() => {
    w = createWorkdir();
    assembleAarch64(w, 'guest', GUEST_SOURCE);
    guest = readBytes(linkAarch64(w, 'guest', ['-Ttext=0x40080000']));
  });
  after(() => removeWorkdir(w));

  it('ImageEmpty for a zero-byte file', () => {
    expectProblem(new Uint8Array(0), 'guests/empty.elf', { code: 'ImageEmpty' });
  });

  describe('ImageTruncated names the part', () => {
    it('the ELF header', () => {
      const err = expectProblem(guest.slice(0, 40), 'guests/t.elf', {
        code: 'ImageTruncated',
        part: 'elfHeader',
        offset: 0n,
        size: 64n,
        fileSize: 40n,
      });
      expect(err.message).to.include('ELF header');
    });

    it('the ELF header, for a file that is only part of the magic', () => {
      expectProblem(new Uint8Array([0x7f, 0x45]), 'guests/t.elf', {
        code: 'ImageTruncated',
        part: 'elfHeader',
        offset: 0n,
        size: 64n,
        fileSize: 2n,
      });
    });

    it('the program header table', () => {
      const err = expectProblem(guest.slice(0, 64 + 56), 'guests/t.elf', {
        code: 'ImageTruncated',
        part: 'programHeaderTable',
        offset: 64n,
        size: 112n,
        fileSize: 120n,
      });
      expect(err.message).to.include('program header table');
    });

    it('a segment, with its program header index', () => {
      const [first] = readelfLoadSegments(w.path('guest.elf'));
      const cut = Number(first!.offset + first!.fileSize) - 8;
      const err = expectProblem(guest.slice(0, cut), 'guests/t.elf', {
        code: 'ImageTruncated',
        part: 'segment',
        segmentIndex: 0,
        offset: first!.offset,
        size: first!.fileSize,
        fileSize: BigInt(cut),
      });
      expect(err.message).to.include('segment 0');
    });

    it('the section header table', () => {
      const shoff = BigInt(guest.length - 32);
      const err = expectProblem(patchLe(guest, E_SHOFF, 8, shoff), 'guests/t.elf', {
        code: 'ImageTruncated',
        part: 'sectionHeaderTable',
        offset: shoff,
        size: 7n * 64n,
        fileSize: BigInt(guest.length),
      });
      expect(err.message).to.include('section header table');
    });

    it('the symbol table', () => {
      const symtab = sectionHeaderOffset(guest, 2);
      const bad = patchLe(guest, symtab + 24, 8, BigInt(guest.length - 24));
      const err = loadError(() => parseImage(bad, options('guests/t.elf')));
      expect(err.problem).to.include({ code: 'ImageTruncated', part: 'symbolTable' });
    });
  });

  it('ImageWrongClass for a hand-made ELF32 header', () => {
    const err = expectProblem(craftElf32Header(), 'guests/arm32.elf', { code: 'ImageWrongClass', elfClass: 1 });
    expect(err.message).to.include('32-bit');
  });

  it('ImageWrongEndianness for a big-endian AArch64 ELF built with -EB', () => {
    assembleAarch64(w, 'be', GUEST_SOURCE, ['-EB']);
    const be = readBytes(linkAarch64(w, 'be', ['-EB', '-Ttext=0x40080000']));
    const err = expectProblem(be, 'guests/be.elf', { code: 'ImageWrongEndianness', dataEncoding: 2 });
    expect(err.message).to.include('big-endian');
  });

  describe('ImageWrongArchitecture', () => {
    it('names x86-64 for an ELF built with the host as/ld', () => {
      const x86 = readBytes(buildX86Elf(w, 'x86'));
      const err = expectProblem(x86, 'guests/x.elf', {
        code: 'ImageWrongArchitecture',
        machine: 62,
        machineName: 'x86-64',
      });
      expect(err.message).to.equal(
        'guests/x.elf is an ELF for x86-64 (e_machine 62); el2dbg runs AArch64 images (e_machine 183), ' +
          'so rebuild it with an aarch64 toolchain',
      );
    });

    it('names 32-bit ARM and RISC-V, and gives the bare number otherwise', () => {
      expectProblem(patchLe(guest, 0x12, 2, 40n), 'g.elf', {
        code: 'ImageWrongArchitecture',
        machine: 40,
        machineName: 'ARM (32-bit)',
      });
      expectProblem(patchLe(guest, 0x12, 2, 243n), 'g.elf', {
        code: 'ImageWrongArchitecture',
        machine: 243,
        machineName: 'RISC-V',
      });
      const err = expectProblem(patchLe(guest, 0x12, 2, 9999n), 'g.elf', {
        code: 'ImageWrongArchitecture',
        machine: 9999,
      });
      expect(err.message).to.include('e_machine 9999');
    });
  });

  describe('ImageWrongType', () => {
    it('for a relocatable .o, suggesting to link it', () => {
      const err = expectProblem(readBytes(w.path('guest.o')), 'guests/guest.o', { code: 'ImageWrongType', elfType: 1 });
      expect(err.message).to.include('relocatable').and.include('link it');
    });

    it('for a core dump (e_type ET_CORE)', () => {
      const err = expectProblem(patchLe(guest, 0x10, 2, 4n), 'guests/core', { code: 'ImageWrongType', elfType: 4 });
      expect(err.message).to.include('core dump');
    });
  });

  describe('ImageNoLoadableSegments', () => {
    it('when no program header is PT_LOAD', () => {
      const noLoad = patchLe(patchLe(guest, PHDR(0), 4, 4n), PHDR(1), 4, 4n);
      expectProblem(noLoad, 'guests/n.elf', { code: 'ImageNoLoadableSegments' });
    });

    it('when there are no program headers', () => {
      expectProblem(patchLe(guest, E_PHNUM, 2, 0n), 'guests/n.elf', { code: 'ImageNoLoadableSegments' });
    });
  });

  describe('ImageOutsideRam', () => {
    /** The guest linked above 4 GiB (each test links it, so one run alone, as under --grep, finds it too). */
    const linkHigh = () => linkAarch64(w, 'guest', ['-Ttext=0x100000000'], 'high.elf');

    it('for an ELF linked above 4 GiB, giving the segment and RAM ranges', () => {
      const high = linkHigh();
      const [first] = readelfLoadSegments(high);
      const err = expectProblem(readBytes(high), 'guests/high.elf', {
        code: 'ImageOutsideRam',
        segmentIndex: 0,
        start: first!.paddr,
        end: first!.paddr + first!.memSize,
        ram: RAM,
      });
      expect(err.message).to.include('RAM (0x40000000-0x7fffffff)');
      expect(err.message).to.include(`segment 0 at 0x${first!.paddr.toString(16)}-`);
    });

    it('counts p_memsz, not p_filesz: .bss past the end of RAM is rejected', () => {
      const ram = { base: 0x4000_0000n, size: 0x9_0018n };
      expectProblem(
        guest,
        'guests/g.elf',
        {
          code: 'ImageOutsideRam',
          segmentIndex: 1,
          start: 0x4009_0010n,
          end: 0x4009_1018n,
          ram,
        },
        { ...options('guests/g.elf'), ram },
      );
    });

    it('names flash as well when a flash region is given', () => {
      const high = readBytes(linkHigh());
      const err = loadError(() => parseImage(high, { ...options('guests/high.elf'), flash: FLASH }));
      expect(err.problem).to.deep.include({ code: 'ImageOutsideRam', flash: FLASH });
      expect(err.message).to.include('flash (0x0-0x7ffffff)');
    });

    it('for a raw image larger than RAM', () => {
      const ram = { base: 0x4000_0000n, size: 0x1000n };
      const err = expectProblem(
        new Uint8Array(0x1001),
        'guests/big.bin',
        {
          code: 'ImageOutsideRam',
          start: 0x4000_0000n,
          end: 0x4000_1001n,
          ram,
        },
        { name: 'guests/big.bin', loadAddr: 0x4000_0000n, ram },
      );
      expect(err.message).to.include('raw image');
    });

    it('for a raw image loaded below RAM', () => {
      const err = loadError(() => parseImage(new Uint8Array(16), { ...options('r.bin'), loadAddr: 0x1000n }));
      expect(err.code).to.equal('ImageOutsideRam');
    });
  });

  describe('ImageMalformed', () => {
    it('when p_filesz is above p_memsz', () => {
      const [first] = readelfLoadSegments(w.path('guest.elf'));
      const bad = patchLe(guest, PHDR(0) + 32, 8, first!.memSize + 1n);
      expectProblem(bad, 'g.elf', {
        code: 'ImageMalformed',
        defect: 'SegmentFileSizeAboveMemSize',
        segmentIndex: 0,
        fileSize: first!.memSize + 1n,
        memSize: first!.memSize,
      });
    });

    it('when e_phentsize is smaller than an ELF64 program header', () => {
      expectProblem(patchLe(guest, 0x36, 2, 32n), 'g.elf', {
        code: 'ImageMalformed',
        defect: 'ProgramHeaderEntryTooSmall',
        entrySize: 32,
      });
    });

    it('when e_shentsize is smaller than an ELF64 section header', () => {
      expectProblem(patchLe(guest, 0x3a, 2, 40n), 'g.elf', {
        code: 'ImageMalformed',
        defect: 'SectionHeaderEntryTooSmall',
        entrySize: 40,
      });
    });

    it('when .symtab links to a section that is not a string table', () => {
      const bad = patchLe(guest, sectionHeaderOffset(guest, 2) + 40, 4, 1n);
      expectProblem(bad, 'g.elf', { code: 'ImageMalformed', defect: 'SymbolTableBadLink', link: 1 });
    });

    it('when .symtab entries are not 24 bytes', () => {
      const bad = patchLe(guest, sectionHeaderOffset(guest, 2) + 56, 8, 16n);
      expectProblem(bad, 'g.elf', { code: 'ImageMalformed', defect: 'SymbolTableBadEntrySize', entrySize: 16n });
    });

    it('when a symbol name lies outside the string table', () => {
      const symtab = Number(new DataView(guest.buffer).getBigUint64(sectionHeaderOffset(guest, 2) + 24, true));
      // Symbol 1 is a section symbol (defined, so its name is read).
      const bad = patchLe(guest, symtab + 24, 4, 0xffff_fff0n);
      expectProblem(bad, 'g.elf', {
        code: 'ImageMalformed',
        defect: 'SymbolNameOutsideStringTable',
        symbolIndex: 1,
        nameOffset: 0xffff_fff0,
      });
    });
  });
});
