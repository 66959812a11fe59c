// What the machine needs of its interrupt controller, whichever GIC the board has (core/machine/interrupts.ts and the
// board's device table): the frames to map, the inputs devices and timers drive, the CPU's IRQ and FIQ lines, and the
// GIC CPU interface system registers (ICC_*_EL1), which only a GICv3 has.
import type { MmioDevice } from './device.js';

/** The GIC architecture version (`--gic 2|3`, QEMU's `-M virt,gic-version=`). */
export type GicVersion = 2 | 3;
export const GIC_VERSIONS: readonly GicVersion[] = [2, 3];

/** A GIC for one CPU, as the board and the interrupt glue use it. */
export interface InterruptController {
  readonly version: GicVersion;
  /** The MMIO frames the board maps (distributor, then redistributor or CPU interface). */
  readonly frames: readonly MmioDevice[];
  /** The CPU's IRQ input as the CPU interface drives it now. */
  readonly irqLine: boolean;
  /** The CPU's FIQ input as the CPU interface drives it now. */
  readonly fiqLine: boolean;
  /** Called whenever irqLine or fiqLine changes. */
  onLinesChanged: (() => void) | null;
  /** Drives the input of a PPI (16-31) or SPI (32 up). */
  setLine(intid: number, level: boolean): void;
  /** The INTID the guest would acknowledge for `line` now (1023 when none): for events and counts, no side effect. */
  pendingIntid(line: 'irq' | 'fiq'): number;
  /** MRS of a GIC system register; null when the encoding is none this GIC has (the MRS is then UNDEFINED). */
  readSysreg(op0: number, op1: number, crn: number, crm: number, op2: number): bigint | null;
  /** MSR of a GIC system register; false when the encoding is none this GIC has (UNDEFINED). */
  writeSysreg(op0: number, op1: number, crn: number, crm: number, op2: number, value: bigint): boolean;
  /** Power-on state; inputs read low again. */
  reset(): void;
  /** Text for `monitor` output: control registers, the lines, every interrupt enabled, pending or active. */
  describe(): string;
}
