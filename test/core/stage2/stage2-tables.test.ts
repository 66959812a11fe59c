// The stage-2 tables model against what aarch64-paging's IdMap::map_range builds (largest
// blocks the alignment allows, no level-0 blocks, tables only where a range needs them) and
// the VTCR_EL2 RITM programs. Field positions are ARM DDI 0487 D24.2 VTCR_EL2, spelled out.
import { expect } from 'chai';
import fc from 'fast-check';
import { Stage2PolicyError } from '../../../core/stage2/stage2-errors.js';
import { buildStage2Tables, stage2EntrySize } from '../../../core/stage2/stage2-tables.js';
import type { IpaRange, Stage2Level } from '../../../core/stage2/stage2-types.js';
import {
  RITM_VTCR_EL2,
  STAGE2_IPA_BITS,
  STAGE2_IPA_LIMIT,
  vtcrInputAddressBits,
  vtcrStartLevel,
} from '../../../core/stage2/stage2-vtcr.js';

const KiB4 = 1n << 12n;
const MiB2 = 1n << 21n;
const GiB = 1n << 30n;
const GiB512 = 1n << 39n;
const SIZE: Record<Stage2Level, bigint> = { 0: GiB512, 1: GiB, 2: MiB2, 3: KiB4 };

const leafSummary = (ranges: IpaRange[]) =>
  buildStage2Tables(ranges)
    .leaves()
    .map((l) => [l.level, l.base]);

describe('stage-2 VTCR_EL2', () => {
  it('is RITM value: T0SZ 24, SL0 0b10, IRGN0/ORGN0 0b01, SH0 0b11, TG0 0b00, PS 0b010', () => {
    const expected =
      (24n << 0n) | (0b10n << 6n) | (0b01n << 8n) | (0b01n << 10n) | (0b11n << 12n) | (0b00n << 14n) | (0b010n << 16n);
    expect(RITM_VTCR_EL2).to.equal(expected);
    expect(RITM_VTCR_EL2).to.equal(0x23598n);
  });

  it('selects a 40-bit IPA and a level-0 start', () => {
    expect(vtcrInputAddressBits(RITM_VTCR_EL2)).to.equal(40);
    expect(STAGE2_IPA_BITS).to.equal(40);
    expect(STAGE2_IPA_LIMIT).to.equal(1n << 40n);
    expect(vtcrStartLevel(RITM_VTCR_EL2)).to.equal(0);
    expect([0b00n, 0b01n, 0b11n].map((sl0) => vtcrStartLevel(sl0 << 6n))).to.deep.equal([2, 1, null]);
  });
});

