import koffi from 'koffi';
import { UC_ARCH, UC_ARM64_REG, UC_CTL, UC_CPU_ARM64, UC_ERR, UC_MODE, UC_TLB } from './constants.js';
import { check } from './check.js';
import { EngineHooks } from './hooks.js';
import type { UnicornLibrary } from './library.js';

export type { HookHandle, MemAccessType, TlbFillAnswer } from './hooks.js';
export { EngineHooks } from './hooks.js';
export { check } from './check.js';

/** An AArch64 system register as the MRS/MSR encoding names it (op0, op1, CRn, CRm, op2). */
export interface SysRegEncoding {
  readonly op0: number;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
}

/**
 * Result of one uc_emu_start: 'ok' (stopped, exits, until or count reached) or a unicorn error code we expect (e.g.
 * EXCEPTION after a failed TLB fill).
 */
export type EmuStartResult = { kind: 'ok' } | { kind: 'error'; err: number };

/** Saved CPU context (uc_context). */
export interface SavedContext {
  readonly ptr: unknown;
}

const CTL_IO_WRITE = 1;
/** The result of every trap's uc_emu_start, allocated once (it is the hot path). */
const OK_RESULT: EmuStartResult = Object.freeze({ kind: 'ok' });
const EXCEPTION_RESULT: EmuStartResult = Object.freeze({ kind: 'error', err: UC_ERR.EXCEPTION });
/** TLB page size every engine is opened with: the AArch64 4 KiB granule. TLB-fill callbacks get VAs aligned to it. */
export const UC_PAGE_SIZE = 4096;

/** The uc_ctl control word: UC_CTL(type, nr_args, io) from unicorn.h. */
export function ucCtlWord(type: number, nrArgs: number, io: number): number {
  return (type | (nrArgs << 26) | (io << 30)) >>> 0;
}

/**
 * A typed wrapper over one unicorn AArch64 engine: bigint values, typed errors, hooks that cannot crash the process.
 */
export class UnicornEngine {
  private readonly u64 = new BigUint64Array(1);
  private readonly vec = new Uint8Array(16);
  private readonly cpReg = Buffer.alloc(32);
  /** One pre-encoded uc_arm64_cp_reg per system register read, so a read is one FFI call and one 8-byte load. */
  private readonly cpRegCache = new Map<SysRegEncoding, Buffer>();
  private closed = false;
  /** The engine's hooks (code, block, interrupt, memory, unmapped, TLB fill). */
  readonly hooks: EngineHooks;

  private constructor(
    readonly lib: UnicornLibrary,
    readonly handle: unknown,
  ) {
    this.hooks = new EngineHooks(lib, handle);
  }

  /** Opens an AArch64 engine with the given CPU model (default: 'max', the model QEMU's `-cpu max` is). */
  static open(lib: UnicornLibrary, cpuModel: keyof typeof UC_CPU_ARM64 = 'MAX'): UnicornEngine {
    const out: unknown[] = [null];
    check(lib, 'uc_open', lib.fn.uc_open(UC_ARCH.ARM64, UC_MODE.ARM, out));
    const engine = new UnicornEngine(lib, out[0]);
    engine.ctl('uc_ctl(CPU_MODEL)', ucCtlWord(UC_CTL.CPU_MODEL, 1, CTL_IO_WRITE), 'int', UC_CPU_ARM64[cpuModel]);
    // unicorn's ARM target defaults to 1 KiB TLB pages (ARMv5 tiny pages); AArch64 granules start at 4 KiB. Must
    // precede any map.
    engine.ctl('uc_ctl(PAGE_SIZE)', ucCtlWord(UC_CTL.UC_PAGE_SIZE, 1, CTL_IO_WRITE), 'uint32_t', UC_PAGE_SIZE);
    // Without this, uc_emu_start's `until` argument (we pass 0) is an exit: a guest entered at 0x0 (firmware in flash)
    // would stop before its first instruction. With exits on and none set, only our own hooks end a run.
    engine.setUseExits(true);
    return engine;
  }

