// `monitor ...` commands (qRcmd): one table, which `monitor help` prints. A command returns the text gdb prints.
// Monitor commands only arrive while the guest is halted (gdb's all-stop mode), so none of them runs it.
import { el2MonitorCommands } from './monitor-el2.js';
import { ubootMonitorCommands } from './monitor-uboot.js';
import { recordMonitorCommands } from './monitor-record.js';
import type { HandlerContext } from '../handler-context.js';
import type { MonitorCommand } from './monitor-command.js';
import { hex } from '../../core/text/hex.js';
import { SessionError } from '../session-error.js';

export type { MonitorCommand } from './monitor-command.js';

function resetGuest(session: HandlerContext): string {
  session.resetGuest();
  return (
    `Guest reset to its initial state, halted at its entry point ${hex(session.target.pc)}.\n` +
    `gdb still shows the registers from before: run "maintenance flush register-cache" to refresh them, or\n` +
    `"monitor gdb_sync" then "stepi" to have gdb (and an IDE) see a stop at the entry.\n`
  );
}

export const monitorCommands: readonly MonitorCommand[] = [
  { name: 'help', summary: 'list the monitor commands', run: () => monitorHelp() },
  {
    name: 'halt',
    summary: 'halt the guest (it already is whenever gdb can send a monitor command); prints where it is',
    run: (_args, s) => `Guest halted at pc ${hex(s.target.pc)} (${s.target.describeCpu()}).\n`,
  },
  {
    name: 'reset',
    summary: 'reset the machine to its initial state; it stays halted at its entry until you continue',
    run: (_args, s) => resetGuest(s),
  },
  {
    name: 'reset halt',
    summary: 'reset the machine and halt at its entry (what IDE adapters send)',
    run: (_args, s) => resetGuest(s),
  },
  {
    name: 'gdb_sync',
    summary: 'the next stepi executes nothing and reports a stop where the guest is, so gdb re-reads every register',
    run: (_args, s) => {
      s.syncNextStep();
      return 'The next stepi will report a stop at the current pc without executing (gdb then re-reads the registers).\n';
    },
  },
  ...el2MonitorCommands,
  ...ubootMonitorCommands,
  ...recordMonitorCommands,
];

const HELP_COLUMNS = 100;
const USAGE_COLUMN = 22;

/** Words of `text` in lines no longer than `width`. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  return line ? [...lines, line] : lines;
}

/** `monitor help`: every command of the table with its usage and summary, in 100 columns. */
function monitorHelp(): string {
  const indent = ' '.repeat(2 + USAGE_COLUMN + 2);
  const out = ['el2dbg monitor commands:'];
  for (const c of monitorCommands) {
    const usage = c.args ? `${c.name} ${c.args}` : c.name;
    const summary = wrap(c.summary, HELP_COLUMNS - indent.length);
    if (usage.length <= USAGE_COLUMN) out.push(`  ${usage.padEnd(USAGE_COLUMN)}  ${summary[0]}`);
    else out.push(...wrap(usage, HELP_COLUMNS - 2).map((l) => `  ${l}`), `${indent}${summary[0]}`);
    out.push(...summary.slice(1).map((l) => `${indent}${l}`));
  }
  return `${out.join('\n')}\n`;
}

/**
 * Runs one monitor line: the command it selects, with its arguments checked (a command that takes none rejects any).
 * Throws SessionError('MonitorCommandFailed') with the usage or the reason.
 */
export function runMonitorLine(line: string, s: HandlerContext): string {
  const found = findMonitorCommand(line);
  if (!found) {
    const text = line.trim();
    throw new SessionError(
      'MonitorCommandFailed',
      text
        ? `unknown monitor command '${text}' (monitor help lists them)`
        : 'monitor needs a command (monitor help lists them)',
    );
  }
  const { command, args } = found;
  if (command.args === undefined && args !== '')
    throw new SessionError('MonitorCommandFailed', `usage: monitor ${command.name}   (it takes no arguments)`);
  return command.run(args, s);
}

/** The command a monitor line selects and its arguments, or null. */
export function findMonitorCommand(line: string): { command: MonitorCommand; args: string } | null {
  const words = line.trim().split(/\s+/).filter(Boolean);
  let best: { command: MonitorCommand; args: string; length: number } | null = null;
  for (const command of monitorCommands) {
    const name = command.name.split(' ');
    if (name.length > words.length || !name.every((w, i) => w === words[i])) continue;
    if (!best || name.length > best.length)
      best = { command, args: words.slice(name.length).join(' '), length: name.length };
  }
  return best && { command: best.command, args: best.args };
}
