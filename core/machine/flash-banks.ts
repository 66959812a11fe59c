// The two CFI flash banks of QEMU's virt (bank 0: firmware, bank 1: variables) and how they are mapped. A flash
// chip answers plain reads from its array until a command switches it to ID, query or status mode; QEMU models that
// as a ROM device ("romd"): memory while in read-array mode, its command interface otherwise. We do the same, lazily,
// with each bank's array in host memory shared by both views (core/unicorn/rom-device.ts: a switch copies nothing):
// bank 0 (where firmware executes) is memory the TLB fill maps without write permission; the first write moves it
// behind the pflash model (an MMIO window), and the first instruction fetch from it while the model is back in
// read-array mode moves it back. Bank 1 is never executed from and stays behind its model. Behind the model, reads in
// read-array mode are answered by the native shim from the array without calling the model.
import { PflashCfi01 } from '../devices/pflash-cfi01.js';
import { VIRT_FLASH_BANK_COUNT, virtRegion } from '../platform/virt-memory-map.js';
import type { MemAccessType, UnicornEngine } from '../unicorn/engine.js';
import type { RomDevice } from '../unicorn/rom-device.js';

/** Who allocates RAM and flash: the native shim (RunState), so its TLB fill reads them directly. */
export interface BoardMemory {
  /** Maps zeroed RAM-like memory. */
  mapMemory(base: bigint, size: bigint, perms: number): void;
  /** Zeroes memory mapped by mapMemory and leaves it mapped (the caller flushes the TLB and translated blocks). */
  zeroMemory(base: bigint, size: bigint): void;
  /** ROM device `index` at [base, base + size): its array in host memory, `read` and `write` for its MMIO window. */
  romDevice(
    index: number,
    base: bigint,
    size: bigint,
    read: (offset: bigint, size: number) => bigint,
    write: (offset: bigint, size: number, value: bigint) => void,
  ): RomDevice;
}

/** What bank 1 starts with and where its changes go (`--flash1 FILE`). */
export interface FlashBackingStore {
  /** The bank's contents at power-on (shorter than the bank: the rest reads as zero, as QEMU's unbacked pflash). */
  readonly initial: Uint8Array;
  /** Called after the guest programmed or erased [offset, offset + length) of the bank. */
  readonly changed: (contents: Uint8Array, offset: number, length: number) => void;
}

/** How the TLB fill treats an access to flash: map it read-only, remap the bank first, or nothing special. */
export type FlashAccess = 'read-only' | 'remap' | null;

export class FlashBanks {
  readonly banks: readonly PflashCfi01[];
  /** Each bank's array and its two views. */
  private readonly roms: readonly RomDevice[];
  private readonly bankSize: bigint;

  constructor(
    private readonly uc: UnicornEngine,
    memory: BoardMemory,
    backing?: FlashBackingStore,
  ) {
    const flash = virtRegion('flash');
    this.bankSize = flash.size / BigInt(VIRT_FLASH_BANK_COUNT);
    const banks: PflashCfi01[] = [];
    this.roms = Array.from({ length: VIRT_FLASH_BANK_COUNT }, (_, i) => {
      const base = flash.base + BigInt(i) * this.bankSize;
      const rom = memory.romDevice(
        i,
        base,
        this.bankSize,
        (off, size) => banks[i]!.read(off, size),
        (off, size, value) => banks[i]!.write(off, size, value),
      );
      const bank = new PflashCfi01(`flash${i}`, base, this.bankSize, { array: rom.array });
      bank.onModeChange = (readArray) => rom.setArrayMode(readArray);
      banks.push(bank);
      return rom;
    });
    this.banks = banks;
    const bank1 = banks[1]!;
    if (backing) {
      bank1.load(backing.initial.subarray(0, Number(this.bankSize)));
      bank1.onWrite = (offset, length) => backing.changed(bank1.contents(), offset, length);
    }
    this.roms[0]!.map('memory');
    this.roms[1]!.map('mmio');
  }

  /** Bank 0 is memory (true) or behind its model (false). */
  get bank0IsMemory(): boolean {
    return this.roms[0]!.isMemory;
  }

  /**
   * Power-on: bank 0 is zeroed memory again (the loader writes the image in after); bank 1 keeps its contents (flash
   * survives a reset: `saveenv` then `reset` finds the variables); both models in read-array mode. The caller flushes
   * the TLB and the translated blocks.
   */
  powerOn(): void {
    const rom0 = this.roms[0]!;
    rom0.zero();
    rom0.map('memory');
    for (const b of this.banks) b.reset();
  }

  /**
   * Writes `bytes` at physical `pa` the way a loader or a debugger does (QEMU's gdbstub writes a ROM device's array,
   * not its command interface): into the banks' arrays (through unicorn while bank 0 is memory, so translated code
   * there is dropped). False (nothing written) unless all of `bytes` lies in flash.
   */
  writeArray(pa: bigint, bytes: Uint8Array): boolean {
    const base = this.banks[0]!.base;
    const end = base + BigInt(this.banks.length) * this.bankSize;
    if (pa < base || pa + BigInt(bytes.length) > end) return false;
    let done = 0;
    while (done < bytes.length) {
      const at = pa + BigInt(done);
      const i = Number((at - base) / this.bankSize);
      const bank = this.banks[i]!;
      const offset = at - bank.base;
      const n = Math.min(bytes.length - done, Number(this.bankSize - offset));
      const piece = bytes.subarray(done, done + n);
      if (this.roms[i]!.isMemory) this.uc.writeMemory(at, piece);
      else bank.load(piece, Number(offset));
      done += n;
    }
    return true;
  }

  /** What the TLB fill must do for an access of `access` kind to physical address `pa`. */
  access(pa: bigint, access: MemAccessType): FlashAccess {
    const bank0 = this.banks[0]!;
    if (pa < bank0.base || pa >= bank0.base + this.bankSize) return null;
    if (this.bank0IsMemory) return access === 'write' ? 'remap' : 'read-only';
    return access === 'fetch' && bank0.readArrayMode ? 'remap' : null;
  }

  /**
   * After a recording put the bank models back (core/replay): maps bank 0 as it was then and tells the shim which
   * banks show their array. The caller flushes the TLB.
   */
  resync(bank0Memory: boolean): void {
    this.roms[0]!.map(bank0Memory ? 'memory' : 'mmio');
    this.banks.forEach((b, i) => this.roms[i]!.setArrayMode(b.readArrayMode));
  }

  /** Moves bank 0 between memory and its model (after access() said 'remap'; the caller flushes the TLB). */
  remapBank0(): void {
    const rom0 = this.roms[0]!;
    rom0.map(rom0.isMemory ? 'mmio' : 'memory');
  }
}
