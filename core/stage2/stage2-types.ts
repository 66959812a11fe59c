// The values a stage-2 policy is made of: IPA ranges, their attributes, and the typed MMIO
// handlers of the ranges left unmapped on purpose (RITM src/stage2.rs, el2-model.md).

/** A translation table level of the 4 KiB granule; stage 2 starts its walk at level 0. */
export type Stage2Level = 0 | 1 | 2 | 3;

/** A byte range of intermediate physical addresses, half-open: [base, base + size). */
export type IpaRange = Readonly<{ base: bigint; size: bigint }>;

/** Stage-2 memory type plus the block/page descriptor bits it is mapped with (bit 1 excluded). */
export type Stage2Attributes = Readonly<{ kind: 'device' | 'normal'; descriptorBits: bigint }>;

/** Width of a trapped guest access in bits (the syndrome's SAS). */
export type MmioAccessWidth = 8 | 16 | 32 | 64;

export type MmioReadAccess = Readonly<{
  ipa: bigint;
  /** ipa - region.base */
  offset: bigint;
  width: MmioAccessWidth;
}>;

export type MmioWriteAccess = Readonly<{
  ipa: bigint;
  offset: bigint;
  width: MmioAccessWidth;
  /** The guest's Xt, already masked to `width` (XZR gives 0). */
  value: bigint;
}>;

export type MmioReadResult = { kind: 'value'; value: bigint } | { kind: 'fault' };
export type MmioWriteResult = { kind: 'handled' } | { kind: 'fault' };

export type MmioReadHandler = (access: MmioReadAccess) => MmioReadResult;
export type MmioWriteHandler = (access: MmioWriteAccess) => MmioWriteResult;

/** A region may take reads, writes, both, or neither; an access with no handler is injected. */
export type MmioAccessHandlers = Readonly<{ read?: MmioReadHandler; write?: MmioWriteHandler }>;

/** A range the guest reaches directly, identity mapped. */
export type AllowedRange = Readonly<{ base: bigint; size: bigint; end: bigint; attrs: Stage2Attributes }>;

/** A range left unmapped whose accesses trap to the handlers. */
export type HandlerRegion = Readonly<{
  name: string;
  base: bigint;
  size: bigint;
  end: bigint;
  read?: MmioReadHandler;
  write?: MmioWriteHandler;
}>;

/** The handler region an IPA falls in, and the IPA's offset from the region's base. */
export type HandlerMatch = Readonly<{ region: HandlerRegion; offset: bigint }>;
