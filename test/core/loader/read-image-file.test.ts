import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { ImageLoadError, parseImage } from '../../../core/loader/image-loader.js';
import { readImageFile } from '../../../core/loader/read-image-file.js';
import {
  TEXT_ONLY_SOURCE,
  assembleAarch64,
  createWorkdir,
  linkAarch64,
  readBytes,
  removeWorkdir,
  type Workdir,
} from './guest-images.js';

const RAM = { base: 0x4000_0000n, size: 0x4000_0000n };
const base = { loadAddr: 0x4008_0000n, ram: RAM };

/** Awaits `load` and returns the ImageLoadError it rejects with, failing the test otherwise. */
async function loadError(load: () => Promise<unknown>): Promise<ImageLoadError> {
  try {
    await load();
  } catch (err) {
    expect(err).to.be.instanceOf(ImageLoadError);
    return err as ImageLoadError;
  }
  return expect.fail('expected readImageFile to reject with an ImageLoadError');
}

describe('core/loader/read-image-file: readImageFile', () => {
  let w: Workdir;
  let elf: string;

  before(() => {
    w = createWorkdir();
    assembleAarch64(w, 'text', TEXT_ONLY_SOURCE);
    elf = linkAarch64(w, 'text', ['-Ttext=0x40080000']);
  });
  after(() => removeWorkdir(w));

  it('reads the file and returns what parseImage returns for its bytes', async () => {
    const image = await readImageFile(elf, base);
    expect(image).to.deep.equal(parseImage(readBytes(elf), { ...base, name: elf }));
    expect(image.entry).to.equal(0x4008_0000n);
  });

  it('ImageNotFound for a missing file, naming the path', async () => {
    const missing = w.path('no-such.elf');
    const err = await loadError(() => readImageFile(missing, base));
    expect(err.problem).to.deep.equal({ code: 'ImageNotFound', path: missing });
    expect(err.message).to.equal(`${missing} does not exist; check the guest image path`);
    expect((err.cause as NodeJS.ErrnoException).code).to.equal('ENOENT');
  });

  it('ImageIsDirectory for a directory', async () => {
    const err = await loadError(() => readImageFile(w.dir, base));
    expect(err.problem).to.deep.equal({ code: 'ImageIsDirectory', path: w.dir });
    expect(err.message).to.include('is a directory');
  });

  it('uses options.name in messages when given, and passes parse errors through', async () => {
    writeFileSync(w.path('empty.bin'), new Uint8Array(0));
    const err = await loadError(() => readImageFile(w.path('empty.bin'), { ...base, name: 'guests/empty.bin' }));
    expect(err.code).to.equal('ImageEmpty');
    expect(err.message).to.equal('guests/empty.bin is empty (0 bytes); rebuild the guest image');
  });
});
