import type { InjectMode } from '../../core/el2/el2-state.js';
import type { LoadedImage } from '../../core/loader/loaded-image.js';
import type { MachineConfig } from '../../core/machine/machine.js';
import { BUILTIN_POLICIES } from '../../core/stage2/builtin-policies.js';
import { Stage2PolicyError } from '../../core/stage2/stage2-errors.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../../core/stage2/stage2-policy.js';
import type { UnicornLibrary } from '../../core/unicorn/library.js';
import { CliError, EXIT } from './cli-error.js';
import type { PolicySource } from './policy-module.js';

export type { PolicyModuleContext, PolicySource } from './policy-module.js';

/**
 * Loads --policy: a built-in name or a .mjs/.js/.ts module exporting `default (builder, ctx) => void`. A module's
 * handlers run in a worker with a budget of `handlerTimeoutMs` per call, or in the machine's thread when it is 0.
 */
export async function loadPolicy(spec: string, ramSize: bigint, handlerTimeoutMs = 0): Promise<PolicySource> {
  const builtin = BUILTIN_POLICIES.get(spec); // a Map: no inherited names like 'constructor'
  if (!builtin) {
    // Loaded only for a policy module (most runs use a built-in policy).
    const { importPolicyFunction, ModulePolicySource } = await import('./policy-module.js');
    if (handlerTimeoutMs > 0) {
      await importPolicyFunction(spec, 0); // a missing file or a bad module is a usage error here, before the worker
      const { HostedPolicySource } = await import('./policy-host.js');
      return HostedPolicySource.load(spec, ramSize, handlerTimeoutMs);
    }
    return ModulePolicySource.load(spec, ramSize);
  }
  const build = () => {
    const builder = new Stage2PolicyBuilder();
    builtin(builder, ramSize);
    return builder.build();
  };
  let first: Stage2Policy | null;
  try {
    first = build(); // checked now, so a bad --memory is a usage error before anything runs
  } catch (e) {
    if (e instanceof Stage2PolicyError) {
      throw new CliError(EXIT.BAD_ARGUMENTS, `--policy ${spec}: ${e.message}`, { cause: e });
    }
    throw e;
  }
  return {
    name: spec,
    next: () => {
      const policy = first ?? build();
      first = null;
      return policy;
    },
    close: async () => undefined,
  };
}

/** The machine options shared by run, serve and trace. */
export interface MachineOptions {
  policy: string;
  inject: InjectMode;
  /** Budget of a policy module's handler call in ms (0: no budget, handlers run in the machine's thread). */
  handlerTimeoutMs?: number;
}

/** A MachineConfig (minus console and logger) from parsed CLI options, and how to release what its policy holds. */
export interface MachineSetup {
  readonly config: Pick<MachineConfig, 'lib' | 'image' | 'ramSize' | 'policy' | 'policyName' | 'injectMode'>;
  /** Ends the policy's handler worker, if it has one (after the machine is closed). */
  closePolicy(): Promise<void>;
}

/** Builds a MachineConfig (minus console and logger) from parsed CLI options. */
export async function buildMachineConfigFromOptions(
  lib: UnicornLibrary,
  image: LoadedImage,
  ramSize: bigint,
  opts: MachineOptions,
): Promise<MachineSetup> {
  const source = await loadPolicy(opts.policy, ramSize, opts.handlerTimeoutMs ?? 0);
  return {
    config: { lib, image, ramSize, policy: () => source.next(), policyName: source.name, injectMode: opts.inject },
    closePolicy: () => source.close(),
  };
}
