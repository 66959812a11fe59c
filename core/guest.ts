import type { InjectMode } from './el2/el2-state.js';
import type { Decision } from './el2/decision.js';
import type { HaltReason, MachineEvent } from './el2/events.js';
import { basename } from 'node:path';
import { Machine } from './machine/machine.js';
import { readImageFile } from './loader/read-image-file.js';
import { virtRegion } from './platform/virt-memory-map.js';
import { BUILTIN_POLICIES } from './stage2/builtin-policies.js';
import { importPolicyFunction, policyContext, type PolicyFunction } from './stage2/policy-module.js';
import { Stage2PolicyBuilder } from './stage2/stage2-policy.js';
import { xRegisterId } from './unicorn/registers.js';
import { loadUnicorn } from './unicorn/library.js';
import { hex } from './text/hex.js';

/** A built-in policy by name, a policy module by path, or the function itself, as the policy function it is. */
async function policyFunction(policy: string | PolicyFunction): Promise<PolicyFunction> {
  if (typeof policy !== 'string') return policy;
  const builtin = BUILTIN_POLICIES.get(policy);
  if (builtin) return (b, { ramSize }) => builtin(b, ramSize);
  return importPolicyFunction(policy, 0); // PolicyModuleError names the file and the problem
}

/** How to build a guest for a script. */
export interface GuestOptions {
  /** ELF or raw binary. */
  readonly image: string;
  /**
   * 'ritm' (default), 'allow-all', the path of a policy module (.mjs/.js/.ts, as `el2dbg --policy FILE` takes), or
   * a policy function of the same shape as a module's default export: `(builder, { DEVICE, NORMAL, ramBase,
   * ramSize }) => void`. The function runs again at every reset, so state it keeps in closures starts over.
   */
  readonly policy?: 'ritm' | 'allow-all' | string | PolicyFunction;
  readonly inject?: InjectMode;
  /** RAM size in bytes (default 1 GiB). */
  readonly ramSize?: bigint;
  /** Called with guest console output (default: discarded). */
  readonly console?: (bytes: Uint8Array) => void;
}

/** What `runUntil` returns: the event it stopped at, or how the run ended without one. */
export type RunUntilResult = { kind: 'event'; event: MachineEvent } | { kind: 'halted'; halt: HaltReason };

/**
 * A guest machine for scripts: run until the next event of a kind, read and write registers and memory, and
 * iterate the decisions of every stage-2 trap so far. Create with `Guest.create`, end with `close()`.
 */
export class Guest {
  private readonly decisionLog: { trapSeq: number; pc: bigint; ipa: bigint; decision: Decision }[] = [];

  private constructor(readonly machine: Machine) {
    machine.on((e) => {
      if (e.kind === 'decision')
        this.decisionLog.push({ trapSeq: e.seq, pc: e.trap.pc, ipa: e.trap.ipa, decision: e.decision });
    });
  }

  /** Loads the image and builds the machine halted at its entry point. */
  static async create(opts: GuestOptions): Promise<Guest> {
    const ramSize = opts.ramSize ?? 1n << 30n;
    const image = await readImageFile(opts.image, {
      name: opts.image,
      loadAddr: 0x4008_0000n,
      ram: { base: virtRegion('ram').base, size: ramSize },
      flash: virtRegion('flash'),
    });
    const policy = opts.policy ?? 'ritm';
    const declare = await policyFunction(policy);
    const context = policyContext(ramSize);
    // Declared again at every reset, so handler state starts over with the guest.
    const build = () => {
      const builder = new Stage2PolicyBuilder();
      const result = declare(builder, context);
      if (typeof (result as { then?: unknown } | null)?.then === 'function')
        throw new TypeError('a policy function given to Guest.create must declare the policy synchronously');
      return builder.build();
    };
    const machine = new Machine({
      lib: loadUnicorn(),
      image,
      ramSize,
      policy: build,
      policyName: typeof policy === 'string' ? (BUILTIN_POLICIES.has(policy) ? policy : basename(policy)) : 'script',
      injectMode: opts.inject ?? 'ritm',
      console: { write: opts.console ?? (() => undefined) },
    });
    return new Guest(machine);
  }

  /** Runs until the next machine event of `kind` (the machine stops right after it) or until the guest halts. */
  async runUntil(kind: MachineEvent['kind'] | 'any'): Promise<RunUntilResult> {
    let hit: MachineEvent | null = null;
    const off = this.machine.on((e) => {
      if (hit === null && (kind === 'any' || e.kind === kind)) {
        hit = e;
        this.machine.requestStop(`event ${e.kind}`);
      }
    });
    try {
      const halt = await this.machine.run();
      return hit !== null ? { kind: 'event', event: hit } : { kind: 'halted', halt };
    } finally {
      off();
    }
  }

  /** Runs until the guest halts (power off, panic, error). */
  run(): Promise<HaltReason> {
    return this.machine.run();
  }

  /** Reads Xn (n = 0..30). */
  x(n: number): bigint {
    return this.machine.uc.readReg(xRegisterId(n));
  }

  /** Writes Xn (n = 0..30). */
  setX(n: number, value: bigint): void {
    this.machine.uc.writeReg(xRegisterId(n), value);
  }

  /** The program counter. */
  get pc(): bigint {
    return this.machine.pc;
  }

  /** Reads guest virtual memory (through stage 1 and stage 2); throws if any byte does not translate. */
  readMemory(va: bigint, length: number): Uint8Array {
    const r = this.machine.space.readRange('va', va, length);
    if (r.faultAt !== null) throw new RangeError(`guest VA ${hex(r.faultAt)} is not mapped`);
    return r.data;
  }

  /** Writes guest virtual memory; throws if any byte does not translate. */
  writeMemory(va: bigint, bytes: Uint8Array): void {
    const r = this.machine.space.writeRange('va', va, bytes);
    if (r.faultAt !== null) throw new RangeError(`guest VA ${hex(r.faultAt)} is not mapped`);
  }

  /** Every stage-2 decision so far, in order. */
  *decisions(): IterableIterator<{ trapSeq: number; pc: bigint; ipa: bigint; decision: Decision }> {
    yield* this.decisionLog;
  }

  /** Releases the machine. */
  close(): Promise<void> {
    return this.machine.close();
  }
}
