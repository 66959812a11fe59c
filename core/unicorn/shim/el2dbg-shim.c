// el2dbg's native fast path: the hooks unicorn calls on the CPU's own thread for every translated block, at
// breakpoint addresses and at TLBI instructions. They are in C because a JS call per block would cost more than
// the guest's own work (docs/architecture.md, "Run control").
//
// Why block boundaries: unicorn checks a stop request after every load and store, and acting on it there restarts
// the instruction after its access already happened (a repeated MMIO store, a load that clobbered its own base
// register). A stop requested from these hooks takes effect before the block's first instruction, so the guest
// never sees it. Nothing calls uc_emu_stop from another thread.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <time.h>
#include <unicorn/unicorn.h>

typedef uc_err (*uc_emu_stop_fn)(uc_engine *uc);
typedef uc_err (*uc_hook_add_fn)(uc_engine *uc, uc_hook *hh, int type, void *callback, void *user_data, uint64_t begin,
                                 uint64_t end, ...);
typedef uc_err (*uc_ctl_fn)(uc_engine *uc, uc_control_type control, ...);

static uc_emu_stop_fn emu_stop;
static uc_hook_add_fn hook_add;
static uc_ctl_fn ctl;

/** Why a hook stopped the run (RUN_STOP_REASON). */
enum { STOP_NONE = 0, STOP_REQUEST = 1, STOP_LIMIT = 2, STOP_DEADLINE = 3, STOP_BREAKPOINT = 4 };

/**
 * The state shared with JS (core/unicorn/run-state.ts reads and writes it as a BigUint64Array): every field is a
 * 64-bit slot, in this order.
 */
typedef struct {
  uint64_t executed;     /* instructions of the blocks entered so far (the JS side corrects for a partial block) */
  uint64_t tb_base;      /* `executed` before the block being run */
  uint64_t tb_start;     /* that block's address and end */
  uint64_t tb_end;
  uint64_t stop_reason;  /* STOP_* of the hook that stopped the run, or STOP_NONE */
  uint64_t stop_pc;      /* where it stopped */
  uint64_t limit;        /* stop before a block that would take `executed` past this (UINT64_MAX: no limit) */
  uint64_t deadline_ns;  /* CLOCK_MONOTONIC time after which the next block boundary stops the run (0: none) */
  uint64_t skip_pc;      /* the breakpoint at this address lets the next execution pass (resuming from it) */
  uint64_t request;      /* non-zero: stop at the next block boundary */
  uint64_t tick;         /* blocks since the last clock read */
  uint64_t block_lo;     /* guest VAs filled from stage-1 blocks larger than a page since the last full flush */
  uint64_t block_hi;     /*   [block_lo, block_hi); empty when block_lo >= block_hi */
  uint64_t tlbi_flushes; /* full TLB flushes made for a TLBI by VA inside a block */
} el2dbg_run;

#define NO_ADDRESS UINT64_MAX
/** Read the clock every this many blocks: a tight loop enters ~10^8 blocks a second, a clock read costs ~20 ns. */
#define CLOCK_EVERY 64

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void stop_at(uc_engine *uc, el2dbg_run *r, uint64_t reason, uint64_t pc) {
  r->stop_reason = reason;
  r->stop_pc = pc;
  emu_stop(uc);
}

static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  el2dbg_run *r = user;
  uint64_t n = size >> 2; /* A64: four bytes an instruction */
  if (r->request) return stop_at(uc, r, STOP_REQUEST, address);
  if (r->executed + n > r->limit) return stop_at(uc, r, STOP_LIMIT, address);
  if (r->deadline_ns && ++r->tick >= CLOCK_EVERY) {
    r->tick = 0;
    if (now_ns() >= r->deadline_ns) return stop_at(uc, r, STOP_DEADLINE, address);
  }
  r->tb_base = r->executed;
  r->executed += n;
  r->tb_start = address;
  r->tb_end = address + size;
}

