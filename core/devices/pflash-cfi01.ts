// CFI parallel NOR flash with the Intel/Sharp command set, as QEMU 7.2's hw/block/pflash_cfi01.c models it for the
// virt machine (hw/arm/virt.c virt_flash_create1: two x16 chips on a 32-bit bus, 256 KiB erase blocks, ID 0x89/0x18,
// little-endian, old-multiple-chip-handling off). QEMU's model is not a real chip, and this one follows QEMU, not the
// datasheet: erase happens at the 0x20 write, not at its 0xd0 confirm; a program writes the value instead of ANDing
// it in; lock and unlock change nothing; suspend and resume are unknown commands; no command takes time; the status
// register's error bits stay set until a clear-status command. An access of 8 bytes reaches the command interface as
// two 4-byte accesses, low address first (QEMU's memory core does that for this model).
import type { MmioDevice } from './device.js';
import { buildCfiQueryTable, VIRT_PFLASH_GEOMETRY } from './pflash-cfi-table.js';
import { readSplitIntoWords, writeSplitIntoWords } from './split-wide-access.js';

// Command bytes (the low byte of a write), Intel 3 Volt StrataFlash datasheet names.
/** Not a CFI command: QEMU's own name for read-array mode, and a written 0x00 enters it too. */
const MODE_READ_ARRAY = 0x00;
const CMD_PROGRAM_ALT = 0x10;
const CMD_BLOCK_ERASE = 0x20;
const CMD_PROGRAM = 0x40;
const CMD_CLEAR_STATUS = 0x50;
const CMD_LOCK_SETUP = 0x60;
const CMD_LOCK_BLOCK = 0x01;
const CMD_READ_STATUS = 0x70;
const CMD_READ_ID = 0x90;
const CMD_CFI_QUERY = 0x98;
const CMD_WRITE_TO_BUFFER = 0xe8;
/** Erase confirm, buffer program confirm and block unlock share one byte. */
const CMD_CONFIRM = 0xd0;
/** AMD's reset, which U-Boot sends to any chip before probing it: QEMU treats it as read array. */
const CMD_AMD_RESET = 0xf0;
const CMD_READ_ARRAY = 0xff;

/** Status register bits (SR.7, SR.5, SR.4). */
export const PFLASH_STATUS_READY = 0x80;
export const PFLASH_STATUS_ERASE_ERROR = 0x20;
export const PFLASH_STATUS_PROGRAM_ERROR = 0x10;

const GEOMETRY = VIRT_PFLASH_GEOMETRY;
/** Byte offset to device-width ID and query address: the chips sit side by side, one bank width per address. */
const QUERY_ADDRESS_SHIFT = Math.log2(GEOMETRY.bankWidth);
const DEVICE_MASK = 2 ** (8 * GEOMETRY.deviceWidth) - 1;

export interface PflashOptions {
  /** False for a read-only bank (QEMU: a drive without write permission): program and erase set error bits. */
  readonly writable?: boolean;
  /**
   * The array's storage, `size` bytes (zeroed): memory the machine also maps as the bank's memory view (a ROM device,
   * core/unicorn/rom-device.ts). Default: a new array.
   */
  readonly array?: Uint8Array;
}

/** QEMU's wcycle: how many writes of the current command sequence came before this one. */
type WriteCycle = 0 | 1 | 2 | 3;

/** One bank of CFI flash: the array and the command state machine in front of it. */
export class PflashCfi01 implements MmioDevice {
  /** Called after a write enters (true) or leaves (false) read-array mode; also on reset into it. */
  onModeChange?: (readArray: boolean) => void;
  /** Called after an erase or program changed bytes [offset, offset + length) of the array. */
  onWrite?: (offset: number, length: number) => void;

  private readonly array: Uint8Array;
  private readonly writable: boolean;
  private readonly cfiTable: Uint8Array;
  private readonly writeBufferBytes: number;
  /** The command whose state the bank is in; reads answer according to it. */
  private cmd = MODE_READ_ARRAY;
  private wcycle: WriteCycle = 0;
  private status = PFLASH_STATUS_READY;
  /** Write-to-buffer: data writes still expected after the current one. */
  private counter = 0;
  /** Write-to-buffer: [start, end) of the array bytes its data writes changed. */
  private bufferTouched: [number, number] | null = null;

  constructor(
    readonly name: string,
    readonly base: bigint,
    readonly size: bigint,
    options: PflashOptions = {},
  ) {
    // An unbacked QEMU pflash is RAM from memory_region_init_rom_device: zero-filled.
    if (options.array && options.array.length !== Number(size))
      throw new RangeError(`pflash ${name}: its array holds ${options.array.length} bytes, not ${size}`);
    this.array = options.array ?? new Uint8Array(Number(size));
    this.writable = options.writable ?? true;
    const table = buildCfiQueryTable(GEOMETRY, Math.floor(Number(size) / GEOMETRY.sectorLength));
    this.cfiTable = table.bytes;
    this.writeBufferBytes = table.writeBufferBytes;
  }

