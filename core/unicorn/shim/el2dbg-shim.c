// el2dbg's native fast path: the hooks unicorn calls on the CPU's own thread for every translated block, at
// breakpoint addresses, at TLBI instructions and for TLB fills. They are in C because a JS call per block would cost
// more than the guest's own work (docs/architecture.md, "Run control"); the TLB fill answers the common case (a
// successful stage-1 walk and stage-2 lookup) in C and leaves everything else to the TypeScript fill.
//
// Why block boundaries: unicorn checks a stop request after every load and store, and acting on it there restarts
// the instruction after its access already happened (a repeated MMIO store, a load that clobbered its own base
// register). A stop requested from these hooks takes effect before the block's first instruction, so the guest
// never sees it. Nothing calls uc_emu_stop from another thread.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unicorn/unicorn.h>

typedef uc_err (*uc_emu_stop_fn)(uc_engine *uc);
typedef uc_err (*uc_hook_add_fn)(uc_engine *uc, uc_hook *hh, int type, void *callback, void *user_data, uint64_t begin,
                                 uint64_t end, ...);
typedef uc_err (*uc_ctl_fn)(uc_engine *uc, uc_control_type control, ...);
typedef uc_err (*uc_reg_read_fn)(uc_engine *uc, int regid, void *value);
typedef uc_err (*uc_reg_write_fn)(uc_engine *uc, int regid, const void *value);
typedef uc_err (*uc_reg_read_batch_fn)(uc_engine *uc, int const *regs, void **vals, int count);
typedef uc_err (*uc_mem_read_fn)(uc_engine *uc, uint64_t address, void *bytes, uint64_t size);
typedef uc_err (*uc_mem_map_ptr_fn)(uc_engine *uc, uint64_t address, size_t size, uint32_t perms, void *ptr);
typedef uc_err (*uc_mem_unmap_fn)(uc_engine *uc, uint64_t address, size_t size);
typedef uc_err (*uc_mmio_map_fn)(uc_engine *uc, uint64_t address, size_t size, uc_cb_mmio_read_t read_cb,
                                 void *user_data_read, uc_cb_mmio_write_t write_cb, void *user_data_write);

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "descriptors are read from guest memory as host words: a little-endian host is assumed"
#endif

static uc_emu_stop_fn emu_stop;
static uc_hook_add_fn hook_add;
static uc_ctl_fn ctl;
static uc_reg_read_fn reg_read;
static uc_reg_write_fn reg_write;
static uc_reg_read_batch_fn reg_read_batch;
static uc_mem_read_fn mem_read;
static uc_mem_map_ptr_fn mem_map_ptr;
static uc_mem_unmap_fn mem_unmap;
static uc_mmio_map_fn mmio_map;

/** Why a hook stopped the run (RUN_STOP_REASON). */
enum {
  STOP_NONE = 0,
  STOP_REQUEST = 1,
  STOP_LIMIT = 2,
  STOP_DEADLINE = 3,
  STOP_BREAKPOINT = 4,
  STOP_INTERRUPT = 5, /* an asserted interrupt line is not masked by PSTATE: take it before this block */
  STOP_EVENT = 6,     /* event_ns passed (a timer fired) */
};

/**
 * The JS side's system register handler (EngineHooks.sysregCallback, used by core/machine/interrupts.ts): `write` 0 for MRS, 1 for MSR; `key` is
 * SYSREG_KEY(op0, op1, crn, crm, op2); `value` is the value written, or receives the value read. Returns 1 when it
 * emulated the access.
 */
typedef int (*sysreg_cb_fn)(uint32_t write, uint32_t key, uint64_t *value);

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
  uint64_t fill_off;     /* FILL_OFF_* reasons the native fill must leave every fill to JS; 0: it answers */
  uint64_t fill_native;  /* fills answered here */
  uint64_t fill_passed;  /* fills passed on to the JS fill */
  uint64_t fill_nranges; /* entries of fill_ranges in use */
  uint64_t in_run;       /* JS sets it around uc_emu_start: only then may the fill keep translation registers */
  uint64_t regs_valid;   /* regs_cache holds SCTLR_EL1, TCR_EL1, TTBR0_EL1, TTBR1_EL1 (cleared by any MSR) */
  uint64_t regs_cache[4];
  /* Stage 2 as the TS side exported it: IPA ranges [base, end) that translate to PA = IPA and where something answers
     (stage 2 on: the policy's allowed ranges cut to the backed ones; off: the backed ones), FILL_RANGE_* flags. */
  uint64_t fill_ranges[3 * 64];
  /* RAM and flash the shim allocated and mapped with uc_mem_map_ptr: base, size, host address (size 0: free). The
     fill reads descriptors there directly instead of through uc_mem_read. */
  uint64_t host_maps[3 * 4];
  /* Virtual time (the generic timer's count): guest ns = CLOCK_MONOTONIC ns - time_base_ns. JS moves the base on
     while the debugger holds the CPU, so a pause never looks like a jump in time to the guest. */
  uint64_t time_base_ns;
  uint64_t cntvoff;      /* CNTVOFF_EL2 of the EL2 model: CNTVCT = CNTPCT - CNTVOFF */
  uint64_t irq_lines;    /* IRQ_LINE / FIQ_LINE: the interrupt controller asserts them */
  uint64_t event_ns;     /* CLOCK_MONOTONIC ns at which the next block boundary stops the run (0: none) */
  uint64_t sysreg_cb;    /* sysreg_cb_fn, or 0: timer and GIC CPU interface registers act as unicorn has them */
  uint64_t sysreg_calls; /* accesses handed to sysreg_cb */
  /* ROM devices (the flash banks), ROMD_SLOTS each: see el2dbg_romd_init. */
  uint64_t romd[8 * 2];
  /* The instruction clock of a recording (core/replay): with icount_ns non-zero, virtual time is counted in
     instructions, so a replay reads the same counter values at the same instructions: guest ns = icount_time0 +
     (icount - icount_origin) * icount_ns, icount being the exact count before the reading instruction. icount_now
     holds it while JS emulates an MRS/MSR (NO_ADDRESS otherwise: then `executed`, exact between runs, counts). */
  uint64_t icount_ns;
  uint64_t icount_origin;
  uint64_t icount_time0;
  uint64_t icount_now;
  /* MRS answers for ID registers (a CPU model must not advertise what unicorn cannot run, e.g. SVE under `max`):
     MRS_ANSWERS pairs of SYSREG_KEY (0: unused) and the value an MRS of it reads. */
  uint64_t mrs_answers[2 * 4];
} el2dbg_run;

