import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InjectMode } from '../../core/el2/el2-state.js';
import type { LoadedImage } from '../../core/loader/loaded-image.js';
import type { MachineConfig } from '../../core/machine/machine.js';
import { BUILTIN_POLICIES } from '../../core/stage2/builtin-policies.js';
import { DEVICE, NORMAL } from '../../core/stage2/stage2-attributes.js';
import { Stage2PolicyError } from '../../core/stage2/stage2-errors.js';
import { Stage2PolicyBuilder, type Stage2Policy } from '../../core/stage2/stage2-policy.js';
import type { UnicornLibrary } from '../../core/unicorn/library.js';
import { CliError, EXIT } from './cli-error.js';

/** What a policy module's default export receives besides the builder. */
export interface PolicyModuleContext {
  readonly DEVICE: typeof DEVICE;
  readonly NORMAL: typeof NORMAL;
  readonly ramSize: bigint;
  readonly ramBase: bigint;
}

/** Parses --inject. */
export function parseInjectMode(text: string): InjectMode {
  if (text === 'ritm' || text === 'architectural') return text;
  throw new CliError(EXIT.BAD_ARGUMENTS, `--inject: '${text}' is not an injection mode (ritm or architectural)`);
}

/**
 * The stage-2 policy named by --policy, built afresh whenever the machine asks (at start and at every reset), so a
 * handler's state (a counter, a device model) starts over with the guest. A built-in policy is declared again on a
 * new builder; a module is imported again as a new instance (a fresh copy of its module-level state too), prepared
 * in the background so that a reset, which is synchronous, finds it ready.
 */
export interface PolicySource {
  readonly name: string;
  /** A policy no machine has used yet. */
  next(): Stage2Policy;
}

/** Loads --policy: a built-in name or a .mjs/.js/.ts module exporting `default (builder, ctx) => void`. */
export async function loadPolicy(spec: string, ramSize: bigint): Promise<PolicySource> {
  const builtin = BUILTIN_POLICIES.get(spec); // a Map: no inherited names like 'constructor'
  if (!builtin) return ModulePolicySource.load(spec, ramSize);
  const build = () => {
    const builder = new Stage2PolicyBuilder();
    builtin(builder, ramSize);
    return builder.build();
  };
  let first: Stage2Policy | null;
  try {
    first = build(); // checked now, so a bad --memory is a usage error before anything runs
  } catch (e) {
    if (e instanceof Stage2PolicyError)
      throw new CliError(EXIT.BAD_ARGUMENTS, `--policy ${spec}: ${e.message}`, { cause: e });
    throw e;
  }
  return {
    name: spec,
    next: () => {
      const policy = first ?? build();
      first = null;
      return policy;
    },
  };
}

/** A policy module, one fresh instance per machine start or reset. */
class ModulePolicySource implements PolicySource {
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
    return { DEVICE, NORMAL, ramSize: this.ramSize, ramBase: 0x4000_0000n };
  }

  private async build(declare: PolicyFunction): Promise<Stage2Policy> {
    const builder = new Stage2PolicyBuilder();
    try {
      await declare(builder, this.context());
      return builder.build();
    } catch (e) {
      if (e instanceof Stage2PolicyError) {
        throw new CliError(EXIT.BAD_ARGUMENTS, `--policy ${this.spec}: ${e.message}`, { cause: e });
      }
      if (e instanceof CliError) throw e;
      const why = `--policy ${this.spec}: the policy function threw: ${(e as Error).message}`;
      throw new CliError(EXIT.BAD_ARGUMENTS, why, { cause: e });
    }
  }
}

type PolicyFunction = (b: Stage2PolicyBuilder, c: PolicyModuleContext) => unknown;

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** Imports instance `n` of a policy module (a new module instance for each n) and returns its default function. */
async function importPolicyFunction(spec: string, n: number): Promise<PolicyFunction> {
  const path = resolve(spec);
  const ext = extname(path);
  if (!['.mjs', '.js', '.ts', '.mts'].includes(ext)) {
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `--policy: '${spec}' is neither a built-in policy (${[...BUILTIN_POLICIES.keys()].join(', ')}) nor a .mjs/.js/.ts module`,
    );
  }
  if (!existsSync(path)) throw new CliError(EXIT.BAD_ARGUMENTS, `--policy: ${spec} does not exist`);
  const mod = (await importPolicyModule(path, ext, n)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `--policy ${spec}: the module must export a default function (builder, ctx) => void`,
    );
  }
  return mod.default as PolicyFunction;
}

/**
 * Imports a policy module as instance `n` (a URL query makes Node load a new copy); TypeScript is transpiled next
 * to the original (so its relative imports resolve).
 */
async function importPolicyModule(path: string, ext: string, n: number): Promise<unknown> {
  const instance = n === 0 ? '' : `?el2dbg-instance=${n}`;
  try {
    if (ext !== '.ts' && ext !== '.mts') return await import(pathToFileURL(path).href + instance);
    const ts = await import('typescript').catch(() => {
      throw new CliError(
        EXIT.BAD_ARGUMENTS,
        `--policy ${path}: loading a .ts policy needs the typescript package (npm ci installs it); or use a .mjs policy`,
      );
    });
    const out = ts.transpileModule(await readFile(path, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: path,
    });
    const tmp = join(dirname(path), `.${basename(path, ext)}.el2dbg-${process.pid}-${n}.mjs`);
    await writeFile(tmp, out.outputText);
    try {
      return await import(pathToFileURL(tmp).href);
    } finally {
      await rm(tmp, { force: true });
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(EXIT.BAD_ARGUMENTS, `--policy ${path}: cannot load the module: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** The machine options shared by run, serve and trace. */
export interface MachineOptions {
  policy: string;
  inject: InjectMode;
}

/** Builds a MachineConfig (minus console and logger) from parsed CLI options. */
export async function buildMachineConfigFromOptions(
  lib: UnicornLibrary,
  image: LoadedImage,
  ramSize: bigint,
  opts: MachineOptions,
): Promise<Pick<MachineConfig, 'lib' | 'image' | 'ramSize' | 'policy' | 'policyName' | 'injectMode'>> {
  const source = await loadPolicy(opts.policy, ramSize);
  return { lib, image, ramSize, policy: () => source.next(), policyName: source.name, injectMode: opts.inject };
}
