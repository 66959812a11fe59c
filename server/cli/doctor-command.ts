import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** The names lldb goes by: Debian's `lldb` package links `lldb` to `lldb-14`, which on its own is only `lldb-14`. */
export const LLDB_COMMANDS = ['lldb', 'lldb-14'] as const;

/** The first lldb on PATH and its version, or null when there is none. */
export function findLldb(): { command: string; version: string } | null {
  for (const command of LLDB_COMMANDS) {
    const version = toolVersion(command, ['--version'], /lldb version (\S+)/);
    if (version !== null) return { command, version };
  }
  return null;
}

function lldbCheck(): DoctorCheck {
  const lldb = findLldb();
  return lldb
    ? { name: 'lldb', ok: true, version: lldb.version, detail: lldb.command, fix: null }
    : {
        name: 'lldb',
        ok: false,
        version: null,
        detail: `none of ${LLDB_COMMANDS.join(', ')} found`,
        fix: `${SETUP_FIX} (apt-get install --no-install-recommends lldb)`,
      };
}

/**
 * A guest of four instructions that powers QEMU's virt machine off through PSCI SYSTEM_OFF (HVC, the conduit of
 * virt without EL2): mov x0, #0x84000000; movk x0, #8; hvc #0; b .
 */
const QEMU_POWER_OFF_GUEST = Uint8Array.from([
  0x00, 0x80, 0xb0, 0xd2, 0x00, 0x01, 0x80, 0xf2, 0x02, 0x00, 0x00, 0xd4, 0x00, 0x00, 0x00, 0x14,
]);

/**
 * The flags every QEMU run of el2dbg uses: no NIC (its option ROM is a recommended package, absent on a fresh machine).
 */
export const QEMU_BASE_ARGS = ['-nic', 'none', '-nographic', '-monitor', 'none'] as const;

/** Boots `-M virt` with a guest that powers off at once: QEMU is there and can run what the tests run. */
function qemuBootCheck(): DoctorCheck {
  const fix = `${SETUP_FIX} (apt-get install --no-install-recommends qemu-system-arm)`;
  const version = toolVersion('qemu-system-aarch64', ['--version'], /version (\S+)/);
  if (version === null)
    return { name: 'qemu-system-aarch64', ok: false, version, detail: 'qemu-system-aarch64 not found', fix };
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-doctor-'));
  try {
    const image = join(dir, 'power-off.bin');
    writeFileSync(image, QEMU_POWER_OFF_GUEST);
    const args = ['-M', 'virt', '-cpu', 'max', '-m', '128', ...QEMU_BASE_ARGS, '-serial', 'none', '-kernel', image];
    const r = spawnSync('qemu-system-aarch64', args, { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
    if (r.status === 0)
      return {
        name: 'qemu-system-aarch64',
        ok: true,
        version,
        detail: 'qemu-system-aarch64 (booted -M virt to PSCI SYSTEM_OFF)',
        fix: null,
      };
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    return { name: 'qemu-system-aarch64', ok: false, version, detail: `cannot boot -M virt: ${why}`, fix };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs every check: node, libunicorn (path, version, where it came from), gdb-multiarch, lldb, QEMU, binutils, dtc. */
export function runDoctorChecks(): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const nodeOk = major > 20 || (major === 20 && minor >= 19);
  checks.push({
    name: 'node',
    ok: nodeOk,
    version: process.versions.node,
    detail: process.execPath,
    fix: nodeOk ? null : 'install Node.js 20.19 or later',
  });

  const where = resolveUnicornPath();
  try {
    const lib = loadUnicorn(where.path);
    const sourceFile = join(dirname(dirname(where.path)), 'SOURCE');
    const origin =
      where.source === '.deps' && existsSync(sourceFile) ? readFileSync(sourceFile, 'utf8').trim() : where.source;
    const note = lib.version.text === '2.1.1' ? ' (2.1.1 reports a wrong PC inside memory hooks; 2.1.4 preferred)' : '';
    checks.push({
      name: 'libunicorn',
      ok: true,
      version: lib.version.text,
      detail: `${where.path} [${origin}]${note}`,
      fix: null,
    });
  } catch (e) {
    checks.push({
      name: 'libunicorn',
      ok: false,
      version: null,
      detail: (e as Error).message,
      fix: `${SETUP_FIX} (fetches 2.1.x into .deps/unicorn) or set UNICORN_LIB`,
    });
  }
  checks.push(
    tool(
      'gdb-multiarch',
      'gdb-multiarch',
      ['--version'],
      /GNU gdb \(.*\) (\S+)/,
      `${SETUP_FIX} (apt-get install gdb-multiarch)`,
    ),
  );
  checks.push(lldbCheck());
  checks.push(qemuBootCheck());
  checks.push(
    tool(
      'aarch64-linux-gnu-as',
      'aarch64-linux-gnu-as',
      ['--version'],
      /GNU assembler .* (\S+)$/m,
      `${SETUP_FIX} (apt-get install binutils-aarch64-linux-gnu)`,
    ),
  );
  checks.push(
    tool(
      'aarch64-linux-gnu-ld',
      'aarch64-linux-gnu-ld',
      ['--version'],
      /GNU ld .* (\S+)$/m,
      `${SETUP_FIX} (apt-get install binutils-aarch64-linux-gnu)`,
    ),
  );
  checks.push(
    tool('dtc', 'dtc', ['--version'], /Version: DTC (\S+)/, `${SETUP_FIX} (apt-get install device-tree-compiler)`),
  );
  return checks;
}

/** `el2dbg doctor`: prints the checks (a table, or JSON) and returns 0 when all pass, 1 otherwise. */
export function doctorCommand(json: boolean): number {
  const checks = runDoctorChecks();
  if (json) process.stdout.write(JSON.stringify({ ok: checks.every((c) => c.ok), checks }, null, 2) + '\n');
  else {
    for (const c of checks) {
      process.stdout.write(
        `${c.ok ? 'OK     ' : 'MISSING'} ${c.name.padEnd(22)} ${(c.version ?? '-').padEnd(10)} ${c.detail}${c.fix ? `\n        fix: ${c.fix}` : ''}\n`,
      );
    }
  }
  return checks.every((c) => c.ok) ? 0 : 1;
}
