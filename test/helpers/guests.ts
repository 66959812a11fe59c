import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImage, type LoadedImage } from '../../core/loader/image-loader.js';
import { projectRoot } from '../../core/unicorn/library.js';

/** Path of a bundled guest, built on demand by scripts/build-guests (a no-op when up to date). */
export function guestPath(name: string, ext: 'elf' | 'bin' = 'elf'): string {
  const root = projectRoot();
  execFileSync(join(root, 'scripts/build-guests'), [name], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(root, 'guests/build', `${name}.${ext}`);
}

/** A bundled guest's ELF as the loader sees it: segments (address and bytes) and symbols. */
export function parseGuestElf(path: string): LoadedImage {
  return parseImage(readFileSync(path), {
    name: path,
    loadAddr: 0x4008_0000n,
    ram: { base: 0x4000_0000n, size: 0x4000_0000n },
  });
}

/** The address of a symbol of a bundled guest, from its ELF (so tests do not hard-code the layout). */
export function guestSymbol(path: string, name: string): bigint {
  const s = parseGuestElf(path).symbols?.find((x) => x.name === name);
  if (!s) throw new Error(`no symbol ${name} in ${path}`);
  return s.value;
}
