// What a client under test received (DAP events, MI async records), kept in arrival order until a test takes it.
// Every wait has a deadline: a client that never sends what the test expects fails the test with what it did send.

/** Rejects with `what` (and the context `describe` gives) if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, describe?: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(ms, what, describe)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function timeoutError(ms: number, what: string, describe?: () => string): Error {
  const context = describe ? `\n--- what the client sent last ---\n${describe()}` : '';
  return new Error(`timed out after ${ms} ms waiting for ${what}${context}`);
}

/** A first-in, first-out list of received items; `take` removes the oldest item that matches. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();
  private failure: Error | null = null;

  constructor(private readonly describe: () => string) {}

  push(item: T): void {
    this.items.push(item);
    for (const wake of [...this.waiters]) wake();
  }

  /** Makes every wait, present and future, fail with `error` (the client has gone). */
  fail(error: Error): void {
    this.failure = error;
    for (const wake of [...this.waiters]) wake();
  }

  /** Items not taken yet that match `match`, oldest first (they stay queued). */
  peek(match: (item: T) => boolean): T[] {
    return this.items.filter(match);
  }

  /** Removes and returns the oldest item matching `match`, waiting up to `ms` for one to arrive. */
  take(match: (item: T) => boolean, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        outcome();
      };
      const check = () => {
        const i = this.items.findIndex(match);
        if (i >= 0) {
          const item = this.items.splice(i, 1)[0] as T;
          finish(() => resolve(item));
        } else if (this.failure) {
          const failure = this.failure;
          finish(() => reject(new Error(`${what}: ${failure.message}\n${this.describe()}`)));
        }
      };
      const timer = setTimeout(() => finish(() => reject(timeoutError(ms, what, this.describe))), ms);
      this.waiters.add(check);
      check();
    });
  }
}
