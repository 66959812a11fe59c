import type { Decision } from '../../core/el2/decision.js';
import type { TrapFrame } from '../../core/el2/trap-frame.js';
import type { Stage2TrapEvent } from '../../core/el2/events.js';
import { decodeMemoryAccess } from '../../core/syndrome/a64-memory-access.js';
import { describeEsr } from '../../core/syndrome/esr-describe.js';
import { accessMnemonic } from './access-mnemonic.js';
import { hex } from '../../core/text/hex.js';

/** The mnemonic of the trapped instruction (decoded again from the frame), or its raw word. */
export function trapInstruction(trap: Stage2TrapEvent): string {
  if (trap.instruction === null) return '(instruction not readable)';
  const a = decodeMemoryAccess(trap.instruction, { x: (n) => trap.frame.x[n]!, sp: trap.frame.spEl1, pc: trap.pc });
  return a.kind === 'memory' ? accessMnemonic(a) : `insn ${hex(BigInt(trap.instruction), 8)}`;
}

function regionText(trap: Stage2TrapEvent): string {
  if (trap.region === null) return 'no region';
  return trap.regionOffset !== null ? `${trap.region}+${hex(trap.regionOffset)}` : trap.region;
}

function decisionText(d: Decision, trap: Stage2TrapEvent): string {
  const who = d.handler ? `handler ${d.handler}` : d.why === 'override' ? 'debugger override' : 'no handler';
  switch (d.why) {
    case 'handler-value':
    case 'override':
      if (d.action === 'emulate')
        return `${who} -> ${d.value !== null ? `Value ${hex(d.value)}` : 'Handled'}, emulated, ELR+4`;
      return `${who} -> Fault, injected into EL1`;
    case 'handler-handled':
      return `${who} -> Handled${d.value !== null ? ` (wrote ${hex(d.value)})` : ''}, emulated, ELR+4`;
    case 'handler-fault':
      return `${who} -> Fault, injected into EL1`;
    case 'handler-threw':
    case 'handler-invalid':
    case 'handler-timeout':
      return `${who} -> error (${d.error ?? '?'}), treated as Fault, injected into EL1`;
    case 'isv-0':
      return 'ISV=0 (no instruction syndrome), injected into EL1';
    case 'no-region':
      return 'no handler region, injected into EL1';
    case 'no-read-handler':
    case 'no-write-handler':
      return `${trap.region ?? 'region'} has no ${d.why === 'no-read-handler' ? 'read' : 'write'} handler, injected into EL1`;
    default: {
      const never: never = d.why;
      return String(never);
    }
  }
}

/** One line explaining a trap and (if known) what was decided, as gdb users see it in `O` output. */
export function trapOneLine(trap: Stage2TrapEvent, d?: Decision): string {
  const what = trap.access
    ? `${trap.access.width}-bit ${trap.access.write ? 'write' : 'read'}`
    : trap.s1ptw
      ? 'stage-1 table walk'
      : 'access';
  const head = `stage-2 data abort: ${trapInstruction(trap)}, ${what} of IPA ${hex(trap.ipa, 8)} (${regionText(trap)}) ESR_EL2=${hex(trap.esrEl2, 8)}`;
  return d ? `${head} -> ${decisionText(d, trap)}` : `${head} -> decision pending`;
}

/**
 * The full report of a trap for `monitor stage2 last`: syndrome fields by name, addresses, access, handler, decision.
 */
export function trapReport(trap: Stage2TrapEvent, d: Decision | undefined): string {
  const lines = [
    `trap #${trap.seq} at pc ${hex(trap.pc)}: ${trapInstruction(trap)}`,
    `  ESR_EL2   ${hex(trap.esrEl2, 8)}`,
    ...describeEsr(trap.esrEl2).fields.map(
      (f) => `    ${f.name.padEnd(6)} [${f.bits}] = ${hex(f.value)}  ${f.meaning}`,
    ),
    `  FAR_EL2   ${hex(trap.farEl2, 16)}`,
    `  HPFAR_EL2 ${hex(trap.hpfarEl2, 16)}  (FIPA -> IPA page ${hex((trap.hpfarEl2 >> 4n) << 12n)})`,
    `  IPA       ${hex(trap.ipa, 16)}`,
    `  access    ${trap.access ? `${trap.access.write ? 'write' : 'read'} of ${trap.access.width} bits, Rt = ${trap.access.rt === 31 ? 'xzr' : `x${trap.access.rt}`}` : 'no instruction syndrome (ISV=0)'}${trap.s1ptw ? ', on a stage-1 table walk (S1PTW)' : ''}`,
    `  region    ${regionText(trap)}`,
    `  decision  ${d ? `${d.action} (${d.why})${d.handler ? `, ${d.handler} handler` : ''}${d.value !== null ? `, value ${hex(d.value)}` : ''}${d.rtValue !== null ? `, Rt <- ${hex(d.rtValue)}` : ''}` : 'pending (stopped before the handler)'}`,
    `  outcome   ${d ? (d.outcome === 'elr+4' ? 'emulated, ELR_EL2 += 4' : 'data abort injected into EL1') : 'pending'}`,
  ];
  if (d?.error) lines.push(`  error     ${d.error}`);
  return lines.join('\n') + '\n';
}

/** x0-x30, SP_EL1, ELR/SPSR and the syndrome registers of a trap frame, four registers a line. */
export function frameReport(f: TrapFrame): string {
  const regs: string[] = [];
  for (let i = 0; i < 31; i++) regs.push(`x${i}`.padStart(3) + ` ${hex(f.x[i]!, 16)}`);
  const lines: string[] = [];
  for (let i = 0; i < regs.length; i += 4) lines.push(regs.slice(i, i + 4).join('  '));
  lines.push(`SP_EL1 ${hex(f.spEl1, 16)}  ELR_EL2 ${hex(f.elrEl2, 16)}  SPSR_EL2 ${hex(f.spsrEl2, 8)}`);
  lines.push(`ESR_EL2 ${hex(f.esrEl2, 8)}  FAR_EL2 ${hex(f.farEl2, 16)}  HPFAR_EL2 ${hex(f.hpfarEl2, 16)}`);
  return lines.join('\n') + '\n';
}
