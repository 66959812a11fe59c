// What the server debugs: one machine and its image, shared by the sessions that come one after another.
// It outlives a session: after a detach or a disconnect the next gdb finds the guest where the last one left it.
import type { Machine } from '../core/machine/machine.js';
import { pstateEl, SCTLR_EL1_M, SYSREG } from '../core/machine/sysregs.js';
import { UC_ARM64_REG } from '../core/unicorn/constants.js';
import { buildMemoryMapXml } from './memory-map.js';
import { RegisterFile } from './registers/register-file.js';
import { buildTargetDescription } from './registers/target-description.js';

export class DebugTarget {
  readonly registers: RegisterFile;
  /** qXfer:features:read documents, by annex. */
  readonly targetDescription: ReadonlyMap<string, string>;
  readonly memoryMapXml: string;

  constructor(
    readonly machine: Machine,
    /** Absolute path of the guest image (qXfer:exec-file:read), so gdb can load its symbols. */
    readonly imagePath: string,
    ramSize: bigint,
  ) {
    this.registers = new RegisterFile(machine);
    this.targetDescription = buildTargetDescription();
    this.memoryMapXml = buildMemoryMapXml(ramSize);
  }

  /** The guest powered off: a new session (or `run`) starts it again from its initial state. */
  get exited(): boolean {
    return this.machine.lastHalt?.kind === 'power-off';
  }

  /** Back to the initial state: image reloaded, CPU at the entry point, halted. */
  reset(): void {
    this.machine.reset();
  }

  /** A short description of the CPU for `info threads`: exception level, stack and MMU. */
  describeCpu(): string {
    const pstate = this.machine.uc.readReg(UC_ARM64_REG.PSTATE);
    const el = pstateEl(pstate);
    const stack = el === 0 ? 't' : pstate & 1n ? 'h' : 't';
    const mmu = this.machine.uc.readSysReg(SYSREG.SCTLR_EL1) & SCTLR_EL1_M ? 'MMU on' : 'MMU off';
    return `EL${el}${stack}, ${mmu}, stage 2 ${this.machine.el2.stage2Enabled ? 'on' : 'off'}`;
  }
}
