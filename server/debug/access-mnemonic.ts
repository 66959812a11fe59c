import type { MemoryAccess } from '../../core/syndrome/memory-access.js';

const SIZE_SUFFIX: Record<number, string> = { 1: 'B', 2: 'H' };

/** A short assembler-style name of a decoded access, e.g. "LDR x19", "STRB w1", "LDP x0, x1", "DC ZVA". */
export function accessMnemonic(a: MemoryAccess): string {
  const gpr = (n: number | undefined) =>
    n === undefined ? '?' : n === 31 ? (a.dest64 ? 'xzr' : 'wzr') : `${a.dest64 ? 'x' : 'w'}${n}`;
  const l = a.write ? 'ST' : 'LD';
  switch (a.class) {
    case 'load-store-register':
    case 'load-register-literal':
    case 'load-store-unprivileged': {
      const t = a.class === 'load-store-unprivileged' ? 'T' : '';
      const sx = a.signExtend ? `S${a.size === 4 ? 'W' : (SIZE_SUFFIX[a.size] ?? '')}` : (SIZE_SUFFIX[a.size] ?? '');
      return `${l}R${t}${sx} ${gpr(a.rt)}`;
    }
    case 'load-register-pac':
      return `LDRA ${gpr(a.rt)}`;
    case 'load-store-pair':
      return `${l}P ${gpr(a.rt)}, ${gpr(a.rt2)}`;
    case 'load-store-exclusive':
      return `${a.write ? 'ST' : 'LD'}${a.acquireRelease ? (a.write ? 'L' : 'A') : ''}X${a.pair ? 'P' : 'R'} ${gpr(a.rt)}`;
    case 'load-store-ordered':
      return `${a.write ? 'STLR' : 'LDAR'} ${gpr(a.rt)}`;
    case 'load-acquire-rcpc':
      return `LDAPR ${gpr(a.rt)}`;
    case 'load-store-rcpc-unscaled':
      return `${a.write ? 'STLUR' : 'LDAPUR'} ${gpr(a.rt)}`;
    case 'atomic-memory-operation':
      return `atomic ${gpr(a.rt)}`;
    case 'compare-and-swap':
      return `CAS${a.pair ? 'P' : ''} ${gpr(a.rt)}`;
    case 'simd-fp-register':
      return `${l}R ${'bhsdq'[Math.log2(a.size)] ?? 'v'}${a.rt}`;
    case 'simd-fp-pair':
      return `${l}P ${'bhsdq'[Math.log2(a.size)] ?? 'v'}${a.rt}`;
    case 'simd-structure-multiple':
    case 'simd-structure-single':
      return `${l}n v${a.rt}`;
    case 'data-cache-zero':
      return 'DC ZVA';
    case 'cache-maintenance':
      return 'DC/IC by VA';
    case 'address-translation':
      return 'AT';
    case 'prefetch':
      return 'PRFM';
    default: {
      const never: never = a.class;
      return String(never);
    }
  }
}
