// Assembles and links the generated guest programs with the real binutils in a temp dir, and reads
// back each corpus entry's instruction address and word from the linked ELF.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseImage, type LoadedImage } from '../../../core/loader/image-loader.js';
import type { CorpusEntry } from '../corpus.js';
import { el1RunnerSource } from './el1-runner-source.js';
import { el2HarnessSource } from './el2-harness-source.js';
import { EL1_START, EL2_START, EL2DBG_LINK_BASE, insnLabel, QEMU_LINK_BASE } from './harness-layout.js';

/** The QEMU harness enters at EL2; the el2dbg guest is the EL1 program alone (el2dbg models EL2). */
export type HarnessTarget = 'qemu-el2' | 'el2dbg-el1';

export type HarnessImage = Readonly<{ target: HarnessTarget; bytes: Uint8Array; image: LoadedImage }>;

/** One corpus entry's instruction as linked: its address and its 32-bit encoding. */
export type EntryInstruction = Readonly<{ pc: bigint; word: number }>;

const RAM = { base: 0x4000_0000n, size: 0x4000_0000n };
const ASSEMBLER_ARCH = '-march=armv8.5-a+lse+rcpc';

function linkerScript(base: bigint, entry: string): string {
  return [
    `ENTRY(${entry})`,
    'SECTIONS {',
    `  . = 0x${base.toString(16)};`,
    '  .text : { KEEP(*(.text.boot)) *(.text .text.*) }',
    '  . = ALIGN(4096);',
    '  .data : { *(.data .data.*) }',
    '  /DISCARD/ : { *(.note.gnu.property) *(.comment) }',
    '}',
  ].join('\n');
}

function run(tool: string, args: string[]): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`${tool} failed: ${stderr.split('\n').slice(0, 20).join('\n')}`, { cause: e });
  }
}

/** Builds the guest program for `target` from `corpus`; the temp dir is removed before returning. */
export function buildHarness(corpus: readonly CorpusEntry[], target: HarnessTarget): HarnessImage {
  const qemu = target === 'qemu-el2';
  const source = (qemu ? el2HarnessSource(corpus.length) : '') + el1RunnerSource(corpus);
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-diff-'));
  try {
    writeFileSync(join(dir, 'harness.S'), source);
    writeFileSync(
      join(dir, 'harness.ld'),
      linkerScript(qemu ? QEMU_LINK_BASE : EL2DBG_LINK_BASE, qemu ? EL2_START : EL1_START),
    );
    run('aarch64-linux-gnu-as', [ASSEMBLER_ARCH, '-o', join(dir, 'harness.o'), join(dir, 'harness.S')]);
    run('aarch64-linux-gnu-ld', [
      '-T',
      join(dir, 'harness.ld'),
      '-o',
      join(dir, 'harness.elf'),
      join(dir, 'harness.o'),
    ]);
    const bytes = new Uint8Array(readFileSync(join(dir, 'harness.elf')));
    return {
      target,
      bytes,
      image: parseImage(bytes, { name: `differential-${target}`, loadAddr: EL2DBG_LINK_BASE, ram: RAM }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The address of `name` in the image; throws if the linker dropped it. */
export function symbolAddress(image: LoadedImage, name: string): bigint {
  const symbol = image.symbols?.find((s) => s.name === name);
  if (symbol === undefined) throw new Error(`symbol ${name} missing from the harness image`);
  return symbol.value;
}

function readWord(image: LoadedImage, addr: bigint): number {
  const segment = image.segments.find((s) => addr >= s.addr && addr + 4n <= s.addr + BigInt(s.data.length));
  if (segment === undefined) throw new Error(`no loaded bytes at 0x${addr.toString(16)}`);
  const at = Number(addr - segment.addr);
  return new DataView(segment.data.buffer, segment.data.byteOffset + at, 4).getUint32(0, true);
}

/** Address and encoding of every entry's instruction, in corpus order. */
export function entryInstructions(image: LoadedImage, count: number): EntryInstruction[] {
  return Array.from({ length: count }, (_, i) => {
    const pc = symbolAddress(image, insnLabel(i));
    return { pc, word: readWord(image, pc) };
  });
}
