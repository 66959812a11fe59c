// The EL1 generic timers of one CPU (Arm ARM D11.2): the physical timer (CNTP_*_EL0, PPI 30 = INTID 30) and the
// virtual timer (CNTV_*_EL0, PPI 27 = INTID 27), with the interrupt numbers QEMU's virt wires them to. unicorn keeps
// the counters but drops writes to these registers, so the machine emulates them through MRS/MSR hooks.

/** A system register by its MRS/MSR fields, packed as the native shim's SYSREG_KEY(op0, op1, crn, crm, op2). */
export function sysregKey(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/** The fields of a SYSREG_KEY. */
export function sysregFields(key: number): { op0: number; op1: number; crn: number; crm: number; op2: number } {
  return { op0: (key >> 14) & 3, op1: (key >> 11) & 7, crn: (key >> 7) & 15, crm: (key >> 3) & 15, op2: key & 7 };
}

/** CNTx_CTL_EL0 bits. */
export const CNT_CTL = { ENABLE: 1n, IMASK: 2n, ISTATUS: 4n } as const;

/** PPIs of the timers on QEMU virt (include/hw/arm/virt.h ARCH_TIMER_*_IRQ + 16). */
export const TIMER_INTID = { phys: 30, virt: 27 } as const;

type TimerName = keyof typeof TIMER_INTID;
const REG = { TVAL: 0, CTL: 1, CVAL: 2 } as const;
/** CRm of the physical (2) and virtual (3) timer registers, op0 = 3, op1 = 3, CRn = 14. */
const CRM: Record<TimerName, number> = { phys: 2, virt: 3 };

/** Where the timers get the count from and where their interrupt outputs go. */
export interface TimerWiring {
  /** CNTPCT_EL0 now. */
  readonly count: () => bigint;
  /** Drives a PPI line of the interrupt controller. */
  readonly setLine: (intid: number, level: boolean) => void;
}

const U64 = (1n << 64n) - 1n;

/**
 * The two EL1 timers. Condition met when (count - offset) >= CVAL (unsigned, as the Arm ARM's comparison of the
 * 64-bit values); ISTATUS reports it while the timer is enabled; the output line is ISTATUS && !IMASK (level: it stays
 * up until the guest masks, disables or reprograms the timer). TVAL is CVAL - count as a signed 32-bit value.
 */
export class GenericTimer {
  /** CNTVOFF_EL2: the virtual count is the physical count minus this. */
  cntvoff = 0n;
  private readonly ctl: Record<TimerName, bigint> = { phys: 0n, virt: 0n };
  private readonly cval: Record<TimerName, bigint> = { phys: 0n, virt: 0n };
  private readonly level: Record<TimerName, boolean> = { phys: false, virt: false };

  constructor(private readonly wiring: TimerWiring) {}

  /** Power-on state: both timers disabled (CTL.ENABLE resets to 0; CVAL is UNKNOWN, QEMU gives 0). */
  reset(): void {
    for (const t of ['phys', 'virt'] as const) {
      this.ctl[t] = 0n;
      this.cval[t] = 0n;
    }
    this.update();
  }

  private now(t: TimerName): bigint {
    const c = this.wiring.count();
    return t === 'virt' ? (c - this.cntvoff) & U64 : c;
  }

  private which(key: number): { t: TimerName; reg: number } | null {
    const { op0, op1, crn, crm, op2 } = sysregFields(key);
    if (op0 !== 3 || op1 !== 3 || crn !== 14 || op2 > 2) return null;
    const t = crm === CRM.phys ? 'phys' : crm === CRM.virt ? 'virt' : null;
    return t ? { t, reg: op2 } : null;
  }

  private conditionMet(t: TimerName): boolean {
    return this.now(t) >= this.cval[t];
  }

  /** MRS of a timer register (by SYSREG_KEY); null if `key` is not one. */
  readSysreg(key: number): bigint | null {
    const r = this.which(key);
    if (!r) return null;
    const { t, reg } = r;
    switch (reg) {
      case REG.CTL: {
        const istatus = this.ctl[t] & CNT_CTL.ENABLE && this.conditionMet(t) ? CNT_CTL.ISTATUS : 0n;
        return (this.ctl[t] & (CNT_CTL.ENABLE | CNT_CTL.IMASK)) | istatus;
      }
      case REG.CVAL:
        return this.cval[t];
      default: // TVAL: the low 32 bits of CVAL - count, read as a signed value (bits [63:32] RES0 in AArch64)
        return (this.cval[t] - this.now(t)) & 0xffff_ffffn;
    }
  }

  /** MSR of a timer register; false if `key` is not one. */
  writeSysreg(key: number, value: bigint): boolean {
    const r = this.which(key);
    if (!r) return false;
    const { t, reg } = r;
    if (reg === REG.CTL) this.ctl[t] = value & (CNT_CTL.ENABLE | CNT_CTL.IMASK);
    else if (reg === REG.CVAL) this.cval[t] = value & U64;
    else this.cval[t] = (this.now(t) + BigInt.asIntN(32, value)) & U64;
    this.update();
    return true;
  }

  /** Recomputes the output lines from the count now (called when time may have passed). */
  update(): void {
    for (const t of ['phys', 'virt'] as const) {
      const ctl = this.ctl[t];
      const up = (ctl & CNT_CTL.ENABLE) !== 0n && (ctl & CNT_CTL.IMASK) === 0n && this.conditionMet(t);
      if (up !== this.level[t]) {
        this.level[t] = up;
        this.wiring.setLine(TIMER_INTID[t], up);
      }
    }
  }

  /**
   * The physical count at which the next output line rises (an enabled, unmasked timer whose condition is not met
   * yet), or null when none will without the guest writing a register.
   */
  nextDeadline(): bigint | null {
    let next: bigint | null = null;
    for (const t of ['phys', 'virt'] as const) {
      const ctl = this.ctl[t];
      if ((ctl & CNT_CTL.ENABLE) === 0n || (ctl & CNT_CTL.IMASK) !== 0n || this.level[t]) continue;
      const at = t === 'virt' ? this.cval[t] + this.cntvoff : this.cval[t];
      if (next === null || at < next) next = at;
    }
    return next;
  }

  /** One line per timer for `monitor` output. */
  describe(): string {
    return (['phys', 'virt'] as const)
      .map((t) => {
        const ctl = this.readSysreg(sysregKey(3, 3, 14, CRM[t], REG.CTL))!;
        return `${t} timer (INTID ${TIMER_INTID[t]}): CTL=${ctl} CVAL=0x${this.cval[t].toString(16)} count=0x${this.now(t).toString(16)}`;
      })
      .join('\n');
  }
}
