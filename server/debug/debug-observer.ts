import type { Decision, DecisionOverride } from '../../core/el2/decision.js';
import type { MachineEvent, Stage2TrapEvent } from '../../core/el2/events.js';
import type { Machine } from '../../core/machine/machine.js';
import { trapOneLine } from './trap-text.js';
import {
  DEFAULT_EVENT_CATCHES,
  parseStage2CatchRule,
  type CatchDefault,
  describeRule,
  eventCatchKinds,
  ruleMatchesDecision,
  ruleMatchesTrap,
  type EventCatchKind,
  type Stage2CatchRule,
} from './catch-rules.js';
import { MachineStats } from './machine-stats.js';
import { TrapLog } from './trap-log.js';
import { hex, hexDigits } from '../../core/text/hex.js';

/** Why a catch stopped the machine, and the line to show the person. */
export interface CatchStop {
  readonly kind: 'trap-before' | 'trap-after' | 'event';
  readonly message: string;
  /** Machine-readable stop-reply keys (gdb ignores them; RSP scripts read them). */
  readonly keys: readonly (readonly [string, string])[];
}

function trapKeys(t: Stage2TrapEvent, when: string): [string, string][] {
  return [
    ['el2trap', when],
    ['esr', hexDigits(t.esrEl2)],
    ['far', hexDigits(t.farEl2)],
    ['hpfar', hexDigits(t.hpfarEl2)],
    ['ipa', hexDigits(t.ipa)],
  ];
}

/**
 * Everything a debugger keeps about one machine: the trap log, statistics, stage-2 catch rules (installed as the
 * hypervisor's stop rules) and event catches. Core knows nothing of it; it only subscribes to events.
 */
export class DebugObserver {
  readonly log = new TrapLog(256);
  readonly stats = new MachineStats();
  private rules: Stage2CatchRule[] = [];
  private nextRuleId = 1;
  private readonly eventCatches = new Set<EventCatchKind>();
  private stop: CatchStop | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly machine: Machine) {
    this.unsubscribe = machine.on((e) => this.observe(e));
    machine.hypervisor.stopRules = {
      stopBefore: (trap) => this.matchRule(trap, 'before', undefined),
      stopAfter: (trap, decision) => this.matchRule(trap, 'after', decision),
    };
  }

  private observe(e: MachineEvent): void {
    // A replay of a recording (reverse execution) counts and logs nothing twice; its catches still stop it.
    if (!this.machine.replaying) {
      this.stats.observe(e);
      if (e.kind === 'stage2-trap') this.log.record(e);
      else if (e.kind === 'decision') this.log.decide(e.seq, e.decision);
    }
    const kind = eventCatchKinds(e).find((k) => this.eventCatches.has(k));
    if (kind && this.stop === null) {
      this.stop = { kind: 'event', message: describeEventStop(e), keys: eventKeys(e) };
      this.machine.requestStop(`catch ${kind}`);
    }
  }

  private matchRule(trap: Stage2TrapEvent, when: 'before' | 'after', d: Decision | undefined): boolean {
    const rule = this.rules.find(
      (r) => r.when === when && (d ? ruleMatchesDecision(r, trap, d) : ruleMatchesTrap(r, trap)),
    );
    if (!rule) return false;
    this.stop = {
      kind: when === 'before' ? 'trap-before' : 'trap-after',
      message: `${trapOneLine(trap, d)} [catch ${describeRule(rule)}]`,
      keys: trapKeys(trap, when),
    };
    return true;
  }

  /** True if the last stop was a catch's (takeCatchStop would return it). */
  get catchStopPending(): boolean {
    return this.stop !== null;
  }

  /** Takes (and clears) the reason of the last catch stop, if the last stop was one. */
  takeCatchStop(): CatchStop | null {
    const s = this.stop;
    this.stop = null;
    return s;
  }

  /** Adds a stage-2 catch rule; returns it. */
  addRule(make: (id: number) => Stage2CatchRule): Stage2CatchRule {
    const rule = make(this.nextRuleId); // a rule that fails to parse does not use up a number
    this.nextRuleId++;
    this.rules.push(rule);
    return rule;
  }

  /** Removes the stage-2 catch rule with number `id`; returns it, or null if there is none. */
  removeRule(id: number): Stage2CatchRule | null {
    const rule = this.rules.find((r) => r.id === id) ?? null;
    if (rule) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  /** Removes every stage-2 catch rule. */
  clearRules(): number {
    const n = this.rules.length;
    this.rules = [];
    return n;
  }

  get catchRules(): readonly Stage2CatchRule[] {
    return this.rules;
  }

  /**
   * Starts a new gdb session's settings: no stage-2 catch rules, the default event catches, then the server's own
   * (`serve --catch`), so nothing one gdb set surprises the next.
   */
  startSession(defaults: readonly CatchDefault[]): void {
    this.rules = [];
    this.eventCatches.clear();
    for (const k of DEFAULT_EVENT_CATCHES) this.eventCatches.add(k);
    for (const d of defaults) {
      if (d.kind === 'event') this.setEventCatch(d.event, d.on);
      else this.addRule((id) => parseStage2CatchRule(id, d.when, d.words));
    }
    this.stop = null;
  }

  /** Turns an event catch on or off. */
  setEventCatch(kind: EventCatchKind, on: boolean): void {
    if (on) this.eventCatches.add(kind);
    else this.eventCatches.delete(kind);
  }

  get eventCatchKinds(): readonly EventCatchKind[] {
    return [...this.eventCatches];
  }

  /** Replaces the decision of the trap the machine is stopped before (see Hypervisor.overrideHeldDecision). */
  decide(o: DecisionOverride): 'ok' | 'no-trap' | 'no-syndrome' {
    return this.machine.hypervisor.overrideHeldDecision(o);
  }

  /** Stops observing. */
  dispose(): void {
    this.unsubscribe();
    this.machine.hypervisor.stopRules = null;
  }
}

