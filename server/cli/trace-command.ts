import { createReadStream, existsSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { PerfettoTraceWriter } from '../../core/trace/perfetto-writer.js';
import type { TraceRecord } from '../../core/trace/trace-events.js';
import { CliError, EXIT } from './cli-error.js';

/** The fields each record type must carry for the conversion (format 1, docs/trace-format.md), and their types. */
const REQUIRED: Record<string, Record<string, 'string' | 'number' | 'object'>> = {
  'stage2-abort': { ipa: 'string', pc: 'string', decision: 'object' },
  inject: { esr_el1: 'string', pc: 'string' },
  hvc: { name: 'string', function_id: 'string' },
  smc: { name: 'string', function_id: 'string' },
  'guest-exception': { description: 'string', pc: 'string' },
  'instruction-abort': { ipa: 'string', pc: 'string' },
};

/** Why a parsed line is not a format-1 event the converter can use, or null if it is one. */
export function malformedEvent(r: unknown): string | null {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not a JSON object';
  const rec = r as Record<string, unknown>;
  if (typeof rec.type !== 'string') return "no 'type'";
  const fields = REQUIRED[rec.type];
  if (!fields) return `unknown event type '${rec.type}'`;
  if (typeof rec.t_us !== 'number' && typeof rec.icount !== 'number') return "no 't_us' or 'icount'";
  for (const [name, type] of Object.entries(fields)) {
    const v = rec[name];
    if (v === undefined || v === null || typeof v !== type) return `'${name}' missing or not a ${type}`;
  }
  if (rec.type === 'stage2-abort' && typeof (rec.decision as Record<string, unknown>).why !== 'string')
    return "'decision.why' missing or not a string";
  return null;
}

/** Same file (by path, or by identity when both exist). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  if (!existsSync(a) || !existsSync(b)) return false;
  const [sa, sb] = [statSync(a), statSync(b)];
  return realpathSync(a) === realpathSync(b) || (sa.dev === sb.dev && sa.ino === sb.ino);
}

/**
 * `el2dbg trace convert IN.jsonl --perfetto OUT.json`: converts a JSON Lines trace, streaming (bounded memory). OUT
 * is written to a temporary file beside it and renamed at the end, so a failed conversion leaves any old OUT as it
 * was. A trace whose last line is cut short (a run killed mid-write) is converted up to its last complete line, with a
 * warning; a malformed line anywhere else is an error naming the file and the line.
 */
export async function traceConvertCommand(input: string, perfetto: string | undefined): Promise<number> {
  const fail = (message: string): never => {
    throw new CliError(EXIT.BAD_ARGUMENTS, `trace convert: ${message}`);
  };
  if (!perfetto) return fail('--perfetto OUT.json is required (the only output format so far)');
  if (!existsSync(input)) return fail(`cannot read ${input}: it does not exist`);
  if (statSync(input).isDirectory()) return fail(`cannot read ${input}: it is a directory`);
  if (sameFile(input, perfetto)) return fail(`the output ${perfetto} is the input: give another file`);
  if (!existsSync(dirname(resolve(perfetto)))) return fail(`cannot write ${perfetto}: its folder does not exist`);
  const temp = join(dirname(resolve(perfetto)), `.${basename(perfetto)}.${process.pid}.tmp`);
  const stream = createReadStream(input);
  let readError: Error | null = null;
  stream.on('error', (e) => (readError = e));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let writer: PerfettoTraceWriter | null = null;
  let n = 0;
  let cut: { line: number; why: string } | null = null; // a bad line: an error unless it turns out to be the last
  let converted = 0;
  try {
    for await (const line of lines) {
      n++;
      if (cut) fail(`${input} line ${cut.line}: ${cut.why}`);
      if (!line.trim()) continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        cut = { line: n, why: 'not JSON' };
        continue;
      }
      if (!writer) {
        const h = record as TraceRecord;
        if (n !== 1 || h?.type !== 'header' || h.format !== 1)
          fail(`${input} is not an el2dbg trace (a format 1 header is expected on line 1)`);
        try {
          writer = new PerfettoTraceWriter(temp, `el2dbg: ${String(h.image)}`);
        } catch (e) {
          fail(`cannot write ${perfetto}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        continue;
      }
      const problem = malformedEvent(record);
      if (problem) fail(`${input} line ${n}: malformed event: ${problem}`);
      writer.write(record as TraceRecord);
      converted++;
    }
    if (readError) fail(`cannot read ${input}: ${(readError as NodeJS.ErrnoException).code ?? 'read error'}`);
    if (!writer) return fail(`${input} is empty, or its first line is cut short`);
    writer.close();
    writer = null;
    renameSync(temp, perfetto);
  } catch (e) {
    writer?.close();
    rmSync(temp, { force: true });
    if (e instanceof CliError) throw e;
    return fail(`cannot convert ${input}: ${(e as Error).message}`);
  }
  if (cut)
    process.stderr.write(
      `el2dbg: warning: ${input} line ${cut.line} is cut short (a run ended mid-write?): converted the ${converted} ` +
        `events before it\n`,
    );
  return EXIT.OK;
}
