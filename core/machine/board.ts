import { SYSREG, PSTATE_EL1H_DAIF_MASKED, SCTLR_EL1_ENTRY } from '../arch/sysregs.js';
import { RazWiDevice, type MmioDevice } from '../devices/device.js';
import { FwCfg } from '../devices/fw-cfg.js';
import { GicV2 } from '../devices/gicv2.js';
import { GicV3 } from '../devices/gicv3.js';
import type { GicVersion, InterruptController } from '../devices/interrupt-controller.js';
import { PcieEcamHost } from '../devices/pcie-ecam.js';
import { Pl011, type SerialPort } from '../devices/pl011.js';
import { Pl031 } from '../devices/pl031.js';
import { Pl061 } from '../devices/pl061.js';
import { VirtioMmioSlot } from '../devices/virtio-mmio.js';
import { fdtUsedLength } from '../fdt/fdt-builder.js';
import type { LoadedImage } from '../loader/loaded-image.js';
import { buildMachineDeviceTree } from '../platform/device-tree.js';
import { VIRT_VIRTIO_MMIO_SLOT_COUNT, VIRT_VIRTIO_MMIO_SLOT_SIZE, virtRegion } from '../platform/virt-memory-map.js';
import { UC_ARM64_REG, UC_PROT } from '../unicorn/constants.js';
import type { NativeFillRange } from '../unicorn/run-state.js';
import type { MemAccessType, UnicornEngine } from '../unicorn/engine.js';
import { editUserDeviceTree } from '../platform/user-device-tree.js';
import { FlashBanks, type BoardMemory, type FlashAccess, type FlashBackingStore } from './flash-banks.js';
import type { GuestView } from './guest-view.js';

/** What the board is built from: the image it boots, its RAM, where the console goes, the kernel command line. */
export interface BoardConfig {
  readonly image: LoadedImage;
  readonly ramSize: bigint;
  readonly console: SerialPort;
  readonly bootargs?: string;
  /** Where an initrd was loaded (a --kernel boot): described in /chosen. */
  readonly initrd?: { readonly start: bigint; readonly end: bigint };
  /** The user's device tree blob (--dtb): given to the guest with its memory node and /chosen filled as QEMU does. */
  readonly dtb?: Uint8Array;
  /**
   * 'firmware': the image is firmware in flash entered as QEMU's -bios enters it (x0 = 0; it finds the DTB at the
   * start of RAM). 'image' (default): x0 = the DTB, as the Linux boot protocol and our guests expect.
   */
  readonly boot?: 'firmware' | 'image';
  /** Flash bank 1's contents at power-on and where its changes go (`--flash1 FILE`). */
  readonly flash1?: FlashBackingStore;
  /** What the device tree describes (the RAM and the PCIe bridge stage 2 lets the guest reach); default: all. */
  readonly view?: GuestView;
  /** The GIC version (default 3). */
  readonly gic?: GicVersion;
}

const MiB = 1n << 20n;
const PAGE = 0x1000n;
/** Device windows of QEMU's virt that answer reads as zero and ignore writes (no model behind them yet). */
const RAZ_WI_WINDOWS = ['pcie-mmio', 'pcie-pio'] as const;
/** The PL011's interrupt: SPI 1 on QEMU virt (VIRT_UART), INTID 33. */
const UART_INTID = 33;
/** One redistributor (RD_base and SGI_base frames) for the one CPU; the rest of QEMU's region answers nothing. */
const REDIST_FRAME_SIZE = 0x2_0000n;

/** A physical range something answers at, [base, end); see VirtBoard.backedRanges. */
type BackedRange = NativeFillRange;

/** What a device model may use of the board: the engine (fw_cfg's DMA reads and writes its memory), the config. */
interface DeviceContext {
  readonly uc: UnicornEngine;
  readonly config: BoardConfig;
  readonly gic: InterruptController;
}

/**
 * The device table: QEMU virt's devices at their addresses, one entry (a model, or several for a window of slots)
 * each; their device-tree nodes come from core/platform/device-tree.ts. Flash is not here: its banks switch between
 * memory and their model (flash-banks.ts).
 */
