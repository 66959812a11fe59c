import { UC_ERR } from './constants.js';

/** Why the unicorn library could not be used at all. */
export type UnicornLoadErrorCode = 'LibraryNotFound' | 'LibraryLoadFailed' | 'VersionTooOld' | 'ShimNotBuilt';

/** The unicorn library is missing, unloadable or too old; the message says how to fix it. */
export class UnicornLoadError extends Error {
  constructor(
    readonly code: UnicornLoadErrorCode,
    readonly libraryPath: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UnicornLoadError';
  }
}

/** The symbolic name of a uc_err value, e.g. 21 -> 'EXCEPTION'. */
export function ucErrName(err: number): string {
  for (const [name, value] of Object.entries(UC_ERR)) if (value === err) return name;
  return `UNKNOWN_${err}`;
}

/** A unicorn API call returned an error: carries the call, the uc_err code and uc_strerror's text. */
export class UnicornError extends Error {
  readonly errName: string;
  constructor(
    readonly call: string,
    readonly err: number,
    readonly strerror: string,
  ) {
    super(`${call} failed: ${strerror}`);
    this.name = 'UnicornError';
    this.errName = ucErrName(err);
  }
}