#define IRQ_LINE 1u
#define FIQ_LINE 2u
#define PSTATE_F (1ull << 6)
#define PSTATE_I (1ull << 7)

#define HOST_MAPS 4
#define ROMD_MAX 2
#define ROMD_SLOTS 8
/* A ROM device's slots: its host memory and size, whether its model shows the array (JS keeps this current), the JS
   read and write callbacks of its MMIO window, where it is mapped and how (ROMD_MAPPED_*). */
enum { ROMD_HOST, ROMD_SIZE, ROMD_ARRAY_MODE, ROMD_JS_READ, ROMD_JS_WRITE, ROMD_BASE, ROMD_MAPPED };
enum { ROMD_MAPPED_NONE = 0, ROMD_MAPPED_MEMORY = 1, ROMD_MAPPED_MMIO = 2 };

#define FILL_MAX_RANGES 64
/** The range is RAM or flash: descriptors may be read there (not a device window, whose reads call JS). */
#define FILL_RANGE_MEMORY 1u
/** Flash bank 0 while it is memory: mapped without write permission; a write is left to JS (it remaps the bank). */
#define FILL_RANGE_READ_ONLY 2u
/** Flash bank 0 behind its model: an instruction fetch is left to JS (it may map the bank back as memory). */
#define FILL_RANGE_NO_FETCH 4u

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

/** True when an asserted line is not masked by PSTATE.I / PSTATE.F: the interrupt is taken before the next block. */
static int interrupt_unmasked(uc_engine *uc, const el2dbg_run *r) {
  uint64_t pstate;
  if (reg_read(uc, UC_ARM64_REG_PSTATE, &pstate) != UC_ERR_OK) return 0;
  return ((r->irq_lines & IRQ_LINE) && !(pstate & PSTATE_I)) || ((r->irq_lines & FIQ_LINE) && !(pstate & PSTATE_F));
}

