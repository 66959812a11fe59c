import { bits } from './bits.js';

/** The exception-generating instructions the machine treats specially (Arm ARM C6: HVC, SMC, SVC, BRK). */
export type ExceptionInstruction =
  | { kind: 'hvc'; imm16: number }
  | { kind: 'smc'; imm16: number }
  | { kind: 'svc'; imm16: number }
  | { kind: 'brk'; imm16: number }
  | { kind: 'other' };

/** Classifies a 32-bit A64 instruction word among the exception-generating instructions. */
export function classifyExceptionInstruction(word: number): ExceptionInstruction {
  const w = BigInt(word >>> 0);
  const imm16 = Number(bits(w, 20, 5));
  // 1101_0100 opc(3) imm16 op2(3) LL(2)
  if (bits(w, 31, 24) !== 0xd4n || bits(w, 4, 2) !== 0n) return { kind: 'other' };
  const opc = bits(w, 23, 21);
  const ll = bits(w, 1, 0);
  if (opc === 0n && ll === 1n) return { kind: 'svc', imm16 };
  if (opc === 0n && ll === 2n) return { kind: 'hvc', imm16 };
  if (opc === 0n && ll === 3n) return { kind: 'smc', imm16 };
  if (opc === 1n && ll === 0n) return { kind: 'brk', imm16 };
  return { kind: 'other' };
}
