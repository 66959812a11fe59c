/**
 * An MMIO device mapped at a physical address: accesses arrive with the offset into its window and the width in bytes.
 */
export interface MmioDevice {
  readonly name: string;
  readonly base: bigint;
  readonly size: bigint;
  /** Returns the value read (only the low `width` bytes are used). */
  read(offset: bigint, width: number): bigint;
  write(offset: bigint, width: number, value: bigint): void;
  /** Back to power-on state (machine reset). */
  reset(): void;
}

/** Read-as-zero / write-ignored window: the regions a guest may probe that we do not model yet. */
export class RazWiDevice implements MmioDevice {
  constructor(
    readonly name: string,
    readonly base: bigint,
    readonly size: bigint,
  ) {}
  read(): bigint {
    return 0n;
  }
  write(): void {}
  reset(): void {}
}
