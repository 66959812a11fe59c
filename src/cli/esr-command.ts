import { describeEsr } from '../core/syndrome/esr-describe.js';
import { CliError, EXIT } from './cli-error.js';

/** Parses an ESR value given in hex (with or without 0x). */
export function parseEsr(text: string): bigint {
  const t = text.trim().toLowerCase().replace(/^0x/, '').replace(/_/g, '');
  if (!/^[0-9a-f]{1,16}$/.test(t)) throw new CliError(EXIT.BAD_ARGUMENTS, `esr decode: '${text}' is not a hex value (example: 0x93c08007)`);
  return BigInt('0x' + t);
}

/** Formats every field of an ESR value, one per line (shared with `monitor esr`). */
export function formatEsr(esr: bigint): string {
  const d = describeEsr(esr);
  const lines = [`ESR 0x${esr.toString(16)}: EC 0x${d.ec.toString(16).padStart(2, '0')} ${d.ecName}, IL ${d.il ? 1 : 0} (${d.il ? '32-bit instruction' : '16-bit instruction'})`];
  const width = Math.max(...d.fields.map((f) => f.name.length));
  for (const f of d.fields) lines.push(`  ${f.name.padEnd(width)} [${f.bits}] = 0x${f.value.toString(16)}  ${f.meaning}`);
  return lines.join('\n') + '\n';
}

/** `el2dbg esr decode HEX`: prints the decoded fields on stdout. */
export function esrDecodeCommand(hex: string): number {
  process.stdout.write(formatEsr(parseEsr(hex)));
  return EXIT.OK;
}
