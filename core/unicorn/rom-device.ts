// A ROM device, as QEMU models a CFI flash bank (memory_region_init_rom_device): one array in host memory that
// unicorn sees either as memory (the guest executes from it and reads it at memory speed) or as an MMIO window in front
// of the device's model (its commands). Switching views maps the same array the other way: nothing is copied. In the
// MMIO view the shim answers reads itself from the array while the model shows it (read-array mode), so reading
// flash never calls into JS; every other access goes to the model. See el2dbg-shim.c, "ROM devices".
import { UC_PROT } from './constants.js';
import { ROMD_MAPPED, type RunState } from './run-state.js';

/** The callbacks of the model's MMIO window (EngineHooks.mmioCallbacks). */
export interface RomDeviceCallbacks {
  readonly readCb: unknown;
  readonly writeCb: unknown;
}

export class RomDevice {
  /** The array itself, live: what the memory view shows and what the model programs and erases. Zeroed at first. */
  readonly array: Uint8Array;
  private view: 'memory' | 'mmio' | null = null;

  /** `index`: the shim's ROM device slot (0 .. ROM_DEVICE_MAX - 1), one per device of an engine. */
  constructor(
    private readonly runState: RunState,
    private readonly index: number,
    readonly base: bigint,
    readonly size: bigint,
    callbacks: RomDeviceCallbacks,
  ) {
    this.array = runState.romdInit(index, size, callbacks);
  }

  /** True while unicorn maps the array as memory (not the model's MMIO window). */
  get isMemory(): boolean {
    return this.view === 'memory';
  }

  /**
   * Maps the device as memory (all permissions: the TLB fill decides what the guest may do) or as its MMIO window.
   * unicorn drops the translated blocks and TLB pages of the view it unmaps; the caller flushes the rest of the TLB.
   */
  map(view: 'memory' | 'mmio'): void {
    if (view === this.view) return;
    this.runState.romdMap(
      this.index,
      this.base,
      view === 'memory' ? ROMD_MAPPED.MEMORY : ROMD_MAPPED.MMIO,
      UC_PROT.ALL,
    );
    this.view = view;
  }

  /** Whether the model shows its array now: the shim then answers the MMIO window's reads from it. */
  setArrayMode(on: boolean): void {
    this.runState.romdArrayMode(this.index, on);
  }

  /** Zeroes the array (power-on); the caller flushes the TLB and the translated blocks. */
  zero(): void {
    this.runState.romdZero(this.index);
  }
}
