// Device tree for our machine, modelled on what QEMU 7.2 writes for `-M virt,gic-version=3` and
// `-M virt,gic-version=2` (hw/arm/virt.c). With a GICv2 QEMU also describes a GICv2m MSI frame (v2m@8020000, and
// msi-map on the PCIe node); we model no GICv2m (see gicNode), so the tree has neither. Only devices we describe in
// VIRT_MEMORY_MAP appear; every address comes from that table.
import {
  concatBytes,
  encodeFdt,
  fdtCells,
  fdtEmpty,
  fdtNode,
  fdtPhandle,
  fdtProp,
  fdtString,
  fdtStringList,
  fdtU64,
  type FdtNode,
  type FdtProp,
} from '../fdt/fdt-builder.js';
import {
  cpuMapNode,
  gpioNodes,
  pcieNode,
  platformBusNode,
  pmuNode,
  virtioMmioNodes,
} from './device-tree-peripherals.js';
import type { GicVersion } from '../devices/interrupt-controller.js';
import { VIRT_FLASH_BANK_COUNT, VIRT_GICV3_REDIST_STRIDE, virtRegion, type VirtRegion } from './virt-memory-map.js';

export type MachineDeviceTreeConfig = {
  readonly ramBase: bigint;
  readonly ramSize: bigint;
  readonly cpus: number;
  readonly bootargs?: string;
  /** An initial RAM disk at [start, end): /chosen's linux,initrd-start and linux,initrd-end (QEMU's -initrd). */
  readonly initrd?: { readonly start: bigint; readonly end: bigint };
  /**
   * The RAM the guest may reach, when stage 2 leaves holes in it (RITM's modify_dt: its own 4 MiB window is not
   * described): reg entries of the memory node, inside [ramBase, ramBase + ramSize). Default: all of it.
   */
  readonly ramRanges?: readonly { readonly base: bigint; readonly size: bigint }[];
  /** Describe the PCIe host bridge (default true; false when stage 2 does not let the guest reach its ECAM). */
  readonly pcie?: boolean;
  /** Describe the PL061 and its power key (default true; QEMU leaves them out when it boots firmware with ACPI). */
  readonly gpio?: boolean;
  /** Total size of the blob, free space included (QEMU gives firmware 1 MiB); default: no free space. */
  readonly size?: number;
  /** The GIC version (default 3). */
  readonly gic?: GicVersion;
};

export type DeviceTreeConfigErrorCode = 'RamEmpty' | 'RamOutsideRegion' | 'CpuCountOutOfRange';

/** Thrown when a machine config cannot be described by a device tree. */
export class DeviceTreeConfigError extends Error {
  constructor(
    readonly code: DeviceTreeConfigErrorCode,
    readonly detail: {
      readonly ramBase?: bigint;
      readonly ramSize?: bigint;
      readonly cpus?: number;
      readonly max?: number;
    },
    message: string,
  ) {
    super(message);
    this.name = 'DeviceTreeConfigError';
  }
}

// Same phandle values as QEMU, so blobs can be compared property by property.
const PHANDLE_APB_PCLK = 0x8000;
const PHANDLE_CPU0 = 0x8001;
const PHANDLE_GIC = 0x8002;
const PHANDLE_GPIO = 0x8003;

// include/dt-bindings/interrupt-controller/arm-gic.h
const GIC_SPI = 0;
const GIC_PPI = 1;
const IRQ_TYPE_LEVEL_HIGH = 4;
const GIC_PPI_CPU_SHIFT = 8;
/** A GICv2 has eight CPU interfaces at most (GICD_ITARGETSR holds 8 bits). */
const GICV2_MAX_CPUS = 8;

// hw/arm/virt.h: SPI numbers of the devices and PPI numbers of the generic timer.
const UART_SPI = 1;
const RTC_SPI = 2;
const TIMER_PPIS = { secureEl1: 13, nonSecureEl1: 14, virtual: 11, nonSecureEl2: 10 } as const;

// SMCCC function ids QEMU writes for an AArch64 guest (PSCI 0.2+, SMC64 where one exists).
const PSCI_CPU_SUSPEND_64 = 0xc4000001;
const PSCI_CPU_OFF = 0x84000002;
const PSCI_CPU_ON_64 = 0xc4000003;
const PSCI_MIGRATE_64 = 0xc4000005;

const APB_PCLK_HZ = 24_000_000;
const FLASH_BANK_WIDTH = 4;

