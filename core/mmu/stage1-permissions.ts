// Stage-1 access permissions of the EL1&0 regime with direct permissions (no FEAT_S1PIE,
// FEAT_S1POE). ARM DDI 0487 chapter D8 (memory access control), as in the pseudocode function
// AArch64.S1DirectBasePermissions.
// PSTATE.PAN, SCTLR_EL1.SPAN and EPAN are not modelled: the walker has no PSTATE input.
import type { LeafAttributes, TableAttributes } from './stage1-descriptor.js';
import type { Stage1Access } from './stage1-range.js';

export type AccessRights = Readonly<{ read: boolean; write: boolean; exec: boolean }>;

/** What a leaf allows at each EL; a TLB can cache this and check later accesses against it. */
export type Stage1Permissions = Readonly<{ el1: AccessRights; el0: AccessRights }>;

/** APTable[0]: no access at EL0 below this table. APTable[1]: no writes at any EL below it. */
const APTABLE_NO_EL0 = 0b01;
const APTABLE_READ_ONLY = 0b10;
/** AP[1]: EL0 has the same data access as EL1. AP[2]: read-only. */
const AP_EL0_ACCESS = 0b01;
const AP_READ_ONLY = 0b10;

/**
 * Computes the EL1 and EL0 permissions of a leaf, given the table attributes gathered on the
 * walk (pass no restrictions when TCR_EL1.HPDn is set) and SCTLR_EL1.WXN.
 */
export function computeStage1Permissions(
  leaf: LeafAttributes,
  table: TableAttributes,
  wxn: boolean,
): Stage1Permissions {
  const readOnly = (leaf.ap & AP_READ_ONLY) !== 0 || (table.apTable & APTABLE_READ_ONLY) !== 0;
  const el0Access = (leaf.ap & AP_EL0_ACCESS) !== 0 && (table.apTable & APTABLE_NO_EL0) === 0;
  const el1Write = !readOnly;
  const el0Write = el0Access && !readOnly;
  // EL1 may not execute anything EL0 can write (the PXN-implied rule for AP[2:1] = 0b01).
  const el1Exec = !(leaf.pxn || table.pxnTable || el0Write);
  // EL0 execution depends on UXN only; it does not need EL0 read access.
  const el0Exec = !(leaf.uxn || table.uxnTable);
  // WXN removes execution at each EL where the location is writable at that EL.
  return {
    el1: { read: true, write: el1Write, exec: el1Exec && !(wxn && el1Write) },
    el0: { read: el0Access, write: el0Write, exec: el0Exec && !(wxn && el0Write) },
  };
}

/** Returns whether `perms` allow `access` from `el`. */
export function isAccessAllowed(perms: Stage1Permissions, el: 0 | 1, access: Stage1Access): boolean {
  const rights = el === 0 ? perms.el0 : perms.el1;
  switch (access) {
    case 'read':
      return rights.read;
    case 'write':
      return rights.write;
    case 'fetch':
      return rights.exec;
    default: {
      const unreachable: never = access;
      return unreachable;
    }
  }
}
