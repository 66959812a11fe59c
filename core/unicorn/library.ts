import koffi from 'koffi';
import type { TypeObject, LibraryHandle } from 'koffi';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnicornLoadError } from './errors.js';
import { loadShim, type ShimFunctions } from './shim.js';

/** Lowest unicorn version el2dbg accepts: 2.1 brings UC_TLB_VIRTUAL and UC_HOOK_TLB_FILL. */
export const MIN_UNICORN_VERSION = { major: 2, minor: 1 } as const;

const FIX_HINT =
  'run scripts/setup (it fetches libunicorn 2.1.x into .deps/unicorn) or set UNICORN_LIB=/path/to/libunicorn.so.2 (2.1 or later)';

/** Every C function el2dbg calls, bound once per loaded library. */
export interface UnicornFunctions {
  uc_version(major: number[] | null, minor: number[] | null): number;
  uc_open(arch: number, mode: number, out: unknown[]): number;
  uc_close(uc: unknown): number;
  uc_strerror(code: number): string;
  uc_errno(uc: unknown): number;
  uc_ctl_int(uc: unknown, control: number, ...args: unknown[]): number;
  uc_reg_read_u64(uc: unknown, regid: number, value: BigUint64Array): number;
  uc_reg_write_u64(uc: unknown, regid: number, value: BigUint64Array): number;
  uc_reg_read_buf(uc: unknown, regid: number, value: Buffer | Uint8Array): number;
  uc_reg_write_buf(uc: unknown, regid: number, value: Buffer | Uint8Array): number;
  uc_reg_read_batch(uc: unknown, regs: Int32Array, vals: BigUint64Array, count: number): number;
  uc_reg_write_batch(uc: unknown, regs: Int32Array, vals: BigUint64Array, count: number): number;
  uc_mem_map(uc: unknown, address: bigint, size: bigint, perms: number): number;
  uc_mem_unmap(uc: unknown, address: bigint, size: bigint): number;
  uc_mem_read(uc: unknown, address: bigint, bytes: Uint8Array, size: bigint | number): number;
  uc_mem_write(uc: unknown, address: bigint, bytes: Uint8Array, size: bigint | number): number;
  uc_vmem_read(uc: unknown, address: bigint, prot: number, bytes: Uint8Array, size: bigint | number): number;
  uc_mmio_map(
    uc: unknown,
    address: bigint,
    size: bigint,
    readCb: unknown,
    readUser: unknown,
    writeCb: unknown,
    writeUser: unknown,
  ): number;
  uc_emu_start(uc: unknown, begin: bigint, until: bigint, timeout: bigint | number, count: bigint | number): number;
  uc_emu_stop(uc: unknown): number;
  uc_hook_add(
    uc: unknown,
    hh: BigUint64Array,
    type: number,
    callback: unknown,
    userData: unknown,
    begin: bigint,
    end: bigint,
  ): number;
  uc_hook_del(uc: unknown, hh: bigint): number;
  uc_context_alloc(uc: unknown, out: unknown[]): number;
  uc_context_save(uc: unknown, ctx: unknown): number;
  uc_context_restore(uc: unknown, ctx: unknown): number;
  uc_context_free(ctx: unknown): number;
}

/** A loaded libunicorn: its path, version and bound functions, plus the koffi callback types. */
export interface UnicornLibrary {
  readonly path: string;
  readonly version: { major: number; minor: number; patch: number; extra: number; text: string };
  readonly fn: UnicornFunctions;
  /** The native shim's functions (run control hooks), bound to this library. */
  readonly shim: ShimFunctions;
  readonly types: {
    tlbFill: TypeObject;
    tlbEntry: TypeObject;
    hookCode: TypeObject;
    hookIntr: TypeObject;
    hookMem: TypeObject;
    hookMemEvent: TypeObject;
    mmioRead: TypeObject;
    mmioWrite: TypeObject;
    sysreg: TypeObject;
  };
}

/** The project root (the folder holding el2dbg's package.json), found from this file's location. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'el2dbg') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('el2dbg: cannot find the project root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Where libunicorn is taken from: $UNICORN_LIB, else .deps/unicorn, else the system's libunicorn.so.2. */
export function resolveUnicornPath(env: NodeJS.ProcessEnv = process.env): {
  path: string;
  source: 'UNICORN_LIB' | '.deps' | 'system';
} {
  if (env.UNICORN_LIB) return { path: env.UNICORN_LIB, source: 'UNICORN_LIB' };
  const bundled = join(projectRoot(), '.deps/unicorn/lib/libunicorn.so.2');
  if (existsSync(bundled)) return { path: bundled, source: '.deps' };
  return { path: 'libunicorn.so.2', source: 'system' };
}

/** koffi callback types. koffi registers type names process-wide, so they are declared once, here. */
const CALLBACK_TYPES: UnicornLibrary['types'] = {
  tlbEntry: koffi.struct('el2dbg_uc_tlb_entry', { paddr: 'uint64_t', perms: 'int' }),
  tlbFill: koffi.pointer(
    koffi.proto('bool el2dbg_tlb_fill_cb(void *uc, uint64_t vaddr, int type, void *result, void *user_data)'),
  ),
  hookCode: koffi.pointer(
    koffi.proto('void el2dbg_hook_code_cb(void *uc, uint64_t address, uint32_t size, void *user_data)'),
  ),
  sysreg: koffi.pointer(koffi.proto('int el2dbg_sysreg_cb(uint32_t write, uint32_t key, uint64_t *value)')),
  hookIntr: koffi.pointer(koffi.proto('void el2dbg_hook_intr_cb(void *uc, uint32_t intno, void *user_data)')),
  hookMem: koffi.pointer(
    koffi.proto(
      'void el2dbg_hook_mem_cb(void *uc, int type, uint64_t address, int size, int64_t value, void *user_data)',
    ),
  ),
  hookMemEvent: koffi.pointer(
    koffi.proto(
      'bool el2dbg_hook_mem_event_cb(void *uc, int type, uint64_t address, int size, int64_t value, void *user_data)',
    ),
  ),
  mmioRead: koffi.pointer(
    koffi.proto('uint64_t el2dbg_mmio_read_cb(void *uc, uint64_t offset, unsigned int size, void *user_data)'),
  ),
  mmioWrite: koffi.pointer(
    koffi.proto(
      'void el2dbg_mmio_write_cb(void *uc, uint64_t offset, unsigned int size, uint64_t value, void *user_data)',
    ),
  ),
};

