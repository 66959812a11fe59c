import { expect } from 'chai';
import fc from 'fast-check';
import {
  ImageLoadError,
  parseImage,
  type ImageLoadOptions,
  type LoadedImage,
} from '../../../core/loader/image-loader.js';
import {
  GUEST_SOURCE,
  assembleAarch64,
  createWorkdir,
  linkAarch64,
  readBytes,
  removeWorkdir,
  type Workdir,
} from './guest-images.js';

const NARROW: ImageLoadOptions = {
  name: 'fuzz',
  loadAddr: 0x4008_0000n,
  ram: { base: 0x4000_0000n, size: 0x4000_0000n },
};
// All of the 64-bit physical space, so mutated images get past the RAM check into the symbols.
const WIDE: ImageLoadOptions = { ...NARROW, ram: { base: 0n, size: 1n << 64n } };

/** parseImage either returns a well-formed image or throws an ImageLoadError; nothing else. */
function parsesOrThrowsImageLoadError(bytes: Uint8Array, options: ImageLoadOptions): void {
  let image: LoadedImage;
  try {
    image = parseImage(bytes, options);
  } catch (err) {
    if (!(err instanceof ImageLoadError)) throw err;
    expect(err.message.startsWith(`${options.name} `)).to.equal(true);
    return;
  }
  expect(image.segments.length).to.be.greaterThan(0);
  for (const s of image.segments) {
    expect(BigInt(s.data.length) <= s.memSize).to.equal(true);
    expect(s.addr >= options.ram.base && s.addr + s.memSize <= options.ram.base + options.ram.size).to.equal(true);
  }
}

const anyOptions = fc.constantFrom(NARROW, WIDE);

describe('core/loader/image-loader: parseImage on arbitrary bytes', () => {
  let w: Workdir;
  let guest: Uint8Array;

  before(() => {
    w = createWorkdir();
    assembleAarch64(w, 'guest', GUEST_SOURCE);
    guest = readBytes(linkAarch64(w, 'guest', ['-Ttext=0x40080000']));
  });
  after(() => removeWorkdir(w));

  it('never throws anything but ImageLoadError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1024 }), anyOptions, parsesOrThrowsImageLoadError), {
      numRuns: 2000,
    });
  });

  it('never throws anything but ImageLoadError on random bytes behind a valid AArch64 ELF ident', () => {
    const ident = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 183, 0];
    const bytes = fc.uint8Array({ minLength: 0, maxLength: 2048 }).map((tail) => {
      const out = new Uint8Array(ident.length + tail.length);
      out.set(ident);
      out.set(tail, ident.length);
      return out;
    });
    fc.assert(fc.property(bytes, anyOptions, parsesOrThrowsImageLoadError), { numRuns: 2000 });
  });

  it('never throws anything but ImageLoadError on mutated and truncated copies of a real ELF', () => {
    const shoff = Number(new DataView(guest.buffer).getBigUint64(0x28, true));
    // Bias mutations toward the headers and tables, where a flipped byte changes how we parse.
    const position = fc.oneof(
      fc.integer({ min: 0, max: 64 + 2 * 56 - 1 }),
      fc.integer({ min: shoff, max: guest.length - 1 }),
      fc.integer({ min: 0x10018, max: shoff - 1 }),
      fc.integer({ min: 0, max: guest.length - 1 }),
    );
    const mutation = fc.record({ at: position, value: fc.integer({ min: 0, max: 255 }) });
    const length = fc.option(fc.integer({ min: 0, max: guest.length }), { nil: undefined });
    const mutated = fc.tuple(fc.array(mutation, { minLength: 1, maxLength: 8 }), length).map(([mutations, len]) => {
      const copy = guest.slice(0, len);
      for (const { at, value } of mutations) if (at < copy.length) copy[at] = value;
      return copy;
    });
    fc.assert(fc.property(mutated, anyOptions, parsesOrThrowsImageLoadError), { numRuns: 3000 });
  });

  it('reaches the success path under mutation too, so the property is not vacuous', () => {
    let loaded = 0;
    const mutated = fc.integer({ min: 0x10018, max: guest.length - 1 }).map((at) => {
      const copy = guest.slice();
      copy[at] = (copy[at]! + 1) & 0xff;
      return copy;
    });
    fc.assert(
      fc.property(mutated, (bytes) => {
        try {
          parseImage(bytes, WIDE);
          loaded++;
        } catch (err) {
          if (!(err instanceof ImageLoadError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
    expect(loaded).to.be.greaterThan(0);
  });
});
