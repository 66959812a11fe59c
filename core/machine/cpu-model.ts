import type { SysRegEncoding, UnicornEngine } from '../unicorn/engine.js';
import type { RunState } from '../unicorn/run-state.js';

/** CPU models a machine can have: unicorn's AArch64 models, by QEMU's names. */
export const CPU_MODELS = ['cortex-a57', 'cortex-a72', 'max'] as const;
export type CpuModel = (typeof CPU_MODELS)[number];
/** unicorn's UC_CPU_ARM64 name of each model. */
export const UC_CPU_OF = { 'cortex-a57': 'A57', 'cortex-a72': 'A72', max: 'MAX' } as const;

const enc = (op0: number, op1: number, crn: number, crm: number, op2: number): SysRegEncoding => ({
  op0,
  op1,
  crn,
  crm,
  op2,
});
const keyOf = (e: SysRegEncoding) => (e.op0 << 14) | (e.op1 << 11) | (e.crn << 7) | (e.crm << 3) | e.op2;
const ID_AA64PFR0_EL1 = enc(3, 0, 0, 4, 0);
const ID_AA64ZFR0_EL1 = enc(3, 0, 0, 4, 4);
const SCR_EL3 = enc(3, 6, 1, 1, 0);
const HCR_EL2 = enc(3, 4, 1, 1, 0);
const PFR0_SVE = 0xfn << 32n;
/** SCR_EL3: NS, RW, API, APK (non-secure, so HCR_EL2 applies; pointer authentication instructions and keys). */
const SCR_BOOT = (1n << 0n) | (1n << 10n) | (1n << 17n) | (1n << 16n);
/** HCR_EL2: RW (EL1 is AArch64), API, APK. */
const HCR_BOOT = (1n << 31n) | (1n << 41n) | (1n << 40n);
/** CNTHCTL_EL2: EL1PCTEN, EL1PCEN (EL1 reaches the physical counter and timer). */
const CNTHCTL_EL2 = enc(3, 4, 14, 1, 0);

/**
 * `max` as QEMU boots a kernel on it, within what unicorn runs: no SVE advertised (ID_AA64PFR0_EL1.SVE = 0,
 * ID_AA64ZFR0_EL1 = 0; unicorn aborts on SVE state such as ZCR_EL1), and the EL3/EL2 enables hw/arm/boot.c sets for
 * the firmware the guest does not have: pointer authentication (SCR_EL3.API/APK; HCR_EL2.API/APK, which the EL2
 * model leaves to the guest as RITM does). cortex-a57 and cortex-a72 are left as unicorn has them.
 */
export function applyCpuModel(
  uc: Pick<UnicornEngine, 'readSysReg' | 'writeSysReg'>,
  shim: Pick<RunState, 'setMrsAnswer'>,
  model: CpuModel,
): void {
  if (model !== 'max') return;
  shim.setMrsAnswer(0, keyOf(ID_AA64PFR0_EL1), uc.readSysReg(ID_AA64PFR0_EL1) & ~PFR0_SVE);
  shim.setMrsAnswer(1, keyOf(ID_AA64ZFR0_EL1), 0n);
  uc.writeSysReg(SCR_EL3, uc.readSysReg(SCR_EL3) | SCR_BOOT);
  uc.writeSysReg(HCR_EL2, uc.readSysReg(HCR_EL2) | HCR_BOOT);
  uc.writeSysReg(CNTHCTL_EL2, uc.readSysReg(CNTHCTL_EL2) | 3n);
}
