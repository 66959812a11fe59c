// Builds real guest images for the loader tests with the installed binutils, in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `_start` calls `helper`; .data holds `counter`, .bss holds a 4 KiB `buffer` (memsz > filesz). */
export const GUEST_SOURCE = `
    .text
    .global _start
    .type _start, %function
_start:
    bl helper
    b .
    .size _start, . - _start
    .global helper
    .type helper, %function
helper:
    mov x0, #42
    ret
    .size helper, . - helper
    .data
    .global counter
    .type counter, %object
counter:
    .quad 0x1122334455667788
    .size counter, 8
    .bss
    .global buffer
    .type buffer, %object
buffer:
    .skip 4096
    .size buffer, 4096
`;

/** Text only: one function symbol besides `_start`, nothing in .data or .bss. */
export const TEXT_ONLY_SOURCE = `
    .text
    .global _start
    .type _start, %function
_start:
    bl helper
    b .
    .size _start, . - _start
    .global helper
    .type helper, %function
helper:
    mov x0, #42
    ret
    .size helper, . - helper
`;

const X86_64_SOURCE = `
    .text
    .global _start
_start:
    ret
`;

/** A temp dir holding build outputs; `path(name)` is a file in it. */
export type Workdir = { dir: string; path(name: string): string };

export function createWorkdir(): Workdir {
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-loader-'));
  return { dir, path: (name) => join(dir, name) };
}

/** Reads a file as a plain Uint8Array (not a Buffer), so deep equality with loader output holds. */
export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function removeWorkdir(w: Workdir): void {
  rmSync(w.dir, { recursive: true, force: true });
}

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Assembles `source` into `<name>.o` with aarch64-linux-gnu-as (extra flags such as -EB allowed). */
export function assembleAarch64(w: Workdir, name: string, source: string, asFlags: string[] = []): string {
  writeFileSync(w.path(`${name}.S`), source);
  run('aarch64-linux-gnu-as', [...asFlags, '-o', w.path(`${name}.o`), w.path(`${name}.S`)]);
  return w.path(`${name}.o`);
}

/** Links `<name>.o` into `<output>` (default `<name>.elf`) with aarch64-linux-gnu-ld. */
export function linkAarch64(w: Workdir, name: string, ldFlags: string[], output = `${name}.elf`): string {
  run('aarch64-linux-gnu-ld', [...ldFlags, '-o', w.path(output), w.path(`${name}.o`)]);
  return w.path(output);
}

/** Writes a linker script into the workdir and returns its path. */
export function writeLinkerScript(w: Workdir, name: string, script: string): string {
  writeFileSync(w.path(name), script);
  return w.path(name);
}

/** Builds an x86-64 executable with the host `as` and `ld`. */
export function buildX86Elf(w: Workdir, name: string): string {
  writeFileSync(w.path(`${name}.s`), X86_64_SOURCE);
  run('as', ['--64', '-o', w.path(`${name}.o`), w.path(`${name}.s`)]);
  run('ld', ['-m', 'elf_x86_64', '-o', w.path(`${name}.elf`), w.path(`${name}.o`)]);
  return w.path(`${name}.elf`);
}

/** Runs aarch64-linux-gnu-objcopy with `args` on `input`, writing `output` in the workdir. */
export function objcopy(w: Workdir, args: string[], input: string, output: string): string {
  run('aarch64-linux-gnu-objcopy', [...args, w.path(input), w.path(output)]);
  return w.path(output);
}

export type ReadelfLoad = { offset: bigint; vaddr: bigint; paddr: bigint; fileSize: bigint; memSize: bigint };

/** The PT_LOAD program headers as binutils' readelf reports them, for cross-checking. */
export function readelfLoadSegments(path: string): ReadelfLoad[] {
  const out = run('aarch64-linux-gnu-readelf', ['-lW', path]);
  return out
    .split('\n')
    .filter((line) => /^\s*LOAD\s/.test(line))
    .map((line) => {
      const [, offset, vaddr, paddr, fileSize, memSize] = line.trim().split(/\s+/);
      return {
        offset: BigInt(offset!),
        vaddr: BigInt(vaddr!),
        paddr: BigInt(paddr!),
        fileSize: BigInt(fileSize!),
        memSize: BigInt(memSize!),
      };
    });
}

/** The symbols binutils' nm lists (defined, named, not debugging), as name -> value. */
export function nmSymbols(path: string): Map<string, bigint> {
  const out = run('aarch64-linux-gnu-nm', [path]);
  const symbols = new Map<string, bigint>();
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+) \S (\S+)$/.exec(line.trim());
    if (m) symbols.set(m[2]!, BigInt(`0x${m[1]!}`));
  }
  return symbols;
}

/** Returns a copy of `bytes` with a little-endian field of `width` bytes at `offset` set to `value`. */
export function patchLe(bytes: Uint8Array, offset: number, width: 1 | 2 | 4 | 8, value: bigint): Uint8Array {
  const copy = bytes.slice();
  for (let i = 0; i < width; i++) copy[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return copy;
}

/** A minimal ELF32 header (52 bytes) for 32-bit ARM, built by hand. */
export function craftElf32Header(): Uint8Array {
  const h = new Uint8Array(52);
  h.set([0x7f, 0x45, 0x4c, 0x46, 1 /* ELFCLASS32 */, 1 /* LSB */, 1 /* EV_CURRENT */]);
  const view = new DataView(h.buffer);
  view.setUint16(0x10, 2, true); // ET_EXEC
  view.setUint16(0x12, 40, true); // EM_ARM
  view.setUint32(0x14, 1, true);
  view.setUint16(0x28, 52, true); // e_ehsize
  return h;
}
