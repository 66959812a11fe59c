// Policy modules loaded in-process (the CLI tests load them through a child el2dbg): what is accepted, the errors a
// policy author sees, TypeScript policies transpiled beside the original and cleaned up, fresh instances per reset.
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPolicyFunction, PolicyModuleError } from '../../../core/stage2/policy-module.js';

async function loadError(spec: string): Promise<PolicyModuleError> {
  try {
    await importPolicyFunction(spec, 0);
  } catch (e) {
    expect(e).to.be.instanceOf(PolicyModuleError);
    expect((e as Error).name).to.equal('PolicyModuleError');
    return e as PolicyModuleError;
  }
  throw new Error(`${spec} loaded`);
}

describe('core/stage2/policy-module: loading a policy module', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'el2dbg-policy-module-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses what is neither a built-in nor a module, a missing file, and a module without a default function', async () => {
    expect((await loadError('ritm-typo')).message).to.equal(
      "'ritm-typo' is neither a built-in policy (ritm, ritm-pci, allow-all) nor a .mjs/.js/.ts module",
    );
    const missing = join(dir, 'nope.mjs');
    expect((await loadError(missing)).message).to.equal(`${missing} does not exist`);
    const noDefault = file('named.mjs', 'export function policy() {}\n');
    expect((await loadError(noDefault)).message).to.equal(
      `${noDefault}: the module must export a default function (builder, ctx) => void`,
    );
    const broken = file('broken.mjs', 'export default function (\n');
    const e = await loadError(broken);
    expect(e.message).to.match(new RegExp(`^${broken.replace(/[.]/g, '\\.')}: cannot load the module: `));
    expect(e.cause).to.be.instanceOf(SyntaxError);
  });

  it('returns the default function of a .mjs module, a fresh module instance for each n > 0', async () => {
    const path = file('count.mjs', 'let made = 0;\nexport default function () { return ++made; }\n');
    const first = await importPolicyFunction(path, 0);
    expect(await importPolicyFunction(path, 0)).to.equal(first); // the same instance: Node's module cache
    const reset = await importPolicyFunction(path, 1);
    expect(reset).to.not.equal(first);
    expect([first(null as never, null as never), first(null as never, null as never)]).to.deep.equal([1, 2]);
    expect(reset(null as never, null as never)).to.equal(1); // its own module state, as after a reset
  });

  it('transpiles a .ts policy beside the original (its relative imports resolve) and removes the transpiled file', async () => {
    file('ranges.mjs', 'export const BASE = 0x0f00_0000n;\n');
    const path = file(
      'typed.ts',
      "import { BASE } from './ranges.mjs';\nexport default function (b: unknown): bigint { return BASE; }\n",
    );
    const before = readdirSync(dir).sort();
    const policy = await importPolicyFunction(path, 0);
    expect(policy(null as never, null as never)).to.equal(0x0f00_0000n);
    const again = await importPolicyFunction(path, 2);
    expect(again).to.not.equal(policy);
    expect(readdirSync(dir).sort()).to.deep.equal(before);
    const bad = file('bad.ts', "throw new Error('policy setup failed');\nexport default function (): void {}\n");
    expect((await loadError(bad)).message).to.equal(`${bad}: cannot load the module: policy setup failed`);
    expect(readdirSync(dir).filter((f) => f.includes('el2dbg-'))).to.deep.equal([]);
  });
});