  /** With exits on, uc_emu_start ignores its `until` argument (only exits set through uc_ctl end a run). */
  private setUseExits(on: boolean): void {
    this.ctl('uc_ctl(USE_EXITS)', ucCtlWord(UC_CTL.UC_USE_EXITS, 1, CTL_IO_WRITE), 'int', on ? 1 : 0);
  }

  /** The raw engine pointer as an integer, so another thread can call uc_emu_stop on it. */
  get address(): bigint {
    return koffi.address(this.handle);
  }

  /** Closes the engine and releases every registered callback. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    check(this.lib, 'uc_close', this.lib.fn.uc_close(this.handle));
    this.hooks.release();
  }

  /** Reads a 64-bit (or narrower) register by unicorn id. */
  readReg(regid: number): bigint {
    check(this.lib, `uc_reg_read(${regid})`, this.lib.fn.uc_reg_read_u64(this.handle, regid, this.u64));
    return this.u64[0]!;
  }

  /** Writes a 64-bit (or narrower) register by unicorn id. */
  writeReg(regid: number, value: bigint): void {
    this.u64[0] = BigInt.asUintN(64, value);
    check(this.lib, `uc_reg_write(${regid})`, this.lib.fn.uc_reg_write_u64(this.handle, regid, this.u64));
  }

  /** Reads a 128-bit SIMD&FP register (Q/V) as 16 little-endian bytes. */
  readVector(regid: number): Uint8Array {
    check(this.lib, `uc_reg_read(${regid})`, this.lib.fn.uc_reg_read_buf(this.handle, regid, this.vec));
    return this.vec.slice();
  }

  /** Writes a 128-bit SIMD&FP register from 16 little-endian bytes. */
  writeVector(regid: number, bytes: Uint8Array): void {
    if (bytes.length !== 16) throw new RangeError('a vector register takes 16 bytes');
    this.vec.set(bytes);
    check(this.lib, `uc_reg_write(${regid})`, this.lib.fn.uc_reg_write_buf(this.handle, regid, this.vec));
  }

  /** Reads a system register through UC_ARM64_REG_CP_REG. Never use this for CurrentEL: it aborts unicorn. */
  readSysReg(enc: SysRegEncoding): bigint {
    let buf = this.cpRegCache.get(enc);
    if (!buf) {
      buf = Buffer.alloc(32);
      buf.writeUInt32LE(enc.crn, 0);
      buf.writeUInt32LE(enc.crm, 4);
      buf.writeUInt32LE(enc.op0, 8);
      buf.writeUInt32LE(enc.op1, 12);
      buf.writeUInt32LE(enc.op2, 16);
      this.cpRegCache.set(enc, buf);
    }
    check(
      this.lib,
      `uc_reg_read(CP_REG ${fmtEnc(enc)})`,
      this.lib.fn.uc_reg_read_buf(this.handle, UC_ARM64_REG.CP_REG, buf),
    );
    return buf.readBigUInt64LE(24);
  }

  /** Writes a system register through UC_ARM64_REG_CP_REG. */
  writeSysReg(enc: SysRegEncoding, value: bigint): void {
    this.encodeCpReg(enc, BigInt.asUintN(64, value));
    check(
      this.lib,
      `uc_reg_write(CP_REG ${fmtEnc(enc)})`,
      this.lib.fn.uc_reg_write_buf(this.handle, UC_ARM64_REG.CP_REG, this.cpReg),
    );
  }

  private encodeCpReg(enc: SysRegEncoding, value: bigint): void {
    this.cpReg.writeUInt32LE(enc.crn, 0);
    this.cpReg.writeUInt32LE(enc.crm, 4);
    this.cpReg.writeUInt32LE(enc.op0, 8);
    this.cpReg.writeUInt32LE(enc.op1, 12);
    this.cpReg.writeUInt32LE(enc.op2, 16);
    this.cpReg.writeBigUInt64LE(value, 24);
  }

