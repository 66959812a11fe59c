// The native TLB fill (core/unicorn/shim/el2dbg-shim.c) against the TypeScript walker, its reference: random stage-1
// tables in guest RAM, random translation registers and random stage-2 policies; for many VAs, accesses and ELs the
// native answer must equal AddressSpace.fill()'s when that succeeds, and the native fill must leave the fill to
// TypeScript (answer nothing) whenever fill() does not succeed. Then runs with the native fill on and off.
import { expect } from 'chai';
import { SCTLR_EL1_ENTRY, SYSREG } from '../../../core/arch/sysregs.js';
import { HCR_EL2_VM, RITM_HCR_EL2 } from '../../../core/el2/el2-state.js';
import type { Machine } from '../../../core/machine/machine.js';
import { NORMAL, DEVICE } from '../../../core/stage2/stage2-attributes.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../../../core/stage2/stage2-policy.js';
import { UC_ARM64_REG } from '../../../core/unicorn/constants.js';
import type { MemAccessType } from '../../../core/unicorn/engine.js';
import { FILL_OFF } from '../../../core/unicorn/run-state.js';
import { assemble } from '../../helpers/asm.js';
import { guestMachine, POWER_OFF } from '../../helpers/machine.js';

const GiB = 1n << 30n;
const MiB = 1n << 20n;
const PAGE = 0x1000n;
const RAM_BASE = 0x4000_0000n;
const RAM_END = RAM_BASE + GiB;
/** Where the random tables live (4 KiB each). */
const TABLES = 0x4400_0000n;
const UART = 0x0900_0000n;

/** A small deterministic generator (mulberry32), so a failure names its seed and can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    int,
    chance: (p: number): boolean => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!,
    big: (bits: number): bigint => {
      let v = 0n;
      for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(int(0x10000));
      return BigInt.asUintN(bits, v);
    },
  };
}
type Rng = ReturnType<typeof rng>;

/** A random policy over RAM: a few allowed ranges (the table area usually among them), maybe flash, the UART as
 * an allowed device, and a handler region in a hole. */
function randomPolicy(r: Rng): Stage2Policy {
  const b = new Stage2PolicyBuilder();
  // RAM in 64 MiB slots: allowed whole, allowed in part, or left out.
  for (let slot = RAM_BASE; slot < RAM_END; slot += 64n * MiB) {
    const isTables = slot === TABLES - (TABLES % (64n * MiB));
    const roll = r.int(10);
    if (isTables ? r.chance(0.9) : roll < 5) b.allowRange(slot, 64n * MiB, NORMAL);
    else if (roll < 8) b.allowRange(slot + BigInt(r.int(8)) * 2n * MiB + BigInt(r.int(4)) * PAGE, 4n * MiB, NORMAL);
    else if (roll === 8) b.handleRange(slot, 2n * MiB, {}, `h${slot.toString(16)}`);
  }
  if (r.chance(0.5)) b.allowRange(0n, 128n * MiB, NORMAL);
  if (r.chance(0.5)) b.allowRange(UART, PAGE, DEVICE);
  return b.build();
}

interface Table {
  readonly level: number;
  readonly entries: Map<number, bigint>;
  readonly next: Map<number, bigint>;
}

/** Random stage-1 tables written into guest RAM; the mirror lets VAs be aimed at entries that exist. */
class TableBuilder {
  readonly tables = new Map<bigint, Table>();
  private nextPage = TABLES;

  constructor(
    private readonly m: Machine,
    private readonly r: Rng,
  ) {}

