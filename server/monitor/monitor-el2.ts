// The EL2 monitor commands (stage-2 catchpoints, trap log and frame, syndromes, translation, statistics, trace
// capture): entries of the monitor table in the shape of monitor-commands.ts, so `monitor help` lists them.
import type { DecisionOverride } from '../../core/el2/decision.js';
import {
  CatchRuleSyntaxError,
  describeRule,
  EVENT_CATCH_KINDS,
  parseStage2CatchRule,
  STAGE2_CATCH_USAGE,
  type EventCatchKind,
} from '../debug/catch-rules.js';
import { formatEsr, parseEsrHex } from '../debug/esr-text.js';
import { stage2MapReport, translateReport } from './machine-text.js';
import { frameReport, trapOneLine, trapReport } from '../debug/trap-text.js';
import type { MonitorCommand } from './monitor-command.js';
import { SessionError } from '../session-error.js';
import type { HandlerContext } from '../handler-context.js';

const fail = (message: string): never => {
  throw new SessionError('MonitorCommandFailed', message);
};
const words = (args: string) => args.split(/\s+/).filter(Boolean);
const NUMBER = /^(0x[0-9a-f]+|\d+)$/i;
const U64_LIMIT = 1n << 64n;

/** A 64-bit address argument, or null if it is not a number or does not fit in 64 bits (no wrap). */
function address64(text: string): bigint | null {
  if (!NUMBER.test(text)) return null;
  const v = BigInt(text);
  return v < U64_LIMIT ? v : null;
}

function stage2Catch(args: string, s: HandlerContext): string {
  const debug = s.target.debug;
  const [when, ...rest] = words(args);
  if (when === undefined) {
    const rules = debug.catchRules;
    return rules.length
      ? `stage-2 catch rules:\n${rules.map((r) => `  ${describeRule(r)}\n`).join('')}`
      : 'no stage-2 catch rules (add one with: monitor stage2 catch before|after ...)\n';
  }
  if (when === 'off') {
    if (rest.length === 0) return `removed ${debug.clearRules()} stage-2 catch rule(s)\n`;
    const id = rest.length === 1 ? /^#?(\d+)$/.exec(rest[0]!) : null;
    if (!id) return fail('usage: monitor stage2 catch off [N]   (N: a rule number as the rule list shows it)');
    const removed = debug.removeRule(Number(id[1]));
    if (!removed) return fail(`no stage-2 catch rule #${id[1]} (monitor stage2 catch lists them)`);
    return `removed stage-2 catch ${describeRule(removed)}\n`;
  }
  if (when !== 'before' && when !== 'after') fail(STAGE2_CATCH_USAGE);
  const regions = s.target.stage2.policy.regions.map((r) => r.name);
  try {
    const rule = debug.addRule((id) => parseStage2CatchRule(id, when as 'before' | 'after', rest, regions));
    return `stage-2 catch ${describeRule(rule)}: the guest stops with SIGTRAP at matching traps ${rule.when === 'before' ? 'before the handler runs' : 'after the decision is applied'}\n`;
  } catch (e) {
    if (e instanceof CatchRuleSyntaxError) fail(e.message);
    throw e;
  }
}

function stage2Decide(args: string, s: HandlerContext): string {
  const usage =
    'usage: monitor stage2 decide value HEX | handled | fault | skip   (while stopped by a "catch before" rule)';
  const [kind, value, ...extra] = words(args);
  let o: DecisionOverride;
  const v = value === undefined ? null : address64(value);
  if (kind === 'value' && v !== null && extra.length === 0) o = { kind: 'value', value: v };
  else if ((kind === 'handled' || kind === 'fault' || kind === 'skip') && value === undefined) o = { kind };
  else return fail(usage);
  const held = s.target.heldTrap;
  const r = s.target.debug.decide(o);
  if (r === 'ok') s.target.noteChange();
  if (r === 'no-trap' || !held)
    fail('no trap is held: decide works while stopped by a "monitor stage2 catch before" rule');
  if (r === 'no-syndrome')
    fail(
      `trap #${held!.seq} has no instruction syndrome (ISV=0: no Rt or size to emulate with); use handled, skip or fault`,
    );
  return `trap #${held!.seq}: when the guest resumes (continue or stepi) the decision will be ${kind}${o.kind === 'value' ? ` ${value}` : ''} instead of the handler's\n`;
}

