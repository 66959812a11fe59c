// GNU assembly of the bare-metal EL2 part of the QEMU harness: QEMU starts it at EL2; it turns on
// stage 2 (identity map of the first 4 GiB except the trapped page, an invalid level-3 entry so the
// fault is DFSC 0x07), enters the EL1 program, files ESR/FAR/HPFAR/ELR_EL2 of every lower-EL
// synchronous exception under the running entry and resumes after the instruction. When EL1 calls
// HVC it prints one line per record on the PL011 and powers off with PSCI SYSTEM_OFF by SMC.
//
// Output lines (hex fields):
//   R idx esr far hpfar elr count   stage-2 (or other lower-EL) exception(s) taken to EL2, first one's registers
//   E idx esr far elr count         exception(s) taken to EL1 (not expected on QEMU)
//   N idx                           the instruction completed without any exception
//   X idx                           the code after the instruction never ran
//   U esr elr                       an exception EL2 does not expect; the harness stops
//   END count
import { PAGE_SIZE, TRAPPED_IPA } from '../corpus.js';
import {
  CURRENT_INDEX,
  EL1_START,
  EL2_START,
  PL011_BASE,
  PSCI_SYSTEM_OFF,
  RECORD,
  RECORD_STRIDE_SHIFT,
  RESULTS,
} from './harness-layout.js';
import { movImmediate } from './el1-runner-source.js';

// Stage-2 descriptors as RITM maps them (el2-model.md): device 0x4C1, normal 0x7FD; bit 1 set for pages.
const S2_DEVICE = 0x4c1n;
const S2_NORMAL = 0x7fdn;
const PAGE_BIT = 0b10n;
const TABLE = 0b11n;
const RAM_BASE = 0x4000_0000n;
const GiB = 1n << 30n;

// VTCR_EL2: T0SZ = 24 (40-bit IPA), SL0 = 2 (start at level 0), IRGN0/ORGN0 WBWA, SH0 inner, TG0 4K,
// PS = 48 bits (QEMU 7.2 faults every level-0-start access with PS = 40/42; syndromes are unchanged), RES1 bit 31.
const VTCR_EL2 = 24n | (2n << 6n) | (1n << 8n) | (1n << 10n) | (3n << 12n) | (5n << 16n) | (1n << 31n);
/** HCR_EL2: VM | RW. */
const HCR_EL2 = 1n | (1n << 31n);
/** CPTR_EL2 with its RES1 bits and TFP = 0: FP/SIMD does not trap. */
const CPTR_EL2 = 0x33ffn;
/** SPSR_EL2 for the first ERET: EL1h, DAIF masked. */
const SPSR_EL1H = 0x3c5n;
const EC_HVC64 = 0x16;

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const ascii = (c: string): number => c.charCodeAt(0);
const addressOf = (reg: number, symbol: string): string[] => [
  `adrp x${reg}, ${symbol}`,
  `add x${reg}, x${reg}, :lo12:${symbol}`,
];

/** Identity map of [0, 4 GiB): RAM normal, the rest device, TRAPPED_IPA an invalid level-3 entry. */
function stage2Tables(): string[] {
  if (TRAPPED_IPA >= GiB) throw new Error('the trapped IPA must lie in the first GiB');
  const l2Index = Number(TRAPPED_IPA >> 21n);
  const l3Index = Number((TRAPPED_IPA >> 12n) & 511n);
  const l2Base = TRAPPED_IPA & ~((1n << 21n) - 1n);
  const l1 = Array.from({ length: 512 }, (_, i) => {
    const base = BigInt(i) * GiB;
    if (i === 0) return `s2_l2 + ${TABLE}`;
    if (i > 3) return '0';
    return hex(base | (base === RAM_BASE ? S2_NORMAL : S2_DEVICE));
  });
  const l2 = Array.from({ length: 512 }, (_, i) =>
    i === l2Index ? `s2_l3 + ${TABLE}` : hex((BigInt(i) << 21n) | S2_DEVICE),
  );
  const l3 = Array.from({ length: 512 }, (_, i) =>
    i === l3Index ? '0' : hex((l2Base + BigInt(i) * PAGE_SIZE) | S2_DEVICE | PAGE_BIT),
  );
  return [
    '.balign 4096',
    's2_l0:',
    `.quad s2_l1 + ${TABLE}`,
    '.fill 511, 8, 0',
    's2_l1:',
    ...l1.map((d) => `.quad ${d}`),
    's2_l2:',
    ...l2.map((d) => `.quad ${d}`),
    's2_l3:',
    ...l3.map((d) => `.quad ${d}`),
  ];
}

