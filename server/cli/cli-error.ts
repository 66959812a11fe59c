/** Exit codes of the el2dbg CLI (documented in README and --help). */
export const EXIT = {
  OK: 0,
  EMULATOR_ERROR: 1,
  BAD_ARGUMENTS: 2,
  LIMIT_REACHED: 3,
  GUEST_PANIC: 4,
  INTERRUPTED: 130,
} as const;

/** A user error the CLI reports as one line on stderr with the given exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}
