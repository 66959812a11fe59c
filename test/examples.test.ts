import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../core/unicorn/library.js';
import { guestPath } from './helpers/guests.js';
import { trackProcess } from './helpers/processes.js';
import { readFileSync } from 'node:fs';
import { parseImage } from '../core/loader/image-loader.js';

/** The address of `name` in an ELF guest. */
function symbolAddress(elf: string, name: string): bigint {
  const ram = { base: 0x4000_0000n, size: 0x4000_0000n };
  const image = parseImage(readFileSync(elf), { name: 'guest', loadAddr: 0x4008_0000n, ram });
  return image.symbols!.find((s) => s.name === name)!.value;
}

function runExample(name: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = trackProcess(
      spawn(process.execPath, [join(projectRoot(), 'examples', name), ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('examples/ (the Node API as scripts use it, importing "el2dbg")', () => {
  it('trace-capture.mjs stops at the first trap and summarises every decision of the selftest', async () => {
    const r = await runExample('trace-capture.mjs', [guestPath('ritm-selftest')]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    const out = JSON.parse(r.stdout) as {
      halt: string;
      firstTrap: Record<string, unknown>;
      byRegion: Record<string, Record<string, number>>;
    };
    expect(out.halt).to.equal('power-off');
    // The selftest's first trapped access is its first instruction after the banner: its address is in the ELF.
    expect(out.firstTrap.pc).to.equal(
      `0x${symbolAddress(guestPath('ritm-selftest'), 'first_filtered_read').toString(16)}`,
    );
    expect(out.firstTrap).to.deep.equal({
      pc: out.firstTrap.pc,
      esr: '0x93c08007',
      ipa: '0xf000000',
      region: 'filtered-mmio',
    });
    expect(out.byRegion['filtered-mmio']).to.deep.equal({
      'handler-value': 10,
      'handler-handled': 2,
      'handler-fault': 5,
    });
    expect(out.byRegion['(none)']).to.deep.equal({ 'no-region': 1 });
  });

  it('policy-prototype.mjs runs a guest against a handler written in the script', async () => {
    const r = await runExample('policy-prototype.mjs', [guestPath('ritm-selftest')]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    // The selftest writes 0x123456789abcdef0 twice (accepted), then 0x1111111111111111 (accepted by this device).
    expect(out).to.include({ halt: 'power-off', emulatedWrites: 3, scratch: '0x1111111111111111' });
    expect(out.emulatedReads).to.be.greaterThan(0);
  });
});
