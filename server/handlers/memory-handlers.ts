// m/M/X: guest virtual memory through the guest's stage-1 tables and the EL2 model's stage 2, or guest-physical (IPA)
// memory through stage 2 alone after `monitor memspace ipa`.
import type { Packet } from '../../protocol/packets.js';
import { encodeHexReply, encodeMemoryRegionInfoReply } from '../../protocol/replies.js';
import { ok, reply, type HandlerResult } from '../handler-result.js';
import { SessionError } from '../session-error.js';
import type { HandlerContext } from '../handler-context.js';
import { hex } from '../../core/text/hex.js';
import { lldbMemoryRegionAt } from '../lldb-memory-regions.js';

type P<K extends Packet['kind']> = Extract<Packet, { kind: K }>;

/**
 * Reads up to what fits in one reply (hex: two characters a byte); a read that stops at an unmapped page returns the
 * bytes before it.
 */
export function readMemory(p: P<'readMemory'>, s: HandlerContext): HandlerResult {
  const length = Math.min(p.length, Math.floor(s.packetSize / 2));
  const result = s.target.readMemory(p.addr, length);
  // The protocol allows a short reply; gdb asks again from where it ended and then gets the error.
  if (result.data.length === 0 && result.faultAt !== null)
    throw new SessionError('MemoryFault', `${hex(result.faultAt)} does not translate to memory`);
  return reply(encodeHexReply(result.data));
}

export function writeMemory(p: P<'writeMemory'>, s: HandlerContext): HandlerResult {
  const result = s.target.writeMemory(p.addr, p.data);
  if (result.faultAt !== null)
    throw new SessionError('MemoryFault', `${hex(result.faultAt)} does not translate to memory`);
  return ok();
}

/** lldb's qMemoryRegionInfo: the memory map gdb reads, as lldb needs it (lldb-memory-regions.ts). */
export function qMemoryRegionInfo(p: P<'qMemoryRegionInfo'>, s: HandlerContext): HandlerResult {
  const region = lldbMemoryRegionAt(s.target.lldbMemoryRegions, p.addr);
  return reply(
    encodeMemoryRegionInfoReply({
      start: region.start,
      size: region.length,
      permissions: region.mapped ? 'rwx' : '',
      name: region.what,
    }),
  );
}
