// QEMU's firmware configuration device (fw_cfg) as QEMU 7.2's `-M virt` maps it with fw_cfg_init_mem_wide:
// a 64-bit string-preserving data register at +0, the 16-bit big-endian selector at +8, the 64-bit big-endian
// DMA address at +16 (docs/specs/fw_cfg.txt). Items and files are what `-M virt -nic none` without -kernel offers.
import type { MmioDevice } from './device.js';

/** Physical memory as a DMA master sees it; read and write throw when nothing answers at some byte of the range. */
export interface GuestMemory {
  read(pa: bigint, length: number): Uint8Array;
  write(pa: bigint, bytes: Uint8Array): void;
}

/** What the board tells the device; QEMU 7.2's virt registers FW_CFG_NB_CPUS, not RAM size nor max CPUs. */
export interface FwCfgOptions {
  /** FW_CFG_NB_CPUS (16-bit): what U-Boot's `qfw cpus` prints. */
  readonly cpus: number;
  /** FW_CFG_RAM_SIZE (64-bit), registered only when given: QEMU's virt leaves the key empty (reads as zero). */
  readonly ramSize?: bigint;
  /** FW_CFG_MAX_CPUS (16-bit), registered only when given: QEMU's virt leaves the key empty. */
  readonly maxCpus?: number;
  /** FW_CFG_NOGRAPHIC: 1 unless false (our board has no display, as QEMU with -nographic). */
  readonly nographic?: boolean;
  /** FW_CFG_BOOT_MENU: 0 unless true (QEMU's `-boot menu=on`). */
  readonly bootMenu?: boolean;
  /** FW_CFG_UUID, 16 bytes; all zero by default, as QEMU without -uuid. */
  readonly uuid?: Uint8Array;
}

export type FwCfgProblem =
  /** QEMU keeps 55 bytes of a name (name[56] with its NUL); we refuse longer names instead of cutting them. */
  | { code: 'FileNameTooLong'; name: string; bytes: number }
  | { code: 'FileSlotsFull'; name: string; slots: number }
  /** setItem takes the numbered keys below FW_CFG_FILE_FIRST except the directory, without the write bit. */
  | { code: 'KeyNotSettable'; key: number }
  | { code: 'UuidNotSixteenBytes'; length: number };
export type FwCfgErrorCode = FwCfgProblem['code'];

/** Thrown when the board configures an item the device cannot hold; `problem` says which. */
export class FwCfgError extends Error {
  readonly code: FwCfgErrorCode;

  constructor(readonly problem: FwCfgProblem) {
    super(`fw_cfg: ${JSON.stringify(problem)}`);
    this.code = problem.code;
    this.name = 'FwCfgError';
  }
}

// Selector keys (include/standard-headers/linux/qemu_fw_cfg.h).
export const FW_CFG_SIGNATURE = 0x00;
export const FW_CFG_ID = 0x01;
export const FW_CFG_UUID = 0x02;
export const FW_CFG_RAM_SIZE = 0x03;
export const FW_CFG_NOGRAPHIC = 0x04;
export const FW_CFG_NB_CPUS = 0x05;
export const FW_CFG_KERNEL_SIZE = 0x08;
export const FW_CFG_KERNEL_CMDLINE = 0x09;
export const FW_CFG_INITRD_SIZE = 0x0b;
export const FW_CFG_BOOT_MENU = 0x0e;
export const FW_CFG_MAX_CPUS = 0x0f;
export const FW_CFG_KERNEL_DATA = 0x11;
export const FW_CFG_INITRD_DATA = 0x12;
export const FW_CFG_CMDLINE_SIZE = 0x14;
export const FW_CFG_CMDLINE_DATA = 0x15;
export const FW_CFG_SETUP_SIZE = 0x17;
export const FW_CFG_SETUP_DATA = 0x18;
export const FW_CFG_FILE_DIR = 0x19;
export const FW_CFG_FILE_FIRST = 0x20;
export const FW_CFG_WRITE_CHANNEL = 0x4000;
export const FW_CFG_ARCH_LOCAL = 0x8000;
const FW_CFG_ENTRY_MASK = 0x3fff;
/** QEMU's default x-file-slots: keys 0x20..0x3f hold files, anything at or above 0x40 selects nothing. */
export const FW_CFG_FILE_SLOTS = 0x20;
const FW_CFG_MAX_ENTRY = FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS;

