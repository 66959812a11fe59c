import { ImageLoadError } from '../../core/loader/image-load-error.js';
import type { LoadedImage } from '../../core/loader/loaded-image.js';
import { readImageFile } from '../../core/loader/read-image-file.js';
import { virtRegion } from '../../core/platform/virt-memory-map.js';
import { Machine, type MachineConfig } from '../../core/machine/machine.js';
import { UC_ERR } from '../../core/unicorn/constants.js';
import { UnicornError, UnicornLoadError } from '../../core/unicorn/errors.js';
import { loadUnicorn, type UnicornLibrary } from '../../core/unicorn/library.js';
import { CliError, EXIT } from './cli-error.js';
import { DEFAULT_LOAD_ADDR } from './defaults.js';

/**
 * Loads a guest image for a machine with `ramSize` bytes of RAM; a bad image is a CliError with the loader's sentence.
 */
export async function loadGuestImage(
  path: string,
  ramSize: bigint,
  loadAddr: bigint = DEFAULT_LOAD_ADDR,
): Promise<LoadedImage> {
  const ram = { base: virtRegion('ram').base, size: ramSize };
  const flash = { base: virtRegion('flash').base, size: virtRegion('flash').size };
  try {
    return await readImageFile(path, { name: path, loadAddr, ram, flash });
  } catch (e) {
    if (e instanceof ImageLoadError) throw new CliError(EXIT.BAD_ARGUMENTS, e.message, { cause: e });
    throw e;
  }
}

/**
 * Builds the machine; RAM the host cannot give (unicorn's NOMEM when mapping it) is a usage error naming --memory.
 * `release` (the policy's worker) is ended first when it fails.
 */
export async function openMachine(config: MachineConfig, release: () => Promise<void>): Promise<Machine> {
  try {
    return new Machine(config);
  } catch (e) {
    await release();
    if (e instanceof UnicornError && e.err === UC_ERR.NOMEM) {
      const gib = Number(config.ramSize) / 2 ** 30;
      throw new CliError(
        EXIT.BAD_ARGUMENTS,
        `--memory: this host cannot give the guest ${gib >= 1 ? `${gib} GiB` : `${config.ramSize} bytes`} of RAM (unicorn: ${e.message}); ask for less`,
        { cause: e },
      );
    }
    throw e;
  }
}

/** Loads libunicorn; a missing or too old library is a CliError that says how to fix it. */
export function loadEngineLibrary(): UnicornLibrary {
  try {
    return loadUnicorn();
  } catch (e) {
    if (e instanceof UnicornLoadError) throw new CliError(EXIT.EMULATOR_ERROR, e.message, { cause: e });
    throw e;
  }
}

/** Checks --memory: at least 16 MiB, at most the 255 GiB the virt map leaves for RAM. */
export function checkRamSize(size: bigint): bigint {
  const max = virtRegion('ram').size;
  if (size < 16n << 20n || size > max || size % 4096n !== 0n) {
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `--memory: ${size} bytes is not a usable RAM size (a multiple of 4 KiB from 16M to 255G)`,
    );
  }
  return size;
}