static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  el2dbg_run *r = user;
  uint64_t n = size >> 2; /* A64: four bytes an instruction */
  if (r->request) return stop_at(uc, r, STOP_REQUEST, address);
  /* MSR DAIFClr is invisible to hooks: while a line is up, PSTATE is looked at before every block. */
  if (r->irq_lines && interrupt_unmasked(uc, r)) return stop_at(uc, r, STOP_INTERRUPT, address);
  if (r->executed + n > r->limit) return stop_at(uc, r, STOP_LIMIT, address);
  if ((r->deadline_ns || r->event_ns) && ++r->tick >= CLOCK_EVERY) {
    r->tick = 0;
    uint64_t now = now_ns();
    if (r->event_ns && now >= r->event_ns) return stop_at(uc, r, STOP_EVENT, address);
    if (r->deadline_ns && now >= r->deadline_ns) return stop_at(uc, r, STOP_DEADLINE, address);
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

/*
 * The native TLB fill: the stage-1 walk of core/mmu/stage1-walker.ts (4 KiB granule, EL1&0 regime) and the stage-2
 * lookup of AddressSpace.translateIpa, for the case where everything succeeds. Every fault, every IPA the exported
 * table does not map (a handler region, an unmapped IPA, an access where nothing answers) and every state the table
 * was not made for returns 0 and leaves the fill to the JS hook installed after this one, which then decides exactly
 * as it always has. The TypeScript walker is the reference; test/core/machine/native-fill.test.ts compares the two.
 */
#define PAGE 0x1000ull
#define PA_SIZE_BITS 48
#define SCTLR_M (1ull << 0)
#define SCTLR_WXN (1ull << 19)
#define DESC_ADDR_MASK 0x0000fffffffff000ull /* bits [47:12] */
enum { ACC_READ = 0, ACC_WRITE = 1, ACC_FETCH = 2 };

static uint64_t field(uint64_t v, unsigned hi, unsigned lo) {
  return (v >> lo) & ((hi - lo == 63) ? ~0ull : ((1ull << (hi - lo + 1)) - 1));
}

/** The exported range holding `ipa` (stage 2 maps it to itself and something answers there), or NULL. */
static const uint64_t *s2_range(const el2dbg_run *r, uint64_t ipa) {
  uint64_t n = r->fill_nranges;
  for (uint64_t i = 0; i < n; i++) {
    const uint64_t *e = &r->fill_ranges[3 * i];
    if (ipa >= e[0] && ipa < e[1]) return e;
  }
  return NULL;
}

/** The 8-byte descriptor at physical address pa: straight from a host mapping when it is one, else uc_mem_read. */
static int read_descriptor(uc_engine *uc, const el2dbg_run *r, uint64_t pa, uint64_t *d) {
  for (int i = 0; i < HOST_MAPS; i++) {
    const uint64_t *m = &r->host_maps[3 * i];
    if (m[1] >= 8 && pa - m[0] <= m[1] - 8) {
      memcpy(d, (const uint8_t *)(uintptr_t)m[2] + (pa - m[0]), 8);
      return 1;
    }
  }
  for (int i = 0; i < ROMD_MAX; i++) {
    const uint64_t *m = &r->romd[ROMD_SLOTS * i];
    if (m[ROMD_MAPPED] == ROMD_MAPPED_MEMORY && m[ROMD_SIZE] >= 8 && pa - m[ROMD_BASE] <= m[ROMD_SIZE] - 8) {
      memcpy(d, (const uint8_t *)(uintptr_t)m[ROMD_HOST] + (pa - m[ROMD_BASE]), 8);
      return 1;
    }
  }
  return mem_read(uc, pa, d, 8) == UC_ERR_OK;
}

/** addressTop of stage1-range.ts: 55 under top-byte-ignore, else 63. */
static unsigned address_top(uint64_t va, int access, uint64_t tcr) {
  int upper = (va >> 55) & 1;
  uint64_t tbi = upper ? 1ull << 38 : 1ull << 37;
  uint64_t tbid = upper ? 1ull << 52 : 1ull << 51;
  if (access == ACC_FETCH && (tcr & tbid)) return 63;
  return (tcr & tbi) ? 55 : 63;
}

/** The translation answer: the physical page, UC_PROT rights, and the size of the stage-1 block (0: stage 1 off). */
typedef struct {
  uint64_t pa;
  uint64_t perms;
  uint64_t block;
} fill_answer;

/* regs: SCTLR_EL1, TCR_EL1, TTBR0_EL1, TTBR1_EL1. Returns 1 with *out filled, 0 when JS must decide. */
static int fill_walk(uc_engine *uc, const el2dbg_run *r, uint64_t va, int access, int el, const uint64_t regs[4],
                     fill_answer *out) {
  uint64_t sctlr = regs[0], tcr = regs[1];
  uint64_t ipa, perms, block = 0;
  unsigned top = address_top(va, access, tcr);
  if (!(sctlr & SCTLR_M)) {
    if (field(va, top, PA_SIZE_BITS) != 0) return 0; /* address size fault */
    ipa = va & ((1ull << PA_SIZE_BITS) - 1);
    perms = UC_PROT_ALL;
  } else {
    int upper = (va >> 55) & 1;
    uint64_t t = field(tcr, upper ? 21 : 5, upper ? 16 : 0);
    unsigned txsz = t < 16 ? 16 : t > 39 ? 39 : (unsigned)t;
    unsigned input = 64 - txsz;
    uint64_t m = field(va, top, input), all = (1ull << (top - input + 1)) - 1;
    if (m != (upper ? all : 0)) return 0;                             /* VA outside the range */
    if (tcr & (upper ? 1ull << 23 : 1ull << 7)) return 0;             /* EPDn */
    if (field(tcr, upper ? 31 : 15, upper ? 30 : 14) != (upper ? 2 : 0)) return 0; /* not the 4 KiB granule */
    static const unsigned ips_bits[8] = {32, 36, 40, 42, 44, 48, 48, 48};
    unsigned osize = ips_bits[field(tcr, 34, 32)];
    uint64_t baddr = regs[upper ? 3 : 2] & 0x0000fffffffffffeull;
    if (baddr >> osize) return 0;
    int level = input > 39 ? 0 : input > 30 ? 1 : input > 21 ? 2 : 3;
    unsigned tlog2 = input - (12 + 9 * (3 - level)) + 3;
    uint64_t table = baddr & ~((1ull << tlog2) - 1);
    int hpd = (tcr & (upper ? 1ull << 42 : 1ull << 41)) != 0;
    unsigned ap_table = 0, pxn_table = 0, uxn_table = 0;
    for (;;) {
      unsigned shift = 12 + 9 * (3 - level);
      unsigned hi = shift + 8 < input - 1 ? shift + 8 : input - 1;
      uint64_t entry = table + field(va, hi, shift) * 8;
      const uint64_t *range = s2_range(r, entry);
      if (!range || !(range[2] & FILL_RANGE_MEMORY)) return 0; /* stage 2 on the walk: JS decides */
      uint64_t d;
      if (!read_descriptor(uc, r, entry, &d)) return 0;
      if (!(d & 1)) return 0; /* invalid */
      if (level < 3 && (d & 2)) {
        uint64_t next = d & DESC_ADDR_MASK;
        if (next >> osize) return 0;
        if (!hpd) {
          ap_table |= (unsigned)field(d, 62, 61);
          pxn_table |= (unsigned)field(d, 59, 59);
          uxn_table |= (unsigned)field(d, 60, 60);
        }
        table = next;
        level++;
        continue;
      }
      if (level == 0 || (level == 3 && !(d & 2))) return 0; /* reserved */
      uint64_t out_addr = d & DESC_ADDR_MASK & ~((1ull << shift) - 1);
      if (out_addr >> osize) return 0;
      if (!(d & (1ull << 10))) return 0; /* access flag */
      unsigned ap = (unsigned)field(d, 7, 6);
      int pxn = (d >> 53) & 1, uxn = (d >> 54) & 1;
      int wxn = (sctlr & SCTLR_WXN) != 0;
      int read_only = (ap & 2) || (ap_table & 2);
      int el0_access = (ap & 1) && !(ap_table & 1);
      int el1_write = !read_only, el0_write = el0_access && !read_only;
      int el1_exec = !(pxn || pxn_table || el0_write), el0_exec = !(uxn || uxn_table);
      if (el == 0)
        perms = (el0_access ? UC_PROT_READ : 0) | (el0_write ? UC_PROT_WRITE : 0) |
                (el0_exec && !(wxn && el0_write) ? UC_PROT_EXEC : 0);
      else
        perms = UC_PROT_READ | (el1_write ? UC_PROT_WRITE : 0) | (el1_exec && !(wxn && el1_write) ? UC_PROT_EXEC : 0);
      uint64_t need = access == ACC_READ ? UC_PROT_READ : access == ACC_WRITE ? UC_PROT_WRITE : UC_PROT_EXEC;
      if (!(perms & need)) return 0; /* permission fault */
      block = 1ull << shift;
      ipa = out_addr | (va & (block - 1));
      break;
    }
  }
  const uint64_t *range = s2_range(r, ipa);
  if (!range) return 0; /* stage 2 fault, handler region, or nothing there: JS decides */
  if ((range[2] & FILL_RANGE_NO_FETCH) && access == ACC_FETCH) return 0;
  if (range[2] & FILL_RANGE_READ_ONLY) {
    if (access == ACC_WRITE) return 0; /* JS moves the bank behind its model first */
    perms &= ~(uint64_t)UC_PROT_WRITE;
  }
  out->pa = ipa & ~(PAGE - 1);
  out->perms = perms;
  out->block = block;
  return 1;
}

/** SCTLR_EL1, TCR_EL1, TTBR0_EL1, TTBR1_EL1 and the EL in one unicorn call. */
static int read_translation_state_uncached(uc_engine *uc, uint64_t regs[4], int *el) {
  static const int ids[5] = {UC_ARM64_REG_CP_REG, UC_ARM64_REG_CP_REG, UC_ARM64_REG_TTBR0_EL1, UC_ARM64_REG_TTBR1_EL1,
                             UC_ARM64_REG_PSTATE};
  uc_arm64_cp_reg sctlr = {.crn = 1, .crm = 0, .op0 = 3, .op1 = 0, .op2 = 0, .val = 0};
  uc_arm64_cp_reg tcr = {.crn = 2, .crm = 0, .op0 = 3, .op1 = 0, .op2 = 2, .val = 0};
  uint64_t pstate = 0;
  void *vals[5] = {&sctlr, &tcr, &regs[2], &regs[3], &pstate};
  if (reg_read_batch(uc, ids, vals, 5) != UC_ERR_OK) return 0;
  regs[0] = sctlr.val;
  regs[1] = tcr.val;
  *el = ((pstate >> 2) & 3) == 0 ? 0 : 1;
  return 1;
}

/**
 * SCTLR_EL1, TCR_EL1, TTBR0_EL1, TTBR1_EL1 into regs and the EL (0 or 1) into *el. Reading the two system registers
 * costs a hash lookup each, so inside a run the four are kept until the guest executes an MSR (on_msr) or the run
 * ends: nothing else changes them while unicorn runs (JS writes registers only between runs, and unicorn takes no
 * exception itself). PSTATE is read every time (ERET changes the EL without an MSR).
 */
static int read_translation_state(uc_engine *uc, el2dbg_run *r, uint64_t regs[4], int *el) {
  if (r->in_run && r->regs_valid) {
    uint64_t pstate = 0;
    if (reg_read(uc, UC_ARM64_REG_PSTATE, &pstate) != UC_ERR_OK) return 0;
    *el = ((pstate >> 2) & 3) == 0 ? 0 : 1;
    for (int i = 0; i < 4; i++) regs[i] = r->regs_cache[i];
    return 1;
  }
  if (!read_translation_state_uncached(uc, regs, el)) return 0;
  if (r->in_run) {
    for (int i = 0; i < 4; i++) r->regs_cache[i] = regs[i];
    r->regs_valid = 1;
  }
  return 1;
}

static int access_of(uc_mem_type type) {
  return type == UC_MEM_WRITE ? ACC_WRITE : type == UC_MEM_FETCH ? ACC_FETCH : ACC_READ;
}

static bool on_tlb_fill(uc_engine *uc, uint64_t va, uc_mem_type type, uc_tlb_entry *result, void *user) {
  el2dbg_run *r = user;
  uint64_t regs[4];
  int el;
  fill_answer a;
  if (r->fill_off || !read_translation_state(uc, r, regs, &el) || !fill_walk(uc, r, va, access_of(type), el, regs, &a)) {
    r->fill_passed++;
    return false; /* the JS fill hook runs next */
  }
  if (a.block > PAGE) { /* what AddressSpace.fill does through RunState.noteBlockMapping */
    uint64_t lo = va & ~(a.block - 1);
    if (lo < r->block_lo) r->block_lo = lo;
    if (lo + a.block > r->block_hi) r->block_hi = lo + a.block;
  }
  result->paddr = a.pa;
  result->perms = (uc_prot)a.perms;
  r->fill_native++;
  return true;
}

/**
 * Test entry point: the native fill's answer for one page VA, access (UC_MEM_READ/WRITE/FETCH) and EL with the given
 * SCTLR_EL1, TCR_EL1, TTBR0_EL1, TTBR1_EL1, without a CPU run and without side effects. Returns 1 and {pa, perms,
 * block size} in out, or 0 where the JS fill would decide. Ignores fill_off.
 */
int el2dbg_fill_probe(uc_engine *uc, el2dbg_run *run, uint64_t va, uint32_t type, uint32_t el, const uint64_t *regs,
                      uint64_t *out) {
  fill_answer a;
  if (!fill_walk(uc, run, va, access_of((uc_mem_type)type), el ? 1 : 0, regs, &a)) return 0;
  out[0] = a.pa;
  out[1] = a.perms;
  out[2] = a.block;
  return 1;
}

/* System registers the JS side emulates, by SYSREG_KEY: the generic timers (CNTP_* and CNTV_* TVAL/CTL/CVAL:
   unicorn drops their writes) and the GICv3 CPU interface (ICC_*: unicorn has none, so they are UNDEF). */
#define SYSREG_KEY(op0, op1, crn, crm, op2) (((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define KEY_CNTPCT_EL0 SYSREG_KEY(3, 3, 14, 0, 1)
#define KEY_CNTVCT_EL0 SYSREG_KEY(3, 3, 14, 0, 2)
#define KEY_ICC_PMR_EL1 SYSREG_KEY(3, 0, 4, 6, 0)
/** Generic timer period at 62.5 MHz (CNTFRQ_EL0 as unicorn and QEMU 7.2 report it). */
#define TIMER_NS_PER_TICK 16u

static uint32_t key_of(const uc_arm64_cp_reg *cp) { return SYSREG_KEY(cp->op0, cp->op1, cp->crn, cp->crm, cp->op2); }

static int is_timer(const uc_arm64_cp_reg *cp) {
  return cp->op0 == 3 && cp->op1 == 3 && cp->crn == 14 && (cp->crm == 2 || cp->crm == 3) && cp->op2 <= 2;
}

static int is_gic_cpuif(const uc_arm64_cp_reg *cp) {
  return (cp->op0 == 3 && cp->op1 == 0 && cp->crn == 12 && cp->crm >= 8) || key_of(cp) == KEY_ICC_PMR_EL1;
}

/*
 * unicorn ends the translation block at an UNDEF register and its skip path does not move PC past the instruction
 * (it would run again forever): PC is moved here, which also makes unicorn leave the block and go on from there.
 */
static void skip_undefined(uc_engine *uc) {
  uint64_t pc;
  if (reg_read(uc, UC_ARM64_REG_PC, &pc) != UC_ERR_OK) return;
  pc += 4;
  reg_write(uc, UC_ARM64_REG_PC, &pc);
}

/**
 * The exact instruction count before the instruction being executed (inside an instruction hook): the block hook
 * counted its whole block already. Between runs `executed` is exact.
 */
static uint64_t exact_count(uc_engine *uc, const el2dbg_run *r) {
  uint64_t pc;
  if (r->tb_start == NO_ADDRESS || reg_read(uc, UC_ARM64_REG_PC, &pc) != UC_ERR_OK) return r->executed;
  return pc >= r->tb_start && pc < r->tb_end ? r->tb_base + (pc - r->tb_start) / 4 : r->executed;
}

/** Hands an emulated register to JS; returns 1 (skip unicorn's own handling) when JS emulated it. */
static uint32_t emulate_sysreg(uc_engine *uc, el2dbg_run *r, const uc_arm64_cp_reg *cp, uint32_t write,
                               uint64_t *value) {
  if (!r->sysreg_cb) return 0;
  r->sysreg_calls++;
  if (r->icount_ns) r->icount_now = exact_count(uc, r); /* what JS reads the clock as */
  int done = ((sysreg_cb_fn)(uintptr_t)r->sysreg_cb)(write, key_of(cp), value);
  r->icount_now = NO_ADDRESS;
  if (!done) return 0;
  if (is_gic_cpuif(cp)) skip_undefined(uc);
  return 1;
}

/** Virtual time in ns: host time less the debugger's pauses, or the instruction clock of a recording. */
static uint64_t virtual_ns(const el2dbg_run *r, uint64_t icount) {
  if (!r->icount_ns) return now_ns() - r->time_base_ns;
  return r->icount_time0 + (icount - r->icount_origin) * r->icount_ns;
}

/** The counters in virtual time; unicorn would count host time. */
static uint64_t counter_now(const el2dbg_run *r) {
  return virtual_ns(r, r->icount_now != NO_ADDRESS ? r->icount_now : r->executed) / TIMER_NS_PER_TICK;
}

/** MRS of the counters (answered here: firmware polls them ~10^5 times a second), timers and GIC registers. */
static uint32_t on_mrs(uc_engine *uc, uc_arm64_reg reg, const uc_arm64_cp_reg *cp, void *user) {
  el2dbg_run *r = user;
  uint64_t v;
  uint32_t key = key_of(cp);
  for (int i = 0; i < 4; i++) {
    if (r->mrs_answers[2 * i] != key) continue;
    if (reg != UC_ARM64_REG_XZR) reg_write(uc, reg, &r->mrs_answers[2 * i + 1]);
    return 1;
  }
  if (r->sysreg_cb && (key == KEY_CNTPCT_EL0 || key == KEY_CNTVCT_EL0)) {
    uint64_t count = r->icount_ns ? virtual_ns(r, exact_count(uc, r)) / TIMER_NS_PER_TICK : counter_now(r);
    v = count - (key == KEY_CNTVCT_EL0 ? r->cntvoff : 0);
  } else if (is_timer(cp) || is_gic_cpuif(cp)) {
    v = 0;
    if (!emulate_sysreg(uc, r, cp, 0, &v)) return 0;
  } else {
    return 0;
  }
  if (reg != UC_ARM64_REG_XZR) reg_write(uc, reg, &v);
  return 1;
}

/** MSR: emulated registers go to JS; any other may change a translation register, so the fill reads them again. */
static uint32_t on_msr(uc_engine *uc, uc_arm64_reg reg, const uc_arm64_cp_reg *cp, void *user) {
  el2dbg_run *r = user;
  (void)reg;
  if (is_timer(cp) || is_gic_cpuif(cp)) {
    uint64_t v = cp->val;
    if (emulate_sysreg(uc, r, cp, 1, &v)) return 1;
  }
  r->regs_valid = 0;
  return 0;
}

/** Test and JS entry point: the generic timer's count now (CNTPCT_EL0), in virtual time. */
uint64_t el2dbg_counter(const el2dbg_run *run) { return counter_now(run); }

/** CLOCK_MONOTONIC in ns, the clock time_base_ns and event_ns are on. */
uint64_t el2dbg_now_ns(void) { return now_ns(); }

/** Binds the unicorn functions the hooks call, from the library JS already loaded. 0 on success. */
int el2dbg_shim_init(const char *libunicorn_path) {
  void *lib = dlopen(libunicorn_path, RTLD_NOW | RTLD_NOLOAD);
  if (!lib) return -1;
  emu_stop = (uc_emu_stop_fn)dlsym(lib, "uc_emu_stop");
  hook_add = (uc_hook_add_fn)dlsym(lib, "uc_hook_add");
  ctl = (uc_ctl_fn)dlsym(lib, "uc_ctl");
  reg_read = (uc_reg_read_fn)dlsym(lib, "uc_reg_read");
  reg_write = (uc_reg_write_fn)dlsym(lib, "uc_reg_write");
  reg_read_batch = (uc_reg_read_batch_fn)dlsym(lib, "uc_reg_read_batch");
  mem_read = (uc_mem_read_fn)dlsym(lib, "uc_mem_read");
  mem_map_ptr = (uc_mem_map_ptr_fn)dlsym(lib, "uc_mem_map_ptr");
  mem_unmap = (uc_mem_unmap_fn)dlsym(lib, "uc_mem_unmap");
  mmio_map = (uc_mmio_map_fn)dlsym(lib, "uc_mmio_map");
  return emu_stop && hook_add && ctl && reg_read && reg_write && reg_read_batch && mem_read && mem_map_ptr && mem_unmap && mmio_map
             ? 0
             : -2;
}

/**
 * Installs the block hook, the TLBI hook and the native TLB fill of one engine; `run` must live as long as the engine.
 * The fill hook must come before the JS one (unicorn asks fill hooks in the order they were added, first yes wins).
 */
int el2dbg_attach(uc_engine *uc, el2dbg_run *run, uint64_t *block_hook, uint64_t *sys_hook, uint64_t *fill_hook,
                  uint64_t *msr_hook, uint64_t *mrs_hook) {
  uc_hook hh;
  uc_err err = hook_add(uc, &hh, UC_HOOK_BLOCK, (void *)on_block, run, 1, 0);
  if (err != UC_ERR_OK) return err;
  *block_hook = hh;
  err = hook_add(uc, &hh, UC_HOOK_INSN, (void *)on_sys, run, 1, 0, UC_ARM64_INS_SYS);
  if (err != UC_ERR_OK) return err;
  *sys_hook = hh;
  err = hook_add(uc, &hh, UC_HOOK_TLB_FILL, (void *)on_tlb_fill, run, 1, 0);
  if (err != UC_ERR_OK) return err;
  *fill_hook = hh;
  err = hook_add(uc, &hh, UC_HOOK_INSN, (void *)on_msr, run, 1, 0, UC_ARM64_INS_MSR);
  if (err != UC_ERR_OK) return err;
  *msr_hook = hh;
  err = hook_add(uc, &hh, UC_HOOK_INSN, (void *)on_mrs, run, 1, 0, UC_ARM64_INS_MRS);
  if (err != UC_ERR_OK) return err;
  *mrs_hook = hh;
  run->time_base_ns = now_ns();
  run->icount_now = NO_ADDRESS;
  return UC_ERR_OK;
}

/**
 * Zeroed host memory for guest RAM or a flash array, or NULL. Like QEMU's guest RAM it asks for transparent huge pages
 * (where the host's THP setting is "madvise"): a guest touching fresh memory then takes one page fault per 2 MiB, not
 * per 4 KiB (U-Boot's boot took ~4500 fewer faults, ~50 ms less).
 */
static void *host_alloc(uint64_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  madvise(p, size, MADV_HUGEPAGE); /* advice only: without THP it fails and nothing changes */
  return p;
}

/**
 * Maps zeroed RAM-like memory at [base, base + size) that the shim allocates, so the fill can read descriptors there
 * without a call into unicorn. Returns a uc_err; like unicorn's own allocation (no MAP_NORESERVE), a size the host
 * cannot commit fails with UC_ERR_NOMEM, which the CLI reports as too much --memory.
 */
int el2dbg_host_map(uc_engine *uc, el2dbg_run *run, uint64_t base, uint64_t size, uint32_t perms) {
  int slot = -1;
  for (int i = 0; i < HOST_MAPS && slot < 0; i++)
    if (run->host_maps[3 * i + 1] == 0) slot = i;
  if (slot < 0 || size == 0) return UC_ERR_NOMEM;
  void *p = host_alloc(size);
  if (!p) return UC_ERR_NOMEM;
  uc_err err = mem_map_ptr(uc, base, size, perms, p);
  if (err != UC_ERR_OK) {
    munmap(p, size);
    return err;
  }
  run->host_maps[3 * slot] = base;
  run->host_maps[3 * slot + 2] = (uint64_t)(uintptr_t)p;
  run->host_maps[3 * slot + 1] = size;
  return UC_ERR_OK;
}

/**
 * Zeroes [base, base + size) of memory mapped by el2dbg_host_map without unmapping it: the pages go back to the host
 * and read as zero when next touched (much cheaper than uc_mem_unmap, which visits every page of the region). The
 * caller flushes unicorn's TLB and translated blocks. UC_ERR_ARG if it is not inside one host mapping.
 */
int el2dbg_host_zero(el2dbg_run *run, uint64_t base, uint64_t size) {
  for (int i = 0; i < HOST_MAPS; i++) {
    const uint64_t *m = &run->host_maps[3 * i];
    if (m[1] != 0 && base >= m[0] && size <= m[1] && base - m[0] <= m[1] - size) {
      uint8_t *p = (uint8_t *)(uintptr_t)m[2] + (base - m[0]);
      return madvise(p, size, MADV_DONTNEED) == 0 ? UC_ERR_OK : UC_ERR_ARG;
    }
  }
  return UC_ERR_ARG;
}

/** Frees every host mapping and ROM device array; only after uc_close (unicorn must never touch them again). */
void el2dbg_host_release(el2dbg_run *run) {
  for (int i = 0; i < HOST_MAPS; i++) {
    uint64_t *m = &run->host_maps[3 * i];
    if (m[1] != 0) munmap((void *)(uintptr_t)m[2], m[1]);
    m[1] = 0;
  }
  for (int i = 0; i < ROMD_MAX; i++) {
    uint64_t *m = &run->romd[ROMD_SLOTS * i];
    if (m[ROMD_SIZE] != 0) munmap((void *)(uintptr_t)m[ROMD_HOST], m[ROMD_SIZE]);
    memset(m, 0, ROMD_SLOTS * sizeof *m);
  }
}

/*
 * ROM devices, as QEMU models a CFI flash bank (memory_region_init_rom_device): one host array that unicorn sees
 * either as memory (the guest executes from it and reads it at memory speed) or as an MMIO window in front of the
 * device model (commands). Switching maps the same array the other way: nothing is copied. In the MMIO view, a read
 * while the model shows its array (ROMD_ARRAY_MODE, which JS keeps current) is answered here from the array, as the
 * model would answer it; every other read and every write goes to the model in JS.
 */

/** The MMIO read of a ROM device: from its array in read-array mode, else from its model. */
static uint64_t romd_read(uc_engine *uc, uint64_t offset, unsigned size, void *user) {
  const uint64_t *m = user;
  if (m[ROMD_ARRAY_MODE] && size <= 8 && offset < m[ROMD_SIZE] && size <= m[ROMD_SIZE] - offset) {
    uint64_t v = 0;
    memcpy(&v, (const uint8_t *)(uintptr_t)m[ROMD_HOST] + offset, size); /* little-endian, as the array reads */
    return v;
  }
  return ((uc_cb_mmio_read_t)(uintptr_t)m[ROMD_JS_READ])(uc, offset, size, NULL);
}

/**
 * Sets up ROM device `index`: a zeroed array of `size` bytes (returned in *host, for JS to view), and the model's MMIO
 * callbacks. It starts unmapped and in read-array mode. Returns a uc_err.
 */
int el2dbg_romd_init(el2dbg_run *run, uint32_t index, uint64_t size, void *js_read, void *js_write, void **host) {
  if (index >= ROMD_MAX || size == 0 || run->romd[ROMD_SLOTS * index + ROMD_SIZE] != 0) return UC_ERR_ARG;
  void *p = host_alloc(size);
  if (!p) return UC_ERR_NOMEM;
  uint64_t *m = &run->romd[ROMD_SLOTS * index];
  m[ROMD_HOST] = (uint64_t)(uintptr_t)p;
  m[ROMD_SIZE] = size;
  m[ROMD_ARRAY_MODE] = 1;
  m[ROMD_JS_READ] = (uint64_t)(uintptr_t)js_read;
  m[ROMD_JS_WRITE] = (uint64_t)(uintptr_t)js_write;
  m[ROMD_MAPPED] = ROMD_MAPPED_NONE;
  *host = p;
  return UC_ERR_OK;
}

/**
 * Maps ROM device `index` at `base` as memory (ROMD_MAPPED_MEMORY, with `perms`) or as its MMIO window
 * (ROMD_MAPPED_MMIO), or leaves it unmapped (ROMD_MAPPED_NONE), unmapping its current view first. unicorn drops the
 * translated blocks and TLB pages of a region it unmaps. Returns a uc_err.
 */
int el2dbg_romd_map(uc_engine *uc, el2dbg_run *run, uint32_t index, uint64_t base, uint32_t how, uint32_t perms) {
  if (index >= ROMD_MAX || how > ROMD_MAPPED_MMIO) return UC_ERR_ARG;
  uint64_t *m = &run->romd[ROMD_SLOTS * index];
  if (m[ROMD_SIZE] == 0) return UC_ERR_ARG;
  if (m[ROMD_MAPPED] != ROMD_MAPPED_NONE) {
    uc_err err = mem_unmap(uc, m[ROMD_BASE], m[ROMD_SIZE]);
    if (err != UC_ERR_OK) return err;
    m[ROMD_MAPPED] = ROMD_MAPPED_NONE;
  }
  uc_err err = UC_ERR_OK;
  if (how == ROMD_MAPPED_MEMORY) {
    err = mem_map_ptr(uc, base, m[ROMD_SIZE], perms, (void *)(uintptr_t)m[ROMD_HOST]);
  } else if (how == ROMD_MAPPED_MMIO) {
    err = mmio_map(uc, base, m[ROMD_SIZE], romd_read, m, (uc_cb_mmio_write_t)(uintptr_t)m[ROMD_JS_WRITE], NULL);
  }
  if (err != UC_ERR_OK) return err;
  m[ROMD_BASE] = base;
  m[ROMD_MAPPED] = how;
  return UC_ERR_OK;
}

/** Zeroes ROM device `index`'s array (power-on); the caller flushes unicorn's TLB and translated blocks. */
int el2dbg_romd_zero(el2dbg_run *run, uint32_t index) {
  if (index >= ROMD_MAX) return UC_ERR_ARG;
  const uint64_t *m = &run->romd[ROMD_SLOTS * index];
  if (m[ROMD_SIZE] == 0) return UC_ERR_ARG;
  return madvise((void *)(uintptr_t)m[ROMD_HOST], m[ROMD_SIZE], MADV_DONTNEED) == 0 ? UC_ERR_OK : UC_ERR_ARG;
}

/** Adds a breakpoint: a code hook on exactly `address` (remove it with uc_hook_del). */
int el2dbg_breakpoint_add(uc_engine *uc, el2dbg_run *run, uint64_t address, uint64_t *hook) {
  uc_hook hh;
  uc_err err = hook_add(uc, &hh, UC_HOOK_CODE, (void *)on_breakpoint, run, address, address);
  if (err == UC_ERR_OK) *hook = hh;
  return err;
}

/*
 * Snapshots of guest memory (core/replay): pages of host memory that differ from a shadow copy. The shadow is
 * anonymous memory like the guest's own, so pages that stay zero in both cost nothing.
 */
#define SNAP_PAGE 4096u

/** Zeroed anonymous memory for a shadow copy of `size` bytes (NULL if the host has none); free it with munmap. */
void *el2dbg_shadow_alloc(uint64_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/** Frees a shadow from el2dbg_shadow_alloc. */
void el2dbg_shadow_free(void *p, uint64_t size) {
  if (p) munmap(p, size);
}

static int page_is_zero(const uint8_t *p) {
  static const uint8_t zero[SNAP_PAGE];
  return memcmp(p, zero, SNAP_PAGE) == 0;
}

/**
 * True when the host can swap (SwapTotal > 0 in /proc/meminfo, zram and zswap included): then a page mincore calls not
 * resident may be swapped out rather than never touched, and the scan below must read it.
 */
static int host_swaps(void) {
  static int known = 0, swaps = 1;
  if (known) return swaps;
  known = 1;
  FILE *f = fopen("/proc/meminfo", "r");
  if (!f) return swaps;
  char line[128];
  unsigned long long kb;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "SwapTotal: %llu kB", &kb) == 1) swaps = kb > 0;
  fclose(f);
  return swaps;
}