  /** Maps RAM-like memory (unicorn allocates it). */
  mapMemory(address: bigint, size: bigint, perms: number): void {
    check(
      this.lib,
      `uc_mem_map(0x${address.toString(16)}, 0x${size.toString(16)})`,
      this.lib.fn.uc_mem_map(this.handle, address, size, perms),
    );
  }

  /** Unmaps memory mapped by mapMemory (its contents are gone). */
  unmapMemory(address: bigint, size: bigint): void {
    const what = `uc_mem_unmap(0x${address.toString(16)}, 0x${size.toString(16)})`;
    check(this.lib, what, this.lib.fn.uc_mem_unmap(this.handle, address, size));
  }

  /** Maps an MMIO window whose reads and writes call back into JS (offset is relative to address). */
  mapMmio(
    address: bigint,
    size: bigint,
    read: (offset: bigint, size: number) => bigint,
    write: (offset: bigint, size: number, value: bigint) => void,
  ): void {
    this.mapMmioCallbacks(address, size, this.hooks.mmioCallbacks(read, write));
  }

  /**
   * Maps an MMIO window with callbacks made once by hooks.mmioCallbacks: a window mapped and unmapped many times (a
   * flash bank switching between memory and its command interface) does not register new callbacks each time.
   */
  mapMmioCallbacks(address: bigint, size: bigint, callbacks: { readCb: unknown; writeCb: unknown }): void {
    check(
      this.lib,
      `uc_mmio_map(0x${address.toString(16)}, 0x${size.toString(16)})`,
      this.lib.fn.uc_mmio_map(this.handle, address, size, callbacks.readCb, null, callbacks.writeCb, null),
    );
  }

  /** Reads physical memory (the engine's address space). */
  readMemory(address: bigint, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (length === 0) return out;
    check(
      this.lib,
      `uc_mem_read(0x${address.toString(16)}, ${length})`,
      this.lib.fn.uc_mem_read(this.handle, address, out, BigInt(length)),
    );
    return out;
  }

  /** Reads physical memory into an existing buffer; false if any byte is unmapped. */
  tryReadMemoryInto(address: bigint, out: Uint8Array): boolean {
    return this.lib.fn.uc_mem_read(this.handle, address, out, BigInt(out.length)) === UC_ERR.OK;
  }

  /** Reads virtual memory through the CPU's TLB (a TLB miss calls the fill hook); false if it does not translate. */
  tryReadVirtualInto(address: bigint, prot: number, out: Uint8Array): boolean {
    return this.lib.fn.uc_vmem_read(this.handle, address, prot, out, BigInt(out.length)) === UC_ERR.OK;
  }

  /** Writes physical memory. */
  writeMemory(address: bigint, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    check(
      this.lib,
      `uc_mem_write(0x${address.toString(16)}, ${bytes.length})`,
      this.lib.fn.uc_mem_write(this.handle, address, bytes, BigInt(bytes.length)),
    );
  }

  /** Writes physical memory; false if any byte is unmapped. */
  tryWriteMemory(address: bigint, bytes: Uint8Array): boolean {
    return this.lib.fn.uc_mem_write(this.handle, address, bytes, BigInt(bytes.length)) === UC_ERR.OK;
  }

  /** Selects unicorn's TLB: 'cpu' (its own walker) or 'virtual' (our TLB-fill hook translates). */
  setTlbType(type: 'cpu' | 'virtual'): void {
    this.ctl(
      'uc_ctl(TLB_TYPE)',
      ucCtlWord(UC_CTL.TLB_TYPE, 1, CTL_IO_WRITE),
      'int',
      type === 'virtual' ? UC_TLB.VIRTUAL : UC_TLB.CPU,
    );
  }

