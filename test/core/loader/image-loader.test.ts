import { expect } from 'chai';
import { parseImage, type ImageLoadOptions, type LoadedImage } from '../../../core/loader/image-loader.js';
import {
  GUEST_SOURCE,
  TEXT_ONLY_SOURCE,
  assembleAarch64,
  createWorkdir,
  linkAarch64,
  nmSymbols,
  objcopy,
  patchLe,
  readBytes,
  readelfLoadSegments,
  removeWorkdir,
  writeLinkerScript,
  type Workdir,
} from './guest-images.js';

const RAM = { base: 0x4000_0000n, size: 0x4000_0000n };
const FLASH = { base: 0n, size: 0x0800_0000n };
const LOAD_ADDR = 0x4008_0000n;
const options = (name: string): ImageLoadOptions => ({ name, loadAddr: LOAD_ADDR, ram: RAM });

/** The bytes a loaded image puts at [start, start + length), zero where nothing is loaded. */
function memoryImage(image: LoadedImage, start: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (const s of image.segments) {
    for (let i = 0; i < s.data.length; i++) {
      const at = s.addr + BigInt(i) - start;
      if (at >= 0n && at < BigInt(length)) out[Number(at)] = s.data[i]!;
    }
  }
  return out;
}

describe('core/loader/image-loader: parseImage', () => {
  let w: Workdir;
  let guestElf: string;
  let textOnlyElf: string;

  before(() => {
    w = createWorkdir();
    assembleAarch64(w, 'guest', GUEST_SOURCE);
    guestElf = linkAarch64(w, 'guest', ['-Ttext=0x40080000']);
    assembleAarch64(w, 'text', TEXT_ONLY_SOURCE);
    textOnlyElf = linkAarch64(w, 'text', ['-Ttext=0x40080000']);
  });
  after(() => removeWorkdir(w));

  describe('ELF', () => {
    it('loads a text-only ELF: entry, segment bytes and both function symbols', () => {
      const image = parseImage(readBytes(textOnlyElf), options('guests/text.elf'));
      expect(image.format).to.equal('elf');
      expect(image.entry).to.equal(0x4008_0000n);
      const text = readBytes(objcopy(w, ['-O', 'binary', '-j', '.text'], 'text.elf', 'text-section.bin'));
      expect(text.length).to.equal(16);
      expect(memoryImage(image, 0x4008_0000n, 16)).to.deep.equal(text);
      // The first instruction is `bl helper`, a branch 8 bytes ahead.
      expect(new DataView(text.buffer, text.byteOffset).getUint32(0, true)).to.equal(0x9400_0002);
      expect(image.symbols).to.deep.include({
        name: '_start',
        value: 0x4008_0000n,
        size: 8n,
        type: 'func',
        binding: 'global',
      });
      expect(image.symbols).to.deep.include({
        name: 'helper',
        value: 0x4008_0008n,
        size: 8n,
        type: 'func',
        binding: 'global',
      });
    });

    it('matches readelf for every PT_LOAD: paddr, p_filesz bytes from p_offset, p_memsz', () => {
      const bytes = readBytes(guestElf);
      const image = parseImage(bytes, options('guests/guest.elf'));
      const expected = readelfLoadSegments(guestElf);
      expect(expected).to.have.length(2);
      expect(image.segments.map((s) => s.addr)).to.deep.equal(expected.map((e) => e.paddr));
      expect(image.segments.map((s) => s.memSize)).to.deep.equal(expected.map((e) => e.memSize));
      image.segments.forEach((s, i) => {
        const e = expected[i]!;
        expect(BigInt(s.data.length)).to.equal(e.fileSize);
        expect(s.data).to.deep.equal(bytes.slice(Number(e.offset), Number(e.offset + e.fileSize)));
      });
    });

    it('keeps memsz above filesz for .bss so the caller zero fills it', () => {
      const image = parseImage(readBytes(guestElf), options('guests/guest.elf'));
      const data = image.segments.find((s) => s.addr === 0x4009_0010n);
      expect(data, 'the .data/.bss segment').to.not.equal(undefined);
      expect(data!.data).to.deep.equal(new Uint8Array([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]));
      expect(data!.memSize).to.equal(8n + 4096n);
    });

    it('produces the same memory contents as objcopy -O binary', () => {
      const flat = readBytes(objcopy(w, ['-O', 'binary'], 'guest.elf', 'guest.bin'));
      const image = parseImage(readBytes(guestElf), options('guests/guest.elf'));
      expect(memoryImage(image, 0x4008_0000n, flat.length)).to.deep.equal(flat);
    });

    it('lists the symbols nm lists, with the same values, plus types and sizes', () => {
      const image = parseImage(readBytes(guestElf), options('guests/guest.elf'));
      const symbols = image.symbols ?? [];
      for (const [name, value] of nmSymbols(guestElf)) {
        expect(symbols.find((s) => s.name === name)?.value, name).to.equal(value);
      }
      expect(symbols).to.deep.include({
        name: 'counter',
        value: 0x4009_0010n,
        size: 8n,
        type: 'object',
        binding: 'global',
      });
      expect(symbols).to.deep.include({
        name: 'buffer',
        value: 0x4009_0018n,
        size: 4096n,
        type: 'object',
        binding: 'global',
      });
      expect(symbols.every((s) => s.name !== '')).to.equal(true);
      expect(symbols.some((s) => s.type === 'section')).to.equal(false);
    });

    it('loads a stripped ELF with an empty symbol list', () => {
      const stripped = objcopy(w, ['--strip-all'], 'guest.elf', 'stripped.elf');
      const image = parseImage(readBytes(stripped), options('guests/stripped.elf'));
      expect(image.symbols).to.deep.equal([]);
      expect(image.entry).to.equal(0x4008_0000n);
      expect(image.segments).to.have.length(2);
    });

    it('loads an ELF with no section header table at all (e_shoff = 0, e_shnum = 0)', () => {
      const noSections = patchLe(patchLe(readBytes(guestElf), 0x28, 8, 0n), 0x3c, 2, 0n);
      const image = parseImage(noSections, options('guests/nosections.elf'));
      expect(image.symbols).to.deep.equal([]);
      expect(image.segments).to.have.length(2);
    });

    it('uses p_paddr, not p_vaddr, when a linker script gives a separate load address', () => {
      // .text runs at 0x40080000 (VMA) but is stored in flash at 0x80000 (LMA = p_paddr).
      const script = writeLinkerScript(w, 'lma.ld', 'SECTIONS { . = 0x40080000; .text : AT(0x80000) { *(.text) } }');
      const lmaElf = linkAarch64(w, 'text', ['-T', script], 'lma.elf');
      const expected = readelfLoadSegments(lmaElf);
      expect(expected.map((e) => [e.vaddr, e.paddr])).to.deep.include([0x4008_0000n, 0x8_0000n]);
      const image = parseImage(readBytes(lmaElf), { ...options('guests/lma.elf'), flash: FLASH });
      expect(image.segments.map((s) => s.addr)).to.deep.equal(expected.map((e) => e.paddr));
      expect(image.segments.map((s) => s.addr)).to.include(0x8_0000n);
    });

    it('accepts ET_DYN and loads it at p_paddr as is, with segments in flash allowed', () => {
      const pie = linkAarch64(w, 'guest', ['-pie', '--no-dynamic-linker', '-Ttext=0x40080000'], 'pie.elf');
      const bytes = readBytes(pie);
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(0x10, true)).to.equal(3);
      const image = parseImage(bytes, { ...options('guests/pie.elf'), flash: FLASH });
      expect(image.segments.map((s) => s.addr)).to.deep.equal(readelfLoadSegments(pie).map((e) => e.paddr));
      expect(image.segments[0]!.addr).to.equal(0n);
      expect(image.entry).to.equal(0x4008_0000n);
    });

    it('reads from a Uint8Array that is a view into a larger buffer', () => {
      const bytes = readBytes(textOnlyElf);
      const padded = new Uint8Array(bytes.length + 13);
      padded.set(bytes, 13);
      const image = parseImage(padded.subarray(13), options('guests/text.elf'));
      expect(image).to.deep.equal(parseImage(bytes, options('guests/text.elf')));
    });
  });

  describe('raw binary', () => {
    it('loads an objcopy -O binary image at loadAddr with the entry there and no symbols', () => {
      const flat = readBytes(objcopy(w, ['-O', 'binary'], 'text.elf', 'text.bin'));
      const image = parseImage(flat, options('guests/text.bin'));
      expect(image.format).to.equal('raw');
      expect(image.entry).to.equal(LOAD_ADDR);
      expect(image.segments).to.deep.equal([{ addr: LOAD_ADDR, data: flat, memSize: BigInt(flat.length) }]);
      expect(image.symbols).to.equal(undefined);
    });

    it('honours a different loadAddr and fits exactly at the end of RAM', () => {
      const raw = new Uint8Array([1, 2, 3, 4]);
      const loadAddr = RAM.base + RAM.size - 4n;
      const image = parseImage(raw, { ...options('guests/end.bin'), loadAddr });
      expect(image.entry).to.equal(loadAddr);
      expect(image.segments[0]!.addr).to.equal(loadAddr);
    });

    it('loads a raw image into flash when flash is given', () => {
      const image = parseImage(new Uint8Array(64), { ...options('guests/rom.bin'), loadAddr: 0n, flash: FLASH });
      expect(image.segments[0]!.addr).to.equal(0n);
    });

    it('copies the bytes, so later changes to the input do not reach the image', () => {
      const raw = new Uint8Array([9, 9, 9]);
      const image = parseImage(raw, options('guests/x.bin'));
      raw[0] = 0;
      expect(image.segments[0]!.data[0]).to.equal(9);
    });
  });
});
