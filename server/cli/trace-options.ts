import { TRACE_EVENT_TYPES, type TraceEventType } from '../../core/trace/trace-events.js';
import { CliError, EXIT } from './cli-error.js';

/** Parses --events: a comma-separated subset of the trace event types. */
export function parseTraceEvents(text: string): ReadonlySet<TraceEventType> {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(TRACE_EVENT_TYPES as readonly string[]).includes(n));
  if (names.length === 0 || bad.length > 0) {
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `--events: unknown event type ${bad.map((b) => `'${b}'`).join(', ') || '(none given)'}; choose from ${TRACE_EVENT_TYPES.join(',')}`,
    );
  }
  return new Set(names as TraceEventType[]);
}
