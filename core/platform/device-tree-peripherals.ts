// Device-tree nodes of the virt peripherals beyond the CPU, GIC, UART and RTC: GPIO and its power key, the virtio-mmio
// transports, the PCIe host bridge, the PMU, the platform bus and the CPU map, as QEMU 7.2's hw/arm/virt.c writes them
// (compare with `qemu-system-aarch64 -M virt,gic-version=3,its=off,dumpdtb=FILE`).
import {
  fdtCells,
  fdtEmpty,
  fdtNode,
  fdtPhandle,
  fdtProp,
  fdtString,
  fdtStringList,
  fdtU64,
} from '../fdt/fdt-builder.js';
import type { FdtNode } from '../fdt/fdt-builder.js';
import { VIRT_VIRTIO_MMIO_SLOT_COUNT, VIRT_VIRTIO_MMIO_SLOT_SIZE, virtRegion } from './virt-memory-map.js';

// include/dt-bindings/interrupt-controller/arm-gic.h and input-event-codes.h
const GIC_SPI = 0;
const GIC_PPI = 1;
const IRQ_TYPE_EDGE_RISING = 1;
const IRQ_TYPE_LEVEL_HIGH = 4;
const KEY_POWER = 116;
// hw/arm/virt.h: SPIs of the GPIO, the first virtio-mmio transport and the first PCIe INTx; the PMU's PPI.
const GPIO_SPI = 7;
const VIRTIO_SPI_BASE = 16;
const PCIE_SPI_BASE = 3;
const PCIE_INTX_PINS = 4;
const PMU_PPI = 7;
/** QEMU's virt platform bus (VIRT_PLATFORM_BUS): an empty simple-bus for dynamic sysbus devices. */
const PLATFORM_BUS = { base: 0x0c00_0000n, size: 0x0200_0000n };
/** High PCIe MMIO window (VIRT_HIGH_PCIE_MMIO) with highmem on: 512 GiB at 512 GiB. */
export const VIRT_HIGH_PCIE_MMIO = Object.freeze({ base: 0x80_0000_0000n, size: 0x80_0000_0000n });

const hexName = (base: string, at: bigint) => `${base}@${at.toString(16)}`;
const compatible = (...values: string[]) => fdtProp('compatible', fdtStringList(values));
const reg64 = (base: bigint, size: bigint) => fdtProp('reg', fdtU64(base, size));

/** The PL061 GPIO controller and the gpio-keys power button wired to its line 3. */
export function gpioNodes(phandleGpio: number, phandleClock: number): FdtNode[] {
  const gpio = virtRegion('gpio');
  return [
    fdtNode(hexName('pl061', gpio.base), [
      fdtProp('phandle', fdtPhandle(phandleGpio)),
      fdtProp('clock-names', fdtString('apb_pclk')),
      fdtProp('clocks', fdtPhandle(phandleClock)),
      fdtProp('interrupts', fdtCells(GIC_SPI, GPIO_SPI, IRQ_TYPE_LEVEL_HIGH)),
      fdtProp('gpio-controller', fdtEmpty()),
      fdtProp('#gpio-cells', fdtCells(2)),
      compatible('arm,pl061', 'arm,primecell'),
      reg64(gpio.base, gpio.size),
    ]),
    fdtNode(
      'gpio-keys',
      [compatible('gpio-keys')],
      [
        fdtNode('poweroff', [
          fdtProp('gpios', fdtCells(phandleGpio, 3, 0)),
          fdtProp('linux,code', fdtCells(KEY_POWER)),
          fdtProp('label', fdtString('GPIO Key Poweroff')),
        ]),
      ],
    ),
  ];
}

/** The 32 virtio-mmio transports, one SPI each. */
export function virtioMmioNodes(): FdtNode[] {
  const base = virtRegion('virtio-mmio').base;
  return Array.from({ length: VIRT_VIRTIO_MMIO_SLOT_COUNT }, (_, i) => {
    const at = base + BigInt(i) * VIRT_VIRTIO_MMIO_SLOT_SIZE;
    return fdtNode(hexName('virtio_mmio', at), [
      fdtProp('dma-coherent', fdtEmpty()),
      fdtProp('interrupts', fdtCells(GIC_SPI, VIRTIO_SPI_BASE + i, IRQ_TYPE_EDGE_RISING)),
      reg64(at, VIRT_VIRTIO_MMIO_SLOT_SIZE),
      compatible('virtio,mmio'),
    ]);
  });
}

