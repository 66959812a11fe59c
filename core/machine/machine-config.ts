import type { SerialPort } from '../devices/pl011.js';
import type { InjectMode } from '../el2/el2-state.js';
import type { CoreLogger } from '../el2/events.js';
import type { LoadedImage } from '../loader/loaded-image.js';
import type { Stage2Policy } from '../stage2/stage2-policy.js';
import type { UnicornLibrary } from '../unicorn/library.js';
import type { CpuModel } from './cpu-model.js';
import type { FlashBackingStore } from './flash-banks.js';
import type { GicVersion } from '../devices/interrupt-controller.js';

/** Everything needed to build a machine around one guest image. */
export interface MachineConfig {
  readonly lib: UnicornLibrary;
  readonly image: LoadedImage;
  /** Guest RAM size in bytes (RAM starts at 0x40000000 as on QEMU virt). */
  readonly ramSize: bigint;
  /** Where the PL011 transmits. */
  readonly console: SerialPort;
  /**
   * The stage-2 policy of the EL2 model (default: allow everything, no traps), or a function that builds one: it is
   * called again at every reset, so handler state (counters, device models) starts over with the guest.
   */
  readonly policy?: Stage2Policy | (() => Stage2Policy);
  readonly policyName?: string;
  /** How aborts the model does not emulate reach EL1 (default 'ritm'). */
  readonly injectMode?: InjectMode;
  readonly logger?: CoreLogger;
  /** Longest uninterrupted run, in milliseconds, before the machine yields to the event loop (default 1). */
  readonly sliceMs?: number;
  readonly bootargs?: string;
  /** Where the image's initrd segment is (a kernel boot): the device tree's /chosen describes it. */
  readonly initrd?: { readonly start: bigint; readonly end: bigint };
  /** The user's device tree blob (--dtb), used instead of the generated one (memory node and /chosen filled in). */
  readonly dtb?: Uint8Array;
  /** 'firmware': the image is entered as QEMU's -bios enters firmware (x0 = 0); default 'image' (x0 = the DTB). */
  readonly boot?: 'firmware' | 'image';
  /** Flash bank 1's initial contents and where its changes go (`--flash1 FILE`). */
  readonly flash1?: FlashBackingStore;
  /** The CPU (default 'max'). */
  readonly cpu?: CpuModel;
  /** The GIC: 3 (default) or 2, as QEMU's `-M virt,gic-version=`. */
  readonly gic?: GicVersion;
}