describe('buildStage2Tables', () => {
  it('gives entry sizes of 512 GiB, 1 GiB, 2 MiB and 4 KiB', () => {
    expect([0, 1, 2, 3].map((l) => stage2EntrySize(l as Stage2Level))).to.deep.equal([GiB512, GiB, MiB2, KiB4]);
  });

  it('faults at level 0 everywhere when nothing is mapped, with only the root table', () => {
    const tables = buildStage2Tables([]);
    expect(tables.walk(0n)).to.deep.equal({ kind: 'fault', level: 0 });
    expect(tables.walk(GiB512)).to.deep.equal({ kind: 'fault', level: 0 });
    expect(tables.tableCount).to.equal(1);
  });

  it('maps a 1 GiB-aligned 1 GiB range as one level-1 block', () => {
    const range = { base: GiB, size: GiB };
    const tables = buildStage2Tables([range]);
    expect(tables.leaves()).to.deep.equal([{ level: 1, base: GiB, size: GiB, range }]);
    expect(tables.walk(GiB + 0x1234n)).to.deep.equal({
      kind: 'mapped',
      level: 1,
      blockBase: GiB,
      blockSize: GiB,
      range,
    });
    expect(tables.walk(2n * GiB - 1n)).to.deep.include({ kind: 'mapped', level: 1 });
    expect(tables.walk(GiB - 1n)).to.deep.equal({ kind: 'fault', level: 1 });
    expect(tables.walk(2n * GiB)).to.deep.equal({ kind: 'fault', level: 1 });
    expect(tables.walk(GiB512)).to.deep.equal({ kind: 'fault', level: 0 });
    expect(tables.tableCount).to.equal(2);
  });

  it('uses level-2 blocks from a 2 MiB-aligned base and level-3 pages for the rest', () => {
    const base = GiB + MiB2;
    const tables = buildStage2Tables([{ base, size: 3n * MiB2 + 3n * KiB4 }]);
    expect(tables.leaves().map((l) => [l.level, l.base])).to.deep.equal([
      [2, base],
      [2, base + MiB2],
      [2, base + 2n * MiB2],
      [3, base + 3n * MiB2],
      [3, base + 3n * MiB2 + KiB4],
      [3, base + 3n * MiB2 + 2n * KiB4],
    ]);
    expect(tables.walk(base + 3n * MiB2 + 3n * KiB4)).to.deep.equal({ kind: 'fault', level: 3 });
    expect(tables.walk(base + 4n * MiB2)).to.deep.equal({ kind: 'fault', level: 2 });
    expect(tables.walk(GiB)).to.deep.equal({ kind: 'fault', level: 2 });
    expect(tables.walk(0n)).to.deep.equal({ kind: 'fault', level: 1 });
    expect(tables.tableCount).to.equal(4); // root, one level 1, one level 2, one level 3
  });

  it('uses pages up to the first 2 MiB boundary, then blocks', () => {
    const leaves = buildStage2Tables([{ base: KiB4, size: 2n * MiB2 - KiB4 }]).leaves();
    expect(leaves).to.have.length(511 + 1);
    expect(leaves.slice(0, 511).every((l, i) => l.level === 3 && l.base === BigInt(i + 1) * KiB4)).to.equal(true);
    expect(leaves[511]).to.deep.include({ level: 2, base: MiB2, size: MiB2 });
  });

  it('uses the largest block at each level across a 1 GiB boundary', () => {
    const base = GiB - MiB2;
    expect(leafSummary([{ base, size: 2n * MiB2 + GiB }])).to.deep.equal([
      [2, GiB - MiB2],
      [1, GiB],
      [2, 2n * GiB],
    ]);
  });

  it('never puts a block at level 0: 512 GiB at 0 is 512 level-1 blocks', () => {
    const tables = buildStage2Tables([{ base: 0n, size: GiB512 }]);
    const leaves = tables.leaves();
    expect(leaves).to.have.length(512);
    expect(leaves.every((l) => l.level === 1)).to.equal(true);
    expect(tables.walk(GiB512)).to.deep.equal({ kind: 'fault', level: 0 });
    expect(tables.walk(GiB512 - 1n)).to.deep.include({ kind: 'mapped', level: 1 });
  });

  it('does not merge adjacent ranges into a larger block, as map_range maps each separately', () => {
    expect(
      leafSummary([
        { base: 0n, size: GiB / 2n },
        { base: GiB / 2n, size: GiB / 2n },
      ]),
    ).to.have.length(512);
  });

  it('faults at level 0 beyond the 40-bit IPA space', () => {
    const tables = buildStage2Tables([{ base: STAGE2_IPA_LIMIT - KiB4, size: KiB4 }]);
    expect(tables.walk(STAGE2_IPA_LIMIT - 1n)).to.deep.include({ kind: 'mapped', level: 3 });
    expect(tables.walk(STAGE2_IPA_LIMIT)).to.deep.equal({ kind: 'fault', level: 0 });
    expect(tables.walk((1n << 64n) - 1n)).to.deep.equal({ kind: 'fault', level: 0 });
  });

  it('rejects ranges the builder would reject', () => {
    const code = (ranges: IpaRange[]) => {
      try {
        buildStage2Tables(ranges);
        return null;
      } catch (e) {
        return e instanceof Stage2PolicyError ? e.code : e;
      }
    };
    expect(
      code([
        { base: 0n, size: 2n * KiB4 },
        { base: KiB4, size: KiB4 },
      ]),
    ).to.equal('AllowedRangeOverlap');
    expect(code([{ base: STAGE2_IPA_LIMIT, size: KiB4 }])).to.equal('RangeAddressNotRepresentable');
    expect(code([{ base: 1n, size: KiB4 }])).to.equal('RangeBaseNotPageAligned');
  });

  describe('against the definition of a largest-block identity map', () => {
    // An independent statement of what the walk meets at each level: a block where one range
    // covers the whole entry (levels 1-2), a page at level 3 where a range holds the IPA, a
    // table where some range touches the entry, an invalid entry where none does.
    function expectedWalk(ranges: readonly IpaRange[], ipa: bigint): { kind: 'mapped' | 'fault'; level: Stage2Level } {
      if (ipa >= 1n << 40n) return { kind: 'fault', level: 0 };
      for (const level of [0, 1, 2, 3] as const) {
        const lo = ipa - (ipa % SIZE[level]);
        const hi = lo + SIZE[level];
        const covers = (r: IpaRange) => r.base <= lo && hi <= r.base + r.size;
        const touches = (r: IpaRange) => r.base < hi && lo < r.base + r.size;
        if (level > 0 && ranges.some(covers)) return { kind: 'mapped', level };
        if (!ranges.some(touches)) return { kind: 'fault', level };
      }
      throw new Error('unreachable: a level-3 entry is either covered or untouched');
    }

    // Ranges laid out left to right with gaps and sizes mixing 1 GiB, 2 MiB and 4 KiB units, so
    // their ends fall on every kind of alignment; declared in a shuffled order.
    const unitMix = fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
      .map(([g, m, k]) => BigInt(g) * GiB + BigInt(m) * MiB2 + BigInt(k) * KiB4);
    const rangeSet = fc
      .record({
        start: fc.constantFrom(0n, GiB512 - GiB, 700n * GiB),
        parts: fc.array(
          fc.tuple(
            unitMix,
            unitMix.filter((s) => s > 0n),
          ),
          { maxLength: 8 },
        ),
      })
      .map(({ start, parts }) => {
        const ranges: IpaRange[] = [];
        let cursor = start;
        for (const [gap, size] of parts) {
          const base = cursor + gap;
          if (base + size > 1n << 40n) break;
          ranges.push({ base, size });
          cursor = base + size;
        }
        return ranges;
      })
      .chain((ranges) => fc.shuffledSubarray(ranges, { minLength: ranges.length, maxLength: ranges.length }));

    function probesFor(ranges: readonly IpaRange[]): bigint[] {
      return ranges.flatMap((r) =>
        [r.base, r.base + r.size].flatMap((edge) =>
          [KiB4, MiB2, GiB].flatMap((unit) => {
            const down = edge - (edge % unit);
            return [edge - 1n, edge, down - 1n, down + unit, down + unit - 1n];
          }),
        ),
      );
    }

    it('walks exactly as the definition says, for random layouts', () => {
      fc.assert(
        fc.property(
          rangeSet,
          fc.array(fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }), { maxLength: 20 }),
          (ranges, random) => {
            const tables = buildStage2Tables(ranges);
            for (const ipa of [...probesFor(ranges), ...random].filter((x) => x >= 0n)) {
              const walk = tables.walk(ipa);
              expect({ kind: walk.kind, level: walk.level }, `ipa 0x${ipa.toString(16)}`).to.deep.equal(
                expectedWalk(ranges, ipa),
              );
            }
          },
        ),
        { numRuns: 100 },
      );
    });

    it('maps every IPA inside a range to its own block of that range, and faults outside all ranges', () => {
      fc.assert(
        fc.property(rangeSet, (ranges) => {
          const tables = buildStage2Tables(ranges);
          for (const ipa of probesFor(ranges).filter((x) => x >= 0n)) {
            const owner = ranges.find((r) => r.base <= ipa && ipa < r.base + r.size);
            const walk = tables.walk(ipa);
            if (owner === undefined) {
              expect(walk.kind).to.equal('fault');
              continue;
            }
            if (walk.kind !== 'mapped') return expect.fail(`0x${ipa.toString(16)} inside a range faulted`);
            expect(walk.range).to.equal(owner);
            expect(walk.blockBase % walk.blockSize).to.equal(0n);
            expect(walk.blockBase <= ipa && ipa < walk.blockBase + walk.blockSize).to.equal(true);
            expect(owner.base <= walk.blockBase && walk.blockBase + walk.blockSize <= owner.base + owner.size).to.equal(
              true,
            );
          }
        }),
        { numRuns: 100 },
      );
    });

    it('faults no deeper than needed: the faulting entry is untouched, its parent entry is touched', () => {
      fc.assert(
        fc.property(rangeSet, (ranges) => {
          const tables = buildStage2Tables(ranges);
          const touched = (ipa: bigint, level: Stage2Level) => {
            const lo = ipa - (ipa % SIZE[level]);
            return ranges.some((r) => r.base < lo + SIZE[level] && lo < r.base + r.size);
          };
          for (const ipa of probesFor(ranges).filter((x) => x >= 0n && x < 1n << 40n)) {
            const walk = tables.walk(ipa);
            if (walk.kind !== 'fault') continue;
            expect(touched(ipa, walk.level)).to.equal(false);
            if (walk.level > 0) expect(touched(ipa, (walk.level - 1) as Stage2Level)).to.equal(true);
          }
        }),
        { numRuns: 100 },
      );
    });

    it('covers each range exactly with the largest aligned blocks, in any declaration order', () => {
      const key = (leaves: readonly { level: number; base: bigint }[]) =>
        leaves.map((l) => `${l.level}:${l.base}`).join(' ');
      fc.assert(
        fc.property(rangeSet, (ranges) => {
          const leaves = buildStage2Tables(ranges).leaves();
          const sorted = [...ranges].sort((a, b) => (a.base < b.base ? -1 : 1));
          expect(key(buildStage2Tables(sorted).leaves())).to.equal(key(leaves));
          const covered = new Map<IpaRange, bigint>();
          const problems: string[] = [];
          leaves.forEach((l, i) => {
            const r = l.range;
            covered.set(r, (covered.get(r) ?? 0n) + l.size);
            if (l.base % l.size !== 0n) problems.push(`leaf ${l.base} not aligned`);
            if (l.base < r.base || l.base + l.size > r.base + r.size) problems.push(`leaf ${l.base} outside its range`);
            const previous = leaves[i - 1];
            if (previous !== undefined && previous.base + previous.size > l.base)
              problems.push(`leaf ${l.base} out of order`);
            // Largest: the entry one level up could not have been a block of this range.
            if (l.level > 1) {
              const parentSize = SIZE[(l.level - 1) as Stage2Level];
              const parentBase = l.base - (l.base % parentSize);
              if (r.base <= parentBase && parentBase + parentSize <= r.base + r.size)
                problems.push(`leaf ${l.base} too small`);
            }
          });
          expect(problems).to.deep.equal([]);
          expect(ranges.map((r) => covered.get(r) ?? 0n)).to.deep.equal(ranges.map((r) => r.size));
        }),
        { numRuns: 100 },
      );
    });
  });
});
