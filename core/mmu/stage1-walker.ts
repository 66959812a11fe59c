// The stage-1 translation table walk of the EL1&0 regime, VMSAv8-64, 4 KiB granule: ARM DDI
// 0487 D8. It is pure: descriptors are read through readTableEntry, the seam where stage 2
// will translate each table address (a stage-2 fault there is a fault on the walk, S1PTW = 1).
// Not modelled: hardware Access flag and dirty state updates (TCR_EL1.HA/HD are ignored, so
// AF = 0 always faults), PAN, the Contiguous bit, FEAT_LPA/LPA2/LVA/TTST, 16K/64K granules.
import { bits } from '../arch/bits.js';
import {
  accumulateTableAttributes,
  decodeStage1Descriptor,
  levelShift,
  NO_TABLE_RESTRICTIONS,
  type Stage1Descriptor,
  type TableAttributes,
  type TranslationLevel,
} from './stage1-descriptor.js';
import {
  addressSizeFault,
  faultStatusCode,
  translationFault,
  type Stage1Fault,
  type WalkStep,
} from './stage1-fault.js';
import { computeStage1Permissions, isAccessAllowed, type Stage1Permissions } from './stage1-permissions.js';
import { addressTop, PA_SIZE_BITS, selectStage1Range, type Stage1Access, type Stage1Range } from './stage1-range.js';

export type { Stage1Access } from './stage1-range.js';
export type { TranslationLevel } from './stage1-descriptor.js';
export type { AccessRights, Stage1Permissions } from './stage1-permissions.js';
export type { AddressSizeFaultReason, Stage1Fault, TranslationFaultReason, WalkStep } from './stage1-fault.js';

export const SCTLR_EL1_M = 1n << 0n;
export const SCTLR_EL1_WXN = 1n << 19n;

const PAGE_SIZE = 0x1000n;
const DESCRIPTOR_BYTES = 8n;

export type Stage1Registers = Readonly<{
  sctlrEl1: bigint;
  tcrEl1: bigint;
  ttbr0El1: bigint;
  ttbr1El1: bigint;
}>;

/** The result of reading one descriptor; F is the stage-2 fault type, passed through as is. */
export type TableRead<F = unknown> = { kind: 'ok'; value: bigint } | { kind: 'fault'; fault: F };

export type Stage1WalkRequest<F = unknown> = Readonly<{
  va: bigint;
  access: Stage1Access;
  el: 0 | 1;
  regs: Stage1Registers;
  /** Reads the 64-bit descriptor at an IPA, for the walk's lookup at `level`. */
  readTableEntry: (ipa: bigint, level: TranslationLevel) => TableRead<F>;
}>;

type TranslationCommon = {
  kind: 'ok';
  /** The output address of va itself. */
  ipa: bigint;
  /** The 4 KiB page that holds ipa (ipa with bits [11:0] cleared). */
  pageIpa: bigint;
  /** The size of the block or page that maps va; 4 KiB when stage 1 is off. */
  blockSize: bigint;
  /** All permissions of the mapping, so a TLB can check later accesses without a walk. */
  perms: Stage1Permissions;
  walk: readonly WalkStep[];
};

/** A successful translation: the requested access is allowed. */
export type Stage1Translation =
  /** SCTLR_EL1.M = 0: flat mapping, everything allowed, no descriptor. */
  | (TranslationCommon & { stage1: 'disabled' })
  | (TranslationCommon & {
      stage1: 'enabled';
      level: 1 | 2 | 3;
      attrIndx: number;
      /** The block or page descriptor. */
      descriptor: bigint;
    });

export type Stage1WalkResult<F = unknown> = Stage1Translation | Stage1Fault<F>;

type Leaf = Extract<Stage1Descriptor, { kind: 'leaf' }>;

const ALL_ACCESS: Stage1Permissions = {
  el1: { read: true, write: true, exec: true },
  el0: { read: true, write: true, exec: true },
};

/** Translates va through the EL1&0 stage-1 tables and checks the requested access. */
export function walkStage1<F>(request: Stage1WalkRequest<F>): Stage1WalkResult<F> {
  const { va, access, regs } = request;
  if ((regs.sctlrEl1 & SCTLR_EL1_M) === 0n) return translateWithStage1Disabled(va, access, regs.tcrEl1);
  const selection = selectStage1Range(va, access, regs.tcrEl1, regs.ttbr0El1, regs.ttbr1El1);
  switch (selection.kind) {
    case 'ok':
      return walkTables(request, selection.range);
    case 'translation-fault':
      return translationFault(0, selection.reason, []);
    case 'address-size-fault':
      return addressSizeFault(0, selection.reason, []);
    default: {
      const unreachable: never = selection;
      return unreachable;
    }
  }
}

