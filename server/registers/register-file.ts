// The machine's registers as gdb numbers and lays them out: `g`/`G` (all, in table order), `p`/`P` (one).
import type { Machine } from '../../core/machine/machine.js';
import { PSTATE_M_MASK, SYSREG } from '../../core/arch/sysregs.js';
import { UC_ARM64_REG } from '../../core/unicorn/constants.js';
import type {} from '../../core/unicorn/engine.js';
import { bigintToLeBytes, leBytesToBigint } from '../../protocol/hex.js';
import { SessionError } from '../session-error.js';
import { EXPEDITED_REGISTERS, REGISTERS, type RegisterDef } from './register-table.js';
import { RegisterBatch } from '../../core/unicorn/register-batch.js';

const PSTATE_EL_SHIFT = 2n;
const PSTATE_SPSEL = 1n;
/** PSTATE.nRW (M[4]): 1 would be AArch32. */
const PSTATE_NRW = 1n << 4n;
const CURRENT_EL_MASK = 0b1100n;

/** Reads a 64-bit unicorn register: from a batch snapshot, or straight from the engine. */
type UnicornRead = (id: number) => bigint;

/** gdb's view of the machine's registers, from the one register table. */
export class RegisterFile {
  /** Byte offset of each register in the `g` packet. */
  readonly offsets: readonly number[];
  /** Size of the `g` packet's data in bytes. */
  readonly size: number;
  private readonly batch: RegisterBatch;
  private readonly batchSlot = new Map<number, number>();
  /** The registers sent with every stop reply, in one FFI call. */
  private readonly expeditedBatch: RegisterBatch;

  constructor(private readonly machine: Machine) {
    const offsets: number[] = [];
    let size = 0;
    for (const r of REGISTERS) {
      offsets.push(size);
      size += r.bitsize / 8;
    }
    this.offsets = offsets;
    this.size = size;
    // One FFI call for every integer register `g` needs, plus what the banked stack pointers depend on.
    const ids = [
      ...new Set([
        ...REGISTERS.flatMap((r) => (r.source.kind === 'unicorn' ? [r.source.id] : [])),
        UC_ARM64_REG.SP_EL0,
        UC_ARM64_REG.SP_EL1,
      ]),
    ];
    ids.forEach((id, i) => this.batchSlot.set(id, i));
    this.batch = new RegisterBatch(machine.uc, ids);
    this.expeditedBatch = new RegisterBatch(
      machine.uc,
      EXPEDITED_REGISTERS.map((n) => {
        const src = REGISTERS[n]!.source;
        if (src.kind !== 'unicorn')
          throw new Error(`expedited register ${REGISTERS[n]!.name} must be a unicorn register`);
        return src.id;
      }),
    );
  }

  /** Number of registers gdb knows. */
  get count(): number {
    return REGISTERS.length;
  }

  /** Every register, little-endian, in gdb's numbering: the `g` reply. */
  readAll(): Uint8Array {
    const values = this.batch.read();
    const fromBatch: UnicornRead = (id) => values[this.batchSlot.get(id)!]!;
    const out = new Uint8Array(this.size);
    REGISTERS.forEach((r, i) => out.set(this.readDef(r, fromBatch), this.offsets[i]));
    return out;
  }

  /** The expedited registers (EXPEDITED_REGISTERS, in that order), little-endian, for a stop reply. */
  readExpedited(): { regnum: number; value: Uint8Array }[] {
    const values = this.expeditedBatch.read();
    return EXPEDITED_REGISTERS.map((regnum, i) => ({
      regnum,
      value: bigintToLeBytes(values[i]!, REGISTERS[regnum]!.bitsize / 8),
    }));
  }

  /** One register, little-endian: the `p` reply. */
  read(regnum: number): Uint8Array {
    return this.readDef(this.def(regnum), (id) => this.machine.uc.readReg(id));
  }

  /** Writes one register from little-endian bytes (`P`); the change takes effect in the model. */
  write(regnum: number, bytes: Uint8Array): void {
    const def = this.def(regnum);
    if (bytes.length !== def.bitsize / 8) {
      throw new SessionError('BadRegisterValue', `${def.name} takes ${def.bitsize / 8} bytes, not ${bytes.length}`);
    }
    this.writeDef(def, bytes);
    if (def.affectsTranslation) this.machine.uc.flushTlb();
  }

  /** Writes the registers whose value differs in a `g`-layout buffer (`G`). */
  writeAll(bytes: Uint8Array): void {
    if (bytes.length !== this.size)
      throw new SessionError('BadRegisterValue', `G carries ${bytes.length} bytes of registers, not ${this.size}`);
    const current = this.readAll();
    REGISTERS.forEach((r, i) => {
      const start = this.offsets[i]!;
      const end = start + r.bitsize / 8;
      const next = bytes.subarray(start, end);
      if (!next.every((b, k) => b === current[start + k])) this.write(i, next);
    });
  }

  private def(regnum: number): RegisterDef {
    const def = REGISTERS[regnum];
    if (!def)
      throw new SessionError(
        'NoSuchRegister',
        `there is no register ${regnum} (the target description has ${REGISTERS.length})`,
      );
    return def;
  }

