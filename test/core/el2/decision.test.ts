import { expect } from 'chai';
import { abortSyndrome, decideDataAbort } from '../../../core/el2/decision.js';
import { extendReadValue } from '../../../core/el2/mmio-value.js';
import { BASE, frame, policyWith, syn } from './decision-fixtures.js';

describe('core/el2 decision: RITM dispatch of a stage-2 data abort', () => {
  describe('extension of a read value (el2-model.md vectors)', () => {
    it('U8 SSE SF=1: 0x80 -> 0xFFFFFFFFFFFFFF80', () =>
      expect(extendReadValue(0x80n, 8, true, true)).to.equal(0xffff_ffff_ffff_ff80n));
    it('U8 SSE SF=0: 0x80 -> 0xFFFFFF80', () => expect(extendReadValue(0x80n, 8, true, false)).to.equal(0xffff_ff80n));
    it('U32 SF=0: 0x1FFFFFFFF -> 0xFFFFFFFF', () =>
      expect(extendReadValue(0x1_ffff_ffffn, 32, false, false)).to.equal(0xffff_ffffn));
    it('U16: v & 0xFFFF', () => expect(extendReadValue(0x12345n, 16, false, true)).to.equal(0x2345n));
    it('U64: v', () =>
      expect(extendReadValue(0xdead_beef_cafe_f00dn, 64, false, true)).to.equal(0xdead_beef_cafe_f00dn));
    it('U16 SSE SF=1 of a positive value stays positive', () =>
      expect(extendReadValue(0x7fffn, 16, true, true)).to.equal(0x7fffn));
  });

  it('reads the syndrome fields from ESR_EL2 (0x93D38007: ldr x19 -> ISV, 64-bit, Rt 19, SF)', () => {
    expect(abortSyndrome(0x93d3_8007n)).to.deep.equal({
      isv: true,
      width: 64,
      sse: false,
      srt: 19,
      sf: true,
      write: false,
    });
    expect(abortSyndrome(0x93dc_8047n)).to.deep.include({ srt: 28, write: true });
  });

  it('keeps one syndrome object per ESR, and at most 4096 of them (the cache starts over when full)', () => {
    // The trap path decodes each ESR once: the same object comes back for the same ESR. Fresh ESRs (ISS2 bits set,
    // so no other test uses them) fill the cache: the 4096th entry still fits, the next insertion starts it over.
    const sentinel = 0x7_0000_0000n | 0x93d3_8007n;
    let fresh = 0x8_0000_0000n;
    const first = abortSyndrome(sentinel);
    expect(abortSyndrome(sentinel)).to.equal(first);
    let before = first;
    let inserted = 0;
    while (abortSyndrome(sentinel) === before && inserted++ < 10_000) abortSyndrome(fresh++);
    expect(inserted, 'a full cache starts over').to.be.below(10_000);
    // Just started over: the fresh ESR that did it and the sentinel, 2 entries. 4094 more fill it exactly.
    before = abortSyndrome(sentinel);
    for (let i = 0; i < 4094; i++) abortSyndrome(fresh++);
    expect(abortSyndrome(sentinel), 'still cached at 4096 entries').to.equal(before);
    abortSyndrome(fresh);
    const after = abortSyndrome(sentinel);
    expect(after, 'started over at the 4097th').to.not.equal(before);
    expect(after).to.deep.equal(before);
  });

  it('injects without calling anything when ISV = 0', () => {
    let called = false;
    const p = policyWith({ read: () => ((called = true), { kind: 'value', value: 1n }) });
    const d = decideDataAbort(p, { ipa: BASE, syn: syn({ isv: false }), frame: frame() });
    expect(d).to.include({ action: 'inject', why: 'isv-0', outcome: 'inject' });
    expect(called).to.equal(false);
  });

  it('injects when no region covers the IPA, or the region lacks the handler for the direction', () => {
    const p = policyWith({ read: () => ({ kind: 'value', value: 1n }) });
    expect(decideDataAbort(p, { ipa: 0x4700_0000n, syn: syn({}), frame: frame() })).to.include({
      why: 'no-region',
      action: 'inject',
    });
    expect(decideDataAbort(p, { ipa: BASE, syn: syn({ write: true }), frame: frame() })).to.include({
      why: 'no-write-handler',
      region: 'dev',
    });
    const w = policyWith({ write: () => ({ kind: 'handled' }) });
    expect(decideDataAbort(w, { ipa: BASE, syn: syn({}), frame: frame() })).to.include({ why: 'no-read-handler' });
  });

  it('calls the read handler once with IPA, offset and width, and extends Value into Rt', () => {
    const calls: unknown[] = [];
    const p = policyWith({ read: (a) => (calls.push(a), { kind: 'value', value: 0x80n }) });
    const d = decideDataAbort(p, {
      ipa: BASE + 0x18n,
      syn: syn({ width: 8, sse: true, sf: false, srt: 3 }),
      frame: frame(),
    });
    expect(calls).to.deep.equal([{ ipa: BASE + 0x18n, offset: 0x18n, width: 8 }]);
    expect(d).to.include({
      action: 'emulate',
      why: 'handler-value',
      handler: 'read',
      value: 0x80n,
      rtValue: 0xffff_ff80n,
      outcome: 'elr+4',
    });
  });

  it('passes Xt masked to the width to the write handler, XZR as 0', () => {
    const seen: bigint[] = [];
    const p = policyWith({ write: (a) => (seen.push(a.value), { kind: 'handled' }) });
    decideDataAbort(p, { ipa: BASE, syn: syn({ write: true, width: 16, srt: 5 }), frame: frame({ 5: 0x1234_5678n }) });
    decideDataAbort(p, { ipa: BASE, syn: syn({ write: true, width: 64, srt: 31 }), frame: frame({ 5: 7n }) });
    expect(seen).to.deep.equal([0x5678n, 0n]);
  });

  it('injects on Fault from either handler', () => {
    const p = policyWith({ read: () => ({ kind: 'fault' }), write: () => ({ kind: 'fault' }) });
    expect(decideDataAbort(p, { ipa: BASE, syn: syn({}), frame: frame() })).to.include({
      why: 'handler-fault',
      handler: 'read',
      action: 'inject',
    });
    expect(decideDataAbort(p, { ipa: BASE, syn: syn({ write: true }), frame: frame() })).to.include({
      why: 'handler-fault',
      handler: 'write',
    });
  });

  it('treats a throwing handler as Fault and records the error', () => {
    const p = policyWith({
      read: () => {
        throw new TypeError('oops');
      },
    });
    const d = decideDataAbort(p, { ipa: BASE, syn: syn({}), frame: frame() });
    expect(d).to.include({ action: 'inject', why: 'handler-threw', error: 'TypeError: oops' });
  });

  it('treats a result outside the handler type as Fault (a write handler cannot return data)', () => {
    const p = policyWith({
      read: () => ({ kind: 'value', value: 5 }) as never,
      write: () => ({ kind: 'value', value: 1n }) as never,
    });
    expect(decideDataAbort(p, { ipa: BASE, syn: syn({}), frame: frame() })).to.include({ why: 'handler-invalid' });
    const w = decideDataAbort(p, { ipa: BASE, syn: syn({ write: true }), frame: frame() });
    expect(w).to.include({ why: 'handler-invalid', action: 'inject' });
    expect(w.error).to.match(/write handler returned/);
  });

  it('applies a debugger override instead of the handler', () => {
    let called = false;
    const p = policyWith({ read: () => ((called = true), { kind: 'value', value: 1n }) });
    expect(
      decideDataAbort(
        p,
        { ipa: BASE, syn: syn({ width: 32, sf: false }), frame: frame() },
        { override: { kind: 'value', value: 0x1_0000_0002n } },
      ),
    ).to.include({ why: 'override', rtValue: 2n });
    expect(decideDataAbort(p, { ipa: BASE, syn: syn({}), frame: frame() }, { override: { kind: 'fault' } })).to.include(
      {
        why: 'override',
        action: 'inject',
      },
    );
    expect(called).to.equal(false);
  });
});
