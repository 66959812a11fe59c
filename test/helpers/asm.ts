import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Assembles AArch64 source with the real binutils and returns the raw machine code of .text. */
export function assemble(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-asm-'));
  try {
    writeFileSync(join(dir, 'a.S'), source + '\n');
    execFileSync('aarch64-linux-gnu-as', ['-march=armv8.5-a+lse', '-o', join(dir, 'a.o'), join(dir, 'a.S')], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('aarch64-linux-gnu-objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
    return new Uint8Array(readFileSync(join(dir, 'a.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
