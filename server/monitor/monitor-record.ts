// `monitor record ...`: recording the guest for reverse execution (reverse-stepi, reverse-continue) and going to a
// recorded stage-2 trap. The recording itself is core/machine/time-travel.ts.
import { DEFAULT_RECORD_BUDGET } from '../../core/machine/time-travel.js';
import type { HandlerContext } from '../handler-context.js';
import { SessionError } from '../session-error.js';
import type { MonitorCommand } from './monitor-command.js';

const fail = (message: string): never => {
  throw new SessionError('MonitorCommandFailed', message);
};
const MiB = 1024 * 1024;
const UNITS: Record<string, number> = { '': 1, K: 1024, M: MiB, G: 1024 * MiB };

/** A budget such as 256M or 2G (K/M/G are powers of 1024). */
export function parseBudget(text: string): number | null {
  const m = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!.toUpperCase()]! : null;
}

function start(args: string, s: HandlerContext): string {
  const tt = s.target.timeTravel;
  if (tt.recording) return 'Already recording (monitor record status).\n';
  const words = args.split(/\s+/).filter(Boolean);
  if (words.length > 1) fail('usage: monitor record start [BUDGET], e.g. monitor record start 256M');
  const budget = words[0] === undefined ? DEFAULT_RECORD_BUDGET : parseBudget(words[0]);
  if (budget === null || budget < MiB) fail(`record start: '${words[0]}' is not a budget of at least 1M (e.g. 256M)`);
  tt.start({ budgetBytes: budget! });
  const here = s.target.timeTravel.position;
  return (
    `Recording from instruction ${here} (checkpoint budget ${Math.round(budget! / MiB)} MiB). ` +
    `reverse-stepi, reverse-continue and the other reverse commands now work back to here.\n` +
    `While recording, virtual time counts instructions (10 ns each) and a guest's idle waits end at once.\n`
  );
}

function stop(_args: string, s: HandlerContext): string {
  const tt = s.target.timeTravel;
  if (!tt.recording) return 'Not recording.\n';
  const replaying = tt.replaying;
  tt.stop();
  return replaying
    ? 'Recording stopped here; what followed this point in it is forgotten and the guest goes on from here live.\n'
    : 'Recording stopped.\n';
}

function status(_args: string, s: HandlerContext): string {
  const st = s.target.timeTravel.status();
  if (!st) return 'Not recording (monitor record start).\n';
  const lines = [
    `Recording: instructions ${st.from} to ${st.to}; the guest is at ${st.position}` +
      (st.position < st.to ? ' (replaying: continue runs forward to the end of the recording)' : ' (live)'),
    `  checkpoints: ${st.checkpoints}, ${(st.bytes / MiB).toFixed(1)} MiB of ${Math.round(st.budgetBytes / MiB)} MiB` +
      (st.droppedCheckpoints ? ` (${st.droppedCheckpoints} oldest dropped for the budget)` : ''),
    `  inputs logged: ${st.inputs} (console bytes and interrupts)`,
  ];
  if (st.divergence) lines.push(`  warning: ${st.divergence}`);
  return `${lines.join('\n')}\n`;
}

function goto(args: string, s: HandlerContext): string {
  const rec = s.target.timeTravel.recording;
  if (!rec) return fail('not recording (monitor record start)');
  const text = args.trim();
  const insn = /^insn\s+(\d+)$/.exec(text);
  let icount: bigint | undefined;
  let what: string;
  if (insn) {
    icount = BigInt(insn[1]!);
    what = `instruction ${icount}`;
  } else if (/^\d+$/.test(text)) {
    icount = rec.trapIcount(Number(text));
    what = `stage-2 trap #${text}`;
    if (icount === undefined) fail(`trap #${text} is not in the recording (monitor stage2 log lists the traps)`);
  } else {
    return fail('usage: monitor record goto TRAP_SEQ | monitor record goto insn N');
  }
  if (icount! < rec.startIcount || icount! > rec.endIcount)
    fail(`instruction ${icount} is outside the recording (${rec.startIcount} to ${rec.endIcount})`);
  s.seekOnNextResume(icount!);
  return (
    `The next stepi or continue goes to ${what} (instruction ${icount}, before it executes) and stops there; ` +
    `gdb then shows the machine as it was.\n`
  );
}

export const recordMonitorCommands: readonly MonitorCommand[] = [
  {
    name: 'record start',
    args: '[BUDGET]',
    summary: 'record from here for reverse execution (checkpoint memory budget, default 512M)',
    run: start,
  },
  { name: 'record stop', summary: 'stop recording (before its end: keep the machine where it is)', run: stop },
  { name: 'record status', summary: 'what the recording spans, where the guest is in it, and its memory', run: status },
  {
    name: 'record goto',
    args: 'TRAP_SEQ | insn N',
    summary: 'the next stepi or continue goes to stage-2 trap TRAP_SEQ (or instruction N) of the recording',
    run: goto,
  },
];
