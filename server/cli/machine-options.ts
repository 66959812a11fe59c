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
 * Builds the stage-2 policy named by --policy: a built-in name or a .mjs/.js/.ts module exporting `default (builder,
 * ctx) => void`.
 */
export async function loadPolicy(spec: string, ramSize: bigint): Promise<{ policy: Stage2Policy; name: string }> {
  const builder = new Stage2PolicyBuilder();
  const builtin = BUILTIN_POLICIES.get(spec); // a Map: no inherited names like 'constructor'
  const name = builtin ? spec : basename(spec);
  try {
    if (builtin) builtin(builder, ramSize);
    else await runPolicyModule(spec, builder, ramSize);
    return { policy: builder.build(), name };
  } catch (e) {
    if (e instanceof Stage2PolicyError)
      throw new CliError(EXIT.BAD_ARGUMENTS, `--policy ${spec}: ${e.message}`, { cause: e });
    throw e;
  }
}

async function runPolicyModule(spec: string, builder: Stage2PolicyBuilder, ramSize: bigint): Promise<void> {
  const path = resolve(spec);
  const ext = extname(path);
  if (!['.mjs', '.js', '.ts', '.mts'].includes(ext)) {
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `--policy: '${spec}' is neither a built-in policy (${[...BUILTIN_POLICIES.keys()].join(', ')}) nor a .mjs/.js/.ts module`,
    );
  }
  if (!existsSync(path)) throw new CliError(EXIT.BAD_ARGUMENTS, `--policy: ${spec} does not exist`);
  const mod = (await importPolicyModule(path, ext)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `--policy ${spec}: the module must export a default function (builder, ctx) => void`,
    );
  }
  const ctx: PolicyModuleContext = { DEVICE, NORMAL, ramSize, ramBase: 0x4000_0000n };
  try {
    await (mod.default as (b: Stage2PolicyBuilder, c: PolicyModuleContext) => unknown)(builder, ctx);
  } catch (e) {
    if (e instanceof Stage2PolicyError || e instanceof CliError) throw e;
    throw new CliError(EXIT.BAD_ARGUMENTS, `--policy ${spec}: the policy function threw: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Imports a policy module; TypeScript is transpiled next to the original (so its relative imports resolve). */
async function importPolicyModule(path: string, ext: string): Promise<unknown> {
  try {
    if (ext !== '.ts' && ext !== '.mts') return await import(pathToFileURL(path).href);
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
    const tmp = join(dirname(path), `.${basename(path, ext)}.el2dbg-${process.pid}.mjs`);
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
  const { policy, name } = await loadPolicy(opts.policy, ramSize);
  return { lib, image, ramSize, policy, policyName: name, injectMode: opts.inject };
}