/**
 * Writes the index of each of the `pages` pages where `cur` and `shadow` differ into out (at most `max` of them) and
 * returns how many differ (more than `max`: call again with room for all). Without swap, pages the host never backed
 * (mincore: not resident) read as zero: they are not read at all, so a scan costs what the guest touched, not the
 * size of its RAM.
 */
uint64_t el2dbg_pages_diff(const uint8_t *cur, const uint8_t *shadow, uint64_t pages, uint32_t *out, uint64_t max) {
  enum { CHUNK = 16384 };
  static unsigned char in_cur[CHUNK], in_shadow[CHUNK];
  uint64_t n = 0;
  for (uint64_t base = 0; base < pages; base += CHUNK) {
    uint64_t count = pages - base < CHUNK ? pages - base : CHUNK;
    size_t len = count * SNAP_PAGE;
    int known = !host_swaps() && mincore((void *)(cur + base * SNAP_PAGE), len, in_cur) == 0 &&
                mincore((void *)(shadow + base * SNAP_PAGE), len, in_shadow) == 0;
    for (uint64_t i = 0; i < count; i++) {
      const uint8_t *c = cur + (base + i) * SNAP_PAGE, *sh = shadow + (base + i) * SNAP_PAGE;
      int cr = !known || (in_cur[i] & 1), sr = !known || (in_shadow[i] & 1);
      int same = cr && sr ? memcmp(c, sh, SNAP_PAGE) == 0 : cr ? page_is_zero(c) : sr ? page_is_zero(sh) : 1;
      if (same) continue;
      if (n < max) out[n] = (uint32_t)(base + i);
      n++;
    }
  }
  return n;
}
