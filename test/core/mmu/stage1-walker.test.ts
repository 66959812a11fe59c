// Expected values here come from ARM DDI 0487 D8 (VMSAv8-64, 4 KiB granule), written out by
// hand: register and descriptor bits are spelled as literal bit positions on purpose, so the
// tests do not share constants with the code under test.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  walkStage1,
  type Stage1Access,
  type Stage1Registers,
  type Stage1WalkResult,
  type TableRead,
} from '../../../core/mmu/stage1-walker.js';

// Descriptor bits (D8.3).
const VALID = 1n << 0n;
const TABLE = 0b11n; // table at levels 0-2, page at level 3
const BLOCK = 0b01n;
const AF = 1n << 10n;
const AP_EL0 = 1n << 6n; // AP[1]
const AP_RO = 1n << 7n; // AP[2]
const PXN = 1n << 53n;
const UXN = 1n << 54n;
const PXN_TABLE = 1n << 59n;
const UXN_TABLE = 1n << 60n;
const APTABLE_NO_EL0 = 1n << 61n; // APTable[0]
const APTABLE_RO = 1n << 62n; // APTable[1]
const attrIndx = (n: bigint): bigint => n << 2n;

// Register bits (SCTLR_EL1, TCR_EL1).
const SCTLR_M = 1n << 0n;
const SCTLR_WXN = 1n << 19n;
const EPD0 = 1n << 7n;
const EPD1 = 1n << 23n;
const TBI0 = 1n << 37n;
const TBI1 = 1n << 38n;
const HPD0 = 1n << 41n;
const TBID0 = 1n << 51n;

type TcrFields = { t0sz?: bigint; t1sz?: bigint; tg0?: bigint; tg1?: bigint; ips?: bigint; flags?: bigint };
/** TCR_EL1 with 4 KiB granules (TG0 = 0b00, TG1 = 0b10), 48-bit ranges and IPS = 48 bits. */
function tcr({ t0sz = 16n, t1sz = 16n, tg0 = 0b00n, tg1 = 0b10n, ips = 0b101n, flags = 0n }: TcrFields = {}): bigint {
  return t0sz | (tg0 << 14n) | (t1sz << 16n) | (tg1 << 30n) | (ips << 32n) | flags;
}

const ROOT0 = 0x4000_0000n;
const ROOT1 = 0x5000_0000n;

function regs(overrides: Partial<Stage1Registers> = {}): Stage1Registers {
  return { sctlrEl1: SCTLR_M, tcrEl1: tcr(), ttbr0El1: ROOT0, ttbr1El1: ROOT1, ...overrides };
}

/** The default registers with TCR_EL1 built from `fields`. */
const withTcr = (fields: TcrFields): Stage1Registers => regs({ tcrEl1: tcr(fields) });

/** Physical memory as a map of 8-byte descriptors; anything never written reads as 0. */
class FakeMemory {
  readonly words = new Map<bigint, bigint>();
  readonly reads: { ipa: bigint; level: number }[] = [];

  put(table: bigint, index: number, descriptor: bigint): void {
    this.words.set(table + BigInt(index) * 8n, descriptor);
  }

  read = (ipa: bigint, level: number): TableRead<never> => {
    this.reads.push({ ipa, level });
    return { kind: 'ok', value: this.words.get(ipa) ?? 0n };
  };
}

function walk(
  mem: FakeMemory,
  va: bigint,
  options: { access?: Stage1Access; el?: 0 | 1; regs?: Stage1Registers } = {},
): Stage1WalkResult<never> {
  return walkStage1({
    va,
    access: options.access ?? 'read',
    el: options.el ?? 1,
    regs: options.regs ?? regs(),
    readTableEntry: mem.read,
  });
}

const hex = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v);

function expectOk(result: Stage1WalkResult<unknown>): Extract<Stage1WalkResult<unknown>, { kind: 'ok' }> {
  if (result.kind !== 'ok') expect.fail(`expected a translation, got ${JSON.stringify(result, hex)}`);
  return result;
}

function expectFault(
  result: Stage1WalkResult<unknown>,
  type: string,
  level: number,
  fsc?: number,
): Extract<Stage1WalkResult<unknown>, { kind: 'fault' }> {
  if (result.kind !== 'fault') expect.fail(`expected a ${type} fault, got ipa 0x${result.ipa.toString(16)}`);
  expect({ type: result.type, level: result.level }).to.deep.equal({ type, level });
  if (fsc !== undefined) expect((result as { fsc?: number }).fsc).to.equal(fsc);
  return result;
}

