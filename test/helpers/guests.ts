import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../core/unicorn/library.js';

/** Path of a bundled guest, built on demand by scripts/build-guests (a no-op when up to date). */
export function guestPath(name: string, ext: 'elf' | 'bin' = 'elf'): string {
  const root = projectRoot();
  execFileSync(join(root, 'scripts/build-guests'), [name], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(root, 'guests/build', `${name}.${ext}`);
}
