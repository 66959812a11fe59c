// GNU assembly of the EL1 program both sides run: for each corpus entry it files the entry's index,
// sets x0..x30, executes the instruction and marks the entry completed. Its synchronous exception
// handler records ESR/FAR/ELR_EL1 and resumes after the faulting instruction, so on QEMU it catches
// anything that wrongly reaches EL1, and on el2dbg it receives the injected data aborts.
// At the end it calls PSCI SYSTEM_OFF by HVC (on QEMU the EL2 harness reports, then powers off).
import { MMU_VA_BASE, MMU_VA_PAGES, PAGE_SIZE, TRAPPED_IPA, type CorpusEntry } from '../corpus.js';
import {
  CURRENT_INDEX,
  EL1_START,
  insnLabel,
  PSCI_SYSTEM_OFF,
  RECORD,
  RECORD_STRIDE,
  RECORD_STRIDE_SHIFT,
  RESULTS,
} from './harness-layout.js';

/** SCTLR_EL1 with the MMU off: RITM's entry value (RES1 bits only). */
const SCTLR_EL1_MMU_OFF = 0x30d0_0800n;
const SCTLR_M = 1n << 0n;
const SCTLR_C = 1n << 2n;
const SCTLR_I = 1n << 12n;
/** Attr0 Normal write-back, Attr1 Device-nGnRnE. */
const MAIR_EL1 = 0x00ffn;
// TCR_EL1: T0SZ = 25 (39-bit VA, walk starts at level 1), IRGN0/ORGN0 WBWA, SH0 inner, TG0 4K,
// EPD1 (no TTBR1 walks), IPS 40 bits.
const TCR_EL1 = 25n | (1n << 8n) | (1n << 10n) | (3n << 12n) | (1n << 23n) | (2n << 32n);

// Stage-1 descriptors (4 KiB granule): AttrIndx [4:2], AP [7:6], SH [9:8], AF [10], PXN [53], UXN [54].
const S1_AF = 1n << 10n;
const S1_XN = (1n << 53n) | (1n << 54n);
const S1_NORMAL_BLOCK = 0b01n | (0n << 2n) | (3n << 8n) | S1_AF;
const S1_DEVICE_BLOCK = 0b01n | (1n << 2n) | S1_AF | S1_XN;
/** EL0 and EL1 read/write (AP = 01), so LDTR/STTR reach stage 2 too. */
const S1_DATA_PAGE = 0b11n | (0n << 2n) | (1n << 6n) | (3n << 8n) | S1_AF | S1_XN;
const TABLE = 0b11n;

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** movz/movk lines that put the 64-bit `value` in X`reg`. */
export function movImmediate(reg: number, value: bigint): string[] {
  const v = BigInt.asUintN(64, value);
  const half = (i: number): bigint => (v >> BigInt(16 * i)) & 0xffffn;
  const lines = [`movz x${reg}, #${hex(half(0))}`];
  for (let i = 1; i < 4; i++) if (half(i) !== 0n) lines.push(`movk x${reg}, #${hex(half(i))}, lsl #${16 * i}`);
  return lines;
}

function addressOf(reg: number, symbol: string): string[] {
  return [`adrp x${reg}, ${symbol}`, `add x${reg}, x${reg}, :lo12:${symbol}`];
}

const MMU_ON = [
  'tlbi vmalle1',
  'dsb nsh',
  'isb',
  'mrs x0, sctlr_el1',
  `orr x0, x0, #${hex(SCTLR_M)}`,
  `orr x0, x0, #${hex(SCTLR_C)}`,
  `orr x0, x0, #${hex(SCTLR_I)}`,
  'msr sctlr_el1, x0',
  'isb',
];
const MMU_OFF = [
  'mrs x0, sctlr_el1',
  `bic x0, x0, #${hex(SCTLR_M)}`,
  `bic x0, x0, #${hex(SCTLR_C)}`,
  `bic x0, x0, #${hex(SCTLR_I)}`,
  'msr sctlr_el1, x0',
  'isb',
  'tlbi vmalle1',
  'dsb nsh',
  'isb',
];

function entryCode(e: CorpusEntry, index: number, mmuBefore: boolean): string[] {
  const record = `${RESULTS} + ${index * RECORD_STRIDE}`;
  const values = new Map(e.setup.map((s) => [s.reg, s.value]));
  const registers = Array.from({ length: 31 }, (_, n) => movImmediate(n, values.get(n) ?? 0n)).flat();
  const mmu = e.mmu === true;
  return [
    `// entry ${index}: ${e.asm.replaceAll('\n', ' ; ')}`,
    ...addressOf(0, CURRENT_INDEX),
    `movz w1, #${index}`,
    'str w1, [x0]',
    ...(mmu === mmuBefore ? [] : mmu ? MMU_ON : MMU_OFF),
    ...registers,
    `${insnLabel(index)}:`,
    e.asm,
    ...addressOf(0, record),
    'movz w1, #1',
    `str w1, [x0, #${RECORD.completed}]`,
  ];
}