const DEVICES: readonly ((ctx: DeviceContext) => MmioDevice | MmioDevice[])[] = [
  ({ gic }) => {
    if (gic.version === 2) return [...gic.frames];
    const redist = virtRegion('gic-redist');
    const unused = new RazWiDevice(
      'gic-redist-unused',
      redist.base + REDIST_FRAME_SIZE,
      redist.size - REDIST_FRAME_SIZE,
    );
    return [...gic.frames, unused];
  },
  ({ config, gic }) => new Pl011(virtRegion('uart').base, config.console, (level) => gic.setLine(UART_INTID, level)),
  () => new Pl031(virtRegion('rtc').base),
  // DMA through unicorn's physical memory: an address nothing answers at throws, which sets fw_cfg's error bit.
  ({ uc }) =>
    new FwCfg(
      virtRegion('fw-cfg').base,
      { read: (pa, length) => uc.readMemory(pa, length), write: (pa, bytes) => uc.writeMemory(pa, bytes) },
      { cpus: 1 },
    ),
  // With firmware (and so ACPI) QEMU 7.2 has an ACPI GED instead of the PL061 and its power key (virt.c).
  (ctx) => (ctx.config.boot === 'firmware' ? [] : new Pl061(virtRegion('gpio').base)),
  () =>
    Array.from({ length: VIRT_VIRTIO_MMIO_SLOT_COUNT }, (_, i) => {
      const base = virtRegion('virtio-mmio').base + BigInt(i) * VIRT_VIRTIO_MMIO_SLOT_SIZE;
      return new VirtioMmioSlot(`virtio-mmio@${base.toString(16)}`, base);
    }),
  () => new PcieEcamHost('pcie-ecam', virtRegion('pcie-ecam').base, virtRegion('pcie-ecam').size),
  () => RAZ_WI_WINDOWS.map((name) => new RazWiDevice(name, virtRegion(name).base, virtRegion(name).size)),
];

/** The GIC of `version` at QEMU virt's addresses for it. */
function makeGic(version: GicVersion): InterruptController {
  const dist = virtRegion('gic-dist').base;
  if (version === 2) return new GicV2({ distBase: dist, cpuBase: virtRegion('gic-cpu').base });
  return new GicV3({ distBase: dist, redistBase: virtRegion('gic-redist').base });
}

/** The page-aligned MMIO windows that hold the devices (devices in the same pages share a window). */
function mmioWindows(devices: readonly MmioDevice[]): { base: bigint; size: bigint; devices: MmioDevice[] }[] {
  const sorted = [...devices].sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  const windows: { base: bigint; size: bigint; devices: MmioDevice[] }[] = [];
  for (const d of sorted) {
    const base = d.base & ~(PAGE - 1n);
    const end = (d.base + d.size + PAGE - 1n) & ~(PAGE - 1n);
    const last = windows[windows.length - 1];
    if (last && base < last.base + last.size) {
      if (end > last.base + last.size) last.size = end - last.base;
      last.devices.push(d);
    } else windows.push({ base, size: end - base, devices: [d] });
  }
  return windows;
}

/**
 * The hardware around the CPU: QEMU virt's memory map (flash, devices, RAM) in one unicorn engine, the device models,
 * the device tree, and the power-on state (memory holding the image and the DTB, the CPU at the entry at EL1h).
 * Run control and the EL2 model live in the Machine; this is what they run on.
 */
export class VirtBoard {
  readonly uart: Pl011;
  /** The interrupt controller: a GICv3 (QEMU's virt with gic-version=3, RITM's machine) or a GICv2 (virt's default). */
  readonly gic: InterruptController;
  readonly devices: readonly MmioDevice[];
  readonly ram: { base: bigint; size: bigint };
  readonly dtbAddress: bigint;
  private readonly dtb: Uint8Array;
  private readonly flash: FlashBanks;
  /**
   * Every physical range something answers at: RAM, the flash banks, then the devices (see backedRanges); one list
   * for each state of flash bank 0 (memory, or behind its model).
   */
  private readonly backed: { readonly bank0Memory: readonly BackedRange[]; readonly bank0Mmio: readonly BackedRange[] };