/** Builds the DTB that describes our virt-like machine for `config`. */
export function buildMachineDeviceTree(config: MachineDeviceTreeConfig): Uint8Array {
  checkConfig(config);
  const uart = virtRegion('uart');
  const gic = config.gic ?? 3;
  // A GICv2 PPI's flags carry the mask of CPUs it is wired to in bits [15:8] (arm,gic binding), as QEMU writes them.
  const ppiFlags =
    gic === 2 ? IRQ_TYPE_LEVEL_HIGH | (((1 << config.cpus) - 1) << GIC_PPI_CPU_SHIFT) : IRQ_TYPE_LEVEL_HIGH;
  const root = fdtNode(
    '',
    [
      fdtProp('interrupt-parent', fdtPhandle(PHANDLE_GIC)),
      fdtProp('model', fdtString('linux,dummy-virt')),
      fdtProp('#size-cells', fdtCells(2)),
      fdtProp('#address-cells', fdtCells(2)),
      fdtProp('compatible', fdtString('linux,dummy-virt')),
    ],
    [
      chosenNode(`/${unitName('pl011', uart)}`, config.bootargs, config.initrd),
      memoryNode(config.ramBase, config.ramRanges ?? [{ base: config.ramBase, size: config.ramSize }]),
      cpusNode(config.cpus),
      psciNode(),
      timerNode(ppiFlags),
      apbPclkNode(),
      gicNode(gic),
      pmuNode(ppiFlags),
      uartNode(uart),
      rtcNode(),
      fwCfgNode(),
      flashNode(),
      ...(config.gpio === false ? [] : gpioNodes(PHANDLE_GPIO, PHANDLE_APB_PCLK)),
      ...virtioMmioNodes(),
      ...(config.pcie === false ? [] : [pcieNode(PHANDLE_GIC)]),
      platformBusNode(PHANDLE_GIC),
    ],
  );
  return encodeFdt(root, { bootCpuId: 0, ...(config.size !== undefined ? { padTo: config.size } : {}) });
}

function checkConfig(config: MachineDeviceTreeConfig): void {
  const { ramBase, ramSize, cpus } = config;
  if (ramSize <= 0n) {
    throw new DeviceTreeConfigError('RamEmpty', { ramSize }, `RAM size ${ramSize} is not positive`);
  }
  const ram = virtRegion('ram');
  if (ramBase < ram.base || ramBase + ramSize > ram.base + ram.size) {
    throw new DeviceTreeConfigError('RamOutsideRegion', { ramBase, ramSize }, 'RAM lies outside the virt RAM region');
  }
  // One redistributor frame pair per CPU must fit in the redistributor region.
  const max = config.gic === 2 ? GICV2_MAX_CPUS : Number(virtRegion('gic-redist').size / VIRT_GICV3_REDIST_STRIDE);
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > max) {
    throw new DeviceTreeConfigError('CpuCountOutOfRange', { cpus, max }, `cpus must be 1..${max}, got ${cpus}`);
  }
}

function unitName(base: string, region: VirtRegion): string {
  return `${base}@${region.base.toString(16)}`;
}

function reg(...regions: readonly { readonly base: bigint; readonly size: bigint }[]): FdtProp {
  return fdtProp('reg', fdtU64(...regions.flatMap((r) => [r.base, r.size])));
}

function interrupts(...specs: readonly (readonly [type: number, irq: number, flags: number])[]): FdtProp {
  return fdtProp('interrupts', fdtCells(...specs.flat()));
}

function compatible(...values: readonly string[]): FdtProp {
  return fdtProp('compatible', fdtStringList(values));
}

function chosenNode(
  stdoutPath: string,
  bootargs: string | undefined,
  initrd: { readonly start: bigint; readonly end: bigint } | undefined,
): FdtNode {
  const props = [fdtProp('stdout-path', fdtString(stdoutPath))];
  if (bootargs !== undefined) props.push(fdtProp('bootargs', fdtString(bootargs)));
  // Sized by the root's #address-cells (2), as QEMU's arm_load_dtb writes them.
  if (initrd !== undefined) {
    props.push(fdtProp('linux,initrd-start', fdtU64(initrd.start)));
    props.push(fdtProp('linux,initrd-end', fdtU64(initrd.end)));
  }
  return fdtNode('chosen', props);
}

function memoryNode(base: bigint, ranges: readonly { readonly base: bigint; readonly size: bigint }[]): FdtNode {
  return fdtNode(`memory@${base.toString(16)}`, [reg(...ranges), fdtProp('device_type', fdtString('memory'))]);
}

function cpusNode(count: number): FdtNode {
  const cpus = Array.from({ length: count }, (_, id) => {
    // reg is the MPIDR affinity: with GICv3, QEMU's virt puts 16 CPUs in each Aff1 cluster.
    const mpidr = ((id >> 4) << 8) | (id & 0xf);
    return fdtNode(`cpu@${mpidr.toString(16)}`, [
      fdtProp('phandle', fdtPhandle(cpuPhandle(id))),
      fdtProp('device_type', fdtString('cpu')),
      compatible('arm,cortex-a57'),
      fdtProp('reg', fdtCells(mpidr)),
      // QEMU names PSCI as the enable method only when there is another CPU to enable.
      ...(count > 1 ? [fdtProp('enable-method', fdtString('psci'))] : []),
    ]);
  });
  const map = cpuMapNode(Array.from({ length: count }, (_, id) => cpuPhandle(id)));
  return fdtNode('cpus', [fdtProp('#size-cells', fdtCells(0)), fdtProp('#address-cells', fdtCells(1))], [map, ...cpus]);
}

/** Phandles of the cpu nodes: the first is QEMU's 0x8001; the others follow the fixed ones. */
function cpuPhandle(id: number): number {
  return id === 0 ? PHANDLE_CPU0 : PHANDLE_GPIO + id;
}

