// What the distributor (GICD_*) and the redistributor's SGI_base frame (GICR_*0) have in common: the same offsets for
// the one-bit-per-INTID banks, the two-bits-per-INTID GIC*_ICFGR layout, and the CoreSight ID block at 0xffd0 that
// QEMU 7.2 fills from gicv3_idreg() and gicv3_iidr() (hw/intc/gicv3_internal.h).
import type { GicBitmapName, GicInterruptState } from './gicv3-interrupts.js';

/** A frame's view of the GIC: the shared state and what to call after a change. */
export interface GicFrameWiring {
  readonly state: GicInterruptState;
  /** Recompute the highest-priority pending interrupt and the CPU's IRQ/FIQ lines. */
  readonly update: () => void;
  /** Reset the whole GIC (GICD, GICR and the CPU interface are one device in QEMU). */
  readonly reset: () => void;
}

/** How a 32-bit write to a bank changes its bitmap word. */
export type BankWrite = 'replace' | 'set' | 'clear';

/** A one-bit-per-INTID register bank: 32 INTIDs per 4-byte register starting at `offset` (IHI 0069H 12.9). */
export interface BitmapBank {
  readonly name: string;
  readonly offset: number;
  readonly bitmap: GicBitmapName;
  readonly write: BankWrite;
}

/** Offsets from GICD's base, and from the redistributor's SGI_base frame for the register of INTIDs 0-31. */
const BITMAP_BANKS: readonly BitmapBank[] = [
  { name: 'IGROUPR', offset: 0x080, bitmap: 'group', write: 'replace' },
  { name: 'ISENABLER', offset: 0x100, bitmap: 'enabled', write: 'set' },
  { name: 'ICENABLER', offset: 0x180, bitmap: 'enabled', write: 'clear' },
  { name: 'ISPENDR', offset: 0x200, bitmap: 'pending', write: 'set' },
  { name: 'ICPENDR', offset: 0x280, bitmap: 'pending', write: 'clear' },
  { name: 'ISACTIVER', offset: 0x300, bitmap: 'active', write: 'set' },
  { name: 'ICACTIVER', offset: 0x380, bitmap: 'active', write: 'clear' },
];
/** Each bank has room for 1024 INTIDs. */
const BITMAP_BANK_SIZE = 0x80;

/** GIC*_IPRIORITYR: one byte per INTID. */
export const IPRIORITYR = 0x400;
/** GIC*_ICFGR: two bits per INTID, of which only the odd one (edge = 1) is implemented. */
export const ICFGR = 0xc00;

/** The bank whose registers cover `offset`, and which of its 32-bit registers that is. */
export function findBitmapBank(offset: number): { bank: BitmapBank; index: number } | null {
  for (const bank of BITMAP_BANKS) {
    if (offset >= bank.offset && offset < bank.offset + BITMAP_BANK_SIZE) {
      return { bank, index: (offset - bank.offset) >> 2 };
    }
  }
  return null;
}

/** Applies a 32-bit write to a bank register covering bitmap word `index`. */
export function writeBitmapBank(state: GicInterruptState, bank: BitmapBank, index: number, value: number): void {
  if (bank.write === 'replace') state.writeWord(bank.bitmap, index, value);
  else if (bank.write === 'set') state.setBits(bank.bitmap, index, value);
  else state.clearBits(bank.bitmap, index, value);
}

/** Spreads 16 edge bits into the odd bits of an ICFGR value (bit n to bit 2n + 1; QEMU half_shuffle32() << 1). */
export function edgeBitsToIcfgr(edge16: number): number {
  let value = 0;
  for (let n = 0; n < 16; n++) if (edge16 & (1 << n)) value |= 1 << (2 * n + 1);
  return value >>> 0;
}

/** Gathers the odd bits of an ICFGR value back into 16 edge bits (QEMU half_unshuffle32(value >> 1)). */
export function icfgrToEdgeBits(icfgr: number): number {
  let edge = 0;
  for (let n = 0; n < 16; n++) if (icfgr & (1 << (2 * n + 1))) edge |= 1 << n;
  return edge;
}

/** GICD_IIDR and GICR_IIDR: Arm (0x43b), ProductID 0, r0p0, like an r0p0 GIC-500 (QEMU gicv3_iidr). */
export const GICV3_IIDR = 0x43bn;

/** The ID block: PIDR4-7 at 0xffd0, PIDR0-3 at 0xffe0, CIDR0-3 at 0xfff0, one byte per word. */
const ID_REGS_OFFSET = 0xffd0;
const ID_REGS_END = 0x10000;
/** PIDR0 names the frame (QEMU GICV3_PIDR0_DIST / _REDIST). */
export const GICD_PIDR0 = 0x92;
export const GICR_PIDR0 = 0x93;
// QEMU gicd_ids[]: PIDR2 is 0x0b with the architecture revision, 3 for a GICv3, in bits [7:4].
const GIC_ARCH_REVISION = 3;
const ID_BYTES = [0x44, 0x00, 0x00, 0x00, -1, 0xb4, 0x0b | (GIC_ARCH_REVISION << 4), 0x00, 0x0d, 0xf0, 0x05, 0xb1];

/** The ID register at `offset` of a frame whose PIDR0 is `pidr0`, or null when `offset` is not one. */
export function readIdRegister(offset: number, pidr0: number): bigint | null {
  if (offset < ID_REGS_OFFSET || offset >= ID_REGS_END) return null;
  const id = ID_BYTES[(offset - ID_REGS_OFFSET) >> 2];
  return BigInt(id < 0 ? pidr0 : id);
}

/** Whether an access of `width` bytes at `offset` is naturally aligned (the Arm ARM requires it for Device memory). */
export function isAligned(offset: bigint, width: number): boolean {
  return offset % BigInt(width) === 0n;
}
