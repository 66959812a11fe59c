// The shape of one `monitor` command: the entries of the table in monitor-commands.ts.
import type { HandlerContext } from '../handler-context.js';

export interface MonitorCommand {
  /** The words that select it; the longest matching name wins (`reset halt` before `reset`). */
  readonly name: string;
  readonly args?: string;
  readonly summary: string;
  run(args: string, session: HandlerContext): string;
}