// FW_CFG_ID feature bits, and FWCfgDmaAccess.control bits (docs/specs/fw_cfg.txt).
export const FW_CFG_VERSION = 0x01;
export const FW_CFG_VERSION_DMA = 0x02;
export const FW_CFG_DMA_CTL_ERROR = 0x01;
export const FW_CFG_DMA_CTL_READ = 0x02;
export const FW_CFG_DMA_CTL_SKIP = 0x04;
export const FW_CFG_DMA_CTL_SELECT = 0x08;
export const FW_CFG_DMA_CTL_WRITE = 0x10;

// Register offsets in the 0x18-byte window (hw/arm/virt.c: data at base, selector at base + 8, DMA at base + 16).
export const FW_CFG_DATA = 0n;
export const FW_CFG_SELECTOR = 8n;
export const FW_CFG_DMA_ADDRESS = 16n;
const FW_CFG_DMA_ADDRESS_LOW = 20n;
const WINDOW_SIZE = 0x18n;
const DMA_ACCESS_SIZE = 16;
const FILE_ENTRY_SIZE = 64;
const FILE_NAME_MAX = 55;
const ZERO_CHUNK = 0x10000;
/** Reads of the DMA address register return "QEMU CFG" in memory order. */
const DMA_SIGNATURE = new TextEncoder().encode('QEMU CFG');

/**
 * The files QEMU 7.2 lists for `-M virt -cpu cortex-a57 -nic none` with 128 MiB and one CPU, with their sizes
 * (read back from QEMU's FW_CFG_FILE_DIR). ACPI and SMBIOS contents are zero placeholders of QEMU's sizes: nothing
 * here generates those tables. bootorder and bios-geometry are empty without boot devices; etc/tpm/log without a TPM.
 */
const QEMU_VIRT_FILES: readonly (readonly [string, number])[] = [
  ['bios-geometry', 0],
  ['bootorder', 0],
  ['etc/acpi/rsdp', 36],
  ['etc/acpi/tables', 0x20000],
  ['etc/smbios/smbios-anchor', 24],
  ['etc/smbios/smbios-tables', 266],
  ['etc/table-loader', 0xc00],
  ['etc/tpm/log', 0],
];

