// What the generated guest programs and the code that reads their results agree on: symbol names,
// link addresses and the layout of one result record.

/** QEMU puts a ~1 MiB DTB at 0x40000000, so the QEMU harness is linked above it. */
export const QEMU_LINK_BASE = 0x4020_0000n;
/** el2dbg's conventional guest load address. */
export const EL2DBG_LINK_BASE = 0x4008_0000n;

/** Entry of the EL1 program (and of the el2dbg image); the QEMU image enters at EL2 `_start`. */
export const EL1_START = 'el1_start';
export const EL2_START = '_start';
/** Index (u32) of the corpus entry running now; the exception handlers file their records under it. */
export const CURRENT_INDEX = 'cur_idx';
export const RESULTS = 'results';
/** Label of corpus entry `index`'s instruction. */
export const insnLabel = (index: number): string => `insn_${index}`;

/** One result record per corpus entry; u32 counters, u64 registers. */
export const RECORD_STRIDE_SHIFT = 7;
export const RECORD_STRIDE = 1 << RECORD_STRIDE_SHIFT;
export const RECORD = {
  /** Lower-EL synchronous exceptions taken to EL2 (QEMU harness only). */
  el2Count: 0,
  /** Set once the code after the instruction ran. */
  completed: 4,
  esrEl2: 8,
  farEl2: 16,
  hpfarEl2: 24,
  elrEl2: 32,
  /** Synchronous exceptions taken to EL1 (on el2dbg: the injected aborts). */
  el1Count: 40,
  esrEl1: 48,
  farEl1: 56,
  elrEl1: 64,
} as const;

/** PSCI SYSTEM_OFF (Arm DEN 0022). */
export const PSCI_SYSTEM_OFF = 0x8400_0008n;
export const PL011_BASE = 0x0900_0000n;
