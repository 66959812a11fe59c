import { RITM_VTCR_EL2 } from '../stage2/stage2-vtcr.js';

/** The EL2 registers el2dbg models (there is no EL2 in unicorn: these live in TypeScript). */
export const EL2_REGISTER_NAMES = [
  'HCR_EL2',
  'VTCR_EL2',
  'VTTBR_EL2',
  'VBAR_EL2',
  'ESR_EL2',
  'FAR_EL2',
  'HPFAR_EL2',
  'ELR_EL2',
  'SPSR_EL2',
] as const;
export type El2RegisterName = (typeof EL2_REGISTER_NAMES)[number];

// HCR_EL2 bits (Arm ARM D24.2.48) the model acts on.
export const HCR_EL2_VM = 1n << 0n;
export const HCR_EL2_TSC = 1n << 19n;
export const HCR_EL2_RW = 1n << 31n;
/** RITM's HCR_EL2 at EL1 entry: RW | TSC | VM (el2-model.md). */
export const RITM_HCR_EL2 = 0x8008_0001n;

/** How an abort the hypervisor cannot emulate reaches EL1: RITM's fixed way, or the architecture's. */
export type InjectMode = 'ritm' | 'architectural';

/** EL2 register file of the model. Writes take effect: HCR_EL2.VM turns stage 2 on and off, TSC traps SMC. */
export class El2State {
  private readonly regs = new Map<El2RegisterName, bigint>();
  /** Called after a write that changes translation (HCR_EL2.VM, VTCR_EL2, VTTBR_EL2). */
  onTranslationChange: () => void = () => undefined;

  constructor() {
    this.reset();
  }

  /** Back to the values RITM has when it enters the guest. */
  reset(): void {
    for (const name of EL2_REGISTER_NAMES) this.regs.set(name, 0n);
    this.regs.set('HCR_EL2', RITM_HCR_EL2);
    this.regs.set('VTCR_EL2', RITM_VTCR_EL2);
  }

  /** Reads one EL2 register. */
  read(name: El2RegisterName): bigint {
    return this.regs.get(name)!;
  }

  /** Writes one EL2 register (a debugger may change the model this way). */
  write(name: El2RegisterName, value: bigint): void {
    const old = this.regs.get(name);
    this.regs.set(name, BigInt.asUintN(64, value));
    const changesTranslation =
      name === 'VTCR_EL2' || name === 'VTTBR_EL2' || (name === 'HCR_EL2' && ((old ?? 0n) ^ value) & HCR_EL2_VM);
    if (changesTranslation) this.onTranslationChange();
  }

  /** Records a trap's syndrome registers (no translation side effects, so no checks: this is the trap hot path). */
  setTrapRegisters(esr: bigint, far: bigint, hpfar: bigint, elr: bigint, spsr: bigint): void {
    this.regs.set('ESR_EL2', esr);
    this.regs.set('FAR_EL2', far);
    this.regs.set('HPFAR_EL2', hpfar);
    this.regs.set('ELR_EL2', elr);
    this.regs.set('SPSR_EL2', spsr);
  }

  /** Stage 2 is on (HCR_EL2.VM). */
  get stage2Enabled(): boolean {
    return (this.read('HCR_EL2') & HCR_EL2_VM) !== 0n;
  }

  /** SMC traps to EL2 (HCR_EL2.TSC); otherwise SMC is UNDEFINED at EL1 (there is no EL3). */
  get smcTrapped(): boolean {
    return (this.read('HCR_EL2') & HCR_EL2_TSC) !== 0n;
  }
}
