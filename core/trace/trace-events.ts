import type { Decision } from '../el2/decision.js';
import type { MachineEvent } from '../el2/events.js';

/**
 * The `--events` filter names: record types, and `psci`, which selects the hvc/smc records of PSCI calls (a call is
 * one record, of its conduit's type).
 */
export const TRACE_EVENT_TYPES = [
  'stage2-abort',
  'inject',
  'hvc',
  'smc',
  'psci',
  'guest-exception',
  'instruction-abort',
  'interrupt',
] as const;
export type TraceEventType = (typeof TRACE_EVENT_TYPES)[number];

/** True if `--events` with `events` keeps record `r`. */
export function recordSelected(r: TraceRecord, events: ReadonlySet<TraceEventType>): boolean {
  return events.has(r.type as TraceEventType) || (r.family === 'psci' && events.has('psci'));
}

/** One trace line: `type` plus its fields (format 1, docs/trace-format.md). */
export type TraceRecord = { type: string; [field: string]: unknown };

/** A 64-bit value as trace JSON writes it: lowercase "0x..." (JSON numbers lose precision past 2^53). */
export function hex64(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function decisionJson(d: Decision, handlerNs: number): Record<string, unknown> {
  return {
    action: d.action,
    why: d.why,
    region: d.region,
    offset: d.offset === null ? null : hex64(d.offset),
    handler: d.handler,
    value: d.value === null ? null : hex64(d.value),
    rt_value: d.rtValue === null ? null : hex64(d.rtValue),
    outcome: d.outcome,
    handler_us: Math.round(handlerNs / 10) / 100,
    ...(d.error !== undefined ? { error: d.error } : {}),
  };
}

/** Turns one machine event into the trace records it produces (format 1, documented in docs/trace-format.md). */
export function traceRecords(e: MachineEvent, icount: bigint, tUs: number): TraceRecord[] {
  const ic = Number(icount);
  const roundedUs = Math.round(tUs * 100) / 100;
  switch (e.kind) {
    case 'decision': {
      const t = e.trap;
      return [
        {
          type: 'stage2-abort',
          seq: t.seq,
          icount: ic,
          t_us: roundedUs,
          pc: hex64(t.pc),
          esr: hex64(t.esrEl2),
          far: hex64(t.farEl2),
          hpfar: hex64(t.hpfarEl2),
          ipa: hex64(t.ipa),
          access: t.access,
          s1ptw: t.s1ptw,
          region: t.region,
          decision: decisionJson(e.decision, e.handlerNs),
        },
      ];
    }
    case 'injection':
      return [
        {
          type: 'inject',
          seq: e.seq,
          icount: ic,
          t_us: roundedUs,
          pc: hex64(e.pc),
          esr_el1: hex64(e.esrEl1),
          far_el1: hex64(e.farEl1),
          elr: hex64(e.elrEl1),
          vector: hex64(e.vector),
          mode: e.mode,
        },
      ];
    case 'hypercall': {
      // One record per call; `family` says whether it is PSCI (the psci event filter keeps those).
      return [
        {
          type: e.conduit,
          family: e.family,
          icount: ic,
          t_us: roundedUs,
          pc: hex64(e.pc),
          function_id: hex64(e.functionId),
          name: e.name,
          args: e.args.map(hex64),
          results: e.results.map(hex64),
        },
      ];
    }
    case 'guest-exception':
      return [
        {
          type: 'guest-exception',
          icount: ic,
          t_us: roundedUs,
          pc: hex64(e.pc),
          esr: hex64(e.esr),
          far: e.far === undefined ? null : hex64(e.far),
          vector: hex64(e.vector),
          description: e.description,
        },
      ];
    case 'instruction-abort':
      return [
        {
          type: 'instruction-abort',
          icount: ic,
          t_us: roundedUs,
          pc: hex64(e.pc),
          esr: hex64(e.esrEl2),
          far: hex64(e.farEl2),
          hpfar: hex64(e.hpfarEl2),
          ipa: hex64(e.ipa),
        },
      ];
    case 'interrupt':
      return [
        {
          type: 'interrupt',
          icount: ic,
          t_us: roundedUs,
          pc: hex64(e.pc),
          line: e.line,
          intid: e.intid,
          vector: hex64(e.vector),
        },
      ];
    case 'stage2-trap':
      return []; // written with its decision
    default: {
      const never: never = e;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}
