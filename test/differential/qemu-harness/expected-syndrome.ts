// What el2dbg's syndrome decoder predicts for each corpus entry: ESR_EL2 from
// dataAbortIss(decodeMemoryAccess(...), { dfsc: 0x07, s1ptw: false }), FAR_EL2 from farForAccess and
// HPFAR_EL2 from hpfarFor, or no abort at all. Pure: no QEMU, no unicorn.
import { decodeMemoryAccess, type MemoryAccess } from '../../../core/syndrome/a64-memory-access.js';
import { dataAbortIss, esrEl2ForDataAbort, farForAccess, hpfarFor } from '../../../core/syndrome/data-abort-iss.js';
import { MMU_VA_PAGES, PAGE_SIZE, TRAPPED_IPA, type CorpusEntry } from '../corpus.js';
import type { EntryInstruction } from './build-harness.js';
import type { SyndromeOutcome } from './entry-observation.js';

/** A level-3 translation fault at stage 2, not on a stage-1 walk. */
const TRAPPED_PAGE_FAULT = { dfsc: 0x07, s1ptw: false } as const;
const PAGE_MASK = ~(PAGE_SIZE - 1n);

export type ExpectedSyndrome = SyndromeOutcome & Readonly<{ why: string }>;

/** The IPA page a VA page reaches when it is the trapped page, else null. */
function trappedIpaPage(vaPage: bigint, mmu: boolean): bigint | null {
  if (!mmu) return vaPage === TRAPPED_IPA ? TRAPPED_IPA : null;
  const page = MMU_VA_PAGES.find((p) => p.va === vaPage);
  // Everything else the MMU-on entries touch is identity-mapped RAM or devices, never the trapped IPA.
  return page?.target === 'trapped' ? TRAPPED_IPA : vaPage === TRAPPED_IPA ? TRAPPED_IPA : null;
}

/** The first page of the access that stage 2 traps: its VA and IPA pages. */
function firstTrappedPage(access: MemoryAccess, mmu: boolean): { va: bigint; ipa: bigint } | null {
  const last = BigInt.asUintN(64, access.address + BigInt(Math.max(access.totalSize, 1)) - 1n) & PAGE_MASK;
  for (let va = access.address & PAGE_MASK; va <= last; va += PAGE_SIZE) {
    const ipa = trappedIpaPage(va, mmu);
    if (ipa !== null) return { va, ipa };
  }
  return null;
}

/** The decoder's prediction for one entry, given its linked instruction and the registers the harness sets. */
export function expectedSyndrome(entry: CorpusEntry, instruction: EntryInstruction): ExpectedSyndrome {
  const values = new Map(entry.setup.map((s) => [s.reg, s.value]));
  // The harness zeroes every register an entry does not set; SP is never a base register in the corpus.
  const decoded = decodeMemoryAccess(instruction.word, { x: (n) => values.get(n) ?? 0n, sp: 0n, pc: instruction.pc });
  if (decoded.kind !== 'memory')
    return { kind: 'no-abort', why: `the decoder sees no data access (${decoded.reason})` };
  if (decoded.neverFaults) return { kind: 'no-abort', why: `${decoded.class}: never reports an abort` };
  // The harness never arms the exclusive monitor, so the store-exclusive fails without an access.
  if (decoded.exclusive && decoded.write) return { kind: 'no-abort', why: 'store-exclusive with the monitor clear' };
  const page = firstTrappedPage(decoded, entry.mmu === true);
  if (page === null) return { kind: 'no-abort', why: 'the access does not touch the trapped page' };
  return {
    kind: 'abort',
    esr: esrEl2ForDataAbort(dataAbortIss(decoded, TRAPPED_PAGE_FAULT)),
    far: farForAccess(decoded, page.va),
    hpfar: hpfarFor(page.ipa),
    why: `${decoded.class}, ${decoded.write ? 'write' : 'read'} of ${decoded.totalSize} byte(s) at 0x${decoded.address.toString(16)}`,
  };
}