function runnerText(corpus: readonly CorpusEntry[]): string[] {
  const lines: string[] = [];
  let mmu = false;
  corpus.forEach((e, i) => {
    lines.push(...entryCode(e, i, mmu));
    mmu = e.mmu === true;
  });
  if (mmu) lines.push(...MMU_OFF);
  return lines;
}

const EXCEPTION_HANDLER = [
  '.balign 2048',
  'el1_vectors:',
  ...Array.from({ length: 16 }, () => ['.balign 128', 'b el1_sync']).flat(),
  'el1_sync:',
  'stp x0, x1, [sp, #-32]!',
  'stp x2, x3, [sp, #16]',
  ...addressOf(1, CURRENT_INDEX),
  'ldr w1, [x1]',
  ...addressOf(2, RESULTS),
  `add x2, x2, x1, lsl #${RECORD_STRIDE_SHIFT}`,
  `ldr w3, [x2, #${RECORD.el1Count}]`,
  'add w3, w3, #1',
  `str w3, [x2, #${RECORD.el1Count}]`,
  'cmp w3, #1',
  'b.ne 1f',
  `mrs x0, esr_el1`,
  `str x0, [x2, #${RECORD.esrEl1}]`,
  `mrs x0, far_el1`,
  `str x0, [x2, #${RECORD.farEl1}]`,
  `mrs x0, elr_el1`,
  `str x0, [x2, #${RECORD.elrEl1}]`,
  '1:',
  'mrs x0, elr_el1',
  'add x0, x0, #4',
  'msr elr_el1, x0',
  'ldp x2, x3, [sp, #16]',
  'ldp x0, x1, [sp], #32',
  'eret',
];

/** Static stage-1 tables: identity for devices and RAM, MMU_VA_PAGES at VA 0x1_0000_0000. */
function stage1Tables(): string[] {
  const l1Index = Number(MMU_VA_BASE >> 30n);
  const l3Entries = new Map<number, string>();
  for (const page of MMU_VA_PAGES) {
    if (page.va >> 21n !== MMU_VA_BASE >> 21n) throw new Error(`MMU VA page ${hex(page.va)} outside the first 2 MiB`);
    const target = page.target === 'trapped' ? hex(TRAPPED_IPA) : 'scratch_page';
    l3Entries.set(Number((page.va >> 12n) & 511n), `${target} + ${hex(S1_DATA_PAGE)}`);
  }
  const l1 = Array.from({ length: 512 }, (_, i) =>
    i === 0
      ? hex(S1_DEVICE_BLOCK)
      : i === 1
        ? hex(0x4000_0000n | S1_NORMAL_BLOCK)
        : i === l1Index
          ? `s1_l2 + ${TABLE}`
          : '0',
  );
  const l2 = Array.from({ length: 512 }, (_, i) => (i === 0 ? `s1_l3 + ${TABLE}` : '0'));
  const l3 = Array.from({ length: 512 }, (_, i) => l3Entries.get(i) ?? '0');
  return [
    '.balign 4096',
    's1_l1:',
    ...l1.map((d) => `.quad ${d}`),
    's1_l2:',
    ...l2.map((d) => `.quad ${d}`),
    's1_l3:',
    ...l3.map((d) => `.quad ${d}`),
    'scratch_page:',
    `.zero ${PAGE_SIZE}`,
  ];
}

/** The EL1 program for `corpus`: text from `el1_start`, results, stage-1 tables and stack. */
export function el1RunnerSource(corpus: readonly CorpusEntry[]): string {
  const text = [
    '.text',
    '.balign 4',
    `.global ${EL1_START}`,
    `${EL1_START}:`,
    ...addressOf(0, 'el1_stack_top'),
    'mov sp, x0',
    ...addressOf(0, 'el1_vectors'),
    'msr vbar_el1, x0',
    'mov x0, #(3 << 20)',
    'msr cpacr_el1, x0', // FP/SIMD at EL1
    ...movImmediate(0, SCTLR_EL1_MMU_OFF),
    'msr sctlr_el1, x0',
    ...movImmediate(0, MAIR_EL1),
    'msr mair_el1, x0',
    ...movImmediate(0, TCR_EL1),
    'msr tcr_el1, x0',
    ...addressOf(0, 's1_l1'),
    'msr ttbr0_el1, x0',
    'isb',
    ...runnerText(corpus),
    ...movImmediate(0, PSCI_SYSTEM_OFF),
    'hvc #0',
    '1: b 1b',
    ...EXCEPTION_HANDLER,
  ];
  const data = [
    '.data',
    '.balign 16',
    `${CURRENT_INDEX}: .word 0`,
    '.balign 16',
    `${RESULTS}: .zero ${corpus.length * RECORD_STRIDE}`,
    '.balign 16',
    'el1_stack: .zero 4096',
    'el1_stack_top:',
    ...stage1Tables(),
  ];
  return [...text, ...data].join('\n') + '\n';
}
