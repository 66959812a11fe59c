// g/G/p/P through the register file (the one register table).
import type { Packet } from '../../protocol/packets.js';
import { encodeHexReply } from '../../protocol/replies.js';
import { ok, reply, type HandlerResult } from '../handler-result.js';
import type { HandlerContext } from '../handler-context.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

export const readRegisters = (_p: P<'readRegisters'>, s: HandlerContext): HandlerResult =>
  reply(encodeHexReply(s.target.registers.readAll()));

export function writeRegisters(p: P<'writeRegisters'>, s: HandlerContext): HandlerResult {
  s.target.registers.writeAll(p.bytes);
  s.target.noteChange();
  return ok();
}

export const readRegister = (p: P<'readRegister'>, s: HandlerContext): HandlerResult =>
  reply(encodeHexReply(s.target.registers.read(p.regnum)));

export function writeRegister(p: P<'writeRegister'>, s: HandlerContext): HandlerResult {
  s.target.registers.write(p.regnum, p.value);
  s.target.noteChange();
  return ok();
}
