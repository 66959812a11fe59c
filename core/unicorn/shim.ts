// The native shim (shim/el2dbg-shim.c): loaded beside libunicorn, it holds the hooks unicorn calls for every
// translated block, at breakpoints, at TLBI instructions and for TLB fills. scripts/build-shim compiles it into
// .deps/shim.
import koffi, { type LibraryHandle } from 'koffi';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UnicornLoadError } from './errors.js';

/** The shim's C functions. */
export interface ShimFunctions {
  el2dbg_shim_init(libunicornPath: string): number;
  el2dbg_attach(
    uc: unknown,
    run: unknown,
    blockHook: BigUint64Array,
    sysHook: BigUint64Array,
    fillHook: BigUint64Array,
    msrHook: BigUint64Array,
    mrsHook: BigUint64Array,
  ): number;
  /** The generic timer's count now (CNTPCT_EL0) in the run's virtual time. */
  el2dbg_counter(run: unknown): bigint | number;
  /** CLOCK_MONOTONIC in ns (the clock of the run's time base and event deadline). */
  el2dbg_now_ns(): bigint | number;
  el2dbg_breakpoint_add(uc: unknown, run: unknown, address: bigint, hook: BigUint64Array): number;
  el2dbg_host_map(uc: unknown, run: unknown, base: bigint, size: bigint, perms: number): number;
  el2dbg_host_zero(run: unknown, base: bigint, size: bigint): number;
  el2dbg_host_release(run: unknown): void;
  el2dbg_romd_init(run: unknown, index: number, size: bigint, read: unknown, write: unknown, host: [unknown]): number;
  el2dbg_romd_map(uc: unknown, run: unknown, index: number, base: bigint, how: number, perms: number): number;
  el2dbg_romd_zero(run: unknown, index: number): number;
  el2dbg_shadow_alloc(size: bigint): unknown;
  el2dbg_shadow_free(p: unknown, size: bigint): void;
  el2dbg_pages_diff(cur: unknown, shadow: unknown, pages: bigint, out: Uint32Array, max: bigint): bigint | number;
  /** The native fill's answer for one VA without a run (tests): 1 and [pa, perms, block size] in out, or 0. */
  el2dbg_fill_probe(
    uc: unknown,
    run: unknown,
    va: bigint,
    type: number,
    el: number,
    regs: BigUint64Array,
    out: BigUint64Array,
  ): number;
}

/** Where scripts/build-shim puts the shim. */
export function shimPath(root: string): string {
  return join(root, '.deps/shim/libel2dbg-shim.so');
}

/** Loads the shim and binds it to the libunicorn at `libunicornPath`, which must already be loaded. */
export function loadShim(root: string, libunicornPath: string): ShimFunctions {
  const path = shimPath(root);
  const fix = 'run scripts/setup (or npm run build), which compiles it with the system C compiler';
  if (!existsSync(path))
    throw new UnicornLoadError('ShimNotBuilt', path, `el2dbg's native shim ${path} is missing: ${fix}`);
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (cause) {
    throw new UnicornLoadError('ShimNotBuilt', path, `cannot load ${path}: ${(cause as Error).message}; ${fix}`, {
      cause,
    });
  }
  const fn: ShimFunctions = {
    el2dbg_shim_init: lib.func('int el2dbg_shim_init(const char *path)'),
    el2dbg_attach: lib.func(
      'int el2dbg_attach(void *uc, void *run, _Out_ uint64_t *bh, _Out_ uint64_t *sh, _Out_ uint64_t *fh, _Out_ uint64_t *mh, _Out_ uint64_t *rh)',
    ),
    el2dbg_breakpoint_add: lib.func('int el2dbg_breakpoint_add(void *uc, void *run, uint64_t a, _Out_ uint64_t *h)'),
    el2dbg_host_map: lib.func('int el2dbg_host_map(void *uc, void *run, uint64_t base, uint64_t size, uint32_t perms)'),
    el2dbg_host_zero: lib.func('int el2dbg_host_zero(void *run, uint64_t base, uint64_t size)'),
    el2dbg_host_release: lib.func('void el2dbg_host_release(void *run)'),
    el2dbg_counter: lib.func('uint64_t el2dbg_counter(void *run)'),
    el2dbg_now_ns: lib.func('uint64_t el2dbg_now_ns()'),
    el2dbg_romd_init: lib.func(
      'int el2dbg_romd_init(void *run, uint32_t index, uint64_t size, void *read, void *write, _Out_ void **host)',
    ),
    el2dbg_romd_map: lib.func(
      'int el2dbg_romd_map(void *uc, void *run, uint32_t index, uint64_t base, uint32_t how, uint32_t perms)',
    ),
    el2dbg_romd_zero: lib.func('int el2dbg_romd_zero(void *run, uint32_t index)'),
    el2dbg_shadow_alloc: lib.func('void *el2dbg_shadow_alloc(uint64_t size)'),
    el2dbg_shadow_free: lib.func('void el2dbg_shadow_free(void *p, uint64_t size)'),
    el2dbg_pages_diff: lib.func(
      'uint64_t el2dbg_pages_diff(const void *cur, const void *shadow, uint64_t pages, _Out_ uint32_t *out, uint64_t max)',
    ),
    el2dbg_fill_probe: lib.func(
      'int el2dbg_fill_probe(void *uc, void *run, uint64_t va, uint32_t type, uint32_t el, const uint64_t *regs, _Out_ uint64_t *out)',
    ),
  } as unknown as ShimFunctions;
  const rc = fn.el2dbg_shim_init(libunicornPath);
  if (rc !== 0) {
    throw new UnicornLoadError(
      'ShimNotBuilt',
      path,
      `the native shim cannot find libunicorn's functions (${rc}); ${fix}`,
    );
  }
  return fn;
}
