// The ICC_*_EL1 system registers by their MRS/MSR encoding (op0, op1, CRn, CRm, op2 as the Arm ARM lists them; the
// set and access directions of QEMU 7.2's gicv3_cpuif_reginfo for a CPU with 5 priority bits). A register that
// lacks `read` is write-only and one that lacks `write` read-only: MRS or MSR of it is UNDEFINED, as in QEMU.
import type { GicV3CpuInterface } from './gicv3-cpu-interface.js';

/** One ICC register: its name, its encoding, and what MRS and MSR of it do. */
export interface IccRegister {
  readonly name: string;
  readonly encoding: readonly [op0: number, op1: number, crn: number, crm: number, op2: number];
  readonly read?: (icc: GicV3CpuInterface) => bigint;
  readonly write?: (icc: GicV3CpuInterface, value: bigint) => void;
}

/** ICC_SRE_EL1 reads 0b111: SRE (system registers only), DFB and DIB (no FIQ/IRQ bypass); writes are ignored. */
const ICC_SRE_EL1_VALUE = 0x7n;

export const ICC_REGISTERS: readonly IccRegister[] = [
  {
    name: 'ICC_PMR_EL1',
    encoding: [3, 0, 4, 6, 0],
    read: (icc) => BigInt(icc.pmr),
    write: (icc, v) => icc.writePmr(v),
  },
  { name: 'ICC_IAR0_EL1', encoding: [3, 0, 12, 8, 0], read: (icc) => icc.acknowledge(0) },
  { name: 'ICC_EOIR0_EL1', encoding: [3, 0, 12, 8, 1], write: (icc, v) => icc.endOfInterrupt(0, v) },
  { name: 'ICC_HPPIR0_EL1', encoding: [3, 0, 12, 8, 2], read: (icc) => icc.highestPendingIntid(0) },
  {
    name: 'ICC_BPR0_EL1',
    encoding: [3, 0, 12, 8, 3],
    read: (icc) => icc.readBpr(0),
    write: (icc, v) => icc.writeBpr(0, v),
  },
  {
    name: 'ICC_AP0R0_EL1',
    encoding: [3, 0, 12, 8, 4],
    read: (icc) => icc.readActivePriorities(0),
    write: (icc, v) => icc.writeActivePriorities(0, v),
  },
  {
    name: 'ICC_AP1R0_EL1',
    encoding: [3, 0, 12, 9, 0],
    read: (icc) => icc.readActivePriorities(1),
    write: (icc, v) => icc.writeActivePriorities(1, v),
  },
  { name: 'ICC_DIR_EL1', encoding: [3, 0, 12, 11, 1], write: (icc, v) => icc.deactivate(v) },
  { name: 'ICC_RPR_EL1', encoding: [3, 0, 12, 11, 3], read: (icc) => BigInt(icc.runningPriority()) },
  { name: 'ICC_SGI1R_EL1', encoding: [3, 0, 12, 11, 5], write: (icc, v) => icc.generateSgi(1, v) },
  // Generates Secure Group 1 SGIs from Non-secure state; with GICD_CTLR.DS = 1 the GIC treats those as Group 0.
  { name: 'ICC_ASGI1R_EL1', encoding: [3, 0, 12, 11, 6], write: (icc, v) => icc.generateSgi(0, v) },
  { name: 'ICC_SGI0R_EL1', encoding: [3, 0, 12, 11, 7], write: (icc, v) => icc.generateSgi(0, v) },
  { name: 'ICC_IAR1_EL1', encoding: [3, 0, 12, 12, 0], read: (icc) => icc.acknowledge(1) },
  { name: 'ICC_EOIR1_EL1', encoding: [3, 0, 12, 12, 1], write: (icc, v) => icc.endOfInterrupt(1, v) },
  { name: 'ICC_HPPIR1_EL1', encoding: [3, 0, 12, 12, 2], read: (icc) => icc.highestPendingIntid(1) },
  {
    name: 'ICC_BPR1_EL1',
    encoding: [3, 0, 12, 12, 3],
    read: (icc) => icc.readBpr(1),
    write: (icc, v) => icc.writeBpr(1, v),
  },
  {
    name: 'ICC_CTLR_EL1',
    encoding: [3, 0, 12, 12, 4],
    read: (icc) => icc.ctlr,
    write: (icc, v) => icc.writeCtlr(v),
  },
  { name: 'ICC_SRE_EL1', encoding: [3, 0, 12, 12, 5], read: () => ICC_SRE_EL1_VALUE, write: () => {} },
  {
    name: 'ICC_IGRPEN0_EL1',
    encoding: [3, 0, 12, 12, 6],
    read: (icc) => icc.readGroupEnable(0),
    write: (icc, v) => icc.writeGroupEnable(0, v),
  },
  {
    name: 'ICC_IGRPEN1_EL1',
    encoding: [3, 0, 12, 12, 7],
    read: (icc) => icc.readGroupEnable(1),
    write: (icc, v) => icc.writeGroupEnable(1, v),
  },
];

/** The fields of an encoding packed into one number (the native shim's SYSREG_KEY layout). */
function encodingKey(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

const BY_ENCODING: ReadonlyMap<number, IccRegister> = new Map(
  ICC_REGISTERS.map((r) => [encodingKey(...r.encoding), r] as const),
);

/** op0 is 2 bits, op1 and op2 3 bits, CRn and CRm 4 bits. */
const FIELD_LIMITS = [4, 8, 16, 16, 8];

/** The ICC register an MRS/MSR encoding names, or undefined when it is none of ours. */
export function findIccRegister(
  op0: number,
  op1: number,
  crn: number,
  crm: number,
  op2: number,
): IccRegister | undefined {
  const fields = [op0, op1, crn, crm, op2];
  if (!fields.every((f, i) => Number.isInteger(f) && f >= 0 && f < FIELD_LIMITS[i])) return undefined;
  return BY_ENCODING.get(encodingKey(op0, op1, crn, crm, op2));
}
