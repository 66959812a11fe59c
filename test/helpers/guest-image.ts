import { readFileSync } from 'node:fs';
import { parseImage } from '../../core/loader/image-loader.js';
import type { LoadedImage } from '../../core/loader/loaded-image.js';

/** An ELF guest as the loader reads it: entry point (e_entry) and symbols. */
export function readGuestElf(path: string): LoadedImage {
  const ram = { base: 0x4000_0000n, size: 0x4000_0000n };
  return parseImage(readFileSync(path), { name: path, loadAddr: 0x4008_0000n, ram });
}

/** The address of the symbol `name` in an ELF guest (throws if it has none). */
export function symbolAddress(image: LoadedImage, name: string): bigint {
  const symbol = image.symbols?.find((s) => s.name === name);
  if (!symbol) throw new Error(`no symbol ${name} in the image`);
  return symbol.value;
}
