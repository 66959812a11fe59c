// The el2dbg side of the differential test: the same EL1 corpus program runs on el2dbg's Machine
// with a stage-2 policy that maps everything but the trapped page and registers no handler for it,
// so every access there is a stage2-trap event and then an abort injected into the guest's EL1
// vector (which records it and resumes after the instruction).
import { parseImage } from '../../core/loader/image-loader.js';
import type { HaltReason, Stage2TrapEvent } from '../../core/el2/events.js';
import { Machine } from '../../core/machine/machine.js';
import { DEVICE, NORMAL } from '../../core/stage2/stage2-attributes.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../../core/stage2/stage2-policy.js';
import { loadUnicorn, type UnicornLibrary } from '../../core/unicorn/library.js';
import { PAGE_SIZE, TRAPPED_IPA, type CorpusEntry } from './corpus.js';
import { buildHarness, entryInstructions, symbolAddress, type EntryInstruction } from './qemu-harness/build-harness.js';
import type { EntryObservation } from './qemu-harness/entry-observation.js';
import { EL2DBG_LINK_BASE, RECORD, RECORD_STRIDE, RESULTS } from './qemu-harness/harness-layout.js';
import { observationProblems } from './qemu-harness/syndrome-comparison.js';

const RAM_BASE = 0x4000_0000n;
const ESR_EC_SHIFT = 26n;
const EC_DABT_CURRENT = 0x25n;
const RAM_SIZE = 0x4000_0000n;
/** Far more than the corpus program runs (about 50 instructions an entry): a runaway guest stops here. */
const MAX_INSTRUCTIONS = 10_000_000n;

export type El2dbgRun = Readonly<{
  observations: EntryObservation[];
  instructions: EntryInstruction[];
  halt: HaltReason;
  /** Traps at a PC that is no corpus instruction. */
  strayTraps: Stage2TrapEvent[];
  elapsedMs: number;
}>;

/** Everything below RAM as device and RAM as normal, except the trapped page; no handler anywhere. */
export function trappedPagePolicy(ramSize: bigint = RAM_SIZE): Stage2Policy {
  const afterTrap = TRAPPED_IPA + PAGE_SIZE;
  return new Stage2PolicyBuilder()
    .allowRange(0n, TRAPPED_IPA, DEVICE)
    .allowRange(afterTrap, RAM_BASE - afterTrap, DEVICE)
    .allowRange(RAM_BASE, ramSize, NORMAL)
    .build();
}

function readRecords(machine: Machine, resultsAddr: bigint, count: number): DataView {
  const bytes = machine.uc.readMemory(resultsAddr, count * RECORD_STRIDE);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function observe(records: DataView, index: number, traps: readonly Stage2TrapEvent[], pc: bigint): EntryObservation {
  const at = index * RECORD_STRIDE;
  const el1Count = records.getUint32(at + RECORD.el1Count, true);
  const first = traps[0];
  return {
    stage2:
      first === undefined
        ? null
        : { esr: first.esrEl2, far: first.farEl2, hpfar: first.hpfarEl2, elr: pc, count: traps.length },
    el1:
      el1Count === 0
        ? null
        : {
            esr: records.getBigUint64(at + RECORD.esrEl1, true),
            far: records.getBigUint64(at + RECORD.farEl1, true),
            elr: records.getBigUint64(at + RECORD.elrEl1, true),
            count: el1Count,
          },
    completed: records.getUint32(at + RECORD.completed, true) !== 0,
  };
}

/** Runs `corpus` on el2dbg and returns one observation per entry. */
export async function runCorpusOnEl2dbg(
  corpus: readonly CorpusEntry[],
  lib: UnicornLibrary = loadUnicorn(),
): Promise<El2dbgRun> {
  const harness = buildHarness(corpus, 'el2dbg-el1');
  const image = parseImage(harness.bytes, {
    name: 'differential-el2dbg',
    loadAddr: EL2DBG_LINK_BASE,
    ram: { base: RAM_BASE, size: RAM_SIZE },
  });
  const instructions = entryInstructions(image, corpus.length);
  const indexOfPc = new Map(instructions.map((ins, i) => [ins.pc, i]));
  const trapsByEntry: Stage2TrapEvent[][] = corpus.map(() => []);
  const strayTraps: Stage2TrapEvent[] = [];
  const machine = new Machine({
    lib,
    image,
    ramSize: RAM_SIZE,
    console: { write: () => undefined },
    policy: trappedPagePolicy(),
  });
  try {
    machine.on((e) => {
      if (e.kind !== 'stage2-trap') return;
      const index = indexOfPc.get(e.pc);
      if (index === undefined) strayTraps.push(e);
      else trapsByEntry[index]!.push(e);
    });
    const started = process.hrtime.bigint();
    const halt = await machine.run({ maxInsns: MAX_INSTRUCTIONS });
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const records = readRecords(machine, symbolAddress(image, RESULTS), corpus.length);
    const observations = instructions.map((ins, i) => observe(records, i, trapsByEntry[i]!, ins.pc));
    return { observations, instructions, halt, strayTraps, elapsedMs };
  } finally {
    await machine.close();
  }
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * observationProblems for el2dbg, where every trap must also reach EL1 as RITM injects it: ESR_EL1 =
 * ESR_EL2 with EC 0x25, FAR_EL1 = FAR_EL2, ELR_EL1 = the instruction; and nothing else reaches EL1.
 */
export function el2dbgObservationProblems(o: EntryObservation, instruction: EntryInstruction): string[] {
  const problems = observationProblems(o, instruction, true);
  if (o.stage2 === null) {
    if (o.el1)
      problems.push(`exception to EL1 without a stage-2 trap: ESR_EL1 ${hex(o.el1.esr)} FAR_EL1 ${hex(o.el1.far)}`);
    return problems;
  }
  const esrEl1 = (o.stage2.esr & ~(0x3fn << ESR_EC_SHIFT)) | (EC_DABT_CURRENT << ESR_EC_SHIFT);
  if (o.el1 === null) problems.push('the trap was not injected into EL1');
  else if (
    o.el1.esr !== esrEl1 ||
    o.el1.far !== o.stage2.far ||
    o.el1.elr !== instruction.pc ||
    o.el1.count !== o.stage2.count
  ) {
    problems.push(
      `injected ESR_EL1 ${hex(o.el1.esr)} FAR_EL1 ${hex(o.el1.far)} ELR_EL1 ${hex(o.el1.elr)} x${o.el1.count}, expected ${hex(esrEl1)} ${hex(o.stage2.far)} ${hex(instruction.pc)} x${o.stage2.count}`,
    );
  }
  return problems;
}