  /** Drops the translated blocks that overlap [begin, end) of guest virtual addresses (through the current mapping). */
  removeCache(begin: bigint, end: bigint): void {
    this.ctl(
      'uc_ctl(TB_REMOVE_CACHE)',
      ucCtlWord(UC_CTL.TB_REMOVE_CACHE, 2, CTL_IO_WRITE),
      'uint64_t',
      begin,
      'uint64_t',
      end,
    );
  }

  /** Invalidates every translated block (after patching code behind unicorn's back). */
  flushTranslationBlocks(): void {
    this.ctl('uc_ctl(TB_FLUSH)', ucCtlWord(UC_CTL.TB_FLUSH, 0, CTL_IO_WRITE));
  }

  /** Invalidates every TLB entry (after the stage-1 or stage-2 mapping changes); translated blocks stay. */
  flushTlb(): void {
    this.ctl('uc_ctl(TLB_FLUSH)', ucCtlWord(UC_CTL.TLB_FLUSH, 0, CTL_IO_WRITE));
  }

  private ctl(what: string, word: number, ...args: unknown[]): void {
    check(this.lib, what, this.lib.fn.uc_ctl_int(this.handle, word, ...args));
  }

  /** Saves the CPU context (registers, not memory). */
  saveContext(into?: SavedContext): SavedContext {
    let ctx = into;
    if (!ctx) {
      const out: unknown[] = [null];
      check(this.lib, 'uc_context_alloc', this.lib.fn.uc_context_alloc(this.handle, out));
      ctx = { ptr: out[0] };
    }
    check(this.lib, 'uc_context_save', this.lib.fn.uc_context_save(this.handle, ctx.ptr));
    return ctx;
  }

  /** Restores a context saved by saveContext. */
  restoreContext(ctx: SavedContext): void {
    check(this.lib, 'uc_context_restore', this.lib.fn.uc_context_restore(this.handle, ctx.ptr));
  }

  /** Frees a saved context. */
  freeContext(ctx: SavedContext): void {
    check(this.lib, 'uc_context_free', this.lib.fn.uc_context_free(ctx.ptr));
  }

  /**
   * Runs from `begin` until stopped. An error a guest can cause (EXCEPTION after a failed TLB fill, unmapped access)
   * is returned as a value; a JS hook that threw is rethrown here.
   */
  start(begin: bigint, options: { until?: bigint; timeoutUs?: number; count?: number } = {}): EmuStartResult {
    this.hooks.takeError();
    // Exits are on (open()): an `until` address is honoured by turning them off for this start only.
    if (options.until !== undefined) this.setUseExits(false);
    let rc: number;
    try {
      rc = this.lib.fn.uc_emu_start(
        this.handle,
        begin,
        options.until ?? 0n,
        BigInt(options.timeoutUs ?? 0),
        BigInt(options.count ?? 0),
      );
    } finally {
      if (options.until !== undefined) this.setUseExits(true);
    }
    const hookError = this.hooks.takeError();
    if (hookError !== undefined) throw hookError;
    if (rc === UC_ERR.OK) return OK_RESULT;
    if (rc === UC_ERR.HANDLE || rc === UC_ERR.ARG || rc === UC_ERR.NOMEM) check(this.lib, 'uc_emu_start', rc);
    return rc === UC_ERR.EXCEPTION ? EXCEPTION_RESULT : { kind: 'error', err: rc };
  }

  /** uc_strerror's text for an error code. */
  strerror(err: number): string {
    return this.lib.fn.uc_strerror(err);
  }

  /** Requests the running emulation to stop (safe from hooks; from another thread use the engine address). */
  stop(): void {
    check(this.lib, 'uc_emu_stop', this.lib.fn.uc_emu_stop(this.handle));
  }
}

function fmtEnc(e: SysRegEncoding): string {
  return `S${e.op0}_${e.op1}_C${e.crn}_C${e.crm}_${e.op2}`;
}