function describeEventStop(e: MachineEvent): string {
  switch (e.kind) {
    case 'hypercall':
      return `${e.conduit.toUpperCase()} at ${hex(e.pc)}: ${e.name} (x0=${hex(e.functionId)}) -> ${e.results.length ? `x0=${hex(e.results[0]!)}` : 'no return'}`;
    case 'injection':
      return `data abort injected into EL1: ESR_EL1=${hex(e.esrEl1)} FAR_EL1=${hex(e.farEl1)} ELR_EL1=${hex(e.elrEl1)} -> vector ${hex(e.vector)} (${e.mode})`;
    case 'guest-exception':
      return `guest exception at ${hex(e.pc)}: ${e.description} (ESR_EL1=${hex(e.esr)}) -> vector ${hex(e.vector)}`;
    case 'instruction-abort':
      return `stage-2 instruction abort at ${hex(e.pc)}: IPA ${hex(e.ipa)} ESR_EL2=${hex(e.esrEl2)}`;
    case 'interrupt':
      return `${e.line.toUpperCase()} (INTID ${e.intid}) taken before ${hex(e.pc)} -> vector ${hex(e.vector)}`;
    case 'decision': {
      const d = e.decision;
      const handler = `${d.region ?? '?'} ${d.handler ?? ''} handler`.replace('  ', ' ');
      const what = `${d.why === 'handler-timeout' ? 'timed out' : d.why === 'handler-threw' ? 'threw' : 'returned a bad value'}`;
      return (
        `policy ${handler} ${what} at trap #${e.seq} (pc ${hex(e.trap.pc)}, IPA ${hex(e.trap.ipa)}): ${d.error ?? '?'}; ` +
        `treated as Fault (injected into EL1). monitor catch handler-error off to let the guest run on`
      );
    }
    default:
      return e.kind;
  }
}

function eventKeys(e: MachineEvent): [string, string][] {
  switch (e.kind) {
    case 'hypercall':
      return [
        ['el2event', e.conduit],
        ['fid', hexDigits(e.functionId)],
      ];
    case 'injection':
      return [
        ['el2event', 'inject'],
        ['esr', hexDigits(e.esrEl1)],
        ['far', hexDigits(e.farEl1)],
      ];
    case 'guest-exception':
      return [
        ['el2event', 'exception'],
        ['esr', hexDigits(e.esr)],
      ];
    case 'instruction-abort':
      return [
        ['el2event', 'iabt'],
        ['esr', hexDigits(e.esrEl2)],
        ['ipa', hexDigits(e.ipa)],
      ];
    case 'interrupt':
      return [
        ['el2event', 'irq'],
        ['intid', e.intid.toString(16)],
      ];
    case 'decision':
      return [
        ['el2event', 'handler-error'],
        ['ipa', hexDigits(e.trap.ipa)],
      ];
    default:
      return [];
  }
}