  /** A table at `level` with random entries and subtables; returns its address. */
  build(level: number, depthBudget: number): bigint {
    const r = this.r;
    const addr = this.nextPage;
    this.nextPage += PAGE;
    const t: Table = { level, entries: new Map(), next: new Map() };
    this.tables.set(addr, t);
    const count = 3 + r.int(8);
    for (let i = 0; i < count; i++) {
      const index = r.chance(0.3) ? r.int(4) : r.int(512);
      let d: bigint;
      const roll = r.int(100);
      if (level < 3 && roll < (level === 0 ? 75 : 40) && depthBudget > 0 && this.tables.size < 80) {
        const sub = this.build(level + 1, depthBudget - 1);
        d = sub | 3n | this.tableBits();
        if (r.chance(0.04)) d |= 1n << BigInt(40 + r.int(8)); // next table above a small IPS
        t.next.set(index, sub);
      } else if (roll < 88) {
        d = this.leaf(level);
      } else if (roll < 94) {
        d = r.big(64) & ~1n; // invalid: bit 0 clear, junk elsewhere
      } else {
        d = (this.outputAddress(level) | 1n) & ~2n; // 0b01: a block (reserved at levels 0 and 3)
        if (level === 3 || level === 0) d |= 1n << 10n;
      }
      t.entries.set(index, d);
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, d, true);
      this.m.uc.writeMemory(addr + BigInt(index) * 8n, bytes);
    }
    return addr;
  }

  private tableBits(): bigint {
    const r = this.r;
    let d = 0n;
    if (r.chance(0.3)) d |= BigInt(r.int(4)) << 61n; // APTable
    if (r.chance(0.2)) d |= 1n << 59n; // PXNTable
    if (r.chance(0.2)) d |= 1n << 60n; // UXNTable
    if (r.chance(0.2)) d |= BigInt(r.int(16)) << 51n; // ignored bits
    return d;
  }

  private leaf(level: number): bigint {
    const r = this.r;
    let d = this.outputAddress(level) | (level === 3 ? 3n : level === 0 ? 3n : 1n);
    if (level === 0) d = (this.outputAddress(1) | 1n) & ~2n; // a level-0 block: reserved
    d |= BigInt(r.int(4)) << 6n; // AP[2:1]
    if (r.chance(0.92)) d |= 1n << 10n; // AF
    if (r.chance(0.3)) d |= 1n << 53n; // PXN
    if (r.chance(0.3)) d |= 1n << 54n; // UXN
    d |= BigInt(r.int(8)) << 2n; // AttrIndx
    d |= BigInt(r.int(4)) << 8n; // SH
    if (r.chance(0.3)) d |= 1n << 11n; // nG
    if (r.chance(0.2)) d |= 1n << 52n; // Contiguous (not modelled)
    if (r.chance(0.2)) d |= BigInt(r.int(16)) << 55n; // software bits
    return d;
  }

  /** A block/page output address for `level`: mostly in RAM, sometimes flash, a device, far away or junk. */
  private outputAddress(level: number): bigint {
    const r = this.r;
    const shift = BigInt(12 + 9 * (3 - Math.min(Math.max(level, 1), 3)));
    const size = 1n << shift;
    const roll = r.int(20);
    let a: bigint;
    if (roll < 13) a = RAM_BASE + BigInt(r.int(Number(GiB / size))) * size;
    else if (roll < 15) a = BigInt(r.int(Number((128n * MiB) / PAGE))) * PAGE;
    else if (roll < 16) a = UART;
    else if (roll < 18) a = r.big(48);
    else a = r.big(48) | (r.chance(0.5) ? RAM_BASE : 0n);
    let d = (a >> shift) << shift;
    if (r.chance(0.15)) d |= r.big(Number(shift)) & ~0xfffn; // RES0 bits below a block's size
    return d & 0x0000_ffff_ffff_f000n;
  }
}

const TXSZ = [16, 16, 17, 20, 24, 25, 28, 30, 31, 33, 36, 39, 10, 45] as const;

function randomTcr(r: Rng): bigint {
  let tcr = BigInt(r.pick(TXSZ)) | (BigInt(r.pick(TXSZ)) << 16n);
  if (r.chance(0.04)) tcr |= 1n << 7n; // EPD0
  if (r.chance(0.04)) tcr |= 1n << 23n; // EPD1
  tcr |= (r.chance(0.93) ? 0n : BigInt(1 + r.int(3))) << 14n; // TG0: 4 KiB is 0b00
  tcr |= (r.chance(0.93) ? 2n : BigInt(r.pick([0, 1, 3]))) << 30n; // TG1: 4 KiB is 0b10
  tcr |= BigInt(r.chance(0.6) ? 5 : r.int(8)) << 32n; // IPS
  for (const bit of [37n, 38n, 41n, 42n, 51n, 52n]) if (r.chance(0.3)) tcr |= 1n << bit; // TBI, HPD, TBID
  if (r.chance(0.3)) tcr |= (r.big(64) & 0x0000_0000_3f3f_0000n) << 8n; // IRGN/ORGN/SH junk elsewhere
  return tcr;
}

function txszOf(tcr: bigint, upper: boolean): number {
  const t = Number((tcr >> (upper ? 16n : 0n)) & 63n);
  return Math.min(39, Math.max(16, t));
}

