import { formatEsr, parseEsrHex } from '../debug/esr-text.js';
import { CliError, EXIT } from './cli-error.js';

/** `el2dbg esr decode HEX`: prints the decoded fields on stdout. */
export function esrDecodeCommand(hex: string): number {
  const esr = parseEsrHex(hex);
  if (esr === null)
    throw new CliError(EXIT.BAD_ARGUMENTS, `esr decode: '${hex}' is not a hex value (example: 0x93c08007)`);
  process.stdout.write(formatEsr(esr));
  return EXIT.OK;
}
