// Every child process a test starts is registered here and ended when the test ends, pass or fail (the test runner
// installs killTrackedProcesses as a root afterEach hook), so a timed-out test leaves nothing running.
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();

/** Registers a child process; it is forgotten when it exits. */
export function trackProcess<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Ends every registered child still running (its whole process group when it leads one); resolves when they exit. */
export async function killTrackedProcesses(): Promise<number> {
  const alive = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    alive.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          try {
            if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
          } catch {
            c.kill('SIGKILL'); // not a group leader
          }
          setTimeout(resolve, 2000).unref();
        }),
    ),
  );
  children.clear();
  return alive.length;
}
