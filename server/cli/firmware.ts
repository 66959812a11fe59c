// --firmware and --flash1: firmware in flash bank 0 entered at 0x0 as QEMU's -bios, and a file behind flash bank 1.
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { KernelImageError, placeKernel } from '../../core/loader/arm64-image.js';
import type { LoadedImage } from '../../core/loader/loaded-image.js';
import type { FlashBackingStore } from '../../core/machine/flash-banks.js';
import type { GicVersion } from '../../core/devices/interrupt-controller.js';
import type { CpuModel, MachineConfig } from '../../core/machine/machine.js';
import { FdtError } from '../../core/fdt/fdt-builder.js';
import { editUserDeviceTree } from '../../core/platform/user-device-tree.js';
import { VIRT_FLASH_BANK_COUNT, virtRegion } from '../../core/platform/virt-memory-map.js';
import { CliError, EXIT } from './cli-error.js';
import { loadGuestImage } from './load-guest.js';

/** Debian's u-boot-qemu build for QEMU's arm64 virt (scripts/setup installs the package), and its symbols. */
export const DEBIAN_UBOOT = Object.freeze({
  image: '/usr/lib/u-boot/qemu_arm64/u-boot.bin',
  symbols: '/usr/lib/u-boot/qemu_arm64/uboot.elf',
});

const BANK_SIZE = virtRegion('flash').size / BigInt(VIRT_FLASH_BANK_COUNT);

/** The firmware file a --firmware value names, and the ELF with its symbols when we know one. */
export interface FirmwareChoice {
  readonly path: string;
  readonly symbols: string | null;
}

/** Resolves --firmware: `u-boot` is Debian's build; anything else is a file. Missing files are a usage error. */
export function resolveFirmware(spec: string): FirmwareChoice {
  if (spec === 'u-boot') {
    if (!existsSync(DEBIAN_UBOOT.image))
      throw new CliError(
        EXIT.BAD_ARGUMENTS,
        `--firmware u-boot: ${DEBIAN_UBOOT.image} is missing: install Debian's u-boot-qemu (scripts/setup does)`,
      );
    return { path: DEBIAN_UBOOT.image, symbols: existsSync(DEBIAN_UBOOT.symbols) ? DEBIAN_UBOOT.symbols : null };
  }
  if (!existsSync(spec)) throw new CliError(EXIT.BAD_ARGUMENTS, `--firmware: ${spec} does not exist`);
  return { path: spec, symbols: null };
}

/** Loads a raw firmware image into flash bank 0 at 0x0; more than the bank holds is a usage error. */
export async function loadFirmwareImage(path: string, ramSize: bigint): Promise<LoadedImage> {
  const size = statSync(path).size;
  if (BigInt(size) > BANK_SIZE)
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `--firmware: ${path} is ${size} bytes; flash bank 0 holds ${BANK_SIZE} (64 MiB)`,
    );
  return loadGuestImage(path, ramSize, virtRegion('flash').base);
}

/**
 * --flash1 FILE: flash bank 1 reads the file (created empty when missing; shorter files read as zero past their end)
 * and every erase or program the guest makes is written back at once, so `saveenv` survives the process.
 */
export function openFlash1(file: string): FlashBackingStore {
  let fd: number;
  try {
    fd = openSync(file, existsSync(file) ? 'r+' : 'w+');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new CliError(EXIT.BAD_ARGUMENTS, `--flash1 ${file}: cannot open it for reading and writing (${why})`);
  }
  const size = fstatSync(fd).size;
  if (BigInt(size) > BANK_SIZE) {
    closeSync(fd);
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `--flash1 ${file} is ${size} bytes; flash bank 1 holds ${BANK_SIZE} (64 MiB)`,
    );
  }
  const initial = new Uint8Array(size);
  if (size > 0) readSync(fd, initial, 0, size, 0);
  return {
    initial,
    changed: (contents, offset, length) => {
      writeSync(fd, contents, offset, length, offset);
    },
  };
}

/** What the machine boots, from --image / --firmware / --kernel (with --initrd, --append), --flash1 and --cpu. */
export interface BootFlags {
  image: string;
  firmware?: string;
  flash1?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  dtb?: string;
  cpu?: CpuModel;
  /** --gic; default: 2 with --firmware (QEMU's `-M virt`), 3 otherwise (RITM's machine, our guests' ICC_* use). */
  gic?: GicVersion;
}

