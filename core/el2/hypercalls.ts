// HVC and SMC as the EL2 model answers them (el2-model.md "HVC and SMC"): SMCCC function id in x0, PSCI calls go
// to the "firmware" (QEMU virt's PSCI 1.1, which we emulate for one core), vendor id 0xFF000000 answers RITM's
// magic value, everything else is NOT_SUPPORTED.

/** PSCI function ids (Arm DEN 0022). The 64-bit calling convention sets bit 30 (0xC4...). */
export const PSCI = {
  VERSION: 0x8400_0000n,
  CPU_SUSPEND: 0x8400_0001n,
  CPU_OFF: 0x8400_0002n,
  CPU_ON: 0x8400_0003n,
  AFFINITY_INFO: 0x8400_0004n,
  MIGRATE: 0x8400_0005n,
  MIGRATE_INFO_TYPE: 0x8400_0006n,
  MIGRATE_INFO_UP_CPU: 0x8400_0007n,
  SYSTEM_OFF: 0x8400_0008n,
  SYSTEM_RESET: 0x8400_0009n,
  FEATURES: 0x8400_000an,
} as const;

/** PSCI return codes as 64-bit register values. */
export const PSCI_RET = {
  SUCCESS: 0n,
  NOT_SUPPORTED: 0xffff_ffff_ffff_ffffn, // -1
  INVALID_PARAMETERS: 0xffff_ffff_ffff_fffen, // -2
  DENIED: 0xffff_ffff_ffff_fffdn, // -3
  ALREADY_ON: 0xffff_ffff_ffff_fffcn, // -4
} as const;

/** SMCCC NOT_SUPPORTED. */
export const SMCCC_NOT_SUPPORTED = 0xffff_ffff_ffff_ffffn;
/** QEMU virt's PSCI version: 1.1. */
export const PSCI_VERSION_1_1 = 0x0001_0001n;
/** RITM's vendor-specific call on QEMU and its answer. */
export const VENDOR_ID_CALL = 0xff00_0000n;
export const VENDOR_ID_ANSWER = 0x1234_5678_9abc_def0n;
/** MIGRATE_INFO_TYPE: no Trusted OS, migration not required. */
const TOS_NOT_PRESENT_MP = 2n;

/** The only core's MPIDR affinity (Aff0..Aff3 = 0) until SMP arrives. */
const BOOT_CPU_AFFINITY = 0n;

/** Which family a function id belongs to (for trace and catch rules). */
export type HypercallFamily = 'psci' | 'vendor' | 'other';

/** What a hypercall does: registers to write back, or a power state change of the machine. */
export type HypercallOutcome =
  | {
      kind: 'return';
      family: HypercallFamily;
      name: string;
      regs: { x0: bigint; x1?: bigint; x2?: bigint; x3?: bigint };
    }
  | { kind: 'power-off'; family: 'psci'; name: string }
  | { kind: 'system-reset'; family: 'psci'; name: string };

/** True for an id in the PSCI ranges 0x84000000..0x8400001F and 0xC4000000..0xC400001F. */
export function isPsciFunction(id: bigint): boolean {
  const base = id & ~0x1fn;
  return base === 0x8400_0000n || base === 0xc400_0000n;
}

const PSCI_NAMES: Record<string, string> = Object.fromEntries(Object.entries(PSCI).map(([k, v]) => [v.toString(), k]));

/** The name of a PSCI function id (32- or 64-bit form), or null. */
export function psciName(id: bigint): string | null {
  return PSCI_NAMES[(id & ~0x4000_0000n).toString()] ?? null;
}

/** Answers a hypercall from its function id and arguments (x0..x3 of the caller). */
export function handleHypercall(x: readonly bigint[]): HypercallOutcome {
  const id = x[0]!;
  if (isPsciFunction(id)) return handlePsci(id, x);
  if (id === VENDOR_ID_CALL)
    return {
      kind: 'return',
      family: 'vendor',
      name: 'VENDOR_ID',
      regs: { x0: VENDOR_ID_ANSWER, x1: 0n, x2: 0n, x3: 0n },
    };
  // Anything else, SMCCC_VERSION (0x80000000) included: NOT_SUPPORTED, x1..x17 unchanged.
  return { kind: 'return', family: 'other', name: `0x${id.toString(16)}`, regs: { x0: SMCCC_NOT_SUPPORTED } };
}

function psciReturn(name: string, x0: bigint): HypercallOutcome {
  // RITM forwards PSCI to firmware and hands back x0 with x1..x3 cleared.
  return { kind: 'return', family: 'psci', name, regs: { x0, x1: 0n, x2: 0n, x3: 0n } };
}

function handlePsci(id: bigint, x: readonly bigint[]): HypercallOutcome {
  const name = psciName(id) ?? `PSCI 0x${id.toString(16)}`;
  const fn32 = id & ~0x4000_0000n;
  switch (fn32) {
    case PSCI.VERSION:
      return psciReturn(name, PSCI_VERSION_1_1);
    case PSCI.SYSTEM_OFF:
      return { kind: 'power-off', family: 'psci', name };
    case PSCI.SYSTEM_RESET:
      return { kind: 'system-reset', family: 'psci', name };
    case PSCI.CPU_ON:
      // One core: it is the caller, so it is on; any other target does not exist.
      return psciReturn(
        name,
        (x[1]! & 0xff_00ff_ffffn) === BOOT_CPU_AFFINITY ? PSCI_RET.ALREADY_ON : PSCI_RET.INVALID_PARAMETERS,
      );
    case PSCI.AFFINITY_INFO:
      return psciReturn(
        name,
        (x[1]! & 0xff_00ff_ffffn) === BOOT_CPU_AFFINITY ? 0n /* ON */ : PSCI_RET.INVALID_PARAMETERS,
      );
    case PSCI.CPU_SUSPEND:
      return psciReturn(name, PSCI_RET.SUCCESS); // standby returns at once: there is nothing to wake from
    case PSCI.CPU_OFF:
      return psciReturn(name, PSCI_RET.DENIED); // the last core cannot go off (use SYSTEM_OFF)
    case PSCI.MIGRATE_INFO_TYPE:
      return psciReturn(name, TOS_NOT_PRESENT_MP);
    case PSCI.FEATURES:
      return psciReturn(name, isSupportedPsci(x[1]!) ? PSCI_RET.SUCCESS : PSCI_RET.NOT_SUPPORTED);
    default:
      return psciReturn(name, PSCI_RET.NOT_SUPPORTED);
  }
}

function isSupportedPsci(id: bigint): boolean {
  if (!isPsciFunction(id)) return false;
  const fn32 = id & ~0x4000_0000n;
  return [
    PSCI.VERSION,
    PSCI.CPU_SUSPEND,
    PSCI.CPU_OFF,
    PSCI.CPU_ON,
    PSCI.AFFINITY_INFO,
    PSCI.MIGRATE_INFO_TYPE,
    PSCI.SYSTEM_OFF,
    PSCI.SYSTEM_RESET,
    PSCI.FEATURES,
  ].includes(fn32 as never);
}
