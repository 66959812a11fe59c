// In-process measurements of the machine: a store-heavy guest's MIPS (and QEMU's for the same image), TLB fills a
// second with the MMU and stage 2 on, and what 16 breakpoints and 4 watchpoints cost a tight loop.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseImage } from '../core/loader/image-loader.js';
import { Machine } from '../core/machine/machine.js';
import type { UnicornLibrary } from '../core/unicorn/library.js';
import { QEMU_BASE_ARGS } from '../server/cli/doctor-command.js';
import { assemble } from '../test/helpers/asm.js';
import { guestPath } from '../test/helpers/guests.js';

const RAM = { base: 0x4000_0000n, size: 0x4000_0000n };
const quiet = { write: () => undefined };

/** The hash guest with `rounds` rounds, as an ELF file (hash_rounds patched in its .data). */
function hashElf(rounds: number): string {
  const elf = Buffer.from(readFileSync(guestPath('hash')));
  const image = parseImage(elf, { name: 'hash', loadAddr: 0x4008_0000n, ram: RAM });
  const at = image.symbols!.find((s) => s.name === 'hash_rounds')!.value;
  // Program headers: e_phoff at 0x20, e_phentsize 0x36, e_phnum 0x38; PT_LOAD p_offset 8, p_vaddr 16, p_filesz 32.
  const phoff = Number(elf.readBigUInt64LE(0x20));
  for (let i = 0; i < elf.readUInt16LE(0x38); i++) {
    const ph = phoff + i * elf.readUInt16LE(0x36);
    const vaddr = elf.readBigUInt64LE(ph + 16);
    if (elf.readUInt32LE(ph) === 1 && at >= vaddr && at < vaddr + elf.readBigUInt64LE(ph + 32)) {
      elf.writeBigUInt64LE(BigInt(rounds), Number(elf.readBigUInt64LE(ph + 8) + (at - vaddr)));
    }
  }
  const file = join(tmpdir(), `el2dbg-bench-hash-${rounds}.elf`);
  writeFileSync(file, elf);
  return file;
}

async function runMachine(lib: UnicornLibrary, elf: string): Promise<{ seconds: number; instructions: bigint }> {
  const image = parseImage(readFileSync(elf), { name: 'bench', loadAddr: 0x4008_0000n, ram: RAM });
  const m = new Machine({ lib, image, ramSize: RAM.size, console: quiet });
  try {
    const t0 = performance.now();
    const halt = await m.run();
    if (halt.kind !== 'power-off') throw new Error(`${elf} ended with ${halt.kind}`);
    return { seconds: (performance.now() - t0) / 1000, instructions: m.instructionsExecuted };
  } finally {
    await m.close();
  }
}

function timeQemu(elf: string): number {
  const t0 = performance.now();
  execFileSync('qemu-system-aarch64', ['-M', 'virt', '-cpu', 'max', '-m', '1024', ...QEMU_BASE_ARGS, '-kernel', elf], {
    stdio: 'ignore',
    timeout: 300_000,
  });
  return (performance.now() - t0) / 1000;
}

/** MIPS of the store-heavy hash guest in el2dbg and in QEMU 7.2 (slope between two round counts), best of 3. */
export async function benchStoreHeavy(lib: UnicornLibrary): Promise<{ el2dbg: number; qemu: number }> {
  const small = hashElf(20);
  const big = hashElf(220);
  let el2dbg = 0;
  let qemu = 0;
  for (let i = 0; i < 3; i++) {
    const a = await runMachine(lib, small);
    const b = await runMachine(lib, big);
    const insns = Number(b.instructions - a.instructions);
    el2dbg = Math.max(el2dbg, insns / (b.seconds - a.seconds) / 1e6);
    qemu = Math.max(qemu, insns / (timeQemu(big) - timeQemu(small)) / 1e6);
  }
  return { el2dbg, qemu };
}

