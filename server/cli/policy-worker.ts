// Runs in a worker thread: imports a policy module, builds its policy and answers the machine's handler calls
// through the shared wire (policy-wire.ts). A handler that never returns stops only this thread; the machine's
// thread stops waiting at its budget and starts a new worker.
import { workerData } from 'node:worker_threads';
import type { MmioAccessWidth, HandlerRegion } from '../../core/stage2/stage2-types.js';
import { buildWithPolicyFunction, importPolicyFunction, policyContext } from './policy-module.js';
import { BIG, OP, RESULT, SLOT, STATE, wireViews, writeText, type PolicyLayout } from './policy-wire.js';

const { shared, spec, ramSize } = workerData as { shared: SharedArrayBuffer; spec: string; ramSize: bigint };
const wire = wireViews(shared);
const { ints, bigs } = wire;
let regions: readonly HandlerRegion[] = [];
let instance = 0;

function reply(result: number): void {
  Atomics.store(ints, SLOT.RESULT, result);
  Atomics.store(ints, SLOT.STATE, STATE.REPLY);
  Atomics.notify(ints, SLOT.STATE);
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

async function instantiate(): Promise<void> {
  try {
    const declare = await importPolicyFunction(spec, instance++);
    const policy = await buildWithPolicyFunction(spec, declare, policyContext(ramSize));
    regions = policy.regions;
    const layout: PolicyLayout = {
      allowed: policy.allowedRanges.map((r) => ({
        base: String(r.base),
        size: String(r.size),
        kind: r.attrs.kind,
        descriptorBits: String(r.attrs.descriptorBits),
      })),
      regions: policy.regions.map((r) => ({
        name: r.name,
        base: String(r.base),
        size: String(r.size),
        read: r.read !== undefined,
        write: r.write !== undefined,
      })),
    };
    writeText(wire, JSON.stringify(layout));
    reply(RESULT.BUILT);
  } catch (e) {
    writeText(wire, (e as Error).message);
    reply(RESULT.BUILD_FAILED);
  }
}

/** One handler call, classified exactly as the machine's decision does (core/el2/decision.ts). */
function call(op: number): void {
  const region = regions[Atomics.load(ints, SLOT.REGION)]!;
  const width = Atomics.load(ints, SLOT.WIDTH) as MmioAccessWidth;
  const ipa = BigInt.asUintN(64, bigs[BIG.IPA]!);
  const offset = BigInt.asUintN(64, bigs[BIG.OFFSET]!);
  try {
    if (op === OP.READ) {
      const result = region.read!({ ipa, offset, width });
      if (result?.kind === 'value' && typeof result.value === 'bigint') {
        bigs[BIG.VALUE_OUT] = BigInt.asIntN(64, BigInt.asUintN(width, result.value));
        // A value wider than the access is cut here; the machine is told so it can say it once.
        writeText(wire, BigInt.asUintN(width, result.value) === result.value ? '' : 'wide');
        return reply(RESULT.VALUE);
      }
      if (result?.kind === 'fault') return reply(RESULT.FAULT);
      const expected = "{ kind: 'value', value: bigint } or { kind: 'fault' }";
      writeText(wire, `read handler returned ${describe(result)}; expected ${expected}`);
      return reply(RESULT.INVALID);
    }
    const value = BigInt.asUintN(64, bigs[BIG.VALUE_IN]!);
    const result = region.write!({ ipa, offset, width, value });
    if (result?.kind === 'handled') return reply(RESULT.HANDLED);
    if (result?.kind === 'fault') return reply(RESULT.FAULT);
    const expected = "{ kind: 'handled' } or { kind: 'fault' }";
    writeText(wire, `write handler returned ${describe(result)}; expected ${expected}`);
    return reply(RESULT.INVALID);
  } catch (e) {
    writeText(wire, errorText(e));
    return reply(RESULT.THREW);
  }
}

/** Waits for a request, spinning briefly first: a trap-heavy guest sends the next one within microseconds. */
function waitForRequest(): void {
  let spins = 0;
  while (Atomics.load(ints, SLOT.STATE) !== STATE.REQUEST) {
    if (++spins < 4000) continue;
    Atomics.wait(ints, SLOT.STATE, Atomics.load(ints, SLOT.STATE), 1000);
    spins = 0;
  }
}

for (;;) {
  waitForRequest();
  const op = Atomics.load(ints, SLOT.OP);
  if (op === OP.INSTANTIATE) await instantiate();
  else call(op);
}