/** The image a command boots: an --image, or --firmware in flash with --flash1 behind bank 1. */
export interface BootImage {
  readonly image: LoadedImage;
  /** The file loaded. */
  readonly path: string;
  /** An ELF with the firmware's symbols, when known (Debian's uboot.elf). */
  readonly symbols: string | null;
  /** What the machine needs to boot it (firmware entry, flash bank 1's file, a kernel's initrd and command line). */
  readonly machine: Pick<MachineConfig, 'boot' | 'flash1' | 'initrd' | 'bootargs' | 'dtb' | 'cpu' | 'gic'>;
}

/**
 * Loads --image (at --load-addr when raw), --firmware (into flash bank 0, entered at 0x0) or --kernel (with --initrd
 * and --append, as QEMU's -kernel), and opens --flash1.
 */
export async function loadBootImage(opts: BootFlags & { loadAddr: bigint }, ramSize: bigint): Promise<BootImage> {
  const flash1 = opts.flash1 !== undefined ? { flash1: openFlash1(opts.flash1) } : {};
  const cpu = opts.cpu !== undefined ? { cpu: opts.cpu } : {};
  const gic = { gic: opts.gic ?? defaultGicVersion(opts) };
  if (opts.kernel !== undefined) return loadKernel(opts, ramSize, { ...flash1, ...cpu, ...gic });
  if (opts.firmware === undefined) {
    const image = await loadGuestImage(opts.image, ramSize, opts.loadAddr);
    return { image, path: opts.image, symbols: null, machine: { ...flash1, ...cpu, ...gic } };
  }
  const fw = resolveFirmware(opts.firmware);
  const image = await loadFirmwareImage(fw.path, ramSize);
  return { image, path: fw.path, symbols: fw.symbols, machine: { boot: 'firmware', ...flash1, ...cpu, ...gic } };
}

/**
 * The GIC when --gic is not given: firmware gets QEMU's `-M virt` default, a GICv2; a kernel gets RITM's machine's
 * GICv3 (gic-version=3), and so do our guests, whose interrupt code uses the ICC_* system registers.
 */
export function defaultGicVersion(opts: Pick<BootFlags, 'firmware'>): GicVersion {
  return opts.firmware !== undefined ? 2 : 3;
}

/** Reads a file the user named for the boot; a usage error names it when it cannot be read. */
async function readBootFile(flag: string, path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new CliError(EXIT.BAD_ARGUMENTS, `${flag} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

async function loadKernel(
  opts: BootFlags,
  ramSize: bigint,
  machine: Pick<MachineConfig, 'flash1' | 'cpu' | 'gic'>,
): Promise<BootImage> {
  const kernelPath = opts.kernel!;
  const kernel = { name: kernelPath, bytes: await readBootFile('--kernel', kernelPath) };
  const initrd =
    opts.initrd !== undefined ? { name: opts.initrd, bytes: await readBootFile('--initrd', opts.initrd) } : null;
  let placed;
  try {
    placed = placeKernel(kernel, initrd, { base: virtRegion('ram').base, size: ramSize });
  } catch (e) {
    if (e instanceof KernelImageError) throw new CliError(EXIT.BAD_ARGUMENTS, e.message, { cause: e });
    throw e;
  }
  const dtb = opts.dtb !== undefined ? { dtb: await readUserDtb(opts.dtb, ramSize) } : {};
  return {
    image: placed.image,
    path: kernelPath,
    symbols: null,
    machine: {
      cpu: 'cortex-a57', // RITM's CPU and the kernel's; --cpu overrides
      ...machine,
      ...(placed.initrd ? { initrd: placed.initrd } : {}),
      ...(opts.append !== undefined ? { bootargs: opts.append } : {}),
      ...dtb,
    },
  };
}

/** --dtb FILE, checked now (a usage error naming the file) by the edit the machine makes to it. */
async function readUserDtb(path: string, ramSize: bigint): Promise<Uint8Array> {
  const bytes = await readBootFile('--dtb', path);
  try {
    editUserDeviceTree(bytes, { ramBase: virtRegion('ram').base, ramSize });
  } catch (e) {
    if (e instanceof FdtError) throw new CliError(EXIT.BAD_ARGUMENTS, `--dtb ${path}: ${e.message}`, { cause: e });
    throw e;
  }
  return bytes;
}