  constructor(
    private readonly uc: UnicornEngine,
    private readonly config: BoardConfig,
    private readonly memory: BoardMemory,
  ) {
    this.ram = { base: virtRegion('ram').base, size: config.ramSize };
    this.gic = makeGic(config.gic ?? 3);
    const ctx: DeviceContext = { uc, config, gic: this.gic };
    this.devices = DEVICES.flatMap((make) => make(ctx));
    this.uart = this.devices.find((d): d is Pl011 => d instanceof Pl011)!;
    this.map();
    this.flash = new FlashBanks(uc, memory, config.flash1);
    const [bank0, bank1] = [this.flash.banks[0]!, this.flash.banks[1]!];
    const range = (d: { base: bigint; size: bigint }, memory: boolean, flags: Partial<BackedRange> = {}) => {
      return { base: d.base, end: d.base + d.size, memory, ...flags };
    };
    const rest = [range(bank1, false), ...this.devices.map((d) => range(d, false))];
    this.backed = {
      bank0Memory: [range(this.ram, true), range(bank0, true, { readOnly: true }), ...rest],
      bank0Mmio: [range(this.ram, true), range(bank0, false, { noFetch: true }), ...rest],
    };
    const bootargs = config.bootargs ? { bootargs: config.bootargs } : {};
    const initrd = config.initrd ? { initrd: config.initrd } : {};
    const ram = {
      ramBase: this.ram.base,
      ramSize: this.ram.size,
      ...(config.view && { ramRanges: config.view.ramRanges }),
    };
    const userTree = config.dtb && { ...ram, ...bootargs, ...initrd };
    this.dtb = userTree
      ? editUserDeviceTree(config.dtb!, userTree)
      : buildMachineDeviceTree({
          ramBase: this.ram.base,
          ramSize: this.ram.size,
          cpus: 1,
          ...bootargs,
          ...initrd,
          ...config.view,
          gpio: config.boot !== 'firmware',
          gic: this.gic.version,
          // QEMU hands firmware its tree in a 1 MiB blob (free space to edit in place); U-Boot's bdinfo shows the size.
          ...(config.boot === 'firmware' ? { size: 1 << 20 } : {}),
        });
    this.dtbAddress = this.chooseDtbAddress();
  }

  /**
   * Every physical range something answers at, [base, end): `memory` for RAM and flash while it is memory (not a
   * device model); the native TLB fill answers in all of them. Flash bank 0 as memory is `readOnly` (mapped without
   * write permission; a write moves it behind its model), behind its model `noFetch` (a fetch may have to move it
   * back): those accesses go to the TypeScript fill (flash-banks.ts). Changes only with remapFlash and power-on,
   * which the TLB flush that follows them re-exports.
   */
  backedRanges(): readonly BackedRange[] {
    return this.flash.bank0IsMemory ? this.backed.bank0Memory : this.backed.bank0Mmio;
  }

  /** How the TLB fill must treat an access to `pa` (flash bank 0 while it is memory: read-only, or remap first). */
  flashAccess(pa: bigint, access: MemAccessType): FlashAccess {
    return this.flash.access(pa, access);
  }

  /** The flash banks' models (their arrays are guest memory), and whether bank 0 is mapped as memory. */
  get flashState(): { readonly banks: readonly object[]; readonly bank0Memory: boolean } {
    return { banks: this.flash.banks, bank0Memory: this.flash.bank0IsMemory };
  }

  /** Maps flash as its models say after they were put back to an earlier state (the caller flushes the TLB). */
  resyncFlash(bank0Memory: boolean): void {
    this.flash.resync(bank0Memory);
  }

  /** Moves flash bank 0 between memory and its command interface (the caller flushes the TLB). */
  remapFlash(): void {
    this.flash.remapBank0();
  }

  /**
   * Writes physical memory as a loader or debugger does: flash gets its array written (not its commands), the rest
   * through unicorn. False if some byte is not mapped.
   */
  writePhysical(pa: bigint, bytes: Uint8Array): boolean {
    if (this.flash.writeArray(pa, bytes)) return true;
    return this.uc.tryWriteMemory(pa, bytes);
  }

  /** True if something (RAM, flash, a device) answers at physical address `pa`. */
  isBacked(pa: bigint): boolean {
    return this.backed.bank0Memory.some((r) => pa >= r.base && pa < r.end);
  }