function psciNode(): FdtNode {
  return fdtNode('psci', [
    fdtProp('migrate', fdtCells(PSCI_MIGRATE_64)),
    fdtProp('cpu_on', fdtCells(PSCI_CPU_ON_64)),
    fdtProp('cpu_off', fdtCells(PSCI_CPU_OFF)),
    fdtProp('cpu_suspend', fdtCells(PSCI_CPU_SUSPEND_64)),
    fdtProp('method', fdtString('hvc')),
    compatible('arm,psci-1.0', 'arm,psci-0.2', 'arm,psci'),
  ]);
}

function timerNode(ppiFlags: number): FdtNode {
  const ppi = (irq: number) => [GIC_PPI, irq, ppiFlags] as const;
  return fdtNode('timer', [
    // Binding order: secure EL1, non-secure EL1, virtual, hypervisor (non-secure EL2).
    interrupts(
      ppi(TIMER_PPIS.secureEl1),
      ppi(TIMER_PPIS.nonSecureEl1),
      ppi(TIMER_PPIS.virtual),
      ppi(TIMER_PPIS.nonSecureEl2),
    ),
    fdtProp('always-on', fdtEmpty()),
    compatible('arm,armv8-timer', 'arm,armv7-timer'),
  ]);
}

function apbPclkNode(): FdtNode {
  return fdtNode('apb-pclk', [
    fdtProp('phandle', fdtPhandle(PHANDLE_APB_PCLK)),
    fdtProp('clock-output-names', fdtString('clk24mhz')),
    fdtProp('clock-frequency', fdtCells(APB_PCLK_HZ)),
    fdtProp('#clock-cells', fdtCells(0)),
    compatible('fixed-clock'),
  ]);
}

/**
 * The GIC: a GICv3 as QEMU with its=off, or a GICv2 as QEMU writes it but without the v2m@8020000 MSI frame child:
 * a GICv2m only turns MSI writes from PCIe devices into SPIs, and our PCIe bus is empty, so nothing could use it.
 */
function gicNode(version: GicVersion): FdtNode {
  const dist = virtRegion('gic-dist');
  const frames =
    version === 2
      ? [reg(dist, virtRegion('gic-cpu')), compatible('arm,cortex-a15-gic')]
      : [reg(dist, virtRegion('gic-redist')), fdtProp('#redistributor-regions', fdtCells(1)), compatible('arm,gic-v3')];
  return fdtNode(unitName('intc', dist), [
    fdtProp('phandle', fdtPhandle(PHANDLE_GIC)),
    ...frames,
    // As QEMU with its=off: no ITS child, but ranges and 2/2 cells all the same (the PCIe interrupt-map gives the
    // GIC a two-cell unit address).
    fdtProp('ranges', fdtEmpty()),
    fdtProp('#size-cells', fdtCells(2)),
    fdtProp('#address-cells', fdtCells(2)),
    fdtProp('interrupt-controller', fdtEmpty()),
    fdtProp('#interrupt-cells', fdtCells(3)),
  ]);
}

function uartNode(uart: VirtRegion): FdtNode {
  return fdtNode(unitName('pl011', uart), [
    fdtProp('clock-names', fdtStringList(['uartclk', 'apb_pclk'])),
    fdtProp('clocks', concatBytes([fdtPhandle(PHANDLE_APB_PCLK), fdtPhandle(PHANDLE_APB_PCLK)])),
    interrupts([GIC_SPI, UART_SPI, IRQ_TYPE_LEVEL_HIGH]),
    reg(uart),
    compatible('arm,pl011', 'arm,primecell'),
  ]);
}

function rtcNode(): FdtNode {
  const rtc = virtRegion('rtc');
  return fdtNode(unitName('pl031', rtc), [
    fdtProp('clock-names', fdtString('apb_pclk')),
    fdtProp('clocks', fdtPhandle(PHANDLE_APB_PCLK)),
    interrupts([GIC_SPI, RTC_SPI, IRQ_TYPE_LEVEL_HIGH]),
    reg(rtc),
    compatible('arm,pl031', 'arm,primecell'),
  ]);
}

function fwCfgNode(): FdtNode {
  const fwCfg = virtRegion('fw-cfg');
  return fdtNode(unitName('fw-cfg', fwCfg), [
    fdtProp('dma-coherent', fdtEmpty()),
    reg(fwCfg),
    compatible('qemu,fw-cfg-mmio'),
  ]);
}

function flashNode(): FdtNode {
  const flash = virtRegion('flash');
  const bankSize = flash.size / BigInt(VIRT_FLASH_BANK_COUNT);
  const banks = Array.from({ length: VIRT_FLASH_BANK_COUNT }, (_, i) => ({
    base: flash.base + BigInt(i) * bankSize,
    size: bankSize,
  }));
  return fdtNode(unitName('flash', flash), [
    fdtProp('bank-width', fdtCells(FLASH_BANK_WIDTH)),
    reg(...banks),
    compatible('cfi-flash'),
  ]);
}
