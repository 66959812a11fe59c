// The one register table: gdb's register numbers are the indexes here, and the `g` layout, `p`/`P` and the
// target description XML are all generated from it, so they cannot drift apart.
import type { El2RegisterName } from '../../core/el2/el2-state.js';
import type { El1SysRegName } from '../../core/arch/sysregs.js';
import { UC_ARM64_REG } from '../../core/unicorn/constants.js';
import { xRegisterId } from '../../core/unicorn/registers.js';

/** The target-description features, in the order gdb numbers their registers. */
export const REGISTER_FEATURES = [
  { name: 'org.gnu.gdb.aarch64.core', file: 'aarch64-core.xml' },
  { name: 'org.gnu.gdb.aarch64.fpu', file: 'aarch64-fpu.xml' },
  { name: 'org.el2dbg.el2', file: 'el2dbg-el2.xml' },
] as const;

export type RegisterFeatureName = (typeof REGISTER_FEATURES)[number]['name'];

/** Where a register's value lives in the machine. */
export type RegisterSource =
  /** A unicorn register read and written as a 64-bit integer (read in one batch for `g`). */
  | { kind: 'unicorn'; id: number }
  /** A 128-bit SIMD&FP register. */
  | { kind: 'vector'; id: number }
  /** An EL1 system register without its own unicorn id, through its MRS/MSR encoding. */
  | { kind: 'sysreg'; name: El1SysRegName }
  /** A register of the EL2 model (TypeScript state, not unicorn). */
  | { kind: 'el2'; name: El2RegisterName }
  /** SP_EL0 or SP_EL1: the live SP when PSTATE selects that stack, else the banked copy. */
  | { kind: 'banked-sp'; el: 0 | 1 }
  /** CurrentEL, derived from PSTATE (unicorn aborts when CurrentEL itself is read). */
  | { kind: 'current-el' };

export interface RegisterDef {
  readonly name: string;
  readonly bitsize: 32 | 64 | 128;
  /** gdb's type name; gdb's default (a signed integer) when absent. */
  readonly type?: string;
  /**
   * The register group: gdb adds the register to that group (`info registers GROUP`); lldb makes each group a register
   * set (`register read --set N`) and puts registers without one in its `general` set, which `register read` shows.
   */
  readonly group?: string;
  readonly feature: RegisterFeatureName;
  readonly source: RegisterSource;
  /** Writing it changes how addresses translate: unicorn's TLB must be flushed. */
  readonly affectsTranslation?: boolean;
}

/** The gdb register group of the EL2 feature: `info registers el2`. */
export const EL2_REGISTER_GROUP = 'el2';

/**
 * The group of the FP/SIMD feature. lldb's `register read` lists its `general` set, which without a group would hold
 * v0-v31 too; gdb still shows fpsr/fpcr in `info registers` and v0-v31 under `vector` (by type), and now lists the
 * whole feature under `info registers float`.
 */
export const FPU_REGISTER_GROUP = 'float';

const CORE = 'org.gnu.gdb.aarch64.core';
const FPU = 'org.gnu.gdb.aarch64.fpu';
const EL2 = 'org.el2dbg.el2';

const coreRegisters: RegisterDef[] = [
  ...Array.from({ length: 31 }, (_, n): RegisterDef => ({
    name: `x${n}`,
    bitsize: 64,
    feature: CORE,
    source: { kind: 'unicorn', id: xRegisterId(n) },
  })),
  { name: 'sp', bitsize: 64, type: 'data_ptr', feature: CORE, source: { kind: 'unicorn', id: UC_ARM64_REG.SP } },
  { name: 'pc', bitsize: 64, type: 'code_ptr', feature: CORE, source: { kind: 'unicorn', id: UC_ARM64_REG.PC } },
  {
    name: 'cpsr',
    bitsize: 32,
    type: 'cpsr_flags',
    feature: CORE,
    source: { kind: 'unicorn', id: UC_ARM64_REG.PSTATE },
    affectsTranslation: true,
  },
];

