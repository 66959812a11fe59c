// What a decision records when a handler misbehaves, and the edges of the SAS/SSE/SF extension: the values are worked
// by hand from the Arm ARM's rules (ISS.SSE sign-extends a narrower load, ISS.SF = 0 keeps 32 bits) and from the
// messages el2-model.md documents, never read back from the implementation.
import { expect } from 'chai';
import {
  decideDataAbort,
  HandlerFailedError,
  HandlerTimeoutError,
  type AbortSyndrome,
  type DecisionOverride,
} from '../../../core/el2/decision.js';
import { extendReadValue } from '../../../core/el2/mmio-value.js';
import type { MmioAccessHandlers } from '../../../core/stage2/stage2-types.js';
import { BASE, frame, policyWith, syn } from './decision-fixtures.js';

const READ_EXPECTED = "{ kind: 'value', value: bigint } or { kind: 'fault' }";
const WRITE_EXPECTED = "{ kind: 'handled' } or { kind: 'fault' }";
const read = (h: MmioAccessHandlers, s: Partial<AbortSyndrome> = {}) =>
  decideDataAbort(policyWith(h), { ipa: BASE, syn: syn(s), frame: frame({ 0: 0x55n }) });
const write = (h: MmioAccessHandlers) =>
  decideDataAbort(policyWith(h), { ipa: BASE, syn: syn({ write: true, width: 8 }), frame: frame({ 0: 0x1a5n }) });

describe('core/el2 decision: handler errors and extension edges', () => {
  describe('extension without SSE zero-extends (ISS.SSE = 0)', () => {
    it('U8 SF=1: 0x80 -> 0x80, not sign-extended', () =>
      expect(extendReadValue(0x80n, 8, false, true)).to.equal(0x80n));
    it('U32 SF=1: 0x80000000 -> 0x80000000', () =>
      expect(extendReadValue(0x8000_0000n, 32, false, true)).to.equal(0x8000_0000n));
    it('U64 SSE SF=1: 0x8000000000000000 stays as it is', () =>
      expect(extendReadValue(0x8000_0000_0000_0000n, 64, true, true)).to.equal(0x8000_0000_0000_0000n));
  });

  it('uses the handler match the caller passes, even null, instead of looking the IPA up again', () => {
    let called = false;
    const p = policyWith({ read: () => ((called = true), { kind: 'value', value: 1n }) });
    const d = decideDataAbort(p, { ipa: BASE, syn: syn({}), frame: frame() }, { known: null });
    expect(d).to.include({ action: 'inject', why: 'no-region', region: null });
    expect(called).to.equal(false);
  });

  it('records a read value wider than the access as cut to the width, and nothing for one that fits', () => {
    const wide = read({ read: () => ({ kind: 'value', value: 0x1ffn }) }, { width: 8 });
    expect(wide).to.include({ why: 'handler-value', value: 0xffn, rtValue: 0xffn });
    expect(wide.error).to.equal('value wider than 8 bits cut to the access');
    const fits = read({ read: () => ({ kind: 'value', value: 0xffn }) }, { width: 8 });
    expect(fits).to.include({ why: 'handler-value', value: 0xffn });
    expect(fits).to.not.have.property('error');
  });

  it('reports a read handler returning undefined or null as invalid, naming what it returned', () => {
    for (const [result, text] of [
      [undefined, 'undefined'],
      [null, 'null'],
    ] as const) {
      const d = read({ read: () => result as never });
      expect(d).to.include({ action: 'inject', why: 'handler-invalid', handler: 'read' });
      expect(d.error).to.equal(`read handler returned ${text}; expected ${READ_EXPECTED}`);
    }
  });

  it('spells a bigint inside an invalid result with an n suffix', () => {
    const d = read({ read: () => ({ kind: 'values', value: 5n }) as never });
    expect(d.error).to.equal(`read handler returned {"kind":"values","value":"5n"}; expected ${READ_EXPECTED}`);
    const n = read({ read: () => ({ kind: 'value', value: 5 }) as never });
    expect(n.error).to.equal(`read handler returned {"kind":"value","value":5}; expected ${READ_EXPECTED}`);
  });

  it('reports a write handler returning undefined or null as invalid, with the value it was given', () => {
    for (const [result, text] of [
      [undefined, 'undefined'],
      [null, 'null'],
    ] as const) {
      const d = write({ write: () => result as never });
      expect(d).to.include({ action: 'inject', why: 'handler-invalid', handler: 'write', value: 0xa5n });
      expect(d.error).to.equal(`write handler returned ${text}; expected ${WRITE_EXPECTED}`);
    }
  });

  it('classifies a handler hosted elsewhere that timed out, threw or returned garbage', () => {
    const throwing = (e: Error): MmioAccessHandlers => ({
      read: () => {
        throw e;
      },
    });
    expect(read(throwing(new HandlerTimeoutError(50)))).to.include({
      why: 'handler-timeout',
      error: 'the handler did not return within 50 ms and was abandoned',
    });
    expect(read(throwing(new HandlerFailedError('RangeError: boom', 'threw')))).to.include({
      why: 'handler-threw',
      error: 'RangeError: boom',
    });
    expect(read(throwing(new HandlerFailedError('returned 7', 'invalid')))).to.include({
      why: 'handler-invalid',
      error: 'returned 7',
    });
  });

  it('names its error classes', () => {
    expect(new HandlerTimeoutError(1).name).to.equal('HandlerTimeoutError');
    expect(new HandlerFailedError('x', 'threw').name).to.equal('HandlerFailedError');
  });

  it('rejects an override it does not know', () => {
    const p = policyWith({});
    const bogus = { kind: 'bogus' } as unknown as DecisionOverride;
    expect(() => decideDataAbort(p, { ipa: BASE, syn: syn({}), frame: frame() }, { override: bogus })).to.throw(
      'unknown override {"kind":"bogus"}',
    );
  });
});
