import { describeEsr } from '../../core/syndrome/esr-describe.js';

/** Parses an ESR value given in hex (with or without 0x); null if it is not hex. */
export function parseEsrHex(text: string): bigint | null {
  const t = text.trim().toLowerCase().replace(/^0x/, '').replace(/_/g, '');
  return /^[0-9a-f]{1,16}$/.test(t) ? BigInt('0x' + t) : null;
}

/** Every field of an ESR value, one per line (el2dbg esr decode, monitor esr). */
export function formatEsr(esr: bigint): string {
  const d = describeEsr(esr);
  const lines = [
    `ESR 0x${esr.toString(16)}: EC 0x${d.ec.toString(16).padStart(2, '0')} ${d.ecName}, IL ${d.il ? 1 : 0} (${d.il ? '32-bit instruction' : '16-bit instruction'})`,
  ];
  const width = Math.max(...d.fields.map((f) => f.name.length));
  for (const f of d.fields)
    lines.push(`  ${f.name.padEnd(width)} [${f.bits}] = 0x${f.value.toString(16)}  ${f.meaning}`);
  return lines.join('\n') + '\n';
}
