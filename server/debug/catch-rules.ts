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
export const EVENT_CATCH_KINDS = ['hvc', 'smc', 'psci', 'inject', 'exception', 'irq', 'handler-error'] as const;
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

/** The IPA space of the EL2 model (RITM's 40-bit VTCR_EL2.T0SZ = 24): no trap has an IPA at or above it. */
export const IPA_LIMIT = 1n << 40n;

/**
 * Parses the words after `when` (before|after) into a rule; throws CatchRuleSyntaxError with the usage line. Every
 * word is honoured as written or rejected: `read write` is both (any access), a filter given twice, an IPA outside
 * the 40-bit IPA space or (when `regions` is given) a region the policy does not have is an error.
 */
export function parseStage2CatchRule(
  id: number,
  when: 'before' | 'after',
  words: readonly string[],
  regions?: readonly string[],
): Stage2CatchRule {
  const accesses = new Set<'read' | 'write'>();
  let decision: Stage2CatchRule['decision'] = 'any';
  let ipa: Stage2CatchRule['ipa'] = null;
  let region: string | null = null;
  const seen = new Set<string>();
  const once = (key: string, w: string) => {
    if (seen.has(key)) throw new CatchRuleSyntaxError(`'${w}': ${key} is given twice. ${STAGE2_CATCH_USAGE}`);
    seen.add(key);
  };
  for (const w of words) {
    if (w === 'read' || w === 'write') {
      once(w, w);
      accesses.add(w);
    } else if (w.startsWith('decision=')) {
      once('decision=', w);
      const v = w.slice('decision='.length);
      if (v !== 'inject' && v !== 'emulate' && v !== 'any')
        throw new CatchRuleSyntaxError(`unknown decision '${v}'. ${STAGE2_CATCH_USAGE}`);
      decision = v;
    } else if (w.startsWith('ipa=')) {
      once('ipa=', w);
      const parts = w.slice(4).split('-');
      if (parts.length > 2) throw new CatchRuleSyntaxError(`'${w}' is not an IPA or a range. ${STAGE2_CATCH_USAGE}`);
      const start = parseNumber(parts[0]!);
      const end = parts[1] === undefined ? start : parseNumber(parts[1]);
      if (end < start)
        throw new CatchRuleSyntaxError(`ipa range ${w.slice(4)} ends before it starts. ${STAGE2_CATCH_USAGE}`);
      if (end >= IPA_LIMIT)
        throw new CatchRuleSyntaxError(
          `ipa ${w.slice(4)} is outside the 40-bit IPA space (up to 0x${(IPA_LIMIT - 1n).toString(16)})`,
        );
      ipa = { start, end };
    } else if (w.startsWith('region=')) {
      once('region=', w);
      region = w.slice('region='.length);
      if (!region) throw new CatchRuleSyntaxError(`empty region name. ${STAGE2_CATCH_USAGE}`);
      if (regions && !regions.includes(region)) {
        const known = regions.length ? regions.join(', ') : 'none';
        throw new CatchRuleSyntaxError(`the policy has no region '${region}' (its handler regions: ${known})`);
      }
    } else throw new CatchRuleSyntaxError(`unknown word '${w}'. ${STAGE2_CATCH_USAGE}`);
  }
  if (when === 'before' && decision !== 'any') {
    throw new CatchRuleSyntaxError(
      `decision= needs 'after': before the handler runs the decision is not known. ${STAGE2_CATCH_USAGE}`,
    );
  }
  const access = accesses.size === 1 ? [...accesses][0]! : 'any';
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
    case 'interrupt':
      return ['irq'];
    default:
      return [];
  }
}
