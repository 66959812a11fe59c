// The one part of the loader that touches the file system: read the image, then parse it.
import { readFile } from 'node:fs/promises';
import type { ImageLoadOptions, LoadedImage } from './loaded-image.js';
import { ImageLoadError } from './image-load-error.js';
import { parseImage } from './image-loader.js';

/** Options for readImageFile; `name` defaults to the path. */
export type ReadImageFileOptions = Omit<ImageLoadOptions, 'name'> & { name?: string };

/** Reads the image at `path` and parses it; every failure is an ImageLoadError. */
export async function readImageFile(path: string, options: ReadImageFileOptions): Promise<LoadedImage> {
  const name = options.name ?? path;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw readErrorToImageLoadError(err, path, name);
  }
  return parseImage(bytes, { ...options, name });
}

function readErrorToImageLoadError(err: unknown, path: string, name: string): ImageLoadError {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  const cause = { cause: err };
  if (errno === 'ENOENT') return new ImageLoadError(name, { code: 'ImageNotFound', path }, cause);
  if (errno === 'EISDIR') return new ImageLoadError(name, { code: 'ImageIsDirectory', path }, cause);
  return new ImageLoadError(name, { code: 'ImageUnreadable', path, errno }, cause);
}
