// Policy modules: a file whose default export declares a stage-2 policy on a builder, the shape `el2dbg --policy
// FILE` and `Guest.create({ policy: FILE })` both take. Importing one (a new module instance each time, so module
// state can start over with the guest), TypeScript included.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_POLICIES } from './builtin-policies.js';
import { DEVICE, NORMAL } from './stage2-attributes.js';
import type { Stage2PolicyBuilder } from './stage2-policy.js';

/** What a policy function receives besides the builder. */
export interface PolicyModuleContext {
  readonly DEVICE: typeof DEVICE;
  readonly NORMAL: typeof NORMAL;
  readonly ramSize: bigint;
  readonly ramBase: bigint;
}

/** A policy module's default export: `export default function policy(b, { DEVICE, NORMAL, ramBase, ramSize })`. */
export type PolicyFunction = (b: Stage2PolicyBuilder, c: PolicyModuleContext) => unknown;

/** Where RAM starts on QEMU's virt (core/platform/virt-memory-map.ts, a floor above this one). */
const VIRT_RAM_BASE = 0x4000_0000n;

/** The context a policy function gets for `ramSize` bytes of RAM. */
export function policyContext(ramSize: bigint): PolicyModuleContext {
  return { DEVICE, NORMAL, ramSize, ramBase: VIRT_RAM_BASE };
}

/** A policy module could not be used: the message names the file and says why. */
export class PolicyModuleError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PolicyModuleError';
  }
}

/** File name endings a policy module may have. */
export const POLICY_MODULE_EXTENSIONS = ['.mjs', '.js', '.ts', '.mts'] as const;

/**
 * Imports instance `n` of the policy module at `spec` (a new module instance for each n > 0) and returns its default
 * function. Throws PolicyModuleError for a name that is no module, a missing file, a module that fails to load or
 * one without a default function.
 */
export async function importPolicyFunction(spec: string, n: number): Promise<PolicyFunction> {
  const path = resolve(spec);
  const ext = extname(path);
  if (!(POLICY_MODULE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new PolicyModuleError(
      `'${spec}' is neither a built-in policy (${[...BUILTIN_POLICIES.keys()].join(', ')}) nor a .mjs/.js/.ts module`,
    );
  }
  if (!existsSync(path)) throw new PolicyModuleError(`${spec} does not exist`);
  const mod = (await importModule(path, ext, n)) as { default?: unknown };
  if (typeof mod.default !== 'function')
    throw new PolicyModuleError(`${spec}: the module must export a default function (builder, ctx) => void`);
  return mod.default as PolicyFunction;
}

/**
 * Imports a module as instance `n` (a URL query makes Node load a new copy); TypeScript is transpiled next to the
 * original (so its relative imports resolve) with the typescript package.
 */
async function importModule(path: string, ext: string, n: number): Promise<unknown> {
  const instance = n === 0 ? '' : `?el2dbg-instance=${n}`;
  try {
    if (ext !== '.ts' && ext !== '.mts') return await import(pathToFileURL(path).href + instance);
    const ts = await import('typescript').catch(() => {
      throw new PolicyModuleError(
        `${path}: loading a .ts policy needs the typescript package (npm ci installs it); or use a .mjs policy`,
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
    if (e instanceof PolicyModuleError) throw e;
    throw new PolicyModuleError(`${path}: cannot load the module: ${(e as Error).message}`, { cause: e });
  }
}