/** A page VA aimed at entries the tables hold (most of the time), in the TTBR0 or TTBR1 half. */
function randomVa(r: Rng, b: TableBuilder, tcr: bigint, roots: [bigint, bigint]): bigint {
  const upper = r.chance(0.5);
  const inputSize = 64 - txszOf(tcr, upper);
  const start = inputSize > 39 ? 0 : inputSize > 30 ? 1 : 2;
  let va = 0n;
  let table: Table | undefined = b.tables.get(roots[upper ? 1 : 0]);
  for (let level = start; level <= 3; level++) {
    const shift = 12 + 9 * (3 - level);
    const width = Math.min(9, inputSize - shift);
    let index = r.int(1 << width);
    if (table && table.entries.size > 0 && r.chance(0.85)) {
      const keys = [...table.entries.keys()].filter((k) => k < 1 << width);
      if (keys.length > 0) index = r.pick(keys);
    }
    va |= BigInt(index) << BigInt(shift);
    const nextAddr = table?.next.get(index);
    table = nextAddr === undefined ? undefined : b.tables.get(nextAddr);
  }
  if (upper) va |= ((1n << 64n) - 1n) & ~((1n << BigInt(inputSize)) - 1n);
  if (r.chance(0.25)) va = (va & ~(0xffn << 56n)) | (BigInt(r.int(256)) << 56n); // a tag in the top byte
  if (r.chance(0.05)) va ^= 1n << BigInt(inputSize + r.int(64 - inputSize)); // outside the range
  if (r.chance(0.03)) va = r.big(64);
  return va & ~0xfffn;
}

const ACCESSES: readonly MemAccessType[] = ['read', 'write', 'fetch'];

