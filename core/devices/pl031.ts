import type { MmioDevice } from './device.js';

// ARM PrimeCell RTC (PL031) TRM, DDI 0224: RTCDR data (seconds), RTCMR match, RTCLR load, RTCCR control.
const RTCDR = 0x000n;
const RTCLR = 0x008n;
const RTCCR = 0x00cn;
const PERIPH_CELL_ID = [0x31n, 0x10n, 0x14n, 0x00n, 0x0dn, 0xf0n, 0x05n, 0xb1n];

/** PL031 real-time clock: counts seconds from the host clock, offset by what the guest loads. */
export class Pl031 implements MmioDevice {
  readonly name = 'pl031';
  readonly size = 0x1000n;
  private offsetSeconds = 0n;
  private regs = new Map<bigint, bigint>();
  /**
   * While a recording runs (core/replay), the clock stands at this second: a replay must read what the recorded run
   * read, and the host clock has moved on since. null: the host clock.
   */
  heldSeconds: bigint | null = null;

  constructor(
    readonly base: bigint,
    private readonly nowSeconds: () => bigint = () => BigInt(Math.floor(Date.now() / 1000)),
  ) {}

  read(offset: bigint): bigint {
    if (offset === RTCDR) return (this.now() + this.offsetSeconds) & 0xffff_ffffn;
    if (offset === RTCCR) return 1n;
    if (offset >= 0xfe0n && offset < 0x1000n) return PERIPH_CELL_ID[Number((offset - 0xfe0n) >> 2n)] ?? 0n;
    return this.regs.get(offset) ?? 0n;
  }

  write(offset: bigint, _width: number, value: bigint): void {
    if (offset === RTCLR) this.offsetSeconds = (value & 0xffff_ffffn) - this.now();
    else this.regs.set(offset, value & 0xffff_ffffn);
  }

  /** The clock's seconds now (before the guest's offset). */
  now(): bigint {
    return this.heldSeconds ?? this.nowSeconds();
  }

  reset(): void {
    this.offsetSeconds = 0n;
    this.regs.clear();
  }
}