static void on_breakpoint(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  el2dbg_run *r = user;
  (void)size;
  if (address == r->skip_pc) {
    r->skip_pc = NO_ADDRESS;
    return;
  }
  stop_at(uc, r, STOP_BREAKPOINT, address);
}

/* TLBI operand: VA[55:12] in bits [43:0]; the top byte follows bit 55 (Arm ARM D8.13.5, as QEMU's tlbi_aa64_* do). */
static uint64_t tlbi_va(uint64_t xt) {
  uint64_t va = (xt & ((1ull << 44) - 1)) << 12;
  return (va & (1ull << 55)) ? va | 0xff00000000000000ull : va;
}

/*
 * unicorn's TLB holds 4 KiB entries even where the guest maps a 2 MiB or 1 GiB block, so a TLBI by VA inside a block
 * would drop one page and leave the rest of the block's old translation. Like QEMU's large-page tracking, a TLBI by
 * VA that falls in a block filled since the last full flush (or any range TLBI while there is one) flushes all.
 */
static uint32_t on_sys(uc_engine *uc, uc_arm64_reg reg, const uc_arm64_cp_reg *cp, void *user) {
  el2dbg_run *r = user;
  (void)reg;
  if (cp->op0 != 1 || cp->crn != 8 || r->block_lo >= r->block_hi) return 0; /* not a TLBI, or no blocks cached */
  int range = cp->crm == 2 || cp->crm == 5 || cp->crm == 6;                  /* TLBI RVA*E1{,IS,OS} */
  int by_va = cp->op2 == 1 || cp->op2 == 3 || cp->op2 == 5 || cp->op2 == 7;  /* VAE1, VAAE1, VALE1, VAALE1 */
  if (by_va && !range) {
    uint64_t va = tlbi_va(cp->val);
    if (va < r->block_lo || va >= r->block_hi) return 0;
  } else if (!range) {
    /* VMALLE1, ASIDE1 and the like: unicorn flushes everything itself. */
    r->block_lo = NO_ADDRESS;
    r->block_hi = 0;
    return 0;
  }
  ctl(uc, UC_CTL_WRITE(UC_CTL_TLB_FLUSH, 0));
  r->block_lo = NO_ADDRESS;
  r->block_hi = 0;
  r->tlbi_flushes++;
  return 0; /* unicorn then runs the TLBI itself */
}

/** Binds the three unicorn functions the hooks call, from the library JS already loaded. 0 on success. */
int el2dbg_shim_init(const char *libunicorn_path) {
  void *lib = dlopen(libunicorn_path, RTLD_NOW | RTLD_NOLOAD);
  if (!lib) return -1;
  emu_stop = (uc_emu_stop_fn)dlsym(lib, "uc_emu_stop");
  hook_add = (uc_hook_add_fn)dlsym(lib, "uc_hook_add");
  ctl = (uc_ctl_fn)dlsym(lib, "uc_ctl");
  return emu_stop && hook_add && ctl ? 0 : -2;
}

/** Installs the block hook and the TLBI hook of one engine; `run` must live as long as the engine. */
int el2dbg_attach(uc_engine *uc, el2dbg_run *run, uint64_t *block_hook, uint64_t *sys_hook) {
  uc_hook hh;
  uc_err err = hook_add(uc, &hh, UC_HOOK_BLOCK, (void *)on_block, run, 1, 0);
  if (err != UC_ERR_OK) return err;
  *block_hook = hh;
  err = hook_add(uc, &hh, UC_HOOK_INSN, (void *)on_sys, run, 1, 0, UC_ARM64_INS_SYS);
  if (err != UC_ERR_OK) return err;
  *sys_hook = hh;
  return UC_ERR_OK;
}

/** Adds a breakpoint: a code hook on exactly `address` (remove it with uc_hook_del). */
int el2dbg_breakpoint_add(uc_engine *uc, el2dbg_run *run, uint64_t address, uint64_t *hook) {
  uc_hook hh;
  uc_err err = hook_add(uc, &hh, UC_HOOK_CODE, (void *)on_breakpoint, run, address, address);
  if (err == UC_ERR_OK) *hook = hh;
  return err;
}
