// Runs the QEMU harness under qemu-system-aarch64 7.2 and turns its serial output into one
// observation per corpus entry (line formats: el2-harness-source.ts).
import { QEMU_BASE_ARGS } from '../../../server/cli/doctor-command.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntryObservation } from './entry-observation.js';

export type QemuRun = Readonly<{ observations: EntryObservation[]; output: string; elapsedMs: number }>;

export const QEMU_ARGS = ['-M', 'virt,virtualization=on,gic-version=3', '-cpu', 'max', '-m', '1024', ...QEMU_BASE_ARGS];

/** Why the harness output cannot be turned into observations. */
export class QemuHarnessError extends Error {
  constructor(
    readonly code: 'QemuFailed' | 'OutputIncomplete' | 'UnexpectedException' | 'MalformedLine',
    message: string,
    readonly output: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'QemuHarnessError';
  }
}

function runQemu(elfPath: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = [...QEMU_ARGS, '-kernel', elfPath];
    const child = execFile(
      'qemu-system-aarch64',
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (error, stdout) => {
        if (error)
          reject(
            new QemuHarnessError('QemuFailed', `qemu-system-aarch64 failed: ${error.message}`, stdout, {
              cause: error,
            }),
          );
        else resolve(stdout);
      },
    );
    child.stdin?.end();
  });
}

const hex = (s: string): bigint => BigInt(`0x${s}`);

/** Parses the harness's lines into `count` observations. */
export function parseHarnessOutput(output: string, count: number): EntryObservation[] {
  type Mutable = { stage2: EntryObservation['stage2']; el1: EntryObservation['el1']; completed: boolean };
  const entries: Mutable[] = Array.from({ length: count }, () => ({ stage2: null, el1: null, completed: true }));
  let ended = false;
  for (const line of output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^(R|E|N|X|U|END) /.test(l))) {
    const [tag, ...f] = line.split(/\s+/) as [string, ...string[]];
    if (tag === 'U')
      throw new QemuHarnessError('UnexpectedException', `EL2 took an unexpected exception: ${line}`, output);
    if (tag === 'END') {
      ended = Number(hex(f[0]!)) === count;
      continue;
    }
    const index = Number(hex(f[0]!));
    const e = entries[index];
    if (e === undefined) throw new QemuHarnessError('MalformedLine', `entry index out of range: ${line}`, output);
    const v = f.slice(1).map(hex);
    if (tag === 'R' && v.length === 5)
      e.stage2 = { esr: v[0]!, far: v[1]!, hpfar: v[2]!, elr: v[3]!, count: Number(v[4]!) };
    else if (tag === 'E' && v.length === 4) e.el1 = { esr: v[0]!, far: v[1]!, elr: v[2]!, count: Number(v[3]!) };
    else if (tag === 'X' && v.length === 0) e.completed = false;
    else if (tag !== 'N' || v.length !== 0)
      throw new QemuHarnessError('MalformedLine', `malformed line: ${line}`, output);
  }
  if (!ended) throw new QemuHarnessError('OutputIncomplete', `the harness did not report all ${count} entries`, output);
  return entries;
}

/** Runs `elf` (the harness image's bytes) in QEMU and parses its report; throws QemuHarnessError. */
export async function runQemuHarness(elf: Uint8Array, count: number, timeoutMs = 60_000): Promise<QemuRun> {
  const dir = mkdtempSync(join(tmpdir(), 'el2dbg-qemu-'));
  try {
    const path = join(dir, 'harness.elf');
    writeFileSync(path, elf);
    const started = process.hrtime.bigint();
    const output = await runQemu(path, timeoutMs);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { observations: parseHarnessOutput(output, count), output, elapsedMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
