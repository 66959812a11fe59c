import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Guest } from '../../core/guest.js';
import { PolicyModuleError, type PolicyFunction } from '../../core/stage2/policy-module.js';
import { projectRoot } from '../../core/unicorn/library.js';
import { buildElf } from '../helpers/asm.js';
import { movq, POWER_OFF } from '../helpers/machine.js';
import { trackProcess } from '../helpers/processes.js';

const fixture = (name: string) => join(projectRoot(), 'test/fixtures/policies', name);
/** Reads the filtered page into x2, stores it to RAM, powers off. */
const READER = () =>
  buildElf(movq(1, 0x0f00_0000n) + 'ldr x2, [x1]\n' + movq(3, 0x4008_1000n) + 'str x2, [x3]\n' + POWER_OFF);

// The Node API takes policies exactly as the CLI does: a built-in name, a module path (.mjs/.ts), or a function of
// the module's default-export shape (builder, { DEVICE, NORMAL, ramBase, ramSize }).
describe('core/guest: the Node API takes the CLI policy shapes', function () {
  this.timeout(30_000);

  it('a policy module path (TypeScript, as --policy FILE.ts): its handler answers the guest', async () => {
    const guest = await Guest.create({ image: READER(), policy: fixture('typed-policy.ts') });
    try {
      expect((await guest.run()).kind).to.equal('power-off');
      expect(guest.x(2)).to.equal(0xfeedn);
      const [first] = [...guest.decisions()];
      expect(first!.decision).to.include({ region: 'typed', why: 'handler-value' });
    } finally {
      await guest.close();
    }
  });

  it("a function with the module's shape gets DEVICE, NORMAL, ramBase and ramSize", async () => {
    const seen: { ramBase: bigint; ramSize: bigint }[] = [];
    const policy: PolicyFunction = (b, ctx) => {
      const { ramBase, ramSize } = ctx;
      seen.push({ ramBase, ramSize });
      b.allowRange(0n, 0x0f00_0000n, ctx.DEVICE);
      b.handleRange(0x0f00_0000n, 0x1000n, { read: () => ({ kind: 'value', value: 0x77n }) }, 'fn');
      b.allowRange(0x0f00_1000n, ramBase - 0x0f00_1000n, ctx.DEVICE);
      b.allowRange(ramBase, ramSize, ctx.NORMAL);
    };
    const guest = await Guest.create({ image: READER(), policy, ramSize: 256n << 20n });
    try {
      await guest.run();
      expect(guest.x(2)).to.equal(0x77n);
      expect(seen[0]).to.deep.equal({ ramBase: 0x4000_0000n, ramSize: 256n << 20n });
    } finally {
      await guest.close();
    }
  });

  it('a missing module or a module without a default function is a PolicyModuleError naming it', async () => {
    const missing = join(tmpdir(), 'no-such-policy.mjs');
    await Guest.create({ image: READER(), policy: missing }).then(
      () => expect.fail('created'),
      (e: unknown) => {
        expect(e).to.be.instanceOf(PolicyModuleError);
        expect((e as Error).message).to.equal(`${missing} does not exist`);
      },
    );
    const dir = mkdtempSync(join(tmpdir(), 'el2dbg-api-'));
    writeFileSync(join(dir, 'no-default.mjs'), 'export const policy = 1;\n');
    await Guest.create({ image: READER(), policy: join(dir, 'no-default.mjs') }).then(
      () => expect.fail('created'),
      (e: unknown) => expect((e as Error).message).to.match(/no-default\.mjs: the module must export a default/),
    );
  });

  it('a script outside the project imports "el2dbg" once it is linked (npm link), with a policy file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el2dbg-outside-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(projectRoot(), join(dir, 'node_modules', 'el2dbg')); // what `npm link el2dbg` leaves
    writeFileSync(
      join(dir, 'script.mjs'),
      [
        "import { Guest } from 'el2dbg';",
        `const guest = await Guest.create({ image: ${JSON.stringify(READER())}, policy: ${JSON.stringify(fixture('typed-policy.ts'))} });`,
        'const halt = await guest.run();',
        "console.log(halt.kind, '0x' + guest.x(2).toString(16));",
        'await guest.close();',
        '',
      ].join('\n'),
    );
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = trackProcess(
        spawn(process.execPath, ['script.mjs'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }),
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.stderr).to.equal('');
    expect(out.stdout).to.equal('power-off 0xfeed\n');
    expect(out.code).to.equal(0);
  });
});