function stage2Log(args: string, s: HandlerContext): string {
  const log = s.target.debug.log;
  const w = words(args);
  if (w[0] === 'capacity') {
    if (w.length !== 2 || !/^\d+$/.test(w[1]!) || Number(w[1]) < 1 || Number(w[1]) > 1_000_000)
      fail('usage: monitor stage2 log capacity N (1..1000000)');
    log.resize(Number(w[1]));
    return `trap log keeps the last ${w[1]} traps\n`;
  }
  if (w.length > 1 || (w.length === 1 && !/^\d+$/.test(w[0]!)))
    fail('usage: monitor stage2 log [N] | monitor stage2 log capacity N');
  const n = w.length ? Number(w[0]) : 16;
  const entries = log.recent(n);
  if (!entries.length) return 'no stage-2 traps yet\n';
  return (
    entries.map((e) => `#${e.trap.seq} pc 0x${e.trap.pc.toString(16)}: ${trapOneLine(e.trap, e.decision)}\n`).join('') +
    `(${entries.length} of ${log.size} kept, capacity ${log.limit})\n`
  );
}

function el2State(_args: string, s: HandlerContext): string {
  const st = s.target.el2Status();
  const held = s.target.heldTrap;
  const lines = st.registers.map(([n, v]) => `  ${n.padEnd(10)} 0x${v.toString(16).padStart(16, '0')}`);
  return (
    [
      `EL2 model: policy ${st.policyName}, inject mode ${st.injectMode}, stage 2 ${st.stage2Enabled ? 'on' : 'off'} (HCR_EL2.VM), SMC ${st.smcTrapped ? 'trapped' : 'undefined'} (HCR_EL2.TSC)`,
      ...lines,
      held ? `  stopped before the decision of trap #${held.seq}` : '',
    ]
      .filter(Boolean)
      .join('\n') + '\n'
  );
}

function eventCatch(args: string, s: HandlerContext): string {
  const debug = s.target.debug;
  const w = words(args);
  if (w.length === 0)
    return `event catches on: ${debug.eventCatchKinds.join(', ') || 'none'} (kinds: ${EVENT_CATCH_KINDS.join(', ')})\n`;
  const [kind, state] = w;
  if (
    w.length !== 2 ||
    !(EVENT_CATCH_KINDS as readonly string[]).includes(kind!) ||
    (state !== 'on' && state !== 'off')
  ) {
    fail(`usage: monitor catch ${EVENT_CATCH_KINDS.join('|')} on|off`);
  }
  debug.setEventCatch(kind as EventCatchKind, state === 'on');
  return `catch ${kind} ${state}${state === 'on' ? ': the guest stops with SIGTRAP right after each one' : ''}\n`;
}

function memspace(args: string, s: HandlerContext): string {
  const w = words(args);
  if (w.length === 0)
    return `memory space: ${s.target.memspace} (gdb's m/M/X and watchpoints use ${s.target.memspace === 'va' ? 'guest virtual addresses' : 'guest-physical (IPA) addresses'})\n`;
  if (w.length !== 1 || (w[0] !== 'va' && w[0] !== 'ipa')) fail('usage: monitor memspace va|ipa');
  s.target.memspace = w[0] as 'va' | 'ipa';
  return `memory space: ${w[0]}\n`;
}

function trace(args: string, s: HandlerContext): string {
  const w = words(args);
  const t = s.target.traceControl;
  const usage = 'usage: monitor trace start FILE [--perfetto] [force] | trace stop | trace status';
  if (w[0] === 'start') {
    const [file, ...flags] = w.slice(1);
    const known = new Set(['--perfetto', 'force']);
    if (!file || known.has(file) || flags.some((f) => !known.has(f)) || new Set(flags).size !== flags.length)
      return fail(usage);
    return t.start(file, { perfetto: flags.includes('--perfetto'), force: flags.includes('force') });
  }
  if (w[0] === 'stop' && w.length === 1) return t.stop();
  if (w[0] === 'status' && w.length === 1) return t.status();
  return fail(usage);
}