  private readDef(def: RegisterDef, unicorn: UnicornRead): Uint8Array {
    const src = def.source;
    if (src.kind === 'vector') return this.machine.uc.readVector(src.id);
    return bigintToLeBytes(this.readValue(def, unicorn), def.bitsize / 8);
  }

  private readValue(def: RegisterDef, unicorn: UnicornRead): bigint {
    const src = def.source;
    switch (src.kind) {
      case 'unicorn':
        return unicorn(src.id);
      case 'sysreg':
        return this.machine.uc.readSysReg(SYSREG[src.name]);
      case 'el2':
        return this.machine.el2.read(src.name);
      case 'banked-sp':
        return this.liveStackEl(unicorn(UC_ARM64_REG.PSTATE)) === src.el
          ? unicorn(UC_ARM64_REG.SP)
          : unicorn(src.el === 0 ? UC_ARM64_REG.SP_EL0 : UC_ARM64_REG.SP_EL1);
      case 'current-el':
        return unicorn(UC_ARM64_REG.PSTATE) & CURRENT_EL_MASK;
      case 'vector':
        throw new Error(`${def.name} is a vector register`);
      default: {
        const never: never = src;
        throw new Error(`unknown register source ${JSON.stringify(never)}`);
      }
    }
  }

  private writeDef(def: RegisterDef, bytes: Uint8Array): void {
    const src = def.source;
    const uc = this.machine.uc;
    if (src.kind === 'vector') return uc.writeVector(src.id, bytes);
    const value = leBytesToBigint(bytes);
    switch (src.kind) {
      case 'unicorn':
        if (src.id === UC_ARM64_REG.PSTATE) return this.writePstate(value);
        return uc.writeReg(src.id, value);
      case 'sysreg':
        return uc.writeSysReg(SYSREG[src.name], value);
      case 'el2':
        return this.machine.el2.write(src.name, value);
      case 'banked-sp': {
        const live = this.liveStackEl(uc.readReg(UC_ARM64_REG.PSTATE)) === src.el;
        return uc.writeReg(live ? UC_ARM64_REG.SP : src.el === 0 ? UC_ARM64_REG.SP_EL0 : UC_ARM64_REG.SP_EL1, value);
      }
      case 'current-el':
        return this.writeCurrentEl(value);
      default: {
        const never: never = src;
        throw new Error(`unknown register source ${JSON.stringify(never)}`);
      }
    }
  }

  /** Which SP_ELx the SP register is: SP_EL0 at EL0 or with PSTATE.SP = 0, else SP_EL1. */
  private liveStackEl(pstate: bigint): 0 | 1 {
    return (pstate >> PSTATE_EL_SHIFT) & 3n && pstate & PSTATE_SPSEL ? 1 : 0;
  }

  /** CurrentEL = EL << 2 for EL0 or EL1 (the guest has no EL2 or EL3 to enter): moves PSTATE.M there. */
  private writeCurrentEl(value: bigint): void {
    const el = (value >> PSTATE_EL_SHIFT) & 3n;
    if ((value & ~CURRENT_EL_MASK) !== 0n || el > 1n) {
      throw new SessionError(
        'BadRegisterValue',
        `CurrentEL 0x${value.toString(16)}: only EL0 (0x0) and EL1 (0x4) exist below the modelled EL2`,
      );
    }
    const pstate = this.machine.uc.readReg(UC_ARM64_REG.PSTATE);
    const mode = el === 0n ? 0n : (1n << PSTATE_EL_SHIFT) | (pstate & PSTATE_SPSEL);
    this.writePstate((pstate & ~PSTATE_M_MASK) | mode);
  }

  /**
   * Writes PSTATE as the hardware changes it: only to EL0 or EL1 in AArch64 (the guest has no EL2 or EL3 to be in),
   * and with the stack pointer banked: the live SP goes to the SP_ELx the old PSTATE selected, and SP becomes the one
   * the new PSTATE selects.
   */
  private writePstate(value: bigint): void {
    const el = (value >> PSTATE_EL_SHIFT) & 3n;
    if (el > 1n || (value & PSTATE_NRW) !== 0n) {
      throw new SessionError(
        'BadRegisterValue',
        `cpsr 0x${value.toString(16)}: the guest can only be at EL0 or EL1 in AArch64 (M[4:2] = 0b000 or 0b001)`,
      );
    }
    const uc = this.machine.uc;
    const banked = (stackEl: 0 | 1) => (stackEl === 0 ? UC_ARM64_REG.SP_EL0 : UC_ARM64_REG.SP_EL1);
    const before = this.liveStackEl(uc.readReg(UC_ARM64_REG.PSTATE));
    const after = this.liveStackEl(value);
    if (before !== after) uc.writeReg(banked(before), uc.readReg(UC_ARM64_REG.SP));
    uc.writeReg(UC_ARM64_REG.PSTATE, value);
    if (before !== after) uc.writeReg(UC_ARM64_REG.SP, uc.readReg(banked(after)));
    this.refreshExceptionLevel();
  }

  /** unicorn caches the exception level; rewriting SCTLR_EL1 makes it recompute it (as Machine.reset does). */
  private refreshExceptionLevel(): void {
    const uc = this.machine.uc;
    uc.writeSysReg(SYSREG.SCTLR_EL1, uc.readSysReg(SYSREG.SCTLR_EL1));
  }
}