describe('native TLB fill', function () {
  this.timeout(120_000);

  it('answers exactly what the TypeScript fill answers, on random tables, registers and policies', () => {
    let agreed = 0;
    let ok = 0;
    let passed = 0;
    const blocks = new Set<bigint>();
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(seed * 7919);
      const { machine: m } = guestMachine(assemble('b .'), { policy: randomPolicy(r) });
      try {
        if (r.chance(0.2)) m.el2.write('HCR_EL2', RITM_HCR_EL2 & ~HCR_EL2_VM); // stage 2 off
        expect(m.nativeFill.state.off).to.equal(0n);
        const b = new TableBuilder(m, r);
        for (let config = 0; config < 6; config++) {
          const tcr = randomTcr(r);
          const roots: [bigint, bigint] = [b.build(txszOf(tcr, false) <= 24 ? 0 : 1, 3), b.build(1, 2)];
          // Roots are built at a guess of their start level; a mismatch just makes more varied walks.
          const ttbr = (root: bigint) => {
            let v = root | (r.chance(0.3) ? BigInt(r.int(0x10000)) << 48n : 0n) | (r.chance(0.2) ? 1n : 0n);
            if (r.chance(0.03)) v |= 1n << BigInt(32 + r.int(16)); // above IPS
            return v;
          };
          let sctlr = SCTLR_EL1_ENTRY | (r.chance(0.9) ? 1n : 0n);
          if (r.chance(0.3)) sctlr |= 1n << 19n; // WXN
          const regs = [sctlr, tcr, ttbr(roots[0]), ttbr(roots[1])] as const;
          m.uc.writeSysReg(SYSREG.TCR_EL1, regs[1]);
          m.uc.writeReg(UC_ARM64_REG.TTBR0_EL1, regs[2]);
          m.uc.writeReg(UC_ARM64_REG.TTBR1_EL1, regs[3]);
          m.uc.writeSysReg(SYSREG.SCTLR_EL1, regs[0]);
          for (let n = 0; n < 120; n++) {
            const va = randomVa(r, b, tcr, roots);
            for (const el of [0, 1] as const) {
              m.uc.writeReg(UC_ARM64_REG.PSTATE, el === 0 ? 0x3c0n : 0x3c5n);
              for (const access of ACCESSES) {
                const ts = m.space.fill(va, access);
                const native = m.nativeFill.probe(va, access, el, regs);
                const what = `seed ${seed} config ${config}: ${access} at EL${el} of 0x${va.toString(16)}`;
                if ('paddr' in ts) {
                  const t = m.space.translate(va, access, el, [regs[0], regs[1], regs[2], regs[3]]);
                  const blockSize = t.kind === 'ok' && t.stage1.stage1 === 'enabled' ? t.stage1.blockSize : 0n;
                  expect(native, what).to.deep.equal({ pa: ts.paddr, perms: ts.perms, blockSize });
                  ok++;
                  if (blockSize > PAGE) blocks.add(blockSize);
                } else {
                  expect(native, `${what}: TypeScript stops with ${JSON.stringify(ts.kind)}`).to.equal(null);
                  passed++;
                }
                agreed++;
              }
            }
          }
        }
      } finally {
        void m.close();
      }
    }
    // Not vacuous: plenty of both outcomes, and block mappings of both sizes among the successes.
    expect(ok).to.be.greaterThan(agreed / 20);
    expect(passed).to.be.greaterThan(agreed / 20);
    expect(blocks.has(2n * MiB) && blocks.has(GiB), 'both block sizes seen').to.equal(true);
  });

  /** The bench's guest at a small size: a 1 GiB block, pages touched in a loop, TLBI between passes. */
  const touchPages = (pages: number, passes: number) =>
    assemble(`
      adr x0, l1
      orr x0, x0, #3
      adr x1, l0
      str x0, [x1]
      movz x0, #0x0401
      movk x0, #0x4000, lsl #16
      adr x2, l1
      str x0, [x2, #8]
      movz x0, #0x3510
      movk x0, #0x0080, lsl #16
      movk x0, #0x2, lsl #32
      msr tcr_el1, x0
      msr ttbr0_el1, x1
      isb
      mrs x0, sctlr_el1
      orr x0, x0, #1
      msr sctlr_el1, x0
      isb
      mov x5, #${passes}
      mov x7, #0
    pass:
      movz x1, #0x4100, lsl #16
      mov x2, #${pages}
    touch:
      ldr x3, [x1]
      add x7, x7, x3
      str x2, [x1]
      add x1, x1, #4096
      subs x2, x2, #1
      b.ne touch
      tlbi vmalle1
      dsb ish
      isb
      subs x5, x5, #1
      b.ne pass
      ${POWER_OFF}
      .balign 4096
    l0: .skip 4096
    l1: .skip 4096`);

  it('runs a guest to the same end with the native fill on and off, and answers its fills natively', async () => {
    const results = [];
    for (const on of [true, false]) {
      const { machine: m } = guestMachine(touchPages(300, 3));
      try {
        m.nativeFill.set(on);
        const before = m.nativeFill.state.native;
        const halt = await m.run();
        expect(halt.kind).to.equal('power-off');
        results.push({ insns: m.instructionsExecuted, x7: m.uc.readReg(UC_ARM64_REG.X7) });
        const native = m.nativeFill.state.native - before;
        if (on) expect(Number(native)).to.be.greaterThan(900);
        else expect(native).to.equal(0n);
      } finally {
        await m.close();
      }
    }
    expect(results[0]).to.deep.equal(results[1]);
  });

  it('stays off while watchpoints are set or a probe runs, and follows HCR_EL2.VM and the policy', () => {
    const b = new Stage2PolicyBuilder().allowRange(RAM_BASE, 64n * MiB, NORMAL);
    const { machine: m } = guestMachine(assemble('b .'), { policy: b.build() });
    try {
      const regs = [SCTLR_EL1_ENTRY, 0n, 0n, 0n] as const; // MMU off: VA = IPA
      expect(m.nativeFill.probe(RAM_BASE + 0x1000n, 'read', 1, regs)?.pa).to.equal(RAM_BASE + 0x1000n);
      expect(m.nativeFill.probe(RAM_BASE + 128n * MiB, 'read', 1, regs)).to.equal(null); // stage-2 fault
      m.el2.write('HCR_EL2', RITM_HCR_EL2 & ~HCR_EL2_VM);
      expect(m.nativeFill.probe(RAM_BASE + 128n * MiB, 'read', 1, regs)?.pa).to.equal(RAM_BASE + 128n * MiB);
      expect(m.nativeFill.probe(RAM_END, 'read', 1, regs)).to.equal(null); // nothing there: external abort
      m.el2.write('HCR_EL2', RITM_HCR_EL2);
      expect(m.nativeFill.probe(RAM_BASE + 128n * MiB, 'read', 1, regs)).to.equal(null);

      m.setWatchpoints([{ addr: RAM_BASE, length: 8, kind: 'write' }]);
      expect(m.nativeFill.state.off & FILL_OFF.WATCHPOINTS).to.equal(FILL_OFF.WATCHPOINTS);
      m.setWatchpoints([]);
      expect(m.nativeFill.state.off).to.equal(0n);
      m.space.probing = true;
      expect(m.nativeFill.state.off).to.equal(FILL_OFF.PROBING);
      m.space.probing = false;
      expect(m.nativeFill.state.off).to.equal(0n);
    } finally {
      void m.close();
    }
  });
});
