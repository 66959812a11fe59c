// Stage-2 block and page descriptor attributes RITM maps with (src/pagetable.rs), bit positions
// from ARM DDI 0487 D8.3 (stage 2 block and page descriptors). No XN bits: the guest may execute.
import type { Stage2Attributes } from './stage2-types.js';

export const S2_DESC_VALID = 1n << 0n;
/** MemAttr[3:0] = bits [5:2]. 0b0000 Device-nGnRnE; 0b1111 Normal outer WB, inner WB. */
export const S2_DESC_MEMATTR_SHIFT = 2n;
/** S2AP[1:0] = bits [7:6]; 0b11 read/write. */
export const S2_DESC_S2AP_RW = 0b11n << 6n;
/** SH[1:0] = bits [9:8]; 0b11 inner shareable. */
export const S2_DESC_SH_INNER = 0b11n << 8n;
export const S2_DESC_AF = 1n << 10n;

const MEMATTR_DEVICE_NGNRNE = 0b0000n;
const MEMATTR_NORMAL_WB = 0b1111n;

/** Device-nGnRnE, read/write, access flag set: descriptor bits 0x4C1. */
export const DEVICE: Stage2Attributes = Object.freeze({
  kind: 'device',
  descriptorBits: S2_DESC_VALID | (MEMATTR_DEVICE_NGNRNE << S2_DESC_MEMATTR_SHIFT) | S2_DESC_S2AP_RW | S2_DESC_AF,
});

/** Normal write-back, read/write, inner shareable, access flag set: descriptor bits 0x7FD. */
export const NORMAL: Stage2Attributes = Object.freeze({
  kind: 'normal',
  descriptorBits:
    S2_DESC_VALID | (MEMATTR_NORMAL_WB << S2_DESC_MEMATTR_SHIFT) | S2_DESC_S2AP_RW | S2_DESC_SH_INNER | S2_DESC_AF,
});
