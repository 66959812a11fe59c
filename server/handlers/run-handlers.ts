// ?, c/C, s/S, vCont? and vCont: resuming the guest (the stop reply comes from the session when it stops).
import type { Packet, VContAction } from '../../protocol/packets.js';
import { encodeErrorReply, encodeStopReply, encodeVContSupportedReply } from '../../protocol/replies.js';
import { reply, type HandlerResult } from '../handler-result.js';
import type { ResumeAction } from '../run-control.js';
import { SessionError } from '../session-error.js';
import type { HandlerContext } from '../handler-context.js';
import { reportHalt } from '../stop-report.js';
import { selectsGuestThread } from '../threads.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

/** `?`: the guest is halted (it always is when gdb asks); SIGTRAP, like QEMU answers. */
export function haltReason(_p: P<'haltReason'>, s: HandlerContext): HandlerResult {
  const report = reportHalt(
    { kind: 'step-done' },
    { registers: s.target.registers, breakpoints: s.breakpoints, support: s.stopReasonSupport },
  );
  return reply(encodeStopReply(report.stop));
}

/** Signals are not delivered: a bare-metal guest has no signal handlers. `c addr` resumes at addr. */
function resumeAt(s: HandlerContext, addr: bigint | undefined, action: ResumeAction): HandlerResult {
  if (addr !== undefined) s.target.setPc(addr);
  return { kind: 'resume', action };
}

export const continueHandler = (p: P<'continue'>, s: HandlerContext): HandlerResult =>
  resumeAt(s, p.addr, { kind: 'continue' });
export const step = (p: P<'step'>, s: HandlerContext): HandlerResult => resumeAt(s, p.addr, { kind: 'step' });

/** `bs`, `bc`: back one instruction, or back to the last breakpoint, watchpoint or catch hit (needs a recording). */
export function reverse(p: P<'reverse'>, s: HandlerContext): HandlerResult {
  // gdb 13 shows only "E01" for an error reply to bs/bc: the reason goes first as console text.
  if (!s.target.timeTravel.recording)
    return {
      kind: 'output',
      text: 'el2dbg: reverse execution needs a recording: monitor record start (or el2dbg serve --record)\n',
      reply: encodeErrorReply(1),
    };
  return { kind: 'resume', action: { kind: p.action === 'step' ? 'reverseStep' : 'reverseContinue' } };
}

export const vContQuery = (): HandlerResult => reply(encodeVContSupportedReply(['c', 'C', 's', 'S', 'r']));

/** The first action that applies to our thread decides (the protocol's leftmost-match rule). */
export function vCont(p: P<'vCont'>, s: HandlerContext): HandlerResult {
  const action = p.actions.find((a) => a.thread === undefined || selectsGuestThread(a.thread));
  if (!action)
    return {
      kind: 'reply',
      reply: encodeStopReply(
        reportHalt(
          { kind: 'step-done' },
          { registers: s.target.registers, breakpoints: s.breakpoints, support: s.stopReasonSupport },
        ).stop,
      ),
    };
  return { kind: 'resume', action: resumeActionFor(action) };
}

function resumeActionFor(action: VContAction): ResumeAction {
  switch (action.kind) {
    case 'continue':
      return { kind: 'continue' };
    case 'step':
      return { kind: 'step' };
    case 'rangeStep':
      return { kind: 'rangeStep', start: action.start, end: action.end };
    case 'stop':
      throw new SessionError('NotInThisState', 'vCont;t is for non-stop mode, which el2dbg does not offer');
    default: {
      const never: never = action;
      throw new Error(`unknown vCont action ${JSON.stringify(never)}`);
    }
  }
}
