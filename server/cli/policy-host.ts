// A policy module whose handlers run in a worker thread with a time budget (--handler-timeout): the machine's
// thread calls them synchronously through shared memory and stops waiting when the budget is spent. The handler is
// then abandoned (its worker is ended and a new one imports the module afresh) and the trap is decided as a fault
// with why 'handler-timeout'. A round trip costs about a microsecond (the worker spins briefly between calls).
import { Worker } from 'node:worker_threads';
import { HandlerTimeoutError, HandlerFailedError } from '../../core/el2/decision.js';
import { DEVICE, NORMAL } from '../../core/stage2/stage2-attributes.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../../core/stage2/stage2-policy.js';
import type {
  MmioAccessHandlers,
  MmioReadAccess,
  MmioReadResult,
  MmioWriteAccess,
  MmioWriteResult,
  Stage2Attributes,
} from '../../core/stage2/stage2-types.js';
import { CliError, EXIT } from './cli-error.js';
import type { PolicySource } from './policy-module.js';
import { BIG, OP, readText, RESULT, SLOT, STATE, wireViews, type PolicyLayout, type Wire } from './policy-wire.js';
import { basename } from 'node:path';

/** How long importing and declaring a module may take before it counts as hung. */
const INSTANTIATE_BUDGET_MS = 30_000;
const FAULT: MmioReadResult & MmioWriteResult = Object.freeze({ kind: 'fault' });
const HANDLED: MmioWriteResult = Object.freeze({ kind: 'handled' });

/** The handler worker and the calls into it. */
export class HostedPolicySource implements PolicySource {
  readonly name: string;
  private wire: Wire;
  private worker: Worker;
  /** The worker holds no built policy (new, or restarted after a timeout): build one before the next call. */
  private needsInstance = false;
  private layout: PolicyLayout | null = null;
  private closed = false;

  private constructor(
    private readonly spec: string,
    private readonly ramSize: bigint,
    private readonly budgetMs: number,
  ) {
    this.name = basename(spec);
    this.wire = wireViews();
    this.worker = this.startWorker();
  }

  /** Starts the worker and builds the first instance (a usage error if the module is bad). */
  static load(spec: string, ramSize: bigint, budgetMs: number): HostedPolicySource {
    const source = new HostedPolicySource(spec, ramSize, budgetMs);
    source.instantiate();
    return source;
  }

  next(): Stage2Policy {
    if (this.layout === null) this.instantiate(); // the first call uses the instance load() built
    const layout = this.layout!;
    this.layout = null;
    return this.policyFrom(layout);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private startWorker(): Worker {
    const worker = new Worker(new URL('./policy-worker.js', import.meta.url), {
      workerData: { shared: this.wire.shared, spec: this.spec, ramSize: this.ramSize },
    });
    worker.unref();
    worker.on('error', () => (this.needsInstance = true)); // a crashed worker is replaced at the next call
    return worker;
  }

  /** Asks the worker for a fresh module instance and keeps its layout for next(). */
  private instantiate(): void {
    const result = this.request(OP.INSTANTIATE, INSTANTIATE_BUDGET_MS);
    if (result === null) {
      this.restart();
      throw new CliError(
        EXIT.BAD_ARGUMENTS,
        `--policy ${this.spec}: importing the module took over ${INSTANTIATE_BUDGET_MS} ms`,
      );
    }
    if (result === RESULT.BUILD_FAILED) throw new CliError(EXIT.BAD_ARGUMENTS, readText(this.wire));
    this.layout = JSON.parse(readText(this.wire)) as PolicyLayout;
    this.needsInstance = false;
  }

  /** Sends a request and waits for the reply up to `budgetMs`; null when it did not come. */
  private request(op: number, budgetMs: number): number | null {
    const { ints } = this.wire;
    Atomics.store(ints, SLOT.OP, op);
    Atomics.store(ints, SLOT.STATE, STATE.REQUEST);
    Atomics.notify(ints, SLOT.STATE);
    const deadline = performance.now() + budgetMs;
    let spins = 0;
    while (Atomics.load(ints, SLOT.STATE) !== STATE.REPLY) {
      if (++spins < 4000) continue;
      const left = deadline - performance.now();
      if (left <= 0) return null;
      Atomics.wait(ints, SLOT.STATE, STATE.REQUEST, Math.min(left, 50));
    }
    Atomics.store(ints, SLOT.STATE, STATE.IDLE);
    return Atomics.load(ints, SLOT.RESULT);
  }

  /** Ends a worker stuck in a handler and starts another, which imports the module again before the next call. */
  private restart(): void {
    void this.worker.terminate();
    this.wire = wireViews();
    this.worker = this.startWorker();
    this.needsInstance = true;
  }

  /** One handler call; throws HandlerTimeoutError past the budget and HandlerFailedError for a bad handler. */
  private call(op: number, region: number, access: MmioReadAccess | MmioWriteAccess): number {
    if (this.closed) throw new HandlerFailedError('the policy worker is closed', 'threw');
    if (this.needsInstance) {
      this.instantiate();
      this.layout = null; // same regions as before: the instance only backs the existing policy's handlers
    }
    const { ints, bigs } = this.wire;
    Atomics.store(ints, SLOT.REGION, region);
    Atomics.store(ints, SLOT.WIDTH, access.width);
    bigs[BIG.IPA] = BigInt.asIntN(64, access.ipa);
    bigs[BIG.OFFSET] = BigInt.asIntN(64, access.offset);
    if ('value' in access) bigs[BIG.VALUE_IN] = BigInt.asIntN(64, access.value);
    const result = this.request(op, this.budgetMs);
    if (result === null) {
      this.restart();
      throw new HandlerTimeoutError(this.budgetMs);
    }
    if (result === RESULT.THREW) throw new HandlerFailedError(readText(this.wire), 'threw');
    if (result === RESULT.INVALID) throw new HandlerFailedError(readText(this.wire), 'invalid');
    return result;
  }

  /**
   * The value a read handler returned, cut to the access in the worker. One bit above the width marks a value that
   * was wider, so the decision cuts it again and the hypervisor says so once, as for a handler in this thread.
   */
  private readValue(width: number): MmioReadResult {
    const value = BigInt.asUintN(width, this.wire.bigs[BIG.VALUE_OUT]!);
    return { kind: 'value', value: readText(this.wire) === 'wide' ? value | (1n << BigInt(width)) : value };
  }

  private policyFrom(layout: PolicyLayout): Stage2Policy {
    const builder = new Stage2PolicyBuilder();
    for (const r of layout.allowed)
      builder.allowRange(BigInt(r.base), BigInt(r.size), attributes(r.kind, BigInt(r.descriptorBits)));
    layout.regions.forEach((r, index) => {
      const handlers: MmioAccessHandlers = {
        ...(r.read
          ? {
              read: (access: MmioReadAccess): MmioReadResult =>
                this.call(OP.READ, index, access) === RESULT.VALUE ? this.readValue(access.width) : FAULT,
            }
          : {}),
        ...(r.write
          ? {
              write: (access: MmioWriteAccess): MmioWriteResult =>
                this.call(OP.WRITE, index, access) === RESULT.HANDLED ? HANDLED : FAULT,
            }
          : {}),
      };
      builder.handleRange(BigInt(r.base), BigInt(r.size), handlers, r.name);
    });
    return builder.build();
  }
}

function attributes(kind: 'device' | 'normal', descriptorBits: bigint): Stage2Attributes {
  const known = kind === 'device' ? DEVICE : NORMAL;
  return known.descriptorBits === descriptorBits ? known : Object.freeze({ kind, descriptorBits });
}