// VA 0x0000_0181_40e0_9abc = L0 index 3 (VA[47:39]), L1 index 5 (VA[38:30]),
// L2 index 7 (VA[29:21]), L3 index 9 (VA[20:12]), page offset 0xabc.
const VA4 = (3n << 39n) | (5n << 30n) | (7n << 21n) | (9n << 12n) | 0xabcn;
const L1 = 0x4000_1000n;
const L2 = 0x4000_2000n;
const L3 = 0x4000_3000n;
const PAGE = 0x8_7654_3000n;

/** A 4-level TTBR0 chain for VA4 whose page descriptor is `leaf` and tables carry `tableBits`. */
function fourLevelChain(leaf = PAGE | TABLE | AF, tableBits = { l0: 0n, l1: 0n, l2: 0n }): FakeMemory {
  const mem = new FakeMemory();
  mem.put(ROOT0, 3, L1 | TABLE | tableBits.l0);
  mem.put(L1, 5, L2 | TABLE | tableBits.l1);
  mem.put(L2, 7, L3 | TABLE | tableBits.l2);
  mem.put(L3, 9, leaf);
  return mem;
}

describe('walkStage1', () => {
  describe('with SCTLR_EL1.M = 0', () => {
    it('maps flat with every permission and reads no tables', () => {
      const mem = new FakeMemory();
      const r = expectOk(walk(mem, 0x1234_5678_9abcn, { access: 'write', el: 0, regs: regs({ sctlrEl1: 0n }) }));
      expect(r.stage1).to.equal('disabled');
      expect(r.ipa).to.equal(0x1234_5678_9abcn);
      expect(r.pageIpa).to.equal(0x1234_5678_9000n);
      expect(r.perms).to.deep.equal({
        el1: { read: true, write: true, exec: true },
        el0: { read: true, write: true, exec: true },
      });
      expect(mem.reads).to.deep.equal([]);
    });

    it('gives an address size fault at level 0 for a VA at or above the 48-bit PA size', () => {
      const off = regs({ sctlrEl1: 0n });
      const r = expectFault(walk(new FakeMemory(), 1n << 48n, { regs: off }), 'address-size', 0, 0x00);
      expect(r.walk).to.deep.equal([]);
    });

    it('ignores the top byte under TCR_EL1.TBI0', () => {
      const off = regs({ sctlrEl1: 0n, tcrEl1: tcr({ flags: TBI0 }) });
      const r = expectOk(walk(new FakeMemory(), 0x5a00_0000_1234_5678n, { regs: off }));
      expect(r.ipa).to.equal(0x1234_5678n);
    });
  });

  describe('successful walks', () => {
    it('walks four levels from level 0 when T0SZ = 16 and keeps the page offset', () => {
      const mem = fourLevelChain(PAGE | TABLE | AF | attrIndx(5n));
      const r = expectOk(walk(mem, VA4));
      if (r.stage1 !== 'enabled') expect.fail('stage 1 should be enabled');
      expect(r.ipa).to.equal(0x8_7654_3abcn);
      expect(r.pageIpa).to.equal(0x8_7654_3000n);
      expect(r.level).to.equal(3);
      expect(r.blockSize).to.equal(0x1000n);
      expect(r.attrIndx).to.equal(5);
      expect(r.descriptor).to.equal(PAGE | TABLE | AF | attrIndx(5n));
      expect(r.walk).to.deep.equal([
        { level: 0, tableAddr: ROOT0, index: 3, descriptor: L1 | TABLE },
        { level: 1, tableAddr: L1, index: 5, descriptor: L2 | TABLE },
        { level: 2, tableAddr: L2, index: 7, descriptor: L3 | TABLE },
        { level: 3, tableAddr: L3, index: 9, descriptor: PAGE | TABLE | AF | attrIndx(5n) },
      ]);
      expect(mem.reads).to.deep.equal([
        { ipa: ROOT0 + 3n * 8n, level: 0 },
        { ipa: L1 + 5n * 8n, level: 1 },
        { ipa: L2 + 7n * 8n, level: 2 },
        { ipa: L3 + 9n * 8n, level: 3 },
      ]);
    });

    it('walks three levels from level 1 when T0SZ = 25', () => {
      // 39-bit range: L1 index VA[38:30] = 257, L2 index 1, L3 index 2, offset 0x123.
      const va = (257n << 30n) | (1n << 21n) | (2n << 12n) | 0x123n;
      const mem = new FakeMemory();
      mem.put(ROOT0, 257, L2 | TABLE);
      mem.put(L2, 1, L3 | TABLE);
      mem.put(L3, 2, 0x9_0000_0000n | TABLE | AF);
      const r = expectOk(walk(mem, va, { regs: withTcr({ t0sz: 25n }) }));
      expect(r.ipa).to.equal(0x9_0000_0123n);
      expect(r.walk.map((s) => [s.level, s.index])).to.deep.equal([
        [1, 257],
        [2, 1],
        [3, 2],
      ]);
    });

    it('starts at the level the Arm ARM gives for each T0SZ (16-24: 0, 25-33: 1, 34-39: 2)', () => {
      const expected: [bigint, number][] = [
        [16n, 0],
        [24n, 0],
        [25n, 1],
        [33n, 1],
        [34n, 2],
        [39n, 2],
      ];
      for (const [t0sz, level] of expected) {
        const r = expectFault(walk(new FakeMemory(), 0n, { regs: withTcr({ t0sz }) }), 'translation', level);
        expect(r.walk[0]?.level, `T0SZ=${t0sz}`).to.equal(level);
      }
    });

    it('clamps T0SZ below 16 to 16 and above 39 to 39', () => {
      expect(walk(new FakeMemory(), 0n, { regs: withTcr({ t0sz: 0n }) }).walk[0]?.level).to.equal(0);
      // T0SZ = 45 acts as 39: a 25-bit range, so bit 25 is outside it.
      expect(walk(new FakeMemory(), 0n, { regs: withTcr({ t0sz: 45n }) }).walk[0]?.level).to.equal(2);
      expectFault(walk(new FakeMemory(), 1n << 25n, { regs: withTcr({ t0sz: 45n }) }), 'translation', 0, 0x04);
    });

    it('uses only VA[39] as the level-0 index when T0SZ = 24', () => {
      const mem = new FakeMemory();
      const r = walk(mem, (1n << 39n) | (2n << 30n), { regs: withTcr({ t0sz: 24n }) });
      expect(r.walk[0]?.index).to.equal(1);
      expect(mem.reads[0]?.ipa).to.equal(ROOT0 + 8n);
    });

    it('maps a 1 GiB block at level 1 with the offset inside the block kept', () => {
      // VA 0x4123_4567: L0 index 0, L1 index 1, offset in the 1 GiB block 0x0123_4567.
      const mem = new FakeMemory();
      mem.put(ROOT0, 0, L1 | TABLE);
      mem.put(L1, 1, 0x1_c000_0000n | BLOCK | AF);
      const r = expectOk(walk(mem, 0x4123_4567n));
      if (r.stage1 !== 'enabled') expect.fail('stage 1 should be enabled');
      expect(r.ipa).to.equal(0x1_c123_4567n);
      expect(r.pageIpa).to.equal(0x1_c123_4000n);
      expect(r.blockSize).to.equal(1n << 30n);
      expect(r.level).to.equal(1);
    });

    it('maps a 2 MiB block at level 2 with the offset inside the block kept', () => {
      // VA 0x4071_2345: L1 index 1, L2 index 3, offset in the 2 MiB block 0x11_2345.
      const mem = new FakeMemory();
      mem.put(ROOT0, 0, L1 | TABLE);
      mem.put(L1, 1, L2 | TABLE);
      mem.put(L2, 3, 0x8000_0000n | BLOCK | AF);
      const r = expectOk(walk(mem, 0x4071_2345n));
      if (r.stage1 !== 'enabled') expect.fail('stage 1 should be enabled');
      expect(r.ipa).to.equal(0x8011_2345n);
      expect(r.pageIpa).to.equal(0x8011_2000n);
      expect(r.blockSize).to.equal(1n << 21n);
      expect(r.level).to.equal(2);
    });

    it('walks TTBR1_EL1 for a high VA when T1SZ = 16', () => {
      // VA 0xffff_0000_0900_0000: L0 0, L1 0, L2 index 0x48, L3 index 0.
      const mem = new FakeMemory();
      mem.put(ROOT1, 0, 0x5000_1000n | TABLE);
      mem.put(0x5000_1000n, 0, 0x5000_2000n | TABLE);
      mem.put(0x5000_2000n, 0x48, 0x5000_3000n | TABLE);
      mem.put(0x5000_3000n, 0, 0x0900_0000n | TABLE | AF);
      const r = expectOk(walk(mem, 0xffff_0000_0900_0000n));
      expect(r.ipa).to.equal(0x0900_0000n);
      expect(r.walk[0]).to.deep.include({ level: 0, tableAddr: ROOT1, index: 0 });
    });

    it('walks TTBR1_EL1 from level 1 when T1SZ = 25', () => {
      // The bottom of a 39-bit TTBR1 range: VA[63:39] all ones, L1 index 0.
      const mem = new FakeMemory();
      mem.put(ROOT1, 0, 0x2_0000_0000n | BLOCK | AF);
      const r = expectOk(walk(mem, 0xffff_ff80_0000_1000n, { regs: withTcr({ t1sz: 25n }) }));
      expect(r.ipa).to.equal(0x2_0000_1000n);
      expect(r.walk[0]).to.deep.include({ level: 1, tableAddr: ROOT1 });
    });

    it('cuts the TTBR1 start-level index at the range size (T1SZ = 20: VA[43:39])', () => {
      // The lowest VA of a 44-bit TTBR1 range: VA[63:44] all ones, VA[43:39] = 0.
      const mem = new FakeMemory();
      const r = walk(mem, 0xffff_f000_0000_0000n, { regs: withTcr({ t1sz: 20n }) });
      expect(r.walk[0]).to.deep.include({ level: 0, tableAddr: ROOT1, index: 0 });
      const top = walk(mem, 0xffff_ffff_ffff_f000n, { regs: withTcr({ t1sz: 20n }) });
      expect(top.walk[0]).to.deep.include({ level: 0, index: 31 });
    });

    it('uses a TTBR base aligned to the start table size, treating lower RES0 bits as 0', () => {
      // T0SZ = 24: a 2-entry (16-byte) level-0 table may sit at any 16-byte boundary.
      const small = new FakeMemory();
      walk(small, 1n << 39n, { regs: regs({ tcrEl1: tcr({ t0sz: 24n }), ttbr0El1: ROOT0 + 0x10n }) });
      expect(small.reads[0]?.ipa).to.equal(ROOT0 + 0x10n + 8n);
      // T0SZ = 16: a 4 KiB table, so BADDR bits [11:1] are RES0 and ignored.
      const full = new FakeMemory();
      walk(full, VA4, { regs: regs({ ttbr0El1: ROOT0 + 0x10n }) });
      expect(full.reads[0]?.ipa).to.equal(ROOT0 + 3n * 8n);
    });

    it('ignores the ASID and CnP in the TTBR', () => {
      const mem = fourLevelChain();
      const r = expectOk(walk(mem, VA4, { regs: regs({ ttbr0El1: (0xabcdn << 48n) | ROOT0 | 1n }) }));
      expect(r.ipa).to.equal(0x8_7654_3abcn);
    });
  });

  describe('translation faults', () => {
    it('faults at level 0 for VAs in the hole between the TTBR0 and TTBR1 ranges', () => {
      for (const va of [1n << 48n, 0x00ff_ffff_ffff_f000n, 0xfffe_ffff_ffff_f000n, 0xff00_0000_0000_0000n]) {
        const mem = fourLevelChain();
        const r = expectFault(walk(mem, va), 'translation', 0, 0x04);
        expect(r).to.deep.include({ reason: 'va-outside-range', walk: [] });
        expect(mem.reads).to.deep.equal([]);
      }
    });

    it('faults at the level of an invalid descriptor, with fsc 0x04 + level', () => {
      for (const level of [0, 1, 2, 3]) {
        const mem = fourLevelChain();
        const [table, index] = (
          [
            [ROOT0, 3],
            [L1, 5],
            [L2, 7],
            [L3, 9],
          ] as const
        )[level]!;
        mem.put(table, index, 0xffff_ffff_ffff_ffffn & ~VALID); // invalid whatever else is set
        const r = expectFault(walk(mem, VA4), 'translation', level, 0x04 + level);
        expect(r).to.deep.include({ reason: 'invalid-descriptor' });
        expect(r.walk).to.have.length(level + 1);
      }
    });

    it('faults on a block descriptor at level 0', () => {
      const mem = new FakeMemory();
      mem.put(ROOT0, 3, 0n | BLOCK | AF);
      expectFault(walk(mem, VA4), 'translation', 0, 0x04);
    });

    it('faults on the 0b01 encoding at level 3', () => {
      const mem = fourLevelChain(PAGE | BLOCK | AF);
      const r = expectFault(walk(mem, VA4), 'translation', 3, 0x07);
      expect(r).to.deep.include({ reason: 'reserved-descriptor' });
    });

    it('faults at level 0 when TCR_EL1.EPD0 disables TTBR0 walks, and still walks TTBR1', () => {
      const mem = fourLevelChain();
      const r = expectFault(walk(mem, VA4, { regs: withTcr({ flags: EPD0 }) }), 'translation', 0, 0x04);
      expect(r).to.deep.include({ reason: 'walk-disabled' });
      expect(mem.reads).to.deep.equal([]);
      const mem1 = new FakeMemory();
      mem1.put(ROOT1, 0, 0x5000_1000n | TABLE);
      mem1.put(0x5000_1000n, 0, 0x4000_0000n | BLOCK | AF);
      expectOk(walk(mem1, 0xffff_0000_0000_0000n, { regs: withTcr({ flags: EPD0 }) }));
      expectFault(walk(mem1, 0xffff_0000_0000_0000n, { regs: withTcr({ flags: EPD1 }) }), 'translation', 0, 0x04);
    });

    it('reports granules other than 4 KiB as not supported', () => {
      const cases: [bigint, TcrFields][] = [
        [VA4, { tg0: 0b01n }], // 64 KiB
        [VA4, { tg0: 0b10n }], // 16 KiB
        [0xffff_0000_0000_0000n, { tg1: 0b01n }], // 16 KiB
        [0xffff_0000_0000_0000n, { tg1: 0b11n }], // 64 KiB
      ];
      for (const [va, fields] of cases) {
        const r = expectFault(walk(fourLevelChain(), va, { regs: withTcr(fields) }), 'translation', 0, 0x04);
        expect(r).to.deep.include({ reason: 'granule-not-supported' });
      }
    });
  });

  describe('access flag faults', () => {
    it('faults at level 3 with fsc 0x0B when a page has AF = 0', () => {
      expectFault(walk(fourLevelChain(PAGE | TABLE), VA4), 'access-flag', 3, 0x0b);
    });

    it('faults at the block level with fsc 0x08 + level when a block has AF = 0', () => {
      const mem = new FakeMemory();
      mem.put(ROOT0, 0, L1 | TABLE);
      mem.put(L1, 1, 0x4000_0000n | BLOCK);
      mem.put(L1, 2, L2 | TABLE);
      mem.put(L2, 0, 0x8000_0000n | BLOCK);
      expectFault(walk(mem, 0x4000_0000n), 'access-flag', 1, 0x09);
      expectFault(walk(mem, 0x8000_0000n), 'access-flag', 2, 0x0a);
    });
  });

  describe('permissions', () => {
    it('gives a permission fault 0x0F for a write to a read-only page, but allows the read', () => {
      const mem = fourLevelChain(PAGE | TABLE | AF | AP_RO);
      const r = expectFault(walk(mem, VA4, { access: 'write' }), 'permission', 3, 0x0f);
      expect(r).to.deep.include({
        perms: { el1: { read: true, write: false, exec: true }, el0: { read: false, write: false, exec: true } },
      });
      expectOk(walk(mem, VA4, { access: 'read' }));
    });

    it('gives a permission fault 0x0E for a write to a read-only 2 MiB block', () => {
      const mem = new FakeMemory();
      mem.put(ROOT0, 0, L1 | TABLE);
      mem.put(L1, 0, L2 | TABLE);
      mem.put(L2, 1, 0x8000_0000n | BLOCK | AF | AP_RO | AP_EL0);
      expectFault(walk(mem, 0x20_0000n, { access: 'write', el: 0 }), 'permission', 2, 0x0e);
      expectOk(walk(mem, 0x20_0000n, { access: 'read', el: 0 }));
    });

    it('denies EL0 data access to an EL1-only page (AP[2:1] = 0b00)', () => {
      const mem = fourLevelChain(PAGE | TABLE | AF);
      expectFault(walk(mem, VA4, { el: 0 }), 'permission', 3, 0x0f);
      expectFault(walk(mem, VA4, { el: 0, access: 'write' }), 'permission', 3, 0x0f);
      expectOk(walk(mem, VA4, { el: 1, access: 'write' }));
    });

    it('lets EL0 execute a page it cannot read when UXN = 0', () => {
      expectOk(walk(fourLevelChain(PAGE | TABLE | AF | PXN), VA4, { el: 0, access: 'fetch' }));
    });

    it('applies AP[2:1] = 0b01 and 0b11 to EL0 and EL1', () => {
      const rw = expectOk(walk(fourLevelChain(PAGE | TABLE | AF | AP_EL0), VA4));
      // Writable at EL0 implies PXN (D8.4): EL1 may not execute it.
      expect(rw.perms).to.deep.equal({
        el1: { read: true, write: true, exec: false },
        el0: { read: true, write: true, exec: true },
      });
      const ro = expectOk(walk(fourLevelChain(PAGE | TABLE | AF | AP_EL0 | AP_RO), VA4));
      expect(ro.perms).to.deep.equal({
        el1: { read: true, write: false, exec: true },
        el0: { read: true, write: false, exec: true },
      });
    });

    it('denies fetches by UXN at EL0 and by PXN at EL1', () => {
      const uxn = fourLevelChain(PAGE | TABLE | AF | UXN);
      expectFault(walk(uxn, VA4, { el: 0, access: 'fetch' }), 'permission', 3, 0x0f);
      expectOk(walk(uxn, VA4, { el: 1, access: 'fetch' }));
      const pxn = fourLevelChain(PAGE | TABLE | AF | AP_EL0 | AP_RO | PXN);
      expectFault(walk(pxn, VA4, { el: 1, access: 'fetch' }), 'permission', 3, 0x0f);
      expectOk(walk(pxn, VA4, { el: 0, access: 'fetch' }));
    });

    it('denies EL1 fetches from an EL0-writable page even with PXN = 0', () => {
      expectFault(walk(fourLevelChain(PAGE | TABLE | AF | AP_EL0), VA4, { access: 'fetch' }), 'permission', 3, 0x0f);
    });

    it('makes everything below a table read-only when APTable[1] is set', () => {
      const mem = fourLevelChain(PAGE | TABLE | AF | AP_EL0, { l0: 0n, l1: APTABLE_RO, l2: 0n });
      const r = expectFault(walk(mem, VA4, { access: 'write' }), 'permission', 3, 0x0f);
      // The page is no longer EL0-writable, so the implied PXN no longer applies.
      expect(r).to.deep.include({
        perms: { el1: { read: true, write: false, exec: true }, el0: { read: true, write: false, exec: true } },
      });
      expectOk(walk(mem, VA4, { access: 'read', el: 0 }));
    });

    it('removes EL0 access below a table when APTable[0] is set', () => {
      const mem = fourLevelChain(PAGE | TABLE | AF | AP_EL0, { l0: APTABLE_NO_EL0, l1: 0n, l2: 0n });
      expectFault(walk(mem, VA4, { el: 0 }), 'permission', 3, 0x0f);
      expectOk(walk(mem, VA4, { el: 1, access: 'write' }));
    });

    it('applies PXNTable and UXNTable from any level above the leaf', () => {
      const mem = fourLevelChain(PAGE | TABLE | AF | AP_EL0 | AP_RO, { l0: 0n, l1: 0n, l2: PXN_TABLE | UXN_TABLE });
      expectFault(walk(mem, VA4, { el: 1, access: 'fetch' }), 'permission', 3, 0x0f);
      expectFault(walk(mem, VA4, { el: 0, access: 'fetch' }), 'permission', 3, 0x0f);
    });

    it('ignores APTable, PXNTable and UXNTable when TCR_EL1.HPD0 is set', () => {
      const mem = fourLevelChain(PAGE | TABLE | AF, { l0: APTABLE_RO | APTABLE_NO_EL0, l1: PXN_TABLE, l2: UXN_TABLE });
      const r = expectOk(walk(mem, VA4, { access: 'write', regs: withTcr({ flags: HPD0 }) }));
      expect(r.perms).to.deep.equal({
        el1: { read: true, write: true, exec: true },
        el0: { read: false, write: false, exec: true },
      });
    });

    it('makes writable memory non-executable under SCTLR_EL1.WXN', () => {
      const wxn = regs({ sctlrEl1: SCTLR_M | SCTLR_WXN });
      const el1Rw = fourLevelChain(PAGE | TABLE | AF);
      expectFault(walk(el1Rw, VA4, { access: 'fetch', regs: wxn }), 'permission', 3, 0x0f);
      expectOk(walk(el1Rw, VA4, { access: 'fetch' }));
      // Only EL1 can write an AP = 0b00 page, so EL0 keeps execute.
      expectOk(walk(el1Rw, VA4, { access: 'fetch', el: 0, regs: wxn }));
      const el0Rw = fourLevelChain(PAGE | TABLE | AF | AP_EL0);
      expectFault(walk(el0Rw, VA4, { access: 'fetch', el: 0, regs: wxn }), 'permission', 3, 0x0f);
      expectOk(walk(fourLevelChain(PAGE | TABLE | AF | AP_RO), VA4, { access: 'fetch', regs: wxn }));
    });
  });

  describe('address size faults', () => {
    const ips32 = withTcr({ ips: 0b000n });

    it('faults at level 3 when a page address is above the TCR_EL1.IPS size', () => {
      const r = expectFault(walk(fourLevelChain(), VA4, { regs: ips32 }), 'address-size', 3, 0x03);
      expect(r).to.deep.include({ reason: 'output-address-above-output-size' });
    });

    it('faults at level 1 when a 1 GiB block address is above the IPS size', () => {
      const mem = new FakeMemory();
      mem.put(ROOT0, 0, L1 | TABLE);
      mem.put(L1, 0, 0x1_0000_0000n | BLOCK | AF);
      expectFault(walk(mem, 0x1000n, { regs: ips32 }), 'address-size', 1, 0x01);
    });

    it('faults at the level of a table descriptor pointing above the IPS size', () => {
      const mem = new FakeMemory();
      mem.put(ROOT0, 0, 0x1_0000_0000n | TABLE);
      const r = expectFault(walk(mem, 0x1000n, { regs: ips32 }), 'address-size', 0, 0x00);
      expect(r).to.deep.include({ reason: 'table-address-above-output-size' });
    });

    it('faults at level 0 when TTBR0_EL1 holds a base above the IPS size', () => {
      const highBase = regs({ tcrEl1: tcr({ ips: 0b000n }), ttbr0El1: 0x1_0000_0000n });
      const r = expectFault(walk(new FakeMemory(), 0x1000n, { regs: highBase }), 'address-size', 0, 0x00);
      expect(r).to.deep.include({ reason: 'table-base-above-output-size', walk: [] });
    });

    it('accepts an address just below a 40-bit IPS and rejects one at 2^40', () => {
      const ips40 = withTcr({ ips: 0b010n });
      const below = expectOk(walk(fourLevelChain(0xff_ffff_f000n | TABLE | AF), VA4, { regs: ips40 }));
      expect(below.ipa).to.equal(0xff_ffff_fabcn);
      expectFault(walk(fourLevelChain(0x100_0000_0000n | TABLE | AF), VA4, { regs: ips40 }), 'address-size', 3, 0x03);
    });

    it('treats IPS = 52 bits as 48 bits: every descriptor address fits', () => {
      const r = expectOk(walk(fourLevelChain(0xffff_ffff_f000n | TABLE | AF), VA4, { regs: withTcr({ ips: 0b110n }) }));
      expect(r.ipa).to.equal(0xffff_ffff_fabcn);
    });
  });

  describe('stage-2 faults on the walk', () => {
    it('returns the callback fault with the level and address of the failed read', () => {
      const mem = fourLevelChain();
      const stage2 = { code: 'Stage2Translation', level: 1 };
      const r = walkStage1<typeof stage2>({
        va: VA4,
        access: 'read',
        el: 1,
        regs: regs(),
        readTableEntry: (ipa, level) => (level === 2 ? { kind: 'fault', fault: stage2 } : mem.read(ipa, level)),
      });
      if (r.kind !== 'fault' || r.type !== 'stage2-on-walk') expect.fail('expected a stage-2 fault on the walk');
      expect(r.level).to.equal(2);
      expect(r.ipa).to.equal(L2 + 7n * 8n);
      expect(r.stage2).to.equal(stage2);
      expect(r.walk).to.have.length(2);
    });
  });

  describe('top byte ignore', () => {
    const TAGGED = 0x5a00_0000_0000_0000n | VA4;

    it('ignores the top byte of a TTBR0 data address under TBI0', () => {
      const r = expectOk(walk(fourLevelChain(), TAGGED, { regs: withTcr({ flags: TBI0 }) }));
      expect(r.ipa).to.equal(0x8_7654_3abcn);
    });

    it('treats a tagged address as outside the range without TBI0', () => {
      expectFault(walk(fourLevelChain(), TAGGED), 'translation', 0, 0x04);
      expectFault(walk(fourLevelChain(), TAGGED, { regs: withTcr({ flags: TBI1 }) }), 'translation', 0, 0x04);
    });

    it('applies TBI0 to fetches unless TCR_EL1.TBID0 is set', () => {
      const dataOnly = withTcr({ flags: TBI0 | TBID0 });
      expectOk(walk(fourLevelChain(), TAGGED, { access: 'fetch', regs: withTcr({ flags: TBI0 }) }));
      expectFault(walk(fourLevelChain(), TAGGED, { access: 'fetch', regs: dataOnly }), 'translation', 0, 0x04);
      expectOk(walk(fourLevelChain(), TAGGED, { access: 'read', regs: dataOnly }));
    });

    it('selects TTBR1 by VA[55] and ignores its top byte under TBI1', () => {
      const mem = new FakeMemory();
      mem.put(ROOT1, 0, 0x5000_1000n | TABLE);
      mem.put(0x5000_1000n, 0, 0x4000_0000n | BLOCK | AF);
      const r = expectOk(walk(mem, 0x12ff_0000_0000_1234n, { regs: withTcr({ flags: TBI1 }) }));
      expect(r.ipa).to.equal(0x4000_1234n);
      expect(r.walk[0]?.tableAddr).to.equal(ROOT1);
    });
  });

  describe('property: identity-offset page mappings', () => {
    /** Builds tables the way the Arm ARM lays them out: index = VA[shift+8:shift] per level. */
    function mapPages(t0sz: bigint, pages: bigint[], delta: bigint): FakeMemory {
      const mem = new FakeMemory();
      const inputSize = 64n - t0sz;
      const startLevel = t0sz <= 24n ? 0 : t0sz <= 33n ? 1 : 2; // D8.3, 4 KiB granule table
      let nextTable = 0x100_0000_0000n; // the walker never reads page contents, so overlap is harmless
      const tables = new Map<string, bigint>();
      for (const va of pages) {
        let table = ROOT0;
        for (let level = startLevel; level <= 3; level++) {
          const shift = BigInt(12 + 9 * (3 - level));
          const width = level === startLevel ? inputSize - shift : 9n;
          const index = Number((va >> shift) & ((1n << width) - 1n));
          if (level === 3) {
            mem.put(table, index, (va + delta) | TABLE | AF);
            break;
          }
          const key = `${table}:${index}`;
          let next = tables.get(key);
          if (next === undefined) {
            next = nextTable;
            nextTable += 0x1000n;
            tables.set(key, next);
            mem.put(table, index, next | TABLE);
          }
          table = next;
        }
      }
      return mem;
    }

    it('returns exactly va + delta for every mapped VA and faults for unmapped ones', () => {
      const PAGES_IN_48_BITS = 1n << 36n;
      const layout = fc
        .constantFrom(16n, 25n, 34n, 39n)
        .chain((t0sz) => {
          const vpn = fc.bigInt({ min: 0n, max: (1n << (64n - t0sz - 12n)) - 1n });
          return fc.record({
            t0sz: fc.constant(t0sz),
            vpns: fc.uniqueArray(vpn, { minLength: 1, maxLength: 24 }),
            probeVpn: vpn,
            offset: fc.bigInt({ min: 0n, max: 0xfffn }),
            // Where the lowest mapped page lands, as a page number inside the 48-bit PA space.
            targetVpn: fc.bigInt({ min: 0n, max: PAGES_IN_48_BITS - 1n }),
          });
        })
        .map(({ vpns, targetVpn, ...rest }) => {
          // Pick the one offset that sends the lowest page to targetVpn, then pull it down until
          // the highest page also fits in 48 bits: every output address stays a valid IPA.
          const low = vpns.reduce((a, b) => (a < b ? a : b));
          const high = vpns.reduce((a, b) => (a > b ? a : b));
          const target = targetVpn + (high - low) < PAGES_IN_48_BITS ? targetVpn : PAGES_IN_48_BITS - 1n - (high - low);
          return { ...rest, vpns, delta: (target - low) << 12n };
        });
      fc.assert(
        fc.property(layout, ({ t0sz, vpns, probeVpn, offset, delta }) => {
          const pages = vpns.map((v) => v << 12n);
          const mem = mapPages(t0sz, pages, delta);
          const r = withTcr({ t0sz });
          for (const page of pages) {
            const result = walk(mem, page | offset, { regs: r });
            if (result.kind !== 'ok') return false;
            if (result.ipa !== page + delta + offset) return false;
          }
          const probe = (probeVpn << 12n) | offset;
          const probed = walk(mem, probe, { regs: r });
          const mapped = pages.includes(probeVpn << 12n);
          if (mapped) return probed.kind === 'ok' && probed.ipa === probe + delta;
          return probed.kind === 'fault' && probed.type === 'translation';
        }),
        { numRuns: 200 },
      );
    });
  });
});
