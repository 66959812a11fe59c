import { SYSREG, PSTATE_EL1H_DAIF_MASKED, SCTLR_EL1_ENTRY } from '../arch/sysregs.js';
import { RazWiDevice, type MmioDevice } from '../devices/device.js';
import { Pl011, type SerialPort } from '../devices/pl011.js';
import { Pl031 } from '../devices/pl031.js';
import type { LoadedImage } from '../loader/loaded-image.js';
import { buildMachineDeviceTree } from '../platform/device-tree.js';
import { virtRegion } from '../platform/virt-memory-map.js';
import { UC_ARM64_REG, UC_PROT } from '../unicorn/constants.js';
import type { UnicornEngine } from '../unicorn/engine.js';

/** What the board is built from: the image it boots, its RAM, where the console goes, the kernel command line. */
export interface BoardConfig {
  readonly image: LoadedImage;
  readonly ramSize: bigint;
  readonly console: SerialPort;
  readonly bootargs?: string;
}

const MiB = 1n << 20n;
const PAGE = 0x1000n;
/** Device windows of QEMU's virt that answer reads as zero and ignore writes (no model behind them yet). */
const RAZ_WI_WINDOWS = [
  'gic-dist',
  'gic-redist',
  'fw-cfg',
  'virtio-mmio',
  'pcie-mmio',
  'pcie-pio',
  'pcie-ecam',
] as const;

/** Who allocates RAM and flash: unicorn itself (uc_mem_map), or the native shim (RunState, so its fill reads them). */
export interface BoardMemory {
  mapMemory(base: bigint, size: bigint, perms: number): void;
  unmapMemory(base: bigint, size: bigint): void;
}

/**
 * The hardware around the CPU: QEMU virt's memory map (flash, devices, RAM) in one unicorn engine, the device models,
 * the device tree, and the power-on state (memory holding the image and the DTB, the CPU at the entry at EL1h).
 * Run control and the EL2 model live in the Machine; this is what they run on.
 */
export class VirtBoard {
  readonly uart: Pl011;
  readonly devices: readonly MmioDevice[];
  readonly ram: { base: bigint; size: bigint };
  readonly dtbAddress: bigint;
  private readonly dtb: Uint8Array;
  /** [base, end) of every physical range something answers at: RAM, flash, then the devices. */
  private readonly backed: readonly (readonly [bigint, bigint])[];

  constructor(
    private readonly uc: UnicornEngine,
    private readonly config: BoardConfig,
    private readonly memory: BoardMemory = uc,
  ) {
    this.ram = { base: virtRegion('ram').base, size: config.ramSize };
    this.uart = new Pl011(virtRegion('uart').base, config.console);
    this.devices = [
      this.uart,
      new Pl031(virtRegion('rtc').base),
      ...RAZ_WI_WINDOWS.map((name) => {
        const r = virtRegion(name);
        return new RazWiDevice(name, r.base, r.size < PAGE ? PAGE : r.size);
      }),
    ];
    const flash = virtRegion('flash');
    this.backed = [
      [this.ram.base, this.ram.base + this.ram.size],
      [flash.base, flash.base + flash.size],
      ...this.devices.map((d) => [d.base, d.base + d.size] as const),
    ];
    this.map();
    const bootargs = config.bootargs ? { bootargs: config.bootargs } : {};
    this.dtb = buildMachineDeviceTree({ ramBase: this.ram.base, ramSize: this.ram.size, cpus: 1, ...bootargs });
    this.dtbAddress = this.chooseDtbAddress();
  }

  /** Every physical range something answers at, [base, end); `memory` for RAM and flash (not a device model). */
  backedRanges(): { base: bigint; end: bigint; memory: boolean }[] {
    return this.backed.map(([base, end], i) => ({ base, end, memory: i < 2 }));
  }

  /** True if something (RAM, flash, a device) answers at physical address `pa`. */
  isBacked(pa: bigint): boolean {
    return this.backed.some(([b, e]) => pa >= b && pa < e);
  }

  /** RAM and flash hold the image and the DTB and nothing else; every device is in its reset state. */
  powerOnMemoryAndDevices(): void {
    // Unmapping and mapping again gives zeroed memory at once (pages are allocated when first touched).
    const flash = virtRegion('flash');
    for (const [base, size] of [
      [this.ram.base, this.ram.size],
      [flash.base, flash.size],
    ] as const) {
      this.memory.unmapMemory(base, size);
      this.memory.mapMemory(base, size, UC_PROT.ALL);
    }
    for (const seg of this.config.image.segments) this.uc.writeMemory(seg.addr, seg.data); // the rest is zero
    this.uc.writeMemory(this.dtbAddress, this.dtb);
    for (const d of this.devices) d.reset();
  }

  /** EL1 entry state of el2-model.md: x0 = DTB, other GPRs and SIMD registers zero, EL1h, DAIF masked, MMU off. */
  powerOnCpu(): void {
    for (let i = 0; i <= 28; i++) this.uc.writeReg(UC_ARM64_REG.X0 + i, 0n);
    this.uc.writeReg(UC_ARM64_REG.X29, 0n);
    this.uc.writeReg(UC_ARM64_REG.X30, 0n);
    this.uc.writeReg(UC_ARM64_REG.X0, this.dtbAddress);
    for (let i = 0; i < 32; i++) this.uc.writeVector(UC_ARM64_REG.Q0 + i, new Uint8Array(16));
    for (const r of [UC_ARM64_REG.SP_EL0, UC_ARM64_REG.SP_EL1, UC_ARM64_REG.SP]) this.uc.writeReg(r, 0n);
    this.uc.writeReg(UC_ARM64_REG.PSTATE, PSTATE_EL1H_DAIF_MASKED);
    const zeroed = ['TTBR0_EL1', 'TTBR1_EL1', 'TCR_EL1', 'MAIR_EL1', 'VBAR_EL1', 'ELR_EL1', 'SPSR_EL1'] as const;
    for (const r of [...zeroed, 'ESR_EL1', 'FAR_EL1'] as const) this.uc.writeSysReg(SYSREG[r], 0n);
    this.uc.writeSysReg(SYSREG.SCTLR_EL1, SCTLR_EL1_ENTRY); // also makes unicorn rebuild its cached EL state
    this.uc.writeReg(UC_ARM64_REG.PC, this.config.image.entry);
  }

  private map(): void {
    for (const d of this.devices) {
      this.uc.mapMmio(
        d.base,
        d.size,
        (off, size) => d.read(off, size),
        (off, size, value) => d.write(off, size, value),
      );
    }
    const flash = virtRegion('flash');
    this.memory.mapMemory(flash.base, flash.size, UC_PROT.ALL);
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
