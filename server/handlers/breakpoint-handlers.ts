// Z/z: breakpoints (0 software, 1 hardware: both unicorn exits) and watchpoints (2 write, 3 read, 4 access).
import type { Packet } from '../../protocol/packets.js';
import { ok, type HandlerResult } from '../handler-result.js';
import type { HandlerContext } from '../handler-context.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

export function insertBreakpoint(p: P<'insertBreakpoint'>, s: HandlerContext): HandlerResult {
  s.breakpoints.insert(p.type, p.addr, p.size);
  return ok();
}

export function removeBreakpoint(p: P<'removeBreakpoint'>, s: HandlerContext): HandlerResult {
  s.breakpoints.remove(p.type, p.addr, p.size);
  return ok();
}
