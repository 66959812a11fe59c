import { bits } from '../arch/bits.js';
import {
  ESR_ISS,
  ESR_ISS_ISV,
  ESR_ISS_SAS,
  ESR_ISS_SF,
  ESR_ISS_SRT,
  ESR_ISS_SSE,
  ESR_ISS_WNR,
  issField,
  issFlag,
} from '../arch/esr.js';
import type { Stage2Policy } from '../stage2/stage2-policy.js';
import type { HandlerMatch, MmioAccessWidth, MmioReadResult, MmioWriteResult } from '../stage2/stage2-types.js';
import { extendReadValue, maskToWidth } from './mmio-value.js';
import { frameRegister, type TrapFrame } from './trap-frame.js';

/** Why the hypervisor did what it did with one stage-2 data abort (el2-model.md, "what happens"). */
export type DecisionWhy =
  | 'isv-0' // no instruction syndrome: never emulated
  | 'no-region' // no handler region covers the IPA
  | 'no-read-handler'
  | 'no-write-handler'
  | 'handler-value' // read handler returned Value
  | 'handler-handled' // write handler returned Handled
  | 'handler-fault' // handler returned Fault
  | 'handler-threw' // handler threw: reported, treated as Fault
  | 'handler-invalid' // handler returned something not in its type: reported, treated as Fault
  | 'handler-timeout' // handler did not return within its budget: abandoned, treated as Fault
  | 'override'; // a debugger user decided instead of the handler

/** The one record every trap produces: what was decided, why, by which handler, with which value, and the outcome. */
export interface Decision {
  readonly action: 'emulate' | 'inject';
  readonly why: DecisionWhy;
  readonly region: string | null;
  readonly offset: bigint | null;
  readonly handler: 'read' | 'write' | null;
  /** Read: the handler's value; write: the value passed to the handler. */
  readonly value: bigint | null;
  /** What was written to Rt for an emulated read (after SAS/SSE/SF extension); null otherwise. */
  readonly rtValue: bigint | null;
  /** 'elr+4': emulated, the guest resumes after the access; 'inject': a data abort goes to EL1. */
  readonly outcome: 'elr+4' | 'inject';
  /** For handler-threw / handler-invalid / handler-timeout: what went wrong (also: a value cut to the width). */
  readonly error?: string;
}

/** The instruction-syndrome fields dispatch needs (from ESR_EL2.ISS). */
export interface AbortSyndrome {
  readonly isv: boolean;
  readonly width: MmioAccessWidth;
  readonly sse: boolean;
  readonly srt: number;
  readonly sf: boolean;
  readonly write: boolean;
}

/** abortSyndrome's answers by ESR (a trap loop sees a handful of values); cleared when it grows past its bound. */
const syndromes = new Map<bigint, AbortSyndrome>();
const SYNDROMES_KEPT = 4096;

/** Extracts the dispatch fields from ESR_EL2 (the same object for the same ESR: callers never change it). */
export function abortSyndrome(esr: bigint): AbortSyndrome {
  let syn = syndromes.get(esr);
  if (syn === undefined) {
    if (syndromes.size >= SYNDROMES_KEPT) syndromes.clear();
    syndromes.set(esr, (syn = decodeAbortSyndrome(esr)));
  }
  return syn;
}

function decodeAbortSyndrome(esr: bigint): AbortSyndrome {
  const iss = Number(bits(esr, ...ESR_ISS)); // ISS fits a number: the field tests are plain integer ops on the hot path
  return {
    isv: issFlag(iss, ESR_ISS_ISV),
    width: (8 << issField(iss, ESR_ISS_SAS)) as MmioAccessWidth,
    sse: issFlag(iss, ESR_ISS_SSE),
    srt: issField(iss, ESR_ISS_SRT),
    sf: issFlag(iss, ESR_ISS_SF),
    write: issFlag(iss, ESR_ISS_WNR),
  };
}

/** The trapped access as dispatch sees it: where, what the syndrome says, and the registers at the trap. */
export interface DataAbortToDecide {
  readonly ipa: bigint;
  readonly syn: AbortSyndrome;
  readonly frame: TrapFrame;
}

/** A debugger's override of the decision, and the handler lookup for the IPA when the caller already made it. */
export interface DecideOptions {
  readonly override?: DecisionOverride | undefined;
  readonly known?: HandlerMatch | null | undefined;
}

/** A decision forced by a debugger user for one trap (`monitor stage2 decide`). */
export type DecisionOverride =
  { kind: 'value'; value: bigint } | { kind: 'handled' } | { kind: 'fault' } | { kind: 'skip' };

const inject = (
  why: DecisionWhy,
  region: string | null,
  offset: bigint | null,
  handler: 'read' | 'write' | null,
  extra: Partial<Decision> = {},
): Decision => ({
  action: 'inject',
  why,
  region,
  offset,
  handler,
  value: null,
  rtValue: null,
  outcome: 'inject',
  ...extra,
});

/**
 * Decides a stage-2 data abort exactly as RITM does: ISV=0, no region, or no handler for the direction -> inject;
 * otherwise call the handler once: Value -> extend into Rt, Handled -> done, Fault -> inject. A handler that throws or
 * returns a value outside its type is treated as Fault and the error is recorded.
 */