/** The EL2 entries of the monitor table. */
export const el2MonitorCommands: readonly MonitorCommand[] = [
  {
    name: 'irq',
    summary: 'the GIC (enabled, pending and active interrupts), the generic timers, and the interrupts taken',
    run: (_a, s) => s.target.describeInterrupts(),
  },
  {
    name: 'stage2 map',
    summary: 'the stage-2 policy: allowed ranges, handler regions, hit counts',
    run: (_a, s) => stage2MapReport(s.target.stage2, s.target.debug.stats),
  },
  {
    name: 'stage2 last',
    summary: 'the last stage-2 trap decoded: ESR fields, FAR, HPFAR, IPA, access, Rt, region, handler, decision',
    run: (_a, s) => {
      const e = s.target.debug.log.last();
      return e ? trapReport(e.trap, e.decision) : 'no stage-2 traps yet\n';
    },
  },
  {
    name: 'stage2 log',
    args: '[N] | capacity N',
    summary: 'the last N stage-2 traps (default 16) from a ring buffer',
    run: stage2Log,
  },
  {
    name: 'stage2 catch',
    args: 'before|after [read|write] [decision=D] [ipa=A[-B]] [region=R] | off [N]',
    summary: 'stop at matching stage-2 traps (no args: list)',
    run: stage2Catch,
  },
  {
    name: 'stage2 decide',
    args: 'value HEX|handled|fault|skip',
    summary: 'while stopped before a trap, replace the handler decision for this trap',
    run: stage2Decide,
  },
  {
    name: 'catch',
    args: `${EVENT_CATCH_KINDS.join('|')} on|off`,
    summary: 'stop right after hypercalls, secure calls, PSCI, injections or guest exceptions',
    run: eventCatch,
  },
  {
    name: 'frame',
    summary: 'x0-x30, SP, ELR, SPSR and the syndrome registers of the current (held) or last trap',
    run: (_a, s) => {
      const held = s.target.heldTrap;
      const t = held ?? s.target.debug.log.last()?.trap;
      return t
        ? `trap #${t.seq} at pc 0x${t.pc.toString(16)}${held ? ' (held before its decision)' : ''}\n${frameReport(t.frame)}`
        : 'no stage-2 traps yet\n';
    },
  },
  {
    name: 'esr',
    args: 'HEX',
    summary: 'decode an ESR value field by field',
    run: (a) => {
      const esr = parseEsrHex(a);
      return esr === null ? fail('usage: monitor esr HEX (e.g. monitor esr 0x93c08007)') : formatEsr(esr);
    },
  },
  { name: 'el2', summary: 'EL2 state: HCR, VTCR, VTTBR, VBAR, syndrome registers, policy, inject mode', run: el2State },
  {
    name: 'translate',
    args: 'VA',
    summary: 'walk VA through stage 1 (each descriptor) and stage 2',
    run: (a, s) => {
      const va = address64(a.trim());
      return va === null
        ? fail('usage: monitor translate VA (a 64-bit address, e.g. 0x40080000)')
        : translateReport(s.target.translate(va), s.target.stage2);
    },
  },
  {
    name: 'memspace',
    args: 'va|ipa',
    summary: "what gdb's m/M/X and watchpoint addresses mean: guest virtual (default) or IPA",
    run: memspace,
  },
  {
    name: 'stats',
    summary: 'instructions, traps by region and decision, injections, hypercalls, MIPS',
    run: (_a, s) => s.target.debug.stats.report(s.target.executionStats()),
  },
  {
    name: 'trace',
    args: 'start FILE [--perfetto] [force] | stop | status',
    summary:
      'record trap/decision/hypercall events to JSON Lines (or Perfetto JSON); FILE is below the trace directory',
    run: trace,
  },
];
