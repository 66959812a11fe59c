// VMSAv8-64 stage-1 descriptors for the 4 KiB granule and a 48-bit output address, without
// FEAT_LPA2. ARM DDI 0487 chapter D8, translation table descriptor formats.
import { bits, type BitField } from '../arch/bits.js';

export type TranslationLevel = 0 | 1 | 2 | 3;

/** bits[1:0]: 0bx0 invalid, 0b01 block, 0b11 table (levels 0-2) or page (level 3). */
export const DESC_VALID = 1n << 0n;
export const DESC_TABLE_OR_PAGE = 1n << 1n;
export const DESC_ATTRINDX: BitField = [4, 2];
/** AP[2:1]; AP[0] does not exist in VMSAv8-64. */
export const DESC_AP: BitField = [7, 6];
export const DESC_AF = 1n << 10n;
export const DESC_OUTPUT_ADDRESS: BitField = [47, 12];
export const DESC_PXN = 1n << 53n;
export const DESC_UXN = 1n << 54n;
export const DESC_PXNTABLE = 1n << 59n;
export const DESC_UXNTABLE = 1n << 60n;
export const DESC_APTABLE: BitField = [62, 61];

const GRANULE_SHIFT = 12;
const BITS_PER_LEVEL = 9;
const NEXT_LEVEL = { 0: 1, 1: 2, 2: 3 } as const;

/** The hierarchical controls of a table descriptor; all-zero means "no effect". */
export type TableAttributes = Readonly<{ apTable: number; pxnTable: boolean; uxnTable: boolean }>;

/** The controls of a block or page descriptor that the walker acts on. */
export type LeafAttributes = Readonly<{
  /** AP[2:1] as a 2-bit number. */
  ap: number;
  pxn: boolean;
  uxn: boolean;
  accessFlag: boolean;
  attrIndx: number;
}>;

export type Stage1Descriptor =
  | { kind: 'invalid' }
  /** A block where the 4 KiB granule allows none: level 0, or 0b01 at level 3. */
  | { kind: 'reserved' }
  | { kind: 'table'; nextLevel: 1 | 2 | 3; nextTableAddr: bigint; attributes: TableAttributes }
  | {
      kind: 'leaf';
      level: 1 | 2 | 3;
      outputAddr: bigint;
      blockSize: bigint;
      attributes: LeafAttributes;
    };

/** Returns the lowest VA bit the index at `level` covers: 39, 30, 21 or 12. */
export function levelShift(level: TranslationLevel): number {
  return GRANULE_SHIFT + BITS_PER_LEVEL * (3 - level);
}

/** Returns the bytes a block (level 1, 2) or page (level 3) descriptor maps. */
export function blockSizeAt(level: TranslationLevel): bigint {
  return 1n << BigInt(levelShift(level));
}

/** Decodes a stage-1 descriptor read at `level`. */
export function decodeStage1Descriptor(descriptor: bigint, level: TranslationLevel): Stage1Descriptor {
  if ((descriptor & DESC_VALID) === 0n) return { kind: 'invalid' };
  const tableOrPage = (descriptor & DESC_TABLE_OR_PAGE) !== 0n;
  if (level === 3) return tableOrPage ? decodeLeaf(descriptor, level) : { kind: 'reserved' };
  if (tableOrPage) {
    return {
      kind: 'table',
      nextLevel: NEXT_LEVEL[level],
      nextTableAddr: bits(descriptor, ...DESC_OUTPUT_ADDRESS) << BigInt(GRANULE_SHIFT),
      attributes: {
        apTable: Number(bits(descriptor, ...DESC_APTABLE)),
        pxnTable: (descriptor & DESC_PXNTABLE) !== 0n,
        uxnTable: (descriptor & DESC_UXNTABLE) !== 0n,
      },
    };
  }
  // Only levels 1 and 2 hold blocks with this granule; a level-0 block needs FEAT_LPA2.
  return level === 0 ? { kind: 'reserved' } : decodeLeaf(descriptor, level);
}

function decodeLeaf(descriptor: bigint, level: 1 | 2 | 3): Stage1Descriptor {
  const shift = levelShift(level);
  // Address bits below the block size are RES0 in a block descriptor; they are not used.
  const outputAddr = bits(descriptor, DESC_OUTPUT_ADDRESS[0], shift) << BigInt(shift);
  return {
    kind: 'leaf',
    level,
    outputAddr,
    blockSize: blockSizeAt(level),
    attributes: {
      ap: Number(bits(descriptor, ...DESC_AP)),
      pxn: (descriptor & DESC_PXN) !== 0n,
      uxn: (descriptor & DESC_UXN) !== 0n,
      accessFlag: (descriptor & DESC_AF) !== 0n,
      attrIndx: Number(bits(descriptor, ...DESC_ATTRINDX)),
    },
  };
}

/** Combines the table attributes seen so far on a walk with those of the next table descriptor. */
export function accumulateTableAttributes(a: TableAttributes, b: TableAttributes): TableAttributes {
  // Each control only ever removes access, so the restrictions of every level apply together.
  return {
    apTable: a.apTable | b.apTable,
    pxnTable: a.pxnTable || b.pxnTable,
    uxnTable: a.uxnTable || b.uxnTable,
  };
}

/** The table attributes of a walk that has seen no table descriptor yet. */
export const NO_TABLE_RESTRICTIONS: TableAttributes = { apTable: 0, pxnTable: false, uxnTable: false };