const fpuRegisters: RegisterDef[] = [
  ...Array.from({ length: 32 }, (_, n): RegisterDef => ({
    name: `v${n}`,
    bitsize: 128,
    type: 'aarch64v',
    group: FPU_REGISTER_GROUP,
    feature: FPU,
    source: { kind: 'vector', id: UC_ARM64_REG.Q0 + n },
  })),
  {
    name: 'fpsr',
    bitsize: 32,
    group: FPU_REGISTER_GROUP,
    feature: FPU,
    source: { kind: 'unicorn', id: UC_ARM64_REG.FPSR },
  },
  {
    name: 'fpcr',
    bitsize: 32,
    group: FPU_REGISTER_GROUP,
    feature: FPU,
    source: { kind: 'unicorn', id: UC_ARM64_REG.FPCR },
  },
];

/** Pointer-like system registers get gdb pointer types, so `p $ELR_EL2` shows the symbol. */
const EL2_TYPES: Partial<Record<string, string>> = {
  ELR_EL2: 'code_ptr',
  VBAR_EL2: 'code_ptr',
  ELR_EL1: 'code_ptr',
  VBAR_EL1: 'code_ptr',
  SP_EL0: 'data_ptr',
  SP_EL1: 'data_ptr',
};

function el2Register(name: string, source: RegisterSource, affectsTranslation = false): RegisterDef {
  return {
    name,
    bitsize: 64,
    type: EL2_TYPES[name] ?? 'uint64',
    group: EL2_REGISTER_GROUP,
    feature: EL2,
    source,
    ...(affectsTranslation ? { affectsTranslation } : {}),
  };
}

const EL2_ORDER = [
  'ESR_EL2',
  'FAR_EL2',
  'HPFAR_EL2',
  'ELR_EL2',
  'SPSR_EL2',
  'HCR_EL2',
  'VTCR_EL2',
  'VTTBR_EL2',
  'VBAR_EL2',
] as const satisfies readonly El2RegisterName[];

type Assert<T extends true> = T;
/** A compile error when the EL2 model gains a register this table does not show to gdb. */
export type EveryEl2RegisterListed = Assert<
  [Exclude<El2RegisterName, (typeof EL2_ORDER)[number]>] extends [never] ? true : false
>;

const el2Registers: RegisterDef[] = [
  // El2State.write flushes the TLB itself when HCR_EL2.VM, VTCR_EL2 or VTTBR_EL2 change.
  ...EL2_ORDER.map((name) => el2Register(name, { kind: 'el2', name })),
  el2Register('SCTLR_EL1', { kind: 'sysreg', name: 'SCTLR_EL1' }, true),
  el2Register('TCR_EL1', { kind: 'sysreg', name: 'TCR_EL1' }, true),
  el2Register('TTBR0_EL1', { kind: 'unicorn', id: UC_ARM64_REG.TTBR0_EL1 }, true),
  el2Register('TTBR1_EL1', { kind: 'unicorn', id: UC_ARM64_REG.TTBR1_EL1 }, true),
  el2Register('MAIR_EL1', { kind: 'unicorn', id: UC_ARM64_REG.MAIR_EL1 }, true),
  el2Register('VBAR_EL1', { kind: 'unicorn', id: UC_ARM64_REG.VBAR_EL1 }),
  el2Register('ESR_EL1', { kind: 'unicorn', id: UC_ARM64_REG.ESR_EL1 }),
  el2Register('FAR_EL1', { kind: 'unicorn', id: UC_ARM64_REG.FAR_EL1 }),
  el2Register('ELR_EL1', { kind: 'unicorn', id: UC_ARM64_REG.ELR_EL1 }),
  el2Register('SPSR_EL1', { kind: 'sysreg', name: 'SPSR_EL1' }),
  el2Register('SP_EL0', { kind: 'banked-sp', el: 0 }),
  el2Register('SP_EL1', { kind: 'banked-sp', el: 1 }),
  el2Register('CurrentEL', { kind: 'current-el' }, true),
];

/**
 * Every register gdb sees, indexed by gdb register number: x0-x30 0-30, sp 31, pc 32, cpsr 33, v0-v31 34-65, fpsr 66,
 * fpcr 67, then the EL2 feature.
 */
export const REGISTERS: readonly RegisterDef[] = Object.freeze([...coreRegisters, ...fpuRegisters, ...el2Registers]);

/** gdb register numbers gdb needs after every stop, sent with the stop reply: x29 (fp), x30 (lr), sp, pc, cpsr. */
export const EXPEDITED_REGISTERS: readonly number[] = ['x29', 'x30', 'sp', 'pc', 'cpsr'].map((name) =>
  REGISTERS.findIndex((r) => r.name === name),
);
