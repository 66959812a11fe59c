/** The guest state captured at a trap to EL2: what RITM saves (x0-x30, ELR, SPSR) plus SP_EL1 and the syndrome. */
export interface TrapFrame {
  /** x0..x30 (a copy taken at the trap). */
  readonly x: ArrayLike<bigint>;
  readonly spEl1: bigint;
  readonly elrEl2: bigint;
  readonly spsrEl2: bigint;
  readonly esrEl2: bigint;
  readonly farEl2: bigint;
  readonly hpfarEl2: bigint;
}

/** Reads register Rt of a frame as an instruction operand: 31 is XZR (reads as zero). */
export function frameRegister(frame: TrapFrame, rt: number): bigint {
  return rt === 31 ? 0n : frame.x[rt]!;
}
