// What one side (QEMU or el2dbg) saw while running one corpus entry.

/** The first stage-2 data abort of an entry, as EL2 saw it. */
export type Stage2Record = Readonly<{ esr: bigint; far: bigint; hpfar: bigint; elr: bigint; count: number }>;

/** The first synchronous exception the guest's EL1 vector took during an entry. */
export type El1Record = Readonly<{ esr: bigint; far: bigint; elr: bigint; count: number }>;

export type EntryObservation = Readonly<{
  /** Exceptions taken to EL2 (for el2dbg: stage2-trap events); null when none. */
  stage2: Stage2Record | null;
  /** Exceptions taken to EL1 (for el2dbg: including the injected aborts); null when none. */
  el1: El1Record | null;
  /** The code after the instruction ran. */
  completed: boolean;
}>;

/** The part the two sides must agree on: the syndrome registers, or no abort at all. */
export type SyndromeOutcome = { kind: 'abort'; esr: bigint; far: bigint; hpfar: bigint } | { kind: 'no-abort' };

/** The syndrome part of an observation. */
export function syndromeOutcome(o: EntryObservation): SyndromeOutcome {
  return o.stage2 === null
    ? { kind: 'no-abort' }
    : { kind: 'abort', esr: o.stage2.esr, far: o.stage2.far, hpfar: o.stage2.hpfar };
}