const BOOT = [
  '.section .text.boot, "ax"',
  `.global ${EL2_START}`,
  `${EL2_START}:`,
  ...addressOf(0, 'el2_stack_top'),
  'mov sp, x0',
  ...addressOf(0, 'el2_vectors'),
  'msr vbar_el2, x0',
  ...addressOf(0, 's2_l0'),
  'msr vttbr_el2, x0',
  ...movImmediate(0, VTCR_EL2),
  'msr vtcr_el2, x0',
  ...movImmediate(0, CPTR_EL2),
  'msr cptr_el2, x0',
  'msr hstr_el2, xzr',
  ...movImmediate(0, HCR_EL2),
  'msr hcr_el2, x0',
  'isb',
  'tlbi vmalls12e1',
  'dsb nsh',
  'isb',
  ...movImmediate(0, SPSR_EL1H),
  'msr spsr_el2, x0',
  ...addressOf(0, EL1_START),
  'msr elr_el2, x0',
  'eret',
];

const VECTORS = [
  '.text',
  '.balign 2048',
  'el2_vectors:',
  // Offset 0x400 (slot 8): synchronous exception from a lower EL using AArch64.
  ...Array.from({ length: 16 }, (_, slot) => [
    '.balign 128',
    slot === 8 ? 'b el2_sync_lower' : 'b el2_unexpected',
  ]).flat(),
  'el2_sync_lower:',
  'stp x0, x1, [sp, #-32]!',
  'stp x2, x3, [sp, #16]',
  'mrs x0, esr_el2',
  'lsr x1, x0, #26',
  `cmp x1, #${hex(BigInt(EC_HVC64))}`,
  'b.eq el2_report',
  ...addressOf(1, CURRENT_INDEX),
  'ldr w1, [x1]',
  ...addressOf(2, RESULTS),
  `add x2, x2, x1, lsl #${RECORD_STRIDE_SHIFT}`,
  `ldr w3, [x2, #${RECORD.el2Count}]`,
  'add w3, w3, #1',
  `str w3, [x2, #${RECORD.el2Count}]`,
  'cmp w3, #1',
  'b.ne 1f',
  `str x0, [x2, #${RECORD.esrEl2}]`,
  'mrs x3, far_el2',
  `str x3, [x2, #${RECORD.farEl2}]`,
  'mrs x3, hpfar_el2',
  `str x3, [x2, #${RECORD.hpfarEl2}]`,
  'mrs x3, elr_el2',
  `str x3, [x2, #${RECORD.elrEl2}]`,
  '1:',
  'mrs x3, elr_el2',
  'add x3, x3, #4',
  'msr elr_el2, x3',
  'ldp x2, x3, [sp, #16]',
  'ldp x0, x1, [sp], #32',
  'eret',
  'el2_unexpected:',
  `mov w0, #${ascii('U')}`,
  'bl putc',
  'mrs x0, esr_el2',
  'bl put_space_hex',
  'mrs x0, elr_el2',
  'bl put_space_hex',
  'bl put_newline',
  'b power_off',
  'el2_report:',
  'bl print_results',
  'power_off:',
  ...movImmediate(0, PSCI_SYSTEM_OFF),
  'smc #0',
  '2: b 2b',
];

