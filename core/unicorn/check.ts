import { UC_ERR } from './constants.js';
import { UnicornError } from './errors.js';
import type { UnicornLibrary } from './library.js';

/** Throws a UnicornError for a non-OK return code. */
export function check(lib: UnicornLibrary, call: string, rc: number): void {
  if (rc !== UC_ERR.OK) throw new UnicornError(call, rc, lib.fn.uc_strerror(rc));
}
