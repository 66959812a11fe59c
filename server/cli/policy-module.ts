// Policy modules (--policy FILE.mjs|.ts): importing one (a fresh instance each time), running its default
// function on a builder, and, with --handler-timeout 0, a source that runs its handlers in the machine's thread.
import { basename } from 'node:path';
import {
  importPolicyFunction as importModuleFunction,
  policyContext,
  PolicyModuleError,
  type PolicyFunction,
  type PolicyModuleContext,
} from '../../core/stage2/policy-module.js';
import { Stage2PolicyError } from '../../core/stage2/stage2-errors.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../../core/stage2/stage2-policy.js';
import { CliError, EXIT } from './cli-error.js';

export { policyContext, type PolicyFunction, type PolicyModuleContext } from '../../core/stage2/policy-module.js';

/**
 * A stage-2 policy built afresh whenever the machine asks (at start and at every reset), so a handler's state (a
 * counter, a device model) starts over with the guest.
 */
export interface PolicySource {
  readonly name: string;
  /** A policy no machine has used yet. */
  next(): Stage2Policy;
  /** Releases what the source holds (a handler worker). */
  close(): Promise<void>;
}

/** Runs a policy function on a new builder and builds the policy; its errors become usage errors naming `spec`. */
export async function buildWithPolicyFunction(
  spec: string,
  declare: PolicyFunction,
  context: PolicyModuleContext,
): Promise<Stage2Policy> {
  const builder = new Stage2PolicyBuilder();
  try {
    await declare(builder, context);
    return builder.build();
  } catch (e) {
    if (e instanceof Stage2PolicyError) {
      throw new CliError(EXIT.BAD_ARGUMENTS, `--policy ${spec}: ${e.message}`, { cause: e });
    }
    if (e instanceof CliError) throw e;
    const why = `--policy ${spec}: the policy function threw: ${(e as Error).message}`;
    throw new CliError(EXIT.BAD_ARGUMENTS, why, { cause: e });
  }
}

/** A policy module, one fresh instance per machine start or reset. */
export class ModulePolicySource implements PolicySource {
  private instances = 0;
  private prepared: Promise<Stage2Policy> | null = null;
  private ready: Stage2Policy | null = null;

  private constructor(
    readonly name: string,
    private readonly spec: string,
    private readonly ramSize: bigint,
    private declare: PolicyFunction,
  ) {}

  static async load(spec: string, ramSize: bigint): Promise<ModulePolicySource> {
    const declare = await importPolicyFunction(spec, 0);
    const source = new ModulePolicySource(basename(spec), spec, ramSize, declare);
    source.ready = await source.build(declare);
    source.prepare();
    return source;
  }

  next(): Stage2Policy {
    const policy = this.ready;
    this.ready = null;
    this.prepare();
    if (policy) return policy;
    // Asked again before the next instance is imported (two resets in a row): run the last instance's function on
    // a new builder. Its closures start over; only module-level state is shared with the previous machine.
    const builder = new Stage2PolicyBuilder();
    const result = this.declare(builder, this.context());
    if (isPromise(result))
      throw new Error(`--policy ${this.spec}: an async policy function cannot be reset twice at once`);
    return builder.build();
  }

  private prepare(): void {
    if (this.prepared) return;
    const n = ++this.instances;
    this.prepared = importPolicyFunction(this.spec, n)
      .then(async (declare) => {
        this.declare = declare;
        return this.build(declare);
      })
      .then((policy) => {
        this.ready = policy;
        return policy;
      })
      .finally(() => (this.prepared = null));
    this.prepared.catch(() => undefined); // a module that fails the second time is reported when it is needed
  }

  private context(): PolicyModuleContext {
    return policyContext(this.ramSize);
  }

  private build(declare: PolicyFunction): Promise<Stage2Policy> {
    return buildWithPolicyFunction(this.spec, declare, this.context());
  }

  async close(): Promise<void> {}
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** Imports instance `n` of a policy module (see core/stage2/policy-module.ts); its failures are usage errors. */
export async function importPolicyFunction(spec: string, n: number): Promise<PolicyFunction> {
  try {
    return await importModuleFunction(spec, n);
  } catch (e) {
    if (e instanceof PolicyModuleError) throw new CliError(EXIT.BAD_ARGUMENTS, `--policy: ${e.message}`, { cause: e });
    throw e;
  }
}