/** `letter idx` then the listed fields of the record at x22, each as ' ' + 16 hex digits. */
function printLine(letter: string, fields: readonly { offset: number; word?: boolean }[]): string[] {
  return [
    `mov w0, #${ascii(letter)}`,
    'bl putc',
    'mov x0, x19',
    'bl put_space_hex',
    ...fields.flatMap((f) => [
      f.word ? `ldr w0, [x22, #${f.offset}]` : `ldr x0, [x22, #${f.offset}]`,
      'bl put_space_hex',
    ]),
    'bl put_newline',
  ];
}

function printResults(entryCount: number): string[] {
  return [
    'print_results:',
    'stp x29, x30, [sp, #-48]!',
    'stp x19, x20, [sp, #16]',
    'stp x21, x22, [sp, #32]',
    'mov x19, #0',
    ...addressOf(20, RESULTS),
    ...movImmediate(21, BigInt(entryCount)),
    '10:',
    'cmp x19, x21',
    'b.hs 19f',
    `add x22, x20, x19, lsl #${RECORD_STRIDE_SHIFT}`,
    `ldr w0, [x22, #${RECORD.el2Count}]`,
    'cbz w0, 11f',
    ...printLine('R', [
      { offset: RECORD.esrEl2 },
      { offset: RECORD.farEl2 },
      { offset: RECORD.hpfarEl2 },
      { offset: RECORD.elrEl2 },
      { offset: RECORD.el2Count, word: true },
    ]),
    '11:',
    `ldr w0, [x22, #${RECORD.el1Count}]`,
    'cbz w0, 12f',
    ...printLine('E', [
      { offset: RECORD.esrEl1 },
      { offset: RECORD.farEl1 },
      { offset: RECORD.elrEl1 },
      { offset: RECORD.el1Count, word: true },
    ]),
    '12:',
    `ldr w0, [x22, #${RECORD.completed}]`,
    'cbnz w0, 13f',
    ...printLine('X', []),
    'b 14f',
    '13:',
    `ldr w0, [x22, #${RECORD.el2Count}]`,
    `ldr w1, [x22, #${RECORD.el1Count}]`,
    'orr w0, w0, w1',
    'cbnz w0, 14f',
    ...printLine('N', []),
    '14:',
    'add x19, x19, #1',
    'b 10b',
    '19:',
    ...[...'END'].flatMap((c) => [`mov w0, #${ascii(c)}`, 'bl putc']),
    'mov x0, x21',
    'bl put_space_hex',
    'bl put_newline',
    'ldp x21, x22, [sp, #32]',
    'ldp x19, x20, [sp, #16]',
    'ldp x29, x30, [sp], #48',
    'ret',
  ];
}

const SERIAL = [
  // putc: w0 = character; clobbers x1, x2.
  'putc:',
  ...movImmediate(1, PL011_BASE),
  '1: ldr w2, [x1, #0x18]', // UARTFR
  'tbnz w2, #5, 1b', // TXFF
  'str w0, [x1]',
  'ret',
  'put_newline:',
  `mov w0, #${ascii('\n')}`,
  'b putc',
  // put_space_hex: ' ' then x0 as 16 hex digits.
  'put_space_hex:',
  'stp x29, x30, [sp, #-32]!',
  'stp x19, x20, [sp, #16]',
  'mov x19, x0',
  `mov w0, #${ascii(' ')}`,
  'bl putc',
  'mov x20, #60',
  '1: lsr x0, x19, x20',
  'and x0, x0, #0xf',
  'cmp x0, #10',
  `add x1, x0, #${ascii('0')}`,
  `add x2, x0, #${ascii('a') - 10}`,
  'csel x0, x1, x2, lo',
  'bl putc',
  'subs x20, x20, #4',
  'b.ge 1b',
  'ldp x19, x20, [sp, #16]',
  'ldp x29, x30, [sp], #32',
  'ret',
];

/** The EL2 part of the QEMU harness for a corpus of `entryCount` entries (link with el1RunnerSource). */
export function el2HarnessSource(entryCount: number): string {
  const data = ['.data', '.balign 16', 'el2_stack: .zero 8192', 'el2_stack_top:', ...stage2Tables()];
  return [...BOOT, ...VECTORS, ...printResults(entryCount), ...SERIAL, ...data].join('\n') + '\n';
}