  /** The array itself (a live view): what read-array mode shows. */
  contents(): Uint8Array {
    return this.array;
  }

  /** Puts `bytes` into the array at `offset` (firmware image, backing file); no command, no onWrite. */
  load(bytes: Uint8Array, offset = 0): void {
    this.array.set(bytes, offset);
  }

  /** True while plain reads return the array (QEMU's "romd" mode, in which the bank is mapped as memory). */
  get readArrayMode(): boolean {
    return this.cmd === MODE_READ_ARRAY;
  }

  read(offset: bigint, width: number): bigint {
    return readSplitIntoWords(offset, width, (at, w) => BigInt(this.readNarrow(Number(at), w) >>> 0));
  }

  write(offset: bigint, width: number, value: bigint): void {
    const wasReadArray = this.readArrayMode;
    writeSplitIntoWords(offset, width, value, (at, w, v) => this.writeNarrow(Number(at), w, Number(v)));
    if (this.readArrayMode !== wasReadArray) this.onModeChange?.(this.readArrayMode);
  }

  /** QEMU's pflash_cfi01_system_reset: read-array mode, status ready; the array keeps its contents. */
  reset(): void {
    const wasReadArray = this.readArrayMode;
    this.cmd = MODE_READ_ARRAY;
    this.wcycle = 0;
    this.status = PFLASH_STATUS_READY;
    if (!wasReadArray) this.onModeChange?.(true);
  }

  /** A read of 1, 2 or 4 bytes (the caller keeps the low `width` bytes). */
  private readNarrow(offset: number, width: number): number {
    switch (this.cmd) {
      case MODE_READ_ARRAY:
        return this.readArray(offset, width);
      case CMD_READ_ID:
        return this.readDeviceId(offset);
      case CMD_CFI_QUERY:
        return this.readQuery(offset);
      default:
        // Program, erase, lock, read status and write to buffer all leave the bank showing its status.
        return this.readStatus(width);
    }
  }

  private readArray(offset: number, width: number): number {
    let value = 0;
    for (let i = width - 1; i >= 0; i--) value = value * 256 + (this.array[offset + i] ?? 0);
    return value;
  }

  /** Each chip's status in its lane: a read as wide as one chip or narrower sees one copy. */
  private readStatus(width: number): number {
    let value = this.status;
    for (let shift = GEOMETRY.deviceWidth; shift + GEOMETRY.deviceWidth <= width; shift += GEOMETRY.deviceWidth) {
      value += this.status * 2 ** (8 * shift);
    }
    return value;
  }

  /**
   * Read-ID mode: manufacturer at ID address 0, device at 1 (the low 8 address bits only: higher ones would select
   * a block's lock status, which QEMU answers as 0 like every other address). The whole bank word comes back
   * whatever the byte lane read, so a byte read at offset 1 sees the manufacturer ID too.
   */
  private readDeviceId(offset: number): number {
    switch ((offset >> QUERY_ADDRESS_SHIFT) & 0xff) {
      case 0:
        return replicateAcrossChips(GEOMETRY.manufacturerId);
      case 1:
        return replicateAcrossChips(GEOMETRY.deviceId);
      default:
        return 0;
    }
  }

  /** Query mode: the table byte of the addressed query address, in each chip's lane (zero-extended to its width). */
  private readQuery(offset: number): number {
    const address = offset >> QUERY_ADDRESS_SHIFT;
    return replicateAcrossChips(this.cfiTable[address] ?? 0);
  }

  /** A write of 1, 2 or 4 bytes: one step of a command sequence (QEMU's pflash_write). */
  private writeNarrow(offset: number, width: number, value: number): void {
    const cmd = value & 0xff;
    switch (this.wcycle) {
      case 0:
        this.startCommand(offset, cmd);
        return;
      case 1:
        this.continueCommand(offset, width, value);
        return;
      case 2:
        if (this.cmd === CMD_WRITE_TO_BUFFER) this.bufferData(offset, width, value);
        else this.enterReadArray();
        return;
      case 3:
        if (this.cmd === CMD_WRITE_TO_BUFFER && cmd === CMD_CONFIRM) this.finishSequence();
        else this.enterReadArray();
        return;
      default: {
        const unreachable: never = this.wcycle;
        throw new Error(`pflash: write cycle ${String(unreachable)}`);
      }
    }
  }

