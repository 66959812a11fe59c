import type { InjectMode } from '../../core/el2/el2-state.js';
import { CliError, EXIT } from './cli-error.js';

const SIZE_UNITS: Record<string, bigint> = { '': 1n, K: 1n << 10n, M: 1n << 20n, G: 1n << 30n };

/** Parses a memory size such as 1G, 512M, 65536 or 0x4000000 (K/M/G are powers of 1024). */
export function parseSize(text: string, flag: string): bigint {
  const m = /^(0x[0-9a-f]+|\d+)\s*([kmg]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new CliError(EXIT.BAD_ARGUMENTS, `${flag}: '${text}' is not a size (examples: 1G, 512M, 0x40000000)`);
  return BigInt(m[1]!) * SIZE_UNITS[m[2]!.toUpperCase()]!;
}

/** Parses an address (hex with 0x, or decimal). */
export function parseAddress(text: string, flag: string): bigint {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text.trim()))
    throw new CliError(EXIT.BAD_ARGUMENTS, `${flag}: '${text}' is not an address (example: 0x40080000)`);
  return BigInt(text.trim());
}

/** The longest time Node's timers can wait: 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Parses a positive number of seconds (fractions allowed), at most what a timer can wait. */
export function parseSeconds(text: string, flag: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0)
    throw new CliError(EXIT.BAD_ARGUMENTS, `${flag}: '${text}' is not a positive number of seconds`);
  if (v > MAX_TIMER_SECONDS)
    throw new CliError(EXIT.BAD_ARGUMENTS, `${flag}: ${text} s is too long (at most ${MAX_TIMER_SECONDS} s, 24 days)`);
  return v;
}

/** Parses where a raw image is loaded and entered: an address an AArch64 instruction can start at (4-aligned). */
export function parseLoadAddress(text: string, flag: string): bigint {
  const v = parseAddress(text, flag);
  if (v % 4n !== 0n)
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `${flag}: 0x${v.toString(16)} is not 4-byte aligned (the image is entered there, and A64 instructions are 4-aligned)`,
    );
  return v;
}

/** Parses a whole number of milliseconds, 0 to one hour. */
export function parseMilliseconds(text: string, flag: string): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || v > 3_600_000)
    throw new CliError(EXIT.BAD_ARGUMENTS, `${flag}: '${text}' is not a number of milliseconds (0 to 3600000)`);
  return v;
}

/** Parses a positive whole count (instructions), allowing 1e6-style and _ separators. */
export function parseCount(text: string, flag: string): bigint {
  const clean = text.replace(/_/g, '');
  let v: bigint | null = null;
  if (/^\d+$/.test(clean)) v = BigInt(clean);
  else if (/^\d+(\.\d+)?e\d+$/i.test(clean) && Number.isSafeInteger(Number(clean))) v = BigInt(Number(clean));
  if (v === null || v <= 0n)
    throw new CliError(EXIT.BAD_ARGUMENTS, `${flag}: '${text}' is not a positive whole number`);
  return v;
}

/** Parses a TCP port, 0 to 65535 (0: the system picks a free one). */
export function parsePort(text: string, flag: string): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || v > 65535)
    throw new CliError(EXIT.BAD_ARGUMENTS, `${flag}: '${text}' is not a TCP port (0 to 65535)`);
  return v;
}

/** Parses --inject. */
export function parseInjectMode(text: string): InjectMode {
  if (text === 'ritm' || text === 'architectural') return text;
  throw new CliError(EXIT.BAD_ARGUMENTS, `--inject: '${text}' is not an injection mode (ritm or architectural)`);
}
