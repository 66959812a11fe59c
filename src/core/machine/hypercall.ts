/** SMCCC / PSCI function identifiers (Arm DEN 0022, DEN 0028) the machine answers. */
export const PSCI_VERSION = 0x8400_0000n;
export const PSCI_SYSTEM_OFF = 0x8400_0008n;
export const PSCI_SYSTEM_RESET = 0x8400_0009n;
/** SMCCC NOT_SUPPORTED (-1) as a 64-bit register value. */
export const SMCCC_NOT_SUPPORTED = 0xffff_ffff_ffff_ffffn;
/** PSCI 1.1, the version QEMU's virt machine reports. */
export const PSCI_VERSION_1_1 = 0x0001_0001n;

/** What a hypercall does to the machine: return values to the guest, or power it off / reset it. */
export type HypercallOutcome =
  | { kind: 'return'; x0: bigint }
  | { kind: 'power-off' }
  | { kind: 'system-reset' };

/** Answers an HVC/SMC by its SMCCC function id (x0). The full EL2 model (RITM rules) extends this table. */
export function handleHypercall(functionId: bigint): HypercallOutcome {
  // SMC64/HVC64 calls set bit 30; SYSTEM_OFF/RESET/VERSION are 32-bit calls, so match the id exactly (upper bits ignored per SMCCC).
  const id = functionId & 0xffff_ffffn;
  switch (id) {
    case PSCI_VERSION:
      return { kind: 'return', x0: PSCI_VERSION_1_1 };
    case PSCI_SYSTEM_OFF:
      return { kind: 'power-off' };
    case PSCI_SYSTEM_RESET:
      return { kind: 'system-reset' };
    default:
      return { kind: 'return', x0: SMCCC_NOT_SUPPORTED };
  }
}
