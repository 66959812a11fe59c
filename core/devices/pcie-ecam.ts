import type { MmioDevice } from './device.js';
import { readSplitIntoWords, writeSplitIntoWords } from './split-wide-access.js';

// ECAM (PCIe base spec 7.2.2): offset = bus << 20 | device << 15 | function << 12 | register.
const ECAM_FUNCTION_SHIFT = 12n;
const ECAM_REGISTER_MASK = 0xfffn;

// Type 0 configuration header (PCI Local Bus spec 6.1; names as QEMU's include/standard-headers/linux/pci_regs.h).
const PCI_VENDOR_ID = 0x00;
const PCI_DEVICE_ID = 0x02;
const PCI_COMMAND = 0x04;
const PCI_REVISION_ID = 0x08;
const PCI_CLASS_DEVICE = 0x0a;
const PCI_CACHE_LINE_SIZE = 0x0c;
const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
const PCI_SUBSYSTEM_ID = 0x2e;
const PCI_INTERRUPT_LINE = 0x3c;
const PCI_CONFIG_HEADER_SIZE = 0x40;
// QEMU's gpex-root is a conventional PCI device, so it has 256 bytes of config space; ECAM reads above them (which
// pci_host_config_read_common refuses, limit <= addr) give all-ones, as for an absent function.
const PCI_CONFIG_SPACE_SIZE = 0x100;
const PCI_COMMAND_IO = 0x0001;
const PCI_COMMAND_MEMORY = 0x0002;
const PCI_COMMAND_MASTER = 0x0004;
const PCI_COMMAND_SERR = 0x0100;
const PCI_COMMAND_INTX_DISABLE = 0x0400;

// hw/pci-host/gpex.c gpex_root_class_init, QEMU 7.2.
const PCI_VENDOR_ID_REDHAT = 0x1b36;
const PCI_DEVICE_ID_REDHAT_PCIE_HOST = 0x0008;
const GPEX_ROOT_REVISION = 0x00;
const PCI_CLASS_BRIDGE_HOST = 0x0600; // base class 0x06, subclass 0x00; programming interface 0
// hw/pci/pci.c pci_set_default_subsystem_id: every non-bridge device without its own subsystem IDs gets these.
const PCI_SUBVENDOR_ID_REDHAT_QUMRANET = 0x1af4;
const PCI_SUBDEVICE_ID_QEMU = 0x1100;

/** Config space of the GPEX root at power-on: IDs, class, subsystem IDs; no BARs, no capabilities, all else 0. */
function gpexRootPowerOnConfig(): Uint8Array {
  const config = new Uint8Array(PCI_CONFIG_SPACE_SIZE);
  const view = new DataView(config.buffer);
  view.setUint16(PCI_VENDOR_ID, PCI_VENDOR_ID_REDHAT, true);
  view.setUint16(PCI_DEVICE_ID, PCI_DEVICE_ID_REDHAT_PCIE_HOST, true);
  view.setUint8(PCI_REVISION_ID, GPEX_ROOT_REVISION);
  view.setUint16(PCI_CLASS_DEVICE, PCI_CLASS_BRIDGE_HOST, true);
  view.setUint16(PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBVENDOR_ID_REDHAT_QUMRANET, true);
  view.setUint16(PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_ID_QEMU, true);
  return config;
}

/**
 * Which config bits a guest may write (hw/pci/pci.c pci_init_wmask): five command bits, cache line size, interrupt
 * line, and the whole device-specific area 0x40-0xff. Latency timer, interrupt pin, IDs and the absent BARs are 0.
 */
function gpexRootWriteMask(): Uint8Array {
  const mask = new Uint8Array(PCI_CONFIG_SPACE_SIZE);
  const commandBits =
    PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE;
  new DataView(mask.buffer).setUint16(PCI_COMMAND, commandBits, true);
  mask[PCI_CACHE_LINE_SIZE] = 0xff;
  mask[PCI_INTERRUPT_LINE] = 0xff;
  mask.fill(0xff, PCI_CONFIG_HEADER_SIZE);
  return mask;
}

/**
 * The generic ECAM window of QEMU's virt (pci-host-ecam-generic, 1 MiB per bus, 4 KiB per function) with only the
 * GPEX host bridge behind it, at bus 0 device 0 function 0. Every other function is absent: it reads all-ones and
 * ignores writes. Status stays 0: this model raises no INTx and no errors, so none of its W1C bits is ever set.
 */
export class PcieEcamHost implements MmioDevice {
  private readonly config = gpexRootPowerOnConfig();
  private readonly writeMask = gpexRootWriteMask();

  constructor(
    readonly name: string,
    readonly base: bigint,
    readonly size: bigint,
  ) {}

  read(offset: bigint, width: number): bigint {
    return readSplitIntoWords(offset, width, (o, w) => this.readConfig(o, w));
  }

  write(offset: bigint, width: number, value: bigint): void {
    writeSplitIntoWords(offset, width, value, (o, w, v) => this.writeConfig(o, w, v));
  }

  /**
   * QEMU's reset (pci_do_device_reset) clears command, status, cache line size and interrupt line, i.e. the header
   * goes back to power-on; bytes a guest wrote at 0x40-0xff survive it, as they do in QEMU.
   */
  reset(): void {
    this.config.set(gpexRootPowerOnConfig().subarray(0, PCI_CONFIG_HEADER_SIZE));
  }

  private readConfig(offset: bigint, width: number): bigint {
    const register = this.hostBridgeRegister(offset);
    if (register === undefined) return (1n << BigInt(width * 8)) - 1n;
    let value = 0n;
    // Bytes past the end of config space read 0: QEMU reads MIN(len, limit - addr) bytes.
    for (let i = width - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.config[register + i] ?? 0);
    return value;
  }

  private writeConfig(offset: bigint, width: number, value: bigint): void {
    const register = this.hostBridgeRegister(offset);
    if (register === undefined) return;
    for (let i = 0; i < width && register + i < PCI_CONFIG_SPACE_SIZE; i++) {
      const mask = this.writeMask[register + i];
      const byte = Number((value >> BigInt(8 * i)) & 0xffn);
      this.config[register + i] = (this.config[register + i] & ~mask) | (byte & mask);
    }
  }

  /** The config register `offset` addresses if it falls in the host bridge's 256 bytes, else undefined. */
  private hostBridgeRegister(offset: bigint): number | undefined {
    if (offset >> ECAM_FUNCTION_SHIFT !== 0n) return undefined; // another bus, device or function
    const register = Number(offset & ECAM_REGISTER_MASK);
    return register < PCI_CONFIG_SPACE_SIZE ? register : undefined;
  }
}