  /** First write of a sequence. Anything QEMU does not know (suspend 0xb0 among them) means read array. */
  private startCommand(offset: number, cmd: number): void {
    switch (cmd) {
      case CMD_PROGRAM_ALT:
      case CMD_PROGRAM:
      case CMD_LOCK_SETUP:
      case CMD_CFI_QUERY:
        break;
      case CMD_BLOCK_ERASE:
        this.eraseBlock(offset);
        break;
      case CMD_WRITE_TO_BUFFER:
        this.status |= PFLASH_STATUS_READY;
        break;
      case CMD_READ_STATUS:
      case CMD_READ_ID:
        // One-write commands: the next write starts a new sequence again.
        this.cmd = cmd;
        return;
      case CMD_CLEAR_STATUS:
        this.status = 0;
        this.enterReadArray();
        return;
      case MODE_READ_ARRAY:
      case CMD_READ_ARRAY:
      case CMD_AMD_RESET:
      default: // unknown commands too
        this.enterReadArray();
        return;
    }
    this.cmd = cmd;
    this.wcycle = 1;
  }

  /** QEMU erases the whole block containing `offset` at once, before any confirm. */
  private eraseBlock(offset: number): void {
    const start = offset - (offset % GEOMETRY.sectorLength);
    if (this.writable) {
      this.array.fill(0xff, start, start + GEOMETRY.sectorLength);
      this.onWrite?.(start, GEOMETRY.sectorLength);
    } else {
      this.status |= PFLASH_STATUS_ERASE_ERROR;
    }
    this.status |= PFLASH_STATUS_READY;
  }

  /** Second write of a sequence. */
  private continueCommand(offset: number, width: number, value: number): void {
    const cmd = value & 0xff;
    switch (this.cmd) {
      case CMD_PROGRAM_ALT:
      case CMD_PROGRAM:
        this.programData(offset, width, value);
        this.status |= PFLASH_STATUS_READY;
        this.wcycle = 0; // the bank keeps showing status until read array
        return;
      case CMD_BLOCK_ERASE:
        if (cmd === CMD_CONFIRM) this.finishSequence();
        else this.enterReadArray(); // 0xff, or an error: QEMU goes back to read array either way
        return;
      case CMD_LOCK_SETUP:
        if (cmd === CMD_CONFIRM || cmd === CMD_LOCK_BLOCK) this.finishSequence();
        else this.enterReadArray();
        return;
      case CMD_WRITE_TO_BUFFER:
        // Word count - 1, one chip wide (both chips get the same count).
        this.counter = value & DEVICE_MASK;
        this.bufferTouched = null;
        this.wcycle = 2;
        return;
      case CMD_CFI_QUERY:
        // Only read array leaves query mode; QEMU ignores any other write here (0x90 and 0xff alike are commands
        // elsewhere, but not in this state).
        if (cmd === CMD_READ_ARRAY) this.enterReadArray();
        return;
      default:
        this.enterReadArray();
    }
  }

  private programData(offset: number, width: number, value: number): void {
    if (!this.writable) {
      this.status |= PFLASH_STATUS_PROGRAM_ERROR;
      return;
    }
    this.storeData(offset, width, value);
    this.onWrite?.(offset, width);
  }

  /**
   * A data write of write-to-buffer. QEMU 7.2 writes it straight into the array (not into a buffer committed at the
   * confirm), wherever it lands; after the last one it saves the write-buffer-sized block holding that last write.
   */
  private bufferData(offset: number, width: number, value: number): void {
    if (this.writable) {
      this.storeData(offset, width, value);
      const [start, end] = this.bufferTouched ?? [offset, offset + width];
      this.bufferTouched = [Math.min(start, offset), Math.max(end, offset + width)];
    } else {
      this.status |= PFLASH_STATUS_PROGRAM_ERROR;
    }
    this.status |= PFLASH_STATUS_READY;
    if (this.counter > 0) {
      this.counter--;
      return;
    }
    this.wcycle = 3;
    if (!this.writable) {
      this.status |= PFLASH_STATUS_PROGRAM_ERROR;
      return;
    }
    // QEMU saves just the block of the last write; we also cover data writes outside it, so a backing file
    // never misses bytes that the array holds.
    const block = offset - (offset % this.writeBufferBytes);
    const [start, end] = this.bufferTouched ?? [block, block];
    const from = Math.min(start, block);
    const to = Math.min(Math.max(end, block + this.writeBufferBytes), this.array.length);
    this.onWrite?.(from, to - from);
  }

  private storeData(offset: number, width: number, value: number): void {
    for (let i = 0; i < width && offset + i < this.array.length; i++) {
      this.array[offset + i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
    }
  }

  /** End of an erase, lock or buffer program sequence: status stays readable until read array. */
  private finishSequence(): void {
    this.wcycle = 0;
    this.status |= PFLASH_STATUS_READY;
  }

  private enterReadArray(): void {
    this.cmd = MODE_READ_ARRAY;
    this.wcycle = 0;
  }
}

/** One chip's answer (one device width, zero-extended) copied into every chip's lane of the bank word. */
function replicateAcrossChips(chipAnswer: number): number {
  const lane = chipAnswer & DEVICE_MASK;
  let value = 0;
  for (let i = 0; i < GEOMETRY.bankWidth; i += GEOMETRY.deviceWidth) value += lane * 2 ** (8 * i);
  return value;
}
