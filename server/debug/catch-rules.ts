import type { Decision } from '../../core/el2/decision.js';
import type { MachineEvent, Stage2TrapEvent } from '../../core/el2/events.js';

/** A stage-2 catchpoint: stop at matching traps before the handler runs, or after the decision is applied. */
export interface Stage2CatchRule {
  readonly id: number;
  readonly when: 'before' | 'after';
  readonly access: 'read' | 'write' | 'any';
  readonly decision: 'inject' | 'emulate' | 'any';
  readonly ipa: { readonly start: bigint; readonly end: bigint } | null; // inclusive range
  readonly region: string | null;
}

/** Decisions that record a failed policy handler (it threw, returned something else, or ran out of time). */
export function isHandlerFailure(why: string): boolean {
  return why === 'handler-threw' || why === 'handler-invalid' || why === 'handler-timeout';
}

/** Event kinds `monitor catch KIND on|off` stops at. */
export const EVENT_CATCH_KINDS = ['hvc', 'smc', 'psci', 'inject', 'exception', 'handler-error'] as const;
export type EventCatchKind = (typeof EVENT_CATCH_KINDS)[number];

/** The event catches a new gdb session starts with (a failed handler is worth a stop unless turned off). */
export const DEFAULT_EVENT_CATCHES: readonly EventCatchKind[] = ['handler-error'];

/** A catch setting every gdb session starts with (`el2dbg serve --catch SPEC`). */
export type CatchDefault =
  | { kind: 'event'; event: EventCatchKind; on: boolean }
  | { kind: 'stage2'; when: 'before' | 'after'; words: readonly string[] };

export const CATCH_SPEC_USAGE =
  `--catch: '${'stage2 before|after [read|write] [decision=..] [ipa=A[-B]] [region=R]'}' or ` +
  `'${EVENT_CATCH_KINDS.join('|')} [on|off]'`;

/** Parses one --catch SPEC (the words of `monitor stage2 catch` or `monitor catch`); throws CatchRuleSyntaxError. */
export function parseCatchDefault(spec: string): CatchDefault {
  const [first, ...rest] = spec.trim().split(/\s+/).filter(Boolean);
  if (first === 'stage2') {
    const [when, ...words] = rest;
    if (when !== 'before' && when !== 'after') throw new CatchRuleSyntaxError(CATCH_SPEC_USAGE);
    parseStage2CatchRule(0, when, words); // checked now: a bad rule is a usage error at start
    return { kind: 'stage2', when, words };
  }
  if (!(EVENT_CATCH_KINDS as readonly string[]).includes(first ?? '') || rest.length > 1) {
    throw new CatchRuleSyntaxError(CATCH_SPEC_USAGE);
  }
  if (rest.length === 1 && rest[0] !== 'on' && rest[0] !== 'off') throw new CatchRuleSyntaxError(CATCH_SPEC_USAGE);
  return { kind: 'event', event: first as EventCatchKind, on: rest[0] !== 'off' };
}

/** A parse failure of catch arguments: the message is the usage hint shown to the user. */
export class CatchRuleSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatchRuleSyntaxError';
  }
}

export const STAGE2_CATCH_USAGE =
  'usage: monitor stage2 catch before|after|off [read|write] [decision=inject|emulate|any] [ipa=START[-END]] [region=NAME]';

function parseNumber(text: string): bigint {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text))
    throw new CatchRuleSyntaxError(`'${text}' is not a number (use 0x... or decimal). ${STAGE2_CATCH_USAGE}`);
  return BigInt(text);
}

/** Parses the words after `when` (before|after) into a rule; throws CatchRuleSyntaxError with the usage line. */
export function parseStage2CatchRule(id: number, when: 'before' | 'after', words: readonly string[]): Stage2CatchRule {
  let access: Stage2CatchRule['access'] = 'any';
  let decision: Stage2CatchRule['decision'] = 'any';
  let ipa: Stage2CatchRule['ipa'] = null;
  let region: string | null = null;
  for (const w of words) {
    if (w === 'read' || w === 'write') access = w;
    else if (w.startsWith('decision=')) {
      const v = w.slice('decision='.length);
      if (v !== 'inject' && v !== 'emulate' && v !== 'any')
        throw new CatchRuleSyntaxError(`unknown decision '${v}'. ${STAGE2_CATCH_USAGE}`);
      decision = v;
    } else if (w.startsWith('ipa=')) {
      const [a, b] = w.slice(4).split('-');
      const start = parseNumber(a ?? '');
      const end = b === undefined ? start : parseNumber(b);
      if (end < start)
        throw new CatchRuleSyntaxError(`ipa range ${w.slice(4)} ends before it starts. ${STAGE2_CATCH_USAGE}`);
      ipa = { start, end };
    } else if (w.startsWith('region=')) {
      region = w.slice('region='.length);
      if (!region) throw new CatchRuleSyntaxError(`empty region name. ${STAGE2_CATCH_USAGE}`);
    } else throw new CatchRuleSyntaxError(`unknown word '${w}'. ${STAGE2_CATCH_USAGE}`);
  }
  if (when === 'before' && decision !== 'any') {
    throw new CatchRuleSyntaxError(
      `decision= needs 'after': before the handler runs the decision is not known. ${STAGE2_CATCH_USAGE}`,
    );
  }
  return { id, when, access, decision, ipa, region };
}

/** True if a trap matches a rule's access, IPA and region filters (the decision filter is checked after). */
export function ruleMatchesTrap(rule: Stage2CatchRule, trap: Stage2TrapEvent): boolean {
  if (rule.access !== 'any') {
    const write = trap.access ? trap.access.write : (trap.esrEl2 & (1n << 6n)) !== 0n;
    if (write !== (rule.access === 'write')) return false;
  }
  if (rule.ipa && (trap.ipa < rule.ipa.start || trap.ipa > rule.ipa.end)) return false;
  if (rule.region !== null && trap.region !== rule.region) return false;
  return true;
}

/** True if a decided trap matches an `after` rule completely. */
export function ruleMatchesDecision(rule: Stage2CatchRule, trap: Stage2TrapEvent, d: Decision): boolean {
  return ruleMatchesTrap(rule, trap) && (rule.decision === 'any' || rule.decision === d.action);
}

/** Describes a rule the way `monitor stage2 catch` lists it. */
export function describeRule(r: Stage2CatchRule): string {
  const parts = [`#${r.id}`, r.when, r.access === 'any' ? 'read/write' : r.access];
  if (r.decision !== 'any') parts.push(`decision=${r.decision}`);
  if (r.ipa)
    parts.push(`ipa=0x${r.ipa.start.toString(16)}${r.ipa.end !== r.ipa.start ? `-0x${r.ipa.end.toString(16)}` : ''}`);
  if (r.region) parts.push(`region=${r.region}`);
  return parts.join(' ');
}

/** The event catch kinds a machine event matches: an HVC that is a PSCI call matches both hvc and psci. */
export function eventCatchKinds(e: MachineEvent): readonly EventCatchKind[] {
  switch (e.kind) {
    case 'hypercall':
      return e.family === 'psci' ? [e.conduit, 'psci'] : [e.conduit];
    case 'injection':
      return ['inject'];
    case 'guest-exception':
    case 'instruction-abort':
      return ['exception'];
    case 'decision':
      return isHandlerFailure(e.decision.why) ? ['handler-error'] : [];
    default:
      return [];
  }
}
