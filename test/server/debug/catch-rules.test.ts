import { expect } from 'chai';
import type { Decision } from '../../../core/el2/decision.js';
import type { Stage2TrapEvent } from '../../../core/el2/events.js';
import {
  CatchRuleSyntaxError,
  describeRule,
  parseStage2CatchRule,
  ruleMatchesDecision,
  ruleMatchesTrap,
} from '../../../server/debug/catch-rules.js';
import { TrapLog } from '../../../server/debug/trap-log.js';

const trap = (over: Partial<Stage2TrapEvent> = {}): Stage2TrapEvent => ({
  kind: 'stage2-trap',
  seq: 1,
  pc: 0x4008_0000n,
  esrEl2: 0x93c0_8007n,
  farEl2: 0x0f00_0010n,
  hpfarEl2: 0xf0000n,
  ipa: 0x0f00_0010n,
  access: { write: false, width: 64, rt: 0 },
  s1ptw: false,
  region: 'filtered-mmio',
  regionOffset: 0x10n,
  instruction: 0xf9400000,
  frame: { x: new BigUint64Array(31), spEl1: 0n, elrEl2: 0n, spsrEl2: 0n, esrEl2: 0n, farEl2: 0n, hpfarEl2: 0n },
  ...over,
});
const decision = (action: 'emulate' | 'inject'): Decision => ({
  action,
  why: action === 'emulate' ? 'handler-value' : 'handler-fault',
  region: 'filtered-mmio',
  offset: 0x10n,
  handler: 'read',
  value: 1n,
  rtValue: 1n,
  outcome: action === 'emulate' ? 'elr+4' : 'inject',
});

describe('debug/catch-rules: monitor stage2 catch filters', () => {
  it('parses every filter and describes the rule back', () => {
    const r = parseStage2CatchRule(3, 'after', [
      'write',
      'decision=inject',
      'ipa=0x0f000000-0x0f000fff',
      'region=filtered-mmio',
    ]);
    expect(r).to.deep.equal({
      id: 3,
      when: 'after',
      access: 'write',
      decision: 'inject',
      ipa: { start: 0x0f00_0000n, end: 0x0f00_0fffn },
      region: 'filtered-mmio',
    });
    expect(describeRule(r)).to.equal('#3 after write decision=inject ipa=0xf000000-0xf000fff region=filtered-mmio');
  });

  it('rejects bad words, bad numbers, reversed ranges, and decision= on a before rule, with the usage line', () => {
    for (const w of [['sideways'], ['ipa=zz'], ['ipa=0x20-0x10'], ['decision=maybe'], ['region=']]) {
      expect(() => parseStage2CatchRule(1, 'after', w)).to.throw(CatchRuleSyntaxError, /usage: monitor stage2 catch/);
    }
    expect(() => parseStage2CatchRule(1, 'before', ['decision=inject'])).to.throw(
      CatchRuleSyntaxError,
      /needs 'after'/,
    );
  });

  it('matches access direction, IPA range (inclusive), region and decision', () => {
    const any = parseStage2CatchRule(1, 'before', []);
    expect(ruleMatchesTrap(any, trap())).to.equal(true);
    expect(ruleMatchesTrap(parseStage2CatchRule(1, 'before', ['write']), trap())).to.equal(false);
    expect(ruleMatchesTrap(parseStage2CatchRule(1, 'before', ['read']), trap())).to.equal(true);
    expect(ruleMatchesTrap(parseStage2CatchRule(1, 'before', ['ipa=0x0f000010']), trap())).to.equal(true);
    expect(ruleMatchesTrap(parseStage2CatchRule(1, 'before', ['ipa=0x0f000011-0x0f000fff']), trap())).to.equal(false);
    expect(ruleMatchesTrap(parseStage2CatchRule(1, 'before', ['region=other']), trap())).to.equal(false);
    expect(
      ruleMatchesTrap(parseStage2CatchRule(1, 'before', ['write']), trap({ access: null, esrEl2: 0x9200_0047n })),
    ).to.equal(true); // ISV=0: WnR decides
    const inj = parseStage2CatchRule(1, 'after', ['decision=inject']);
    expect(ruleMatchesDecision(inj, trap(), decision('inject'))).to.equal(true);
    expect(ruleMatchesDecision(inj, trap(), decision('emulate'))).to.equal(false);
  });
});

describe('debug/trap-log: the ring buffer behind monitor stage2 log', () => {
  it('keeps the newest N traps in order, attaches decisions, and resizes', () => {
    const log = new TrapLog(3);
    for (let i = 1; i <= 5; i++) log.record(trap({ seq: i }));
    log.decide(5, decision('emulate'));
    expect(log.recent(10).map((e) => e.trap.seq)).to.deep.equal([3, 4, 5]);
    expect(log.last()!.decision!.action).to.equal('emulate');
    expect(log.recent(2).map((e) => e.trap.seq)).to.deep.equal([4, 5]);
    log.resize(2);
    expect(log.recent(10).map((e) => e.trap.seq)).to.deep.equal([4, 5]);
    log.record(trap({ seq: 6 }));
    expect(log.recent(10).map((e) => e.trap.seq)).to.deep.equal([5, 6]);
    expect(log.size).to.equal(2);
  });

  it('holds one history: traps renumbered after a rewrite replace the forgotten ones, none shown twice', () => {
    const log = new TrapLog(4);
    for (let i = 1; i <= 6; i++) log.record(trap({ seq: i })); // wraps: 3..6
    // Back to the moment after trap 4, a register written (the recording forgets 5 and 6), on: a new 5.
    log.record(trap({ seq: 5, pc: 0x1234n }));
    expect(log.recent(10).map((e) => e.trap.seq)).to.deep.equal([3, 4, 5]);
    expect(log.last()!.trap.pc).to.equal(0x1234n);
    log.record(trap({ seq: 6 }));
    log.record(trap({ seq: 7 }));
    expect(log.recent(10).map((e) => e.trap.seq)).to.deep.equal([4, 5, 6, 7]);
    log.record(trap({ seq: 1 })); // a reset numbers from 1 again
    expect(log.recent(10).map((e) => e.trap.seq)).to.deep.equal([1]);
  });
});