  /**
   * RAM and flash bank 0 hold the image and the DTB and nothing else (bank 1 keeps what was saved in it, as flash
   * does across a reset); every device is in its reset state. The caller flushes the TLB and the translated blocks.
   */
  powerOnMemoryAndDevices(): void {
    // Zeroed at once: the pages go back to the host and are allocated again when first touched.
    this.memory.zeroMemory(this.ram.base, this.ram.size);
    this.flash.powerOn();
    for (const seg of this.config.image.segments) {
      if (!this.writePhysical(seg.addr, seg.data)) this.uc.writeMemory(seg.addr, seg.data); // names the address
    }
    // RAM was just zeroed: the blob's free space (nearly all of firmware's 1 MiB) needs no writing.
    this.uc.writeMemory(this.dtbAddress, this.dtb.subarray(0, fdtUsedLength(this.dtb)));
    for (const d of this.devices) d.reset();
  }

  /** EL1 entry state of el2-model.md: x0 = DTB, other GPRs and SIMD registers zero, EL1h, DAIF masked, MMU off. */
  powerOnCpu(): void {
    for (let i = 0; i <= 28; i++) this.uc.writeReg(UC_ARM64_REG.X0 + i, 0n);
    this.uc.writeReg(UC_ARM64_REG.X29, 0n);
    this.uc.writeReg(UC_ARM64_REG.X30, 0n);
    // QEMU's -bios leaves x0 zero (the firmware finds the DTB at the start of RAM); a kernel gets the DTB in x0.
    this.uc.writeReg(UC_ARM64_REG.X0, this.config.boot === 'firmware' ? 0n : this.dtbAddress);
    for (let i = 0; i < 32; i++) this.uc.writeVector(UC_ARM64_REG.Q0 + i, new Uint8Array(16));
    for (const r of [UC_ARM64_REG.SP_EL0, UC_ARM64_REG.SP_EL1, UC_ARM64_REG.SP]) this.uc.writeReg(r, 0n);
    this.uc.writeReg(UC_ARM64_REG.PSTATE, PSTATE_EL1H_DAIF_MASKED);
    const zeroed = ['TTBR0_EL1', 'TTBR1_EL1', 'TCR_EL1', 'MAIR_EL1', 'VBAR_EL1', 'ELR_EL1', 'SPSR_EL1'] as const;
    for (const r of [...zeroed, 'ESR_EL1', 'FAR_EL1'] as const) this.uc.writeSysReg(SYSREG[r], 0n);
    this.uc.writeSysReg(SYSREG.SCTLR_EL1, SCTLR_EL1_ENTRY); // also makes unicorn rebuild its cached EL state
    this.uc.writeReg(UC_ARM64_REG.PC, this.config.image.entry);
  }

  private map(): void {
    // unicorn maps whole pages; devices smaller than a page (fw_cfg, the 0x200-byte virtio slots) share one window
    // that hands each access to the device it falls in (nothing there: reads zero, writes ignored).
    for (const w of mmioWindows(this.devices)) {
      const at = (off: bigint) => {
        const pa = w.base + off;
        return w.devices.find((d) => pa >= d.base && pa < d.base + d.size);
      };
      this.uc.mapMmio(
        w.base,
        w.size,
        (off, size) => {
          const d = at(off);
          return d ? d.read(w.base + off - d.base, size) : 0n;
        },
        (off, size, value) => {
          const d = at(off);
          d?.write(w.base + off - d.base, size, value);
        },
      );
    }
    this.memory.mapMemory(this.ram.base, this.ram.size, UC_PROT.ALL);
  }

  private chooseDtbAddress(): bigint {
    // QEMU puts the DTB at the start of RAM; move it past the image if a segment sits there.
    const size = BigInt(this.dtb.length);
    const segments = this.config.image.segments;
    const overlaps = (at: bigint) => segments.some((s) => s.addr < at + size && at < s.addr + s.memSize);
    if (!overlaps(this.ram.base)) return this.ram.base;
    const end = segments.reduce((m, s) => (s.addr + s.memSize > m ? s.addr + s.memSize : m), this.ram.base);
    return (end + 2n * MiB - 1n) & ~(2n * MiB - 1n);
  }
}