/** The generic ECAM host bridge: config space, PIO/MMIO/high MMIO windows, and the INTx swizzle onto four SPIs. */
export function pcieNode(phandleGic: number): FdtNode {
  const ecam = virtRegion('pcie-ecam');
  const pio = virtRegion('pcie-pio');
  const mmio = virtRegion('pcie-mmio');
  const hi = (v: bigint) => Number(v >> 32n);
  const lo = (v: bigint) => Number(v & 0xffff_ffffn);
  // ranges: (pci flags, pci address hi, lo), (cpu address hi, lo), (size hi, lo): I/O, 32-bit MMIO, 64-bit MMIO.
  const window = (flags: number, pci: bigint, cpu: bigint, size: bigint) => [
    flags,
    hi(pci),
    lo(pci),
    hi(cpu),
    lo(cpu),
    hi(size),
    lo(size),
  ];
  const map: number[] = [];
  for (let slot = 0; slot < PCIE_INTX_PINS; slot++) {
    for (let pin = 0; pin < PCIE_INTX_PINS; pin++) {
      const spi = PCIE_SPI_BASE + ((pin + slot) % PCIE_INTX_PINS);
      map.push(slot << 11, 0, 0, pin + 1, phandleGic, 0, 0, GIC_SPI, spi, IRQ_TYPE_LEVEL_HIGH);
    }
  }
  return fdtNode('pcie@10000000', [
    fdtProp('interrupt-map-mask', fdtCells(0x1800, 0, 0, 7)),
    fdtProp('interrupt-map', fdtCells(...map)),
    fdtProp('#interrupt-cells', fdtCells(1)),
    fdtProp(
      'ranges',
      fdtCells(
        ...window(0x0100_0000, 0n, pio.base, pio.size),
        ...window(0x0200_0000, mmio.base, mmio.base, mmio.size),
        ...window(0x0300_0000, VIRT_HIGH_PCIE_MMIO.base, VIRT_HIGH_PCIE_MMIO.base, VIRT_HIGH_PCIE_MMIO.size),
      ),
    ),
    reg64(ecam.base, ecam.size),
    fdtProp('dma-coherent', fdtEmpty()),
    fdtProp('bus-range', fdtCells(0, 0xff)),
    fdtProp('linux,pci-domain', fdtCells(0)),
    fdtProp('#size-cells', fdtCells(2)),
    fdtProp('#address-cells', fdtCells(3)),
    fdtProp('device_type', fdtString('pci')),
    compatible('pci-host-ecam-generic'),
  ]);
}

/** The PMU (its overflow interrupt is PPI 7); `ppiFlags` is the third cell of a PPI (see device-tree.ts). */
export function pmuNode(ppiFlags: number): FdtNode {
  return fdtNode('pmu', [fdtProp('interrupts', fdtCells(GIC_PPI, PMU_PPI, ppiFlags)), compatible('arm,armv8-pmuv3')]);
}

/** The empty platform bus QEMU describes for dynamically created sysbus devices. */
export function platformBusNode(phandleGic: number): FdtNode {
  return fdtNode(hexName('platform-bus', PLATFORM_BUS.base), [
    fdtProp('interrupt-parent', fdtPhandle(phandleGic)),
    fdtProp('ranges', fdtCells(0, 0, Number(PLATFORM_BUS.base), Number(PLATFORM_BUS.size))),
    fdtProp('#address-cells', fdtCells(1)),
    fdtProp('#size-cells', fdtCells(1)),
    compatible('qemu,platform', 'simple-bus'),
  ]);
}

/** /cpus/cpu-map: one socket, one cluster, a core per CPU (phandles of the cpu nodes). */
export function cpuMapNode(cpuPhandles: readonly number[]): FdtNode {
  const cores = cpuPhandles.map((ph, i) => fdtNode(`core${i}`, [fdtProp('cpu', fdtPhandle(ph))]));
  return fdtNode('cpu-map', [], [fdtNode('socket0', [], [fdtNode('cluster0', [], cores)])]);
}
