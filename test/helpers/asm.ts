import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Assembles AArch64 source with the real binutils and returns the raw machine code of .text. */
export function assemble(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-asm-'));
  try {
    writeFileSync(join(dir, 'a.S'), source + '\n');
    execFileSync('aarch64-linux-gnu-as', ['-march=armv8.5-a+lse', '-o', join(dir, 'a.o'), join(dir, 'a.S')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    execFileSync('aarch64-linux-gnu-objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
    return new Uint8Array(readFileSync(join(dir, 'a.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Assembles and links AArch64 source at 0x40080000 into an ELF file in a fresh temp dir; returns its path. */
export function buildElf(source: string, name = 'guest'): string {
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-elf-'));
  writeFileSync(join(dir, `${name}.S`), `.global _start\n_start:\n${source}\n`);
  execFileSync('aarch64-linux-gnu-as', ['-march=armv8.5-a+lse', '-o', join(dir, `${name}.o`), join(dir, `${name}.S`)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  execFileSync('aarch64-linux-gnu-ld', ['-Ttext=0x40080000', '-o', join(dir, `${name}.elf`), join(dir, `${name}.o`)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return join(dir, `${name}.elf`);
}
