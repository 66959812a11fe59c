import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PerfettoTraceWriter } from '../../core/trace/perfetto-writer.js';
import type { TraceRecord } from '../../core/trace/trace-events.js';
import { CliError, EXIT } from './cli-error.js';

/** `el2dbg trace convert IN.jsonl --perfetto OUT.json`: converts a JSON Lines trace, streaming (bounded memory). */
export async function traceConvertCommand(input: string, perfetto: string | undefined): Promise<number> {
  if (!perfetto)
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      'trace convert: --perfetto OUT.json is required (the only output format so far)',
    );
  const lines = createInterface({ input: createReadStream(input).on('error', () => undefined), crlfDelay: Infinity });
  let writer: PerfettoTraceWriter | null = null;
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let record: TraceRecord;
      try {
        record = JSON.parse(line) as TraceRecord;
      } catch {
        throw new CliError(EXIT.BAD_ARGUMENTS, `trace convert: ${input} line ${n} is not JSON`);
      }
      if (n === 1) {
        if (record.type !== 'header' || record.format !== 1)
          throw new CliError(
            EXIT.BAD_ARGUMENTS,
            `trace convert: ${input} is not an el2dbg trace (format 1 header expected on line 1)`,
          );
        writer = new PerfettoTraceWriter(perfetto, `el2dbg: ${String(record.image)}`);
        continue;
      }
      writer!.write(record);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(EXIT.BAD_ARGUMENTS, `trace convert: cannot read ${input}: ${(e as Error).message}`);
  } finally {
    writer?.close();
  }
  if (!writer) throw new CliError(EXIT.BAD_ARGUMENTS, `trace convert: ${input} is empty or cannot be read`);
  return EXIT.OK;
}
