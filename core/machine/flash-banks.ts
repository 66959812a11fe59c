// The two CFI flash banks of QEMU's virt (bank 0: firmware, bank 1: variables) and how they are mapped. A flash
// chip answers plain reads from its array until a command switches it to ID, query or status mode; QEMU models that
// as a ROM device ("romd"): memory while in read-array mode, its command interface otherwise. We do the same, lazily:
// bank 0 (where firmware executes) is host memory the TLB fill maps without write permission; the first write moves
// it behind the pflash model (an MMIO window), and the first instruction fetch from it while the model is back in
// read-array mode moves it back. Bank 1 is never executed from and stays behind its model.
import { PflashCfi01 } from '../devices/pflash-cfi01.js';
import { VIRT_FLASH_BANK_COUNT, virtRegion } from '../platform/virt-memory-map.js';
import { UC_PROT } from '../unicorn/constants.js';
import type { MemAccessType, UnicornEngine } from '../unicorn/engine.js';

/** Who allocates RAM and flash: unicorn itself (uc_mem_map), or the native shim (RunState, so its fill reads them). */
export interface BoardMemory {
  mapMemory(base: bigint, size: bigint, perms: number): void;
  unmapMemory(base: bigint, size: bigint): void;
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
  /** Bank 0 is host memory (true) or behind its model (false). */
  private bank0IsMemory = true;
  private readonly bank0Callbacks: { readCb: unknown; writeCb: unknown };
  private readonly bankSize: bigint;

  constructor(
    private readonly uc: UnicornEngine,
    private readonly memory: BoardMemory,
    backing?: FlashBackingStore,
  ) {
    const flash = virtRegion('flash');
    this.bankSize = flash.size / BigInt(VIRT_FLASH_BANK_COUNT);
    this.banks = Array.from(
      { length: VIRT_FLASH_BANK_COUNT },
      (_, i) => new PflashCfi01(`flash${i}`, flash.base + BigInt(i) * this.bankSize, this.bankSize),
    );
    const [bank0, bank1] = this.banks as [PflashCfi01, PflashCfi01];
    this.bank0Callbacks = uc.hooks.mmioCallbacks(
      (off, size) => bank0.read(off, size),
      (off, size, value) => bank0.write(off, size, value),
    );
    if (backing) {
      bank1.load(backing.initial.subarray(0, Number(this.bankSize)));
      bank1.onWrite = (offset, length) => backing.changed(bank1.contents(), offset, length);
    }
    memory.mapMemory(bank0.base, this.bankSize, UC_PROT.ALL);
    uc.mapMmio(
      bank1.base,
      this.bankSize,
      (off, size) => bank1.read(off, size),
      (off, size, value) => bank1.write(off, size, value),
    );
  }

  /**
   * Power-on: bank 0 is zeroed memory again (the loader writes the image in after); bank 1 keeps its contents (flash
   * survives a reset: `saveenv` then `reset` finds the variables); both models in read-array mode.
   */
  powerOn(): void {
    const bank0 = this.banks[0]!;
    if (this.bank0IsMemory) this.memory.unmapMemory(bank0.base, this.bankSize);
    else this.uc.unmapMemory(bank0.base, this.bankSize);
    this.memory.mapMemory(bank0.base, this.bankSize, UC_PROT.ALL); // zeroed
    this.bank0IsMemory = true;
    for (const b of this.banks) b.reset();
  }

  /**
   * Writes `bytes` at physical `pa` the way a loader or a debugger does (QEMU's gdbstub writes a ROM device's array,
   * not its command interface): into bank 0's memory or the models' arrays. False (nothing written) unless all of
   * `bytes` lies in flash.
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
      if (i === 0 && this.bank0IsMemory) this.uc.writeMemory(at, piece);
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

  /** Moves bank 0 between memory and its model (after access() said 'remap'; the caller flushes the TLB). */
  remapBank0(): void {
    const bank0 = this.banks[0]!;
    if (this.bank0IsMemory) {
      bank0.load(this.uc.readMemory(bank0.base, Number(this.bankSize)));
      this.memory.unmapMemory(bank0.base, this.bankSize);
      this.uc.mapMmioCallbacks(bank0.base, this.bankSize, this.bank0Callbacks);
      this.bank0IsMemory = false;
    } else {
      this.uc.unmapMemory(bank0.base, this.bankSize);
      this.memory.mapMemory(bank0.base, this.bankSize, UC_PROT.ALL);
      this.uc.writeMemory(bank0.base, bank0.contents());
      this.bank0IsMemory = true;
    }
  }
}
