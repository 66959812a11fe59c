import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../core/unicorn/library.js';
import { trackProcess } from './processes.js';

/** What a finished el2dbg process printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A run that goes on longer than this is killed (the test then fails with what it printed). */
const RUN_TIMEOUT_MS = 45_000;

/** Runs bin/el2dbg.js with the given arguments (stdin closed; in `cwd` if given) and resolves when it exits. */
export function runEl2dbg(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot(), 'bin/el2dbg.js'), ...args], {
      ...(cwd === undefined ? {} : { cwd }),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      timeout: RUN_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    trackProcess(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
