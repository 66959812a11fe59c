import { decodeMemoryAccess } from './a64-memory-access.js';
import type { DecodeOptions, GuestRegisters, MemoryAccessDecode } from './memory-access.js';

interface Entry {
  readonly result: MemoryAccessDecode;
  readonly rn: bigint;
  readonly rm: bigint;
  readonly rt: bigint;
  readonly pc: bigint;
  readonly dczBlockBytes: number | undefined;
}

const MAX_ENTRIES = 4096;

/**
 * Memoizes decodeMemoryAccess. A decode depends only on the instruction word and the registers an address can come
 * from: Rn (bits 9:5, SP when 31), the register-offset/post-index Rm (bits 20:16), Xt of DC/AT (bits 4:0), and PC for
 * literals. An entry is reused only while all of those hold the same values, so a hit is exactly what a decode would
 * give.
 */
export class DecodeCache {
  private readonly entries = new Map<number, Entry>();

  /** decodeMemoryAccess(insn, regs, options), from the cache when the address inputs are unchanged. */
  decode(insn: number, regs: GuestRegisters, options: DecodeOptions = {}): MemoryAccessDecode {
    const rnField = (insn >>> 5) & 31;
    const rn = rnField === 31 ? regs.sp : regs.x(rnField);
    const rmField = (insn >>> 16) & 31;
    const rm = rmField === 31 ? 0n : regs.x(rmField);
    const rtField = insn & 31;
    const rt = rtField === 31 ? 0n : regs.x(rtField);
    const hit = this.entries.get(insn >>> 0);
    if (
      hit &&
      hit.rn === rn &&
      hit.rm === rm &&
      hit.rt === rt &&
      hit.pc === regs.pc &&
      hit.dczBlockBytes === options.dczBlockBytes
    )
      return hit.result;
    const result = decodeMemoryAccess(insn, regs, options);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(insn >>> 0, { result, rn, rm, rt, pc: regs.pc, dczBlockBytes: options.dczBlockBytes });
    return result;
  }
}
