import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadUnicorn, resolveUnicornPath } from '../../core/unicorn/library.js';

/** One line of `el2dbg doctor`: a dependency, whether it is usable, its version, and how to fix it. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  version: string | null;
  detail: string;
  fix: string | null;
}

const SETUP_FIX = 'run scripts/setup';

function toolVersion(cmd: string, args: string[], pick: RegExp): string | null {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return pick.exec(out)?.[1] ?? out.split('\n')[0]!.trim();
  } catch {
    return null;
  }
}

function tool(name: string, cmd: string, args: string[], pick: RegExp, fix: string): DoctorCheck {
  const version = toolVersion(cmd, args, pick);
  return { name, ok: version !== null, version, detail: version ? cmd : `${cmd} not found`, fix: version ? null : fix };
}

/** Runs every check: node, libunicorn (path, version, where it came from), gdb-multiarch, QEMU, binutils, dtc. */
export function runDoctorChecks(): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const nodeOk = major > 20 || (major === 20 && minor >= 19);
  checks.push({ name: 'node', ok: nodeOk, version: process.versions.node, detail: process.execPath, fix: nodeOk ? null : 'install Node.js 20.19 or later' });

  const where = resolveUnicornPath();
  try {
    const lib = loadUnicorn(where.path);
    const sourceFile = join(dirname(dirname(where.path)), 'SOURCE');
    const origin = where.source === '.deps' && existsSync(sourceFile) ? readFileSync(sourceFile, 'utf8').trim() : where.source;
    const note = lib.version.text === '2.1.1' ? ' (2.1.1 reports a wrong PC inside memory hooks; 2.1.4 preferred)' : '';
    checks.push({ name: 'libunicorn', ok: true, version: lib.version.text, detail: `${where.path} [${origin}]${note}`, fix: null });
  } catch (e) {
    checks.push({ name: 'libunicorn', ok: false, version: null, detail: (e as Error).message, fix: `${SETUP_FIX} (fetches 2.1.x into .deps/unicorn) or set UNICORN_LIB` });
  }
  checks.push(tool('gdb-multiarch', 'gdb-multiarch', ['--version'], /GNU gdb \(.*\) (\S+)/, `${SETUP_FIX} (apt-get install gdb-multiarch)`));
  checks.push(tool('qemu-system-aarch64', 'qemu-system-aarch64', ['--version'], /version (\S+)/, `${SETUP_FIX} (apt-get install qemu-system-arm)`));
  checks.push(tool('aarch64-linux-gnu-as', 'aarch64-linux-gnu-as', ['--version'], /GNU assembler .* (\S+)$/m, `${SETUP_FIX} (apt-get install binutils-aarch64-linux-gnu)`));
  checks.push(tool('aarch64-linux-gnu-ld', 'aarch64-linux-gnu-ld', ['--version'], /GNU ld .* (\S+)$/m, `${SETUP_FIX} (apt-get install binutils-aarch64-linux-gnu)`));
  checks.push(tool('dtc', 'dtc', ['--version'], /Version: DTC (\S+)/, `${SETUP_FIX} (apt-get install device-tree-compiler)`));
  return checks;
}

/** `el2dbg doctor`: prints the checks (a table, or JSON) and returns 0 when all pass, 1 otherwise. */
export function doctorCommand(json: boolean): number {
  const checks = runDoctorChecks();
  if (json) process.stdout.write(JSON.stringify({ ok: checks.every((c) => c.ok), checks }, null, 2) + '\n');
  else {
    for (const c of checks) {
      process.stdout.write(`${c.ok ? 'OK     ' : 'MISSING'} ${c.name.padEnd(22)} ${(c.version ?? '-').padEnd(10)} ${c.detail}${c.fix ? `\n        fix: ${c.fix}` : ''}\n`);
    }
  }
  return checks.every((c) => c.ok) ? 0 : 1;
}