/** Little-endian bytes of `value`, `width` bytes long (fw_cfg_add_i16/i32/i64 store items little-endian). */
function littleEndian(value: bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  for (let i = 0; i < width; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The value whose little-endian bytes are `bytes` (how the CPU sees bytes it loads from memory order). */
function fromLittleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

/** Reverses the low `width` bytes: a big-endian register seen through a little-endian CPU access. */
function byteSwap(value: bigint, width: number): bigint {
  return fromLittleEndian(littleEndian(value, width).reverse());
}

function readBigEndian(bytes: Uint8Array, at: number, width: number): bigint {
  return byteSwap(fromLittleEndian(bytes.subarray(at, at + width)), width);
}

/** Orders names as QEMU's strcmp does: by their bytes, unsigned. */
function compareNames(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** The operation a DMA control word asks for: read wins over write, and write over skip (fw_cfg_dma_transfer). */
function dmaMode(control: number): 'read' | 'write' | 'skip' | 'none' {
  if (control & FW_CFG_DMA_CTL_READ) return 'read';
  if (control & FW_CFG_DMA_CTL_WRITE) return 'write';
  return control & FW_CFG_DMA_CTL_SKIP ? 'skip' : 'none';
}

interface FwCfgFile {
  readonly name: Uint8Array;
  data: Uint8Array;
}

/** QEMU's fw_cfg on the virt board: numbered items, the sorted file directory, and the DMA interface. */
export class FwCfg implements MmioDevice {
  readonly name = 'fw-cfg';
  readonly size = WINDOW_SIZE;
  /** Items by key without FW_CFG_WRITE_CHANNEL: generic keys, and arch-local ones with FW_CFG_ARCH_LOCAL set. */
  private readonly items = new Map<number, Uint8Array>();
  /** Sorted by name; file i is selected by FW_CFG_FILE_FIRST + i. */
  private readonly files: FwCfgFile[] = [];
  /** The selector as last written; undefined when it selects nothing (QEMU's FW_CFG_INVALID). */
  private selected: number | undefined = FW_CFG_SIGNATURE;
  private dataOffset = 0;
  private dmaAddress = 0n;

  constructor(
    readonly base: bigint,
    private readonly dma: GuestMemory,
    options: FwCfgOptions,
  ) {
    const uuid = options.uuid ?? new Uint8Array(16);
    if (uuid.length !== 16) throw new FwCfgError({ code: 'UuidNotSixteenBytes', length: uuid.length });
    // fw_cfg_common_realize, then virt's create_fw_cfg.
    this.items.set(FW_CFG_SIGNATURE, new TextEncoder().encode('QEMU'));
    this.items.set(FW_CFG_UUID, uuid.slice());
    this.items.set(FW_CFG_NOGRAPHIC, littleEndian(options.nographic === false ? 0n : 1n, 2));
    this.items.set(FW_CFG_BOOT_MENU, littleEndian(options.bootMenu ? 1n : 0n, 2));
    this.items.set(FW_CFG_ID, littleEndian(BigInt(FW_CFG_VERSION | FW_CFG_VERSION_DMA), 4));
    this.items.set(FW_CFG_NB_CPUS, littleEndian(BigInt(options.cpus), 2));
    if (options.ramSize !== undefined) this.items.set(FW_CFG_RAM_SIZE, littleEndian(options.ramSize, 8));
    if (options.maxCpus !== undefined) this.items.set(FW_CFG_MAX_CPUS, littleEndian(BigInt(options.maxCpus), 2));
    // fw_cfg_reboot: no -boot reboot-timeout gives -1, stored as a little-endian u32.
    this.addFile('etc/boot-fail-wait', littleEndian(0xffff_ffffn, 4));
    for (const [name, size] of QEMU_VIRT_FILES) this.addFile(name, new Uint8Array(size));
  }

  /** Adds a named file to the directory, or replaces the data of the file already so named (fw_cfg_modify_file). */
  addFile(name: string, data: Uint8Array): void {
    const encoded = new TextEncoder().encode(name);
    if (encoded.length > FILE_NAME_MAX) {
      throw new FwCfgError({ code: 'FileNameTooLong', name, bytes: encoded.length });
    }
    const existing = this.files.find((f) => compareNames(f.name, encoded) === 0);
    if (existing) existing.data = data;
    else {
      if (this.files.length >= FW_CFG_FILE_SLOTS) {
        throw new FwCfgError({ code: 'FileSlotsFull', name, slots: FW_CFG_FILE_SLOTS });
      }
      // fw_cfg_add_file_callback inserts by strcmp and renumbers the files after the insertion point.
      const at = this.files.findIndex((f) => compareNames(encoded, f.name) < 0);
      this.files.splice(at < 0 ? this.files.length : at, 0, { name: encoded, data });
    }
    this.items.set(FW_CFG_FILE_DIR, this.encodeFileDirectory());
  }

  /** Sets a numbered item (e.g. FW_CFG_KERNEL_SIZE and FW_CFG_KERNEL_DATA), replacing what the key held. */
  setItem(key: number, data: Uint8Array): void {
    const index = key & FW_CFG_ENTRY_MASK;
    const settable = (key & ~(FW_CFG_ARCH_LOCAL | FW_CFG_ENTRY_MASK)) === 0 && index < FW_CFG_FILE_FIRST;
    if (!settable || index === FW_CFG_FILE_DIR) throw new FwCfgError({ code: 'KeyNotSettable', key });
    this.items.set(key, data);
  }

  /**
   * Whether QEMU completes this access; where it does not, the guest takes a synchronous external abort (a 32-bit
   * store to the selector gave ESR_EL1 0x96000050 under QEMU 7.2). read and write treat such accesses as RAZ/WI.
   */
  accepts(offset: bigint, width: number, isWrite: boolean): boolean {
    if (![1, 2, 4, 8].includes(width) || offset % BigInt(width) !== 0n) return false;
    if (offset === FW_CFG_DATA) return true;
    if (offset === FW_CFG_SELECTOR) return isWrite && width === 2;
    if (offset < FW_CFG_DMA_ADDRESS || offset + BigInt(width) > WINDOW_SIZE) return false;
    if (!isWrite) return true;
    return (width === 4 && (offset === FW_CFG_DMA_ADDRESS || offset === FW_CFG_DMA_ADDRESS_LOW)) || width === 8;
  }

  read(offset: bigint, width: number): bigint {
    if (!this.accepts(offset, width, false)) return 0n;
    if (offset === FW_CFG_DATA) return fromLittleEndian(this.readData(width));
    const at = Number(offset - FW_CFG_DMA_ADDRESS);
    return fromLittleEndian(DMA_SIGNATURE.subarray(at, at + width));
  }

  write(offset: bigint, width: number, value: bigint): void {
    // Writes to the data register are ignored (QEMU v2.4+), as are accesses QEMU would abort.
    if (!this.accepts(offset, width, true) || offset === FW_CFG_DATA) return;
    if (offset === FW_CFG_SELECTOR) this.select(Number(byteSwap(value, 2)));
    else if (width === 8) {
      this.dmaAddress = byteSwap(value, 8);
      this.runDma();
    } else if (offset === FW_CFG_DMA_ADDRESS) {
      this.dmaAddress = byteSwap(value, 4) << 32n;
    } else {
      // The low half ORs into what the high half left, and starts the transfer.
      this.dmaAddress |= byteSwap(value, 4);
      this.runDma();
    }
  }

  /** fw_cfg_reset: selects the signature. QEMU leaves the DMA address register as it was, and so do we. */
  reset(): void {
    this.select(FW_CFG_SIGNATURE);
  }

  private select(key: number): void {
    this.dataOffset = 0;
    this.selected = (key & FW_CFG_ENTRY_MASK) < FW_CFG_MAX_ENTRY ? key : undefined;
  }

  private selectedItem(): Uint8Array | undefined {
    if (this.selected === undefined) return undefined;
    const key = this.selected & (FW_CFG_ARCH_LOCAL | FW_CFG_ENTRY_MASK);
    const fileIndex = key - FW_CFG_FILE_FIRST;
    if (fileIndex >= 0 && fileIndex < FW_CFG_FILE_SLOTS) return this.files[fileIndex]?.data;
    return this.items.get(key);
  }

  /** The next `width` bytes of the selected item, zero past its end; the offset stops at the end. */
  private readData(width: number): Uint8Array {
    const out = new Uint8Array(width);
    const item = this.selectedItem();
    if (!item || this.dataOffset >= item.length) return out;
    const end = Math.min(item.length, this.dataOffset + width);
    out.set(item.subarray(this.dataOffset, end));
    this.dataOffset = end;
    return out;
  }

  /** FWCfgFiles: BE32 count, then 64-byte entries (BE32 size, BE16 select, reserved, name[56]) for every slot. */
  private encodeFileDirectory(): Uint8Array {
    const dir = new Uint8Array(4 + FILE_ENTRY_SIZE * FW_CFG_FILE_SLOTS);
    const view = new DataView(dir.buffer);
    view.setUint32(0, this.files.length);
    this.files.forEach((file, i) => {
      const at = 4 + FILE_ENTRY_SIZE * i;
      view.setUint32(at, file.data.length);
      view.setUint16(at + 4, FW_CFG_FILE_FIRST + i);
      dir.set(file.name, at + 8);
    });
    return dir;
  }

  /** fw_cfg_dma_transfer: runs the FWCfgDmaAccess at the DMA address, then writes its control word back. */
  private runDma(): void {
    const accessAt = this.dmaAddress;
    this.dmaAddress = 0n;
    let access: Uint8Array;
    try {
      access = this.dma.read(accessAt, DMA_ACCESS_SIZE);
    } catch {
      this.writeControl(accessAt, FW_CFG_DMA_CTL_ERROR);
      return;
    }
    const control = Number(readBigEndian(access, 0, 4));
    let length = Number(readBigEndian(access, 4, 4));
    let address = readBigEndian(access, 8, 8);
    if (control & FW_CFG_DMA_CTL_SELECT) this.select(control >>> 16);
    const mode = dmaMode(control);
    if (mode === 'none') length = 0;
    let status = 0;
    while (length > 0 && status === 0) {
      const item = this.selectedItem();
      const left = item ? item.length - this.dataOffset : 0;
      const count = left > 0 ? Math.min(length, left) : length;
      // Every item is read-only (QEMU registers none writable on virt), so a write fails wherever it lands.
      if (mode === 'write') status = FW_CFG_DMA_CTL_ERROR;
      else if (mode === 'read') {
        const copied =
          item && left > 0
            ? this.tryWrite(address, item.subarray(this.dataOffset, this.dataOffset + count))
            : this.tryWriteZeros(address, count);
        if (!copied) status = FW_CFG_DMA_CTL_ERROR;
      }
      if (left > 0) this.dataOffset += count;
      address = BigInt.asUintN(64, address + BigInt(count));
      length -= count;
    }
    this.writeControl(accessAt, status);
  }

  private writeControl(accessAt: bigint, status: number): void {
    this.tryWrite(accessAt, littleEndian(BigInt(status), 4).reverse());
  }

  private tryWrite(pa: bigint, bytes: Uint8Array): boolean {
    try {
      this.dma.write(pa, bytes);
      return true;
    } catch {
      return false;
    }
  }

  /** Reading past an item's end stores zeros (dma_memory_set), in chunks so a 4 GiB length allocates little. */
  private tryWriteZeros(pa: bigint, count: number): boolean {
    const zeros = new Uint8Array(Math.min(count, ZERO_CHUNK));
    for (let done = 0; done < count; done += zeros.length) {
      const n = Math.min(zeros.length, count - done);
      if (!this.tryWrite(BigInt.asUintN(64, pa + BigInt(done)), zeros.subarray(0, n))) return false;
    }
    return true;
  }
}