/** Loads libunicorn, binds its functions and refuses versions below 2.1 with a message saying how to fix it. */
export function loadUnicorn(path: string = resolveUnicornPath().path): UnicornLibrary {
  if (path.includes('/') && !existsSync(path)) {
    throw new UnicornLoadError('LibraryNotFound', path, `libunicorn not found at ${path}: ${FIX_HINT}`);
  }
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (cause) {
    throw new UnicornLoadError(
      'LibraryLoadFailed',
      path,
      `cannot load libunicorn (${path}): ${(cause as Error).message}; ${FIX_HINT}`,
      { cause },
    );
  }
  const f = (decl: string) => lib.func(decl);
  const fn: UnicornFunctions = {
    uc_version: f('unsigned int uc_version(_Out_ unsigned int *major, _Out_ unsigned int *minor)'),
    uc_open: f('int uc_open(int arch, int mode, _Out_ void **uc)'),
    uc_close: f('int uc_close(void *uc)'),
    uc_strerror: f('const char *uc_strerror(int code)'),
    uc_errno: f('int uc_errno(void *uc)'),
    uc_ctl_int: f('int uc_ctl(void *uc, uint32_t control, ...)'),
    uc_reg_read_u64: lib.func('uc_reg_read', 'int', ['void *', 'int', 'void *']),
    uc_reg_write_u64: lib.func('uc_reg_write', 'int', ['void *', 'int', 'void *']),
    uc_reg_read_buf: lib.func('uc_reg_read', 'int', ['void *', 'int', 'void *']),
    uc_reg_write_buf: lib.func('uc_reg_write', 'int', ['void *', 'int', 'void *']),
    uc_reg_read_batch: f('int uc_reg_read_batch(void *uc, int *regs, void *vals, int count)'),
    uc_reg_write_batch: f('int uc_reg_write_batch(void *uc, int *regs, void *vals, int count)'),
    uc_mem_map: f('int uc_mem_map(void *uc, uint64_t address, uint64_t size, uint32_t perms)'),
    uc_mem_unmap: f('int uc_mem_unmap(void *uc, uint64_t address, uint64_t size)'),
    uc_mem_read: f('int uc_mem_read(void *uc, uint64_t address, void *bytes, uint64_t size)'),
    uc_mem_write: f('int uc_mem_write(void *uc, uint64_t address, void *bytes, uint64_t size)'),
    uc_vmem_read: f('int uc_vmem_read(void *uc, uint64_t address, int prot, void *bytes, size_t size)'),
    uc_mmio_map: f(
      'int uc_mmio_map(void *uc, uint64_t address, uint64_t size, void *read_cb, void *user_data_read, void *write_cb, void *user_data_write)',
    ),
    uc_emu_start: f('int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)'),
    uc_emu_stop: f('int uc_emu_stop(void *uc)'),
    uc_hook_add: f(
      'int uc_hook_add(void *uc, _Out_ uint64_t *hh, int type, void *callback, void *user_data, uint64_t begin, uint64_t end, ...)',
    ),
    uc_hook_del: f('int uc_hook_del(void *uc, uint64_t hh)'),
    uc_context_alloc: f('int uc_context_alloc(void *uc, _Out_ void **context)'),
    uc_context_save: f('int uc_context_save(void *uc, void *context)'),
    uc_context_restore: f('int uc_context_restore(void *uc, void *context)'),
    uc_context_free: f('int uc_context_free(void *context)'),
  } as unknown as UnicornFunctions;

  const major = [0];
  const minor = [0];
  const packed = fn.uc_version(major, minor);
  // uc_version packs major<<24 | minor<<16 | patch<<8 | extra.
  const version = {
    major: (packed >>> 24) & 0xff,
    minor: (packed >>> 16) & 0xff,
    patch: (packed >>> 8) & 0xff,
    extra: packed & 0xff,
    text: `${(packed >>> 24) & 0xff}.${(packed >>> 16) & 0xff}.${(packed >>> 8) & 0xff}`,
  };
  assertSupportedVersion(version.major, version.minor, version.text, path);

  return { path, version, fn, shim: loadShim(projectRoot(), path), types: CALLBACK_TYPES };
}

/** Throws VersionTooOld for anything below 2.1 (2.0.x lacks the TLB-fill hook el2dbg's MMU model needs). */
export function assertSupportedVersion(major: number, minor: number, text: string, path: string): void {
  if (major > MIN_UNICORN_VERSION.major || (major === MIN_UNICORN_VERSION.major && minor >= MIN_UNICORN_VERSION.minor))
    return;
  throw new UnicornLoadError(
    'VersionTooOld',
    path,
    `libunicorn ${text} at ${path} is too old: el2dbg needs ${MIN_UNICORN_VERSION.major}.${MIN_UNICORN_VERSION.minor} or later (UC_TLB_VIRTUAL and UC_HOOK_TLB_FILL); ${FIX_HINT}`,
  );
}