/** SCTLR_EL1.M = 0: the VA is the output address (AArch64.S1DisabledOutput). */
function translateWithStage1Disabled(
  va: bigint,
  access: Stage1Access,
  tcr: bigint,
): Stage1Translation | Stage1Fault<never> {
  // TCR_EL1.TBIn still applies: it is address tagging, not translation.
  const top = addressTop(va, access, tcr);
  if (bits(va, top, PA_SIZE_BITS) !== 0n) return addressSizeFault(0, 'va-above-pa-size', []);
  const ipa = bits(va, PA_SIZE_BITS - 1, 0);
  return {
    kind: 'ok',
    stage1: 'disabled',
    ipa,
    pageIpa: ipa & ~(PAGE_SIZE - 1n),
    blockSize: PAGE_SIZE,
    perms: ALL_ACCESS,
    walk: [],
  };
}

function walkTables<F>(request: Stage1WalkRequest<F>, range: Stage1Range): Stage1WalkResult<F> {
  const walk: WalkStep[] = [];
  let level: TranslationLevel = range.startLevel;
  let tableAddr = range.tableBase;
  let inherited: TableAttributes = NO_TABLE_RESTRICTIONS;
  for (;;) {
    const index = tableIndex(request.va, level, range.inputSize);
    const entryIpa = tableAddr + BigInt(index) * DESCRIPTOR_BYTES;
    const read = request.readTableEntry(entryIpa, level);
    if (read.kind === 'fault') {
      return { kind: 'fault', type: 'stage2-on-walk', level, ipa: entryIpa, stage2: read.fault, walk };
    }
    walk.push({ level, tableAddr, index, descriptor: read.value });
    const decoded = decodeStage1Descriptor(read.value, level);
    switch (decoded.kind) {
      case 'invalid':
        return translationFault(level, 'invalid-descriptor', walk);
      case 'reserved':
        return translationFault(level, 'reserved-descriptor', walk);
      case 'leaf':
        return checkLeaf(request, range, { leaf: decoded, descriptor: read.value, inherited }, walk);
      case 'table':
        // The fault is reported at the level of the descriptor that holds the bad address.
        if (isAboveOutputSize(decoded.nextTableAddr, range)) {
          return addressSizeFault(level, 'table-address-above-output-size', walk);
        }
        if (range.hierarchicalPermissions) {
          inherited = accumulateTableAttributes(inherited, decoded.attributes);
        }
        level = decoded.nextLevel;
        tableAddr = decoded.nextTableAddr;
        continue;
      default: {
        const unreachable: never = decoded;
        return unreachable;
      }
    }
  }
}

/** Returns the index into the level's table: VA[shift+8:shift], cut at the range's top bit. */
function tableIndex(va: bigint, level: TranslationLevel, inputSize: number): number {
  const shift = levelShift(level);
  return Number(bits(va, Math.min(shift + 8, inputSize - 1), shift));
}

function isAboveOutputSize(address: bigint, range: Stage1Range): boolean {
  return address >> BigInt(range.outputSize) !== 0n;
}

/** Applies the checks after a leaf is found, in the Arm ARM's priority order. */
function checkLeaf(
  request: Stage1WalkRequest<unknown>,
  range: Stage1Range,
  found: { leaf: Leaf; descriptor: bigint; inherited: TableAttributes },
  walk: readonly WalkStep[],
): Stage1Translation | Stage1Fault<never> {
  const { leaf, descriptor, inherited } = found;
  const { level, attributes } = leaf;
  if (isAboveOutputSize(leaf.outputAddr, range)) {
    return addressSizeFault(level, 'output-address-above-output-size', walk);
  }
  if (!attributes.accessFlag) {
    return { kind: 'fault', type: 'access-flag', level, fsc: faultStatusCode('access-flag', level), walk };
  }
  const wxn = (request.regs.sctlrEl1 & SCTLR_EL1_WXN) !== 0n;
  const perms = computeStage1Permissions(attributes, inherited, wxn);
  if (!isAccessAllowed(perms, request.el, request.access)) {
    const fsc = faultStatusCode('permission', level);
    return { kind: 'fault', type: 'permission', level, fsc, perms, walk };
  }
  const ipa = leaf.outputAddr | (request.va & (leaf.blockSize - 1n));
  return {
    kind: 'ok',
    stage1: 'enabled',
    ipa,
    pageIpa: ipa & ~(PAGE_SIZE - 1n),
    blockSize: leaf.blockSize,
    perms,
    walk,
    level,
    attrIndx: attributes.attrIndx,
    descriptor,
  };
}
