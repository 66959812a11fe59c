// g/G/p/P through the register file (the one register table).
import type { Packet } from '../../protocol/packets.js';
import { encodeHexReply } from '../../protocol/replies.js';
import { ok, reply, type HandlerResult } from '../handler-result.js';
import type { Session } from '../session.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

export const readRegisters = (_p: P<'readRegisters'>, s: Session): HandlerResult => reply(encodeHexReply(s.target.registers.readAll()));

export function writeRegisters(p: P<'writeRegisters'>, s: Session): HandlerResult {
  s.target.registers.writeAll(p.bytes);
  return ok();
}

export const readRegister = (p: P<'readRegister'>, s: Session): HandlerResult => reply(encodeHexReply(s.target.registers.read(p.regnum)));

export function writeRegister(p: P<'writeRegister'>, s: Session): HandlerResult {
  s.target.registers.write(p.regnum, p.value);
  return ok();
}
