// Prepared batch reads and writes of registers: one FFI call for many registers (uc_reg_read_batch), the
// trap path's way of reading the frame and writing Rt and PC together.
import koffi from 'koffi';
import { UC_ARM64_REG } from './constants.js';
import { check, type SysRegEncoding, type UnicornEngine } from './engine.js';

/** How many copies one slab of RegisterBatch.readCopy holds (a kept copy keeps its slab alive: 1024 x 34 x 8 B). */
const COPIES_PER_SLAB = 1024;

/** A prepared uc_reg_read_batch / uc_reg_write_batch over fixed 64-bit registers. */
export class RegisterBatch {
  private readonly ids: Int32Array;
  private readonly block: unknown;
  private readonly values: BigUint64Array;
  /** The bytes of `values` (the registers as unicorn wrote them). */
  private readonly bytes: Uint8Array;
  private readonly pointers: BigUint64Array;

  constructor(
    private readonly engine: UnicornEngine,
    regids: readonly number[],
  ) {
    this.ids = Int32Array.from(regids);
    this.block = koffi.alloc('uint64_t', Math.max(1, regids.length));
    const base = koffi.address(this.block);
    this.pointers = new BigUint64Array(regids.length);
    for (let i = 0; i < regids.length; i++) this.pointers[i] = base + BigInt(i * 8);
    this.values = new BigUint64Array(koffi.view(this.block, Math.max(8, regids.length * 8)));
    this.bytes = new Uint8Array(this.values.buffer, this.values.byteOffset, regids.length * 8);
  }

  /** Reads all registers; the returned view is reused by the next read. */
  read(): BigUint64Array {
    const { lib, handle } = this.engine;
    check(lib, 'uc_reg_read_batch', lib.fn.uc_reg_read_batch(handle, this.ids, this.pointers, this.ids.length));
    return this.values;
  }

  /**
   * Reads all registers into a copy that stays valid: copies are views cut from a shared slab (a typed array with its
   * own ArrayBuffer costs ~0.9 us to allocate here, a view on an existing one ~0.1 us; a trap takes one per frame).
   */
  readCopy(): BigUint64Array {
    const n = this.ids.length;
    if (this.slabUsed + n > this.slab.length) {
      this.slab = new BigUint64Array(n * COPIES_PER_SLAB);
      this.slabBytes = new Uint8Array(this.slab.buffer);
      this.slabUsed = 0;
    }
    this.read();
    this.slabBytes.set(this.bytes, this.slabUsed * 8); // a byte copy: no bigint per register
    const copy = this.slab.subarray(this.slabUsed, this.slabUsed + n);
    this.slabUsed += n;
    return copy;
  }

  private slab = new BigUint64Array(0);
  private slabBytes = new Uint8Array(0);
  private slabUsed = 0;

  /** Writes all registers from values (same order as the ids). */
  write(values: ArrayLike<bigint>): void {
    const { lib, handle } = this.engine;
    for (let i = 0; i < this.ids.length; i++) this.values[i] = BigInt.asUintN(64, values[i]!);
    check(lib, 'uc_reg_write_batch', lib.fn.uc_reg_write_batch(handle, this.ids, this.pointers, this.ids.length));
  }
}

/**
 * A uc_reg_read_batch over plain 64-bit registers and CP_REG system registers (each read into its own uc_arm64_cp_reg).
 */
export class MixedRegisterBatch {
  private readonly ids: Int32Array;
  private readonly pointers: BigUint64Array;
  private readonly view: DataView;
  private readonly count: number;
  private readonly out: bigint[];

  constructor(
    private readonly engine: UnicornEngine,
    regids: readonly number[],
    private readonly sysregs: readonly SysRegEncoding[],
  ) {
    this.count = regids.length + sysregs.length;
    const bytes = regids.length * 8 + sysregs.length * 32;
    const block = koffi.alloc('uint8_t', bytes);
    const base = koffi.address(block);
    this.view = new DataView(koffi.view(block, bytes));
    this.ids = Int32Array.from([...regids, ...sysregs.map(() => UC_ARM64_REG.CP_REG)]);
    this.pointers = new BigUint64Array(this.count);
    regids.forEach((_, i) => (this.pointers[i] = base + BigInt(i * 8)));
    sysregs.forEach((enc, j) => {
      const off = regids.length * 8 + j * 32;
      this.pointers[regids.length + j] = base + BigInt(off);
      this.view.setUint32(off, enc.crn, true);
      this.view.setUint32(off + 4, enc.crm, true);
      this.view.setUint32(off + 8, enc.op0, true);
      this.view.setUint32(off + 12, enc.op1, true);
      this.view.setUint32(off + 16, enc.op2, true);
    });
    this.out = new Array<bigint>(this.count).fill(0n);
    this.plain = regids.length;
  }

  private readonly plain: number;

  /** Reads every register: the plain ones first, then the system registers, in the order given. Reuses the array. */
  read(): readonly bigint[] {
    const { lib, handle } = this.engine;
    check(lib, 'uc_reg_read_batch', lib.fn.uc_reg_read_batch(handle, this.ids, this.pointers, this.count));
    for (let i = 0; i < this.plain; i++) this.out[i] = this.view.getBigUint64(i * 8, true);
    for (let j = 0; j < this.sysregs.length; j++)
      this.out[this.plain + j] = this.view.getBigUint64(this.plain * 8 + j * 32 + 24, true);
    return this.out;
  }
}
