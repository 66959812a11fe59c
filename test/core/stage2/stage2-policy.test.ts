// RITM's builder rules (src/stage2.rs) and el2-model.md "Stage 2": every error code and its
// boundary, the order RITM checks in, half-open lookup by binary search, and the frozen result.
import { expect } from 'chai';
import fc from 'fast-check';
import { DEVICE, NORMAL } from '../../../core/stage2/stage2-attributes.js';
import { Stage2PolicyError, type Stage2PolicyProblem } from '../../../core/stage2/stage2-errors.js';
import { Stage2PolicyBuilder } from '../../../core/stage2/stage2-policy.js';
import type { HandlerRegion, MmioAccessHandlers } from '../../../core/stage2/stage2-types.js';

const PAGE = 0x1000n;
const MiB = 1n << 20n;
const GiB = 1n << 30n;
const NO_HANDLERS: MmioAccessHandlers = {};

function expectProblem(action: () => unknown, problem: Stage2PolicyProblem): void {
  let caught: unknown;
  try {
    action();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${problem.code}`).to.be.instanceOf(Stage2PolicyError);
  const error = caught as Stage2PolicyError;
  expect(error).to.be.instanceOf(Error);
  expect(error.name).to.equal('Stage2PolicyError');
  expect(error.code).to.equal(problem.code);
  expect(error.problem).to.deep.equal(problem);
  expect(error.message).to.be.a('string').and.not.equal('');
}

type Declare = (b: Stage2PolicyBuilder, base: bigint, size: bigint) => unknown;
const declarers: [string, Declare][] = [
  ['allowRange', (b, base, size) => b.allowRange(base, size, DEVICE)],
  ['handleRange', (b, base, size) => b.handleRange(base, size, NO_HANDLERS)],
];

describe('Stage2PolicyBuilder', () => {
  for (const [name, declare] of declarers) {
    describe(`${name} range checks`, () => {
      it('rejects a base that is not 4 KiB aligned', () => {
        expectProblem(() => declare(new Stage2PolicyBuilder(), 0x1001n, PAGE), {
          code: 'RangeBaseNotPageAligned',
          base: 0x1001n,
        });
        expectProblem(() => declare(new Stage2PolicyBuilder(), 0x800n, PAGE), {
          code: 'RangeBaseNotPageAligned',
          base: 0x800n,
        });
      });

      it('rejects an empty range', () => {
        expectProblem(() => declare(new Stage2PolicyBuilder(), 0x2000n, 0n), { code: 'EmptyRange', base: 0x2000n });
      });

      it('checks alignment before emptiness, as RITM validate_range does', () => {
        expectProblem(() => declare(new Stage2PolicyBuilder(), 0x10n, 0n), {
          code: 'RangeBaseNotPageAligned',
          base: 0x10n,
        });
      });

      it('rejects a size that is not a multiple of 4 KiB', () => {
        const b = new Stage2PolicyBuilder();
        expectProblem(() => declare(b, 0n, 0x1800n), { code: 'RangeSizeNotPageMultiple', base: 0n, size: 0x1800n });
        expectProblem(() => declare(b, 0n, 1n), { code: 'RangeSizeNotPageMultiple', base: 0n, size: 1n });
      });

      it('rejects an end of exactly 2^64 as overflow', () => {
        const base = (1n << 64n) - PAGE;
        expectProblem(() => declare(new Stage2PolicyBuilder(), base, PAGE), {
          code: 'RangeEndOverflow',
          base,
          size: PAGE,
        });
        expectProblem(() => declare(new Stage2PolicyBuilder(), PAGE, (1n << 64n) - PAGE), {
          code: 'RangeEndOverflow',
          base: PAGE,
          size: (1n << 64n) - PAGE,
        });
      });

      it('rejects an end just below 2^64 as not representable, not as overflow', () => {
        const base = (1n << 64n) - 2n * PAGE;
        expectProblem(() => declare(new Stage2PolicyBuilder(), base, PAGE), {
          code: 'RangeAddressNotRepresentable',
          base,
          size: PAGE,
        });
      });

      it('accepts an end of exactly 2^40 and rejects anything beyond', () => {
        const top = 1n << 40n;
        expect(() => declare(new Stage2PolicyBuilder(), top - PAGE, PAGE)).not.to.throw();
        expect(() => declare(new Stage2PolicyBuilder(), 0n, top)).not.to.throw();
        expectProblem(() => declare(new Stage2PolicyBuilder(), top - PAGE, 2n * PAGE), {
          code: 'RangeAddressNotRepresentable',
          base: top - PAGE,
          size: 2n * PAGE,
        });
        expectProblem(() => declare(new Stage2PolicyBuilder(), top, PAGE), {
          code: 'RangeAddressNotRepresentable',
          base: top,
          size: PAGE,
        });
      });

      it('rejects arguments that are not u64', () => {
        expectProblem(() => declare(new Stage2PolicyBuilder(), -PAGE, PAGE), {
          code: 'ArgumentNotU64',
          argument: 'base',
          value: -PAGE,
        });
        expectProblem(() => declare(new Stage2PolicyBuilder(), 0n, 1n << 64n), {
          code: 'ArgumentNotU64',
          argument: 'size',
          value: 1n << 64n,
        });
      });
    });
  }

  describe('limits', () => {
    it('accepts exactly 32 allowed ranges and rejects the 33rd', () => {
      const b = new Stage2PolicyBuilder();
      for (let i = 0n; i < 32n; i++) b.allowRange(i * 2n * PAGE, PAGE, DEVICE);
      expectProblem(() => b.allowRange(64n * PAGE, PAGE, DEVICE), { code: 'TooManyAllowedRanges', limit: 32 });
      const policy = b.build();
      expect(policy.allowedRanges).to.have.length(32);
    });

    it('accepts exactly 16 handler regions and rejects the 17th', () => {
      const b = new Stage2PolicyBuilder();
      for (let i = 0n; i < 16n; i++) b.handleRange(i * 2n * PAGE, PAGE, NO_HANDLERS);
      expectProblem(() => b.handleRange(32n * PAGE, PAGE, NO_HANDLERS), {
        code: 'TooManyMemoryAccessHandlerRegions',
        limit: 16,
      });
      expect(b.build().regions).to.have.length(16);
    });

    it('counts allowed ranges and handler regions separately', () => {
      const b = new Stage2PolicyBuilder();
      for (let i = 0n; i < 16n; i++) b.handleRange(i * PAGE, PAGE, NO_HANDLERS);
      for (let i = 0n; i < 32n; i++) b.allowRange(GiB + i * PAGE, PAGE, NORMAL);
      const policy = b.build();
      expect([policy.regions.length, policy.allowedRanges.length]).to.deep.equal([16, 32]);
    });

    it('allowRange checks the limit before overlaps (RITM order)', () => {
      const b = new Stage2PolicyBuilder();
      for (let i = 0n; i < 32n; i++) b.allowRange(i * PAGE, PAGE, DEVICE);
      expectProblem(() => b.allowRange(0n, PAGE, DEVICE), { code: 'TooManyAllowedRanges', limit: 32 });
    });

    it('handleRange checks allowed overlap, then the limit, then handler overlap (RITM order)', () => {
      const b = new Stage2PolicyBuilder();
      b.allowRange(GiB, PAGE, DEVICE);
      for (let i = 0n; i < 16n; i++) b.handleRange(i * PAGE, PAGE, NO_HANDLERS);
      expectProblem(() => b.handleRange(GiB, PAGE, NO_HANDLERS), {
        code: 'AllowedRangeOverlapsMemoryAccessHandler',
        requested: { base: GiB, size: PAGE },
        existing: { base: GiB, size: PAGE },
      });
      expectProblem(() => b.handleRange(0n, PAGE, NO_HANDLERS), {
        code: 'TooManyMemoryAccessHandlerRegions',
        limit: 16,
      });
    });

    it('checks shape before the limit', () => {
      const b = new Stage2PolicyBuilder();
      for (let i = 0n; i < 32n; i++) b.allowRange(i * PAGE, PAGE, DEVICE);
      expectProblem(() => b.allowRange(GiB, 0n, DEVICE), { code: 'EmptyRange', base: GiB });
    });

    it('checks overlaps before representability', () => {
      const b = new Stage2PolicyBuilder();
      b.allowRange((1n << 40n) - PAGE, PAGE, DEVICE);
      expectProblem(() => b.allowRange((1n << 40n) - PAGE, 2n * PAGE, DEVICE), {
        code: 'AllowedRangeOverlap',
        requested: { base: (1n << 40n) - PAGE, size: 2n * PAGE },
        existing: { base: (1n << 40n) - PAGE, size: PAGE },
      });
    });
  });

  describe('overlaps', () => {
    const existing = { base: 0x10_0000n, size: 0x4000n };
    // Every way a range can share bytes with [0x100000, 0x104000).
    const overlapping = [
      { base: 0x10_0000n, size: 0x4000n }, // identical
      { base: 0x10_1000n, size: 0x1000n }, // inside
      { base: 0x0f_f000n, size: 0x6000n }, // around
      { base: 0x0f_f000n, size: 0x2000n }, // over the start
      { base: 0x10_3000n, size: 0x2000n }, // over the end
      { base: 0x10_3000n, size: 0x1000n }, // last page
    ];
    const touching = [
      { base: 0x0f_f000n, size: 0x1000n }, // ends at existing.base
      { base: 0x10_4000n, size: 0x1000n }, // starts at existing end
    ];

    it('rejects allowed vs allowed', () => {
      for (const requested of overlapping) {
        const b = new Stage2PolicyBuilder().allowRange(existing.base, existing.size, NORMAL);
        expectProblem(() => b.allowRange(requested.base, requested.size, DEVICE), {
          code: 'AllowedRangeOverlap',
          requested,
          existing,
        });
      }
    });

    it('rejects handler vs handler', () => {
      for (const requested of overlapping) {
        const b = new Stage2PolicyBuilder().handleRange(existing.base, existing.size, NO_HANDLERS);
        expectProblem(() => b.handleRange(requested.base, requested.size, NO_HANDLERS), {
          code: 'MemoryAccessHandlerRangeOverlap',
          requested,
          existing,
        });
      }
    });

    it('rejects a handler over an allowed range and an allowed range over a handler', () => {
      for (const requested of overlapping) {
        const code = 'AllowedRangeOverlapsMemoryAccessHandler';
        const allowedFirst = new Stage2PolicyBuilder().allowRange(existing.base, existing.size, NORMAL);
        expectProblem(() => allowedFirst.handleRange(requested.base, requested.size, NO_HANDLERS), {
          code,
          requested,
          existing,
        });
        const handlerFirst = new Stage2PolicyBuilder().handleRange(existing.base, existing.size, NO_HANDLERS);
        expectProblem(() => handlerFirst.allowRange(requested.base, requested.size, DEVICE), {
          code,
          requested,
          existing,
        });
      }
    });

    it('accepts ranges that only share an endpoint, in every combination', () => {
      for (const t of touching) {
        expect(() =>
          new Stage2PolicyBuilder().allowRange(existing.base, existing.size, NORMAL).allowRange(t.base, t.size, DEVICE),
        ).not.to.throw();
        expect(() =>
          new Stage2PolicyBuilder()
            .handleRange(existing.base, existing.size, NO_HANDLERS)
            .handleRange(t.base, t.size, NO_HANDLERS),
        ).not.to.throw();
        expect(() =>
          new Stage2PolicyBuilder()
            .allowRange(existing.base, existing.size, NORMAL)
            .handleRange(t.base, t.size, NO_HANDLERS),
        ).not.to.throw();
        expect(() =>
          new Stage2PolicyBuilder()
            .handleRange(existing.base, existing.size, NO_HANDLERS)
            .allowRange(t.base, t.size, DEVICE),
        ).not.to.throw();
      }
    });

    it('reports the first declared allowed range that overlaps', () => {
      const b = new Stage2PolicyBuilder().allowRange(0x8000n, PAGE, DEVICE).allowRange(0x2000n, PAGE, DEVICE);
      expectProblem(() => b.allowRange(0n, 0x10000n, DEVICE), {
        code: 'AllowedRangeOverlap',
        requested: { base: 0n, size: 0x10000n },
        existing: { base: 0x8000n, size: PAGE },
      });
    });

    it('leaves the builder unchanged after a rejected call', () => {
      const b = new Stage2PolicyBuilder().allowRange(0n, 2n * PAGE, DEVICE);
      expect(() => b.allowRange(PAGE, 2n * PAGE, DEVICE)).to.throw(Stage2PolicyError);
      expect(() => b.handleRange(PAGE, PAGE, NO_HANDLERS)).to.throw(Stage2PolicyError);
      const policy = b.build();
      expect(policy.allowedRanges.map((r) => [r.base, r.size])).to.deep.equal([[0n, 2n * PAGE]]);
      expect(policy.regions).to.have.length(0);
    });
  });

  describe('build', () => {
    it('refuses any call after build with PolicyAlreadyBuilt', () => {
      const b = new Stage2PolicyBuilder().allowRange(0n, PAGE, DEVICE);
      b.build();
      expectProblem(() => b.allowRange(GiB, PAGE, DEVICE), { code: 'PolicyAlreadyBuilt', operation: 'allowRange' });
      expectProblem(() => b.handleRange(GiB, PAGE, NO_HANDLERS), {
        code: 'PolicyAlreadyBuilt',
        operation: 'handleRange',
      });
      expectProblem(() => b.build(), { code: 'PolicyAlreadyBuilt', operation: 'build' });
    });

    it('reports PolicyAlreadyBuilt before checking the arguments', () => {
      const b = new Stage2PolicyBuilder();
      b.build();
      expectProblem(() => b.allowRange(1n, 0n, DEVICE), { code: 'PolicyAlreadyBuilt', operation: 'allowRange' });
    });

    it('returns frozen, base-sorted views of the ranges and regions', () => {
      const policy = new Stage2PolicyBuilder()
        .allowRange(GiB, 2n * MiB, NORMAL)
        .handleRange(0x3000n, PAGE, NO_HANDLERS, 'b')
        .allowRange(0n, PAGE, DEVICE)
        .handleRange(0x2000n, PAGE, NO_HANDLERS, 'a')
        .build();
      expect(policy.allowedRanges.map((r) => r.base)).to.deep.equal([0n, GiB]);
      expect(policy.allowedRanges[1]).to.deep.include({
        base: GiB,
        size: 2n * MiB,
        end: GiB + 2n * MiB,
        attrs: NORMAL,
      });
      expect(policy.regions.map((r) => r.name)).to.deep.equal(['a', 'b']);
      expect(Object.isFrozen(policy)).to.equal(true);
      expect(Object.isFrozen(policy.allowedRanges)).to.equal(true);
      expect(Object.isFrozen(policy.regions)).to.equal(true);
      expect(Object.isFrozen(policy.regions[0])).to.equal(true);
      expect(Object.isFrozen(policy.allowedRanges[0])).to.equal(true);
      expect(() => (policy.regions as HandlerRegion[]).push(policy.regions[0] as HandlerRegion)).to.throw(TypeError);
    });

    it('builds an empty policy in which everything faults at level 0', () => {
      const policy = new Stage2PolicyBuilder().build();
      expect(policy.translate(0n)).to.deep.equal({ kind: 'fault', level: 0, region: null });
      expect(policy.lookupHandler(0n)).to.equal(null);
    });

    it('exposes DEVICE and NORMAL with RITM descriptor bits', () => {
      expect(DEVICE).to.deep.equal({ kind: 'device', descriptorBits: 0x4c1n });
      expect(NORMAL).to.deep.equal({ kind: 'normal', descriptorBits: 0x7fdn });
      expect(Object.isFrozen(DEVICE) && Object.isFrozen(NORMAL)).to.equal(true);
    });
  });

  describe('handler regions', () => {
    const read = () => ({ kind: 'value' as const, value: 1n });
    const write = () => ({ kind: 'handled' as const });

    it('names a region handler@0x<base> unless given a name', () => {
      const policy = new Stage2PolicyBuilder()
        .handleRange(0x0f00_0000n, PAGE, { read })
        .handleRange(0x2000n, PAGE, { write }, 'uart-filter')
        .build();
      expect(policy.regions.map((r) => r.name)).to.deep.equal(['uart-filter', 'handler@0xf000000']);
    });

    it('keeps exactly the handlers it was given', () => {
      const policy = new Stage2PolicyBuilder()
        .handleRange(0n, PAGE, { read })
        .handleRange(PAGE, PAGE, { write })
        .handleRange(2n * PAGE, PAGE, { read, write })
        .handleRange(3n * PAGE, PAGE, {})
        .build();
      const [r, w, rw, none] = policy.regions as [HandlerRegion, HandlerRegion, HandlerRegion, HandlerRegion];
      expect([r.read, r.write]).to.deep.equal([read, undefined]);
      expect([w.read, w.write]).to.deep.equal([undefined, write]);
      expect([rw.read, rw.write]).to.deep.equal([read, write]);
      expect('read' in none || 'write' in none).to.equal(false);
    });

    it('looks up half-open ranges and returns the offset', () => {
      const policy = new Stage2PolicyBuilder()
        .handleRange(0x1_0000n, 0x3000n, {}, 'r')
        .handleRange(0x1_3000n, PAGE, {}, 's')
        .build();
      const at = (ipa: bigint) => {
        const m = policy.lookupHandler(ipa);
        return m === null ? null : [m.region.name, m.offset];
      };
      expect(at(0x1_0000n)).to.deep.equal(['r', 0n]);
      expect(at(0x1_2fffn)).to.deep.equal(['r', 0x2fffn]);
      expect(at(0x1_3000n)).to.deep.equal(['s', 0n]);
      expect(at(0x1_3fffn)).to.deep.equal(['s', 0xfffn]);
      expect(at(0x1_4000n)).to.equal(null);
      expect(at(0xffffn)).to.equal(null);
      expect(at(0n)).to.equal(null);
      expect(at((1n << 64n) - 1n)).to.equal(null);
    });

    it('finds the same region as a linear scan, for any set of regions declared in any order', () => {
      const regionSet = fc
        .uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 0, maxLength: 16 })
        .chain((slots) =>
          fc.tuple(
            fc.constant(slots),
            fc.array(fc.integer({ min: 1, max: 3 }), { minLength: slots.length, maxLength: slots.length }),
          ),
        );
      fc.assert(
        fc.property(
          regionSet,
          fc.array(fc.bigInt({ min: 0n, max: 260n * 4n * PAGE }), { maxLength: 40 }),
          ([slots, sizes], probes) => {
            // Slot s owns [s * 4 pages, s * 4 pages + size pages), size <= 3: never overlapping.
            const declared = slots.map((s, i) => ({
              base: BigInt(s) * 4n * PAGE,
              size: BigInt(sizes[i] as number) * PAGE,
            }));
            const b = new Stage2PolicyBuilder();
            declared.forEach((r, i) => b.handleRange(r.base, r.size, {}, `r${i}`));
            const policy = b.build();
            const edges = declared.flatMap((r) => [r.base - 1n, r.base, r.base + r.size - 1n, r.base + r.size]);
            for (const ipa of [...probes, ...edges]) {
              const i = declared.findIndex((r) => r.base <= ipa && ipa < r.base + r.size);
              const expected = i < 0 ? null : [`r${i}`, ipa - (declared[i] as { base: bigint }).base];
              const m = policy.lookupHandler(ipa);
              expect(m === null ? null : [m.region.name, m.offset]).to.deep.equal(expected);
            }
          },
        ),
      );
    });
  });

  describe('translate', () => {
    it('maps allowed IPAs to the same PA with the range attributes, and faults elsewhere', () => {
      const policy = new Stage2PolicyBuilder()
        .allowRange(0n, 2n * MiB, DEVICE)
        .handleRange(2n * MiB, PAGE, {}, 'mmio')
        .allowRange(2n * MiB + 2n * PAGE, PAGE, DEVICE) // gives [2 MiB, 4 MiB) a level-3 table
        .allowRange(GiB, GiB, NORMAL)
        .build();
      const device = policy.translate(0x1234n);
      expect(device).to.deep.include({ kind: 'mapped', pa: 0x1234n, attrs: DEVICE, level: 2 });
      expect(device.kind === 'mapped' && device.range).to.equal(policy.allowedRanges[0]);
      expect(policy.translate(GiB + 0x5678n)).to.deep.include({
        kind: 'mapped',
        pa: GiB + 0x5678n,
        attrs: NORMAL,
        level: 1,
      });
      expect(policy.translate(2n * GiB - 1n)).to.deep.include({ kind: 'mapped', pa: 2n * GiB - 1n });
      expect(policy.translate(2n * MiB + 2n * PAGE)).to.deep.include({ kind: 'mapped', level: 3, attrs: DEVICE });
      expect(policy.translate(2n * MiB + 8n)).to.deep.equal({ kind: 'fault', level: 3, region: policy.regions[0] });
      expect(policy.translate(2n * MiB + PAGE)).to.deep.equal({ kind: 'fault', level: 3, region: null });
      expect(policy.translate(4n * MiB)).to.deep.equal({ kind: 'fault', level: 2, region: null });
      expect(policy.translate(2n * GiB)).to.deep.equal({ kind: 'fault', level: 1, region: null });
      expect(policy.translate(1n << 39n)).to.deep.equal({ kind: 'fault', level: 0, region: null });
    });
  });
});