/**
 * Successful TLB fills a second: the MMU on (a 1 GiB block over RAM, walks from level 0), stage 2 on (ritm), a
 * loop that touches 16 384 distinct pages and then invalidates the TLB, 40 times. `native` false measures the
 * TypeScript fill alone (the shim's native fill turned off), the reference it replaced.
 */
export async function benchTlbFills(lib: UnicornLibrary, native = true): Promise<number> {
  const PASSES = 40;
  const PAGES = 16384;
  const src = `
      adr x0, vectors
      msr vbar_el1, x0
      adr x0, l1
      orr x0, x0, #3
      adr x1, l0
      str x0, [x1]
      movz x0, #0x0401
      movk x0, #0x4000, lsl #16
      adr x2, l1
      str x0, [x2, #8]
      movz x0, #0x00ff
      msr mair_el1, x0
      movz x0, #0x3510
      movk x0, #0x0080, lsl #16
      movk x0, #0x2, lsl #32
      msr tcr_el1, x0
      msr ttbr0_el1, x1
      isb
      tlbi vmalle1
      dsb ish
      mrs x0, sctlr_el1
      orr x0, x0, #1
      msr sctlr_el1, x0
      isb
      mov x5, #${PASSES}
    pass:
      movz x1, #0x4100, lsl #16
      mov x2, #${PAGES}
    touch:
      ldr x3, [x1]
      add x1, x1, #4096
      subs x2, x2, #1
      b.ne touch
      tlbi vmalle1
      dsb ish
      isb
      subs x5, x5, #1
      b.ne pass
      movz x0, #0x0008
      movk x0, #0x8400, lsl #16
      hvc #0
      .balign 2048
    vectors:
      b .
      .balign 4096
    l0: .skip 4096
    l1: .skip 4096`;
  const image = parseImage(assemble(src), { name: 'fills', loadAddr: 0x4008_0000n, ram: RAM });
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const m = new Machine({ lib, image, ramSize: RAM.size, console: quiet });
    try {
      m.nativeFill.set(native);
      const t0 = performance.now();
      const halt = await m.run();
      if (halt.kind !== 'power-off') throw new Error(`fill guest ended with ${halt.kind}`);
      best = Math.max(best, (PASSES * PAGES) / ((performance.now() - t0) / 1000));
    } finally {
      await m.close();
    }
  }
  return best;
}

/** MIPS of a tight loop with 16 breakpoints and 4 watchpoints set (none of them hit) over the same without. */
export async function benchDebugOverhead(lib: UnicornLibrary): Promise<{ plain: number; armed: number }> {
  const ITER = 100_000_000n;
  const code = assemble(
    `ldr x0, =${ITER}\n1: add x1, x1, #1\n add x2, x2, #3\n subs x0, x0, #1\n b.ne 1b\n movz x0, #0x0008\n movk x0, #0x8400, lsl #16\n hvc #0\n .ltorg\n .rept 16\n nop\n .endr`,
  );
  const image = parseImage(code, { name: 'loop', loadAddr: 0x4008_0000n, ram: RAM });
  const once = async (armed: boolean) => {
    const m = new Machine({ lib, image, ramSize: RAM.size, console: quiet });
    try {
      if (armed) {
        for (let i = 0; i < 16; i++) m.addBreakpoint(0x4008_0000n + BigInt(code.length - 64 + 4 * i));
        m.setWatchpoints(
          [0, 1, 2, 3].map((i) => ({ addr: 0x5000_0000n + BigInt(i) * 0x10000n, length: 8, kind: 'write' as const })),
        );
      }
      const t0 = performance.now();
      await m.run();
      return Number(ITER * 4n) / ((performance.now() - t0) / 1000) / 1e6;
    } finally {
      await m.close();
    }
  };
  let plain = 0;
  let armedBest = 0;
  for (let i = 0; i < 3; i++) {
    plain = Math.max(plain, await once(false));
    armedBest = Math.max(armedBest, await once(true));
  }
  return { plain, armed: armedBest };
}
