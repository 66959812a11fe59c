import { expect } from 'chai';
import fc from 'fast-check';
import { encodeThreadId, parseThreadId, type ThreadId, type ThreadSelector } from '../../protocol/thread-id.js';

describe('protocol/thread-id', () => {
  const cases: [string, ThreadId | undefined][] = [
    ['-1', { tid: 'all' }],
    ['0', { tid: 'any' }],
    ['1f', { tid: 0x1f }],
    ['p1', { pid: 1, tid: 'all' }],
    ['p0.0', { pid: 'any', tid: 'any' }],
    ['p-1.-1', { pid: 'all', tid: 'all' }],
    ['p01.01', { pid: 1, tid: 1 }],
    ['', undefined],
    ['p', undefined],
    ['p1.', undefined],
    ['-2', undefined],
    ['x', undefined],
    ['1g', undefined],
    ['p1.2z', undefined],
    ['100000000', undefined],
    ['80000000', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => expect(parseThreadId(text)).to.deep.equal(expected));
  }

  it('encodes the way QEMU does and parses back what it encodes', () => {
    expect(encodeThreadId({ pid: 1, tid: 1 })).to.equal('p01.01');
    const selector: fc.Arbitrary<ThreadSelector> = fc.oneof(
      fc.constantFrom<ThreadSelector>('all', 'any'),
      fc.integer({ min: 1, max: 0x7fffffff }),
    );
    fc.assert(
      fc.property(fc.option(selector, { nil: undefined }), selector, (pid, tid) => {
        const thread: ThreadId = pid === undefined ? { tid } : { pid, tid };
        expect(parseThreadId(encodeThreadId(thread))).to.deep.equal(thread);
      }),
    );
  });
});