export function decideDataAbort(policy: Stage2Policy, abort: DataAbortToDecide, options: DecideOptions = {}): Decision {
  const { ipa, syn, frame } = abort;
  const { override, known } = options;
  if (!syn.isv && override === undefined) return inject('isv-0', null, null, null);
  const match = known === undefined ? policy.lookupHandler(ipa) : known;
  const region = match?.region.name ?? null;
  const offset = match?.offset ?? null;
  if (override !== undefined) return decideOverride(override, syn, region, offset);
  if (!match) return inject('no-region', null, null, null);
  if (!syn.write) {
    const read = match.region.read;
    if (!read) return inject('no-read-handler', region, offset, null);
    // Everything the handler's result is asked for happens inside the try: a throwing getter is a handler error too.
    const outcome = callHandler<{ kind: 'value'; value: bigint } | { kind: 'fault' }>(() => {
      const result: MmioReadResult = read({ ipa, offset: match.offset, width: syn.width });
      if (result?.kind === 'value' && typeof result.value === 'bigint') return { kind: 'value', value: result.value };
      if (result?.kind === 'fault') return { kind: 'fault' };
      const expected = "{ kind: 'value', value: bigint } or { kind: 'fault' }";
      return { kind: 'invalid', error: `read handler returned ${describeValue(result)}; expected ${expected}` };
    });
    switch (outcome.kind) {
      case 'value': {
        // Only the access's width reaches the guest, and only that much is kept (the trap log, `stage2 last`).
        const value = maskToWidth(outcome.value, syn.width);
        const rtValue = extendReadValue(value, syn.width, syn.sse, syn.sf);
        const wide = value !== outcome.value ? { error: `value wider than ${syn.width} bits cut to the access` } : {};
        return {
          action: 'emulate',
          why: 'handler-value',
          region,
          offset,
          handler: 'read',
          value,
          rtValue,
          outcome: 'elr+4',
          ...wide,
        };
      }
      case 'fault':
        return inject('handler-fault', region, offset, 'read');
      default:
        return inject(outcome.kind, region, offset, 'read', { error: outcome.error });
    }
  }
  const write = match.region.write;
  if (!write) return inject('no-write-handler', region, offset, null);
  const value = maskToWidth(frameRegister(frame, syn.srt), syn.width);
  const outcome = callHandler<{ kind: 'handled' } | { kind: 'fault' }>(() => {
    const result: MmioWriteResult = write({ ipa, offset: match.offset, width: syn.width, value });
    if (result?.kind === 'handled') return { kind: 'handled' };
    if (result?.kind === 'fault') return { kind: 'fault' };
    const expected = "{ kind: 'handled' } or { kind: 'fault' }";
    return { kind: 'invalid', error: `write handler returned ${describeValue(result)}; expected ${expected}` };
  });
  switch (outcome.kind) {
    case 'handled':
      return {
        action: 'emulate',
        why: 'handler-handled',
        region,
        offset,
        handler: 'write',
        value,
        rtValue: null,
        outcome: 'elr+4',
      };
    case 'fault':
      return inject('handler-fault', region, offset, 'write', { value });
    default:
      return inject(outcome.kind, region, offset, 'write', { value, error: outcome.error });
  }
}

/** A handler that did not return within its time budget (policy handlers hosted out of the machine's thread). */
export class HandlerTimeoutError extends Error {
  constructor(readonly budgetMs: number) {
    super(`the handler did not return within ${budgetMs} ms and was abandoned`);
    this.name = 'HandlerTimeoutError';
  }
}

/** A handler run elsewhere (a worker) threw, or returned something outside its type: the message says what. */
export class HandlerFailedError extends Error {
  constructor(
    message: string,
    readonly failure: 'threw' | 'invalid',
  ) {
    super(message);
    this.name = 'HandlerFailedError';
  }
}

type HandlerFailure =
  | { kind: 'handler-invalid'; error: string }
  | { kind: 'handler-threw'; error: string }
  | { kind: 'handler-timeout'; error: string };

/** Calls a handler and classifies its result; every way it can go wrong ends in one of the failure outcomes. */
function callHandler<T extends { kind: string }>(
  call: () => T | { kind: 'invalid'; error: string },
): T | HandlerFailure {
  try {
    const r = call();
    return r.kind === 'invalid' ? { kind: 'handler-invalid', error: (r as { error: string }).error } : (r as T);
  } catch (e) {
    if (e instanceof HandlerTimeoutError) return { kind: 'handler-timeout', error: e.message };
    if (e instanceof HandlerFailedError) {
      return { kind: e.failure === 'threw' ? 'handler-threw' : 'handler-invalid', error: e.message };
    }
    return { kind: 'handler-threw', error: errorText(e) };
  }
}

function decideOverride(
  o: DecisionOverride,
  syn: AbortSyndrome,
  region: string | null,
  offset: bigint | null,
): Decision {
  switch (o.kind) {
    case 'value': {
      const rtValue = syn.write ? null : extendReadValue(o.value, syn.width, syn.sse, syn.sf);
      return {
        action: 'emulate',
        why: 'override',
        region,
        offset,
        handler: null,
        value: o.value,
        rtValue,
        outcome: 'elr+4',
      };
    }
    case 'handled':
    case 'skip':
      return {
        action: 'emulate',
        why: 'override',
        region,
        offset,
        handler: null,
        value: null,
        rtValue: null,
        outcome: 'elr+4',
      };
    case 'fault':
      return inject('override', region, offset, null);
    default: {
      const never: never = o;
      throw new Error(`unknown override ${JSON.stringify(never)}`);
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function describeValue(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}
