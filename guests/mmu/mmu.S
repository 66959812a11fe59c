/*
 * guests/mmu/mmu.S -- el2dbg guest that turns on its stage-1 MMU.
 *
 * Translation regime (EL1&0, 4 KiB granule, 48-bit VAs):
 *   TCR_EL1: T0SZ = T1SZ = 16 (walks start at level 0), TG0 = 4K, TG1 = 4K,
 *            IRGN/ORGN = WBWA, SH = inner, IPS = 40 bits
 *   MAIR_EL1: Attr0 = 0xff (Normal WB), Attr1 = 0x00 (Device-nGnRnE)
 *
 * Page tables, built at run time in .pgtables (page aligned, part of .bss,
 * zeroed by crt0):
 *   TTBR0 (identity map)
 *     pt_ttbr0_l0[0]    -> pt_ttbr0_l1
 *     pt_ttbr0_l1[0]    -> pt_ttbr0_l2_dev   (VA 0x00000000..0x3fffffff)
 *     pt_ttbr0_l2_dev[72] -> pt_ttbr0_l3_dev (VA 0x09000000..0x091fffff)
 *     pt_ttbr0_l3_dev[0]  =  4K page 0x09000000, Device-nGnRnE, PXN|UXN
 *     pt_ttbr0_l1[1]    -> pt_ttbr0_l2_ram   (VA 0x40000000..0x7fffffff)
 *     pt_ttbr0_l2_ram[0]  -> pt_ttbr0_l3_ram: 512 4K pages 0x40000000..0x401fffff
 *                            (code, data, stack, tables), Normal, inner shareable
 *     pt_ttbr0_l2_ram[1..511] = 2 MiB blocks 0x40200000..0x7fffffff, Normal
 *   TTBR1 (high half)
 *     pt_ttbr1_l0[0] -> pt_ttbr1_l1[0] -> pt_ttbr1_l2[72] -> pt_ttbr1_l3[0]
 *       = 4K page VA 0xffff000009000000 -> PA 0x09000000, Device-nGnRnE
 *
 * Output:
 *   MMU on: T0SZ=16 walk from level 0
 *   Hello from the high half (0xffff000009000000)!
 *
 * Call graph: _start -> main -> {build_page_tables, mmu_enable, uart_puts}
 */
    .include "platform.inc"        /* constants + macros only, no code */

    /* Stage-1 descriptor bits (VMSAv8-64, 4 KiB granule) */
    .equ    PTE_VALID, 1 << 0
    .equ    PTE_TABLE, 3 << 0      /* level 0-2 table descriptor */
    .equ    PTE_BLOCK, 1 << 0      /* level 1-2 block descriptor */
    .equ    PTE_PAGE, 3 << 0       /* level 3 page descriptor */
    .equ    PTE_ATTRIDX_NORMAL, 0 << 2
    .equ    PTE_ATTRIDX_DEVICE, 1 << 2
    .equ    PTE_AP_EL1_RW, 0 << 6
    .equ    PTE_SH_INNER, 3 << 8
    .equ    PTE_AF, 1 << 10
    .equ    PTE_PXN, 1 << 53
    .equ    PTE_UXN, 1 << 54

    .equ    NORMAL_ATTRS, PTE_ATTRIDX_NORMAL | PTE_AP_EL1_RW | PTE_SH_INNER | PTE_AF
    .equ    DEVICE_ATTRS, PTE_ATTRIDX_DEVICE | PTE_AP_EL1_RW | PTE_AF | PTE_PXN | PTE_UXN

    .equ    PAGE_SIZE, 0x1000
    .equ    L2_BLOCK_SIZE, 0x200000

    /* Table indices (4 KiB granule: L0 VA[47:39], L1 [38:30], L2 [29:21], L3 [20:12]) */
    .equ    UART_HIGH_VA, 0xffff000000000000 + UART0_BASE
    .equ    UART_L0_IDX, (UART0_BASE >> 39) & 0x1ff     /* 0 */
    .equ    UART_L1_IDX, (UART0_BASE >> 30) & 0x1ff     /* 0 */
    .equ    UART_L2_IDX, (UART0_BASE >> 21) & 0x1ff     /* 72 */
    .equ    UART_L3_IDX, (UART0_BASE >> 12) & 0x1ff     /* 0 */
    .equ    RAM_L0_IDX, (RAM_BASE >> 39) & 0x1ff        /* 0 */
    .equ    RAM_L1_IDX, (RAM_BASE >> 30) & 0x1ff        /* 1 */

    /* MAIR_EL1 / TCR_EL1 / SCTLR_EL1 */
    .equ    MAIR_VALUE, (0xff << 0) | (0x00 << 8)
    .equ    TCR_T0SZ, 16 << 0
    .equ    TCR_IRGN0_WBWA, 1 << 8
    .equ    TCR_ORGN0_WBWA, 1 << 10
    .equ    TCR_SH0_INNER, 3 << 12
    .equ    TCR_TG0_4K, 0 << 14
    .equ    TCR_T1SZ, 16 << 16
    .equ    TCR_IRGN1_WBWA, 1 << 24
    .equ    TCR_ORGN1_WBWA, 1 << 26
    .equ    TCR_SH1_INNER, 3 << 28
    .equ    TCR_TG1_4K, 2 << 30
    .equ    TCR_IPS_40BIT, 2 << 32
    .equ    TCR_VALUE, TCR_T0SZ | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K | TCR_T1SZ | TCR_IRGN1_WBWA | TCR_ORGN1_WBWA | TCR_SH1_INNER | TCR_TG1_4K | TCR_IPS_40BIT   /* 0x2b5103510 */
    .equ    SCTLR_M, 1 << 0
    .equ    SCTLR_A, 1 << 1
    .equ    SCTLR_C, 1 << 2
    .equ    SCTLR_I, 1 << 12
    .equ    SCTLR_WXN, 1 << 19

    .text

/* int main(void *dtb) */
func main
    stp     x29, x30, [sp, #-16]!
    .cfi_def_cfa_offset 16
    .cfi_offset x29, -16
    .cfi_offset x30, -8
    mov     x29, sp
    adrl    x0, el1_vectors        /* report (rather than hang on) any fault */
    msr     vbar_el1, x0
    isb
    bl      build_page_tables
    bl      mmu_enable
    adrl    x0, msg_mmu_on
    mov     x1, #UART0_BASE        /* identity-mapped device page (TTBR0) */
    bl      uart_puts
    adrl    x0, msg_high_half
    movq    x1, UART_HIGH_VA       /* 0xffff000009000000 (TTBR1) */
    bl      uart_puts
    mov     w0, #0
    ldp     x29, x30, [sp], #16
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc main

/*
 * Fill the (already zeroed) tables, then invalidate their cache lines: they
 * were written with the MMU and D-cache off, i.e. straight to memory, and the
 * table walker will read them through the cache (IRGN/ORGN = WBWA).
 */
func build_page_tables
    /* ---- TTBR0: identity map ---- */
    adrl    x0, pt_ttbr0_l0
    adrl    x1, pt_ttbr0_l1
    orr     x2, x1, #PTE_TABLE
    str     x2, [x0, #RAM_L0_IDX * 8]              /* L0[0] -> L1 */

    adrl    x2, pt_ttbr0_l2_dev
    orr     x3, x2, #PTE_TABLE
    str     x3, [x1, #UART_L1_IDX * 8]             /* L1[0] -> L2 (devices) */
    adrl    x3, pt_ttbr0_l3_dev
    orr     x4, x3, #PTE_TABLE
    str     x4, [x2, #UART_L2_IDX * 8]             /* L2[72] -> L3 (UART) */
    movq    x4, UART0_BASE | PTE_PAGE | DEVICE_ATTRS
    str     x4, [x3, #UART_L3_IDX * 8]             /* L3[0] = UART page */

    adrl    x2, pt_ttbr0_l2_ram
    orr     x3, x2, #PTE_TABLE
    str     x3, [x1, #RAM_L1_IDX * 8]              /* L1[1] -> L2 (RAM) */
    adrl    x3, pt_ttbr0_l3_ram
    orr     x4, x3, #PTE_TABLE
    str     x4, [x2], #8                           /* L2[0] -> L3 (first 2 MiB) */

    movq    x4, RAM_BASE | PTE_PAGE | NORMAL_ATTRS
    mov     x5, #512
.Lfill_l3_ram:                                     /* L3[i] = 4K page */
    str     x4, [x3], #8
    add     x4, x4, #PAGE_SIZE
    subs    x5, x5, #1
    b.ne    .Lfill_l3_ram

    movq    x4, (RAM_BASE + L2_BLOCK_SIZE) | PTE_BLOCK | NORMAL_ATTRS
    mov     x5, #511
.Lfill_l2_ram:                                     /* L2[1..511] = 2M block */
    str     x4, [x2], #8
    add     x4, x4, #L2_BLOCK_SIZE
    subs    x5, x5, #1
    b.ne    .Lfill_l2_ram

    /* ---- TTBR1: UART at 0xffff000009000000 (L0 -> L1 -> L2 -> L3 page) ---- */
    adrl    x0, pt_ttbr1_l0
    adrl    x1, pt_ttbr1_l1
    orr     x2, x1, #PTE_TABLE
    str     x2, [x0, #UART_L0_IDX * 8]
    adrl    x2, pt_ttbr1_l2
    orr     x3, x2, #PTE_TABLE
    str     x3, [x1, #UART_L1_IDX * 8]
    adrl    x3, pt_ttbr1_l3
    orr     x4, x3, #PTE_TABLE
    str     x4, [x2, #UART_L2_IDX * 8]
    movq    x4, UART0_BASE | PTE_PAGE | DEVICE_ATTRS
    str     x4, [x3, #UART_L3_IDX * 8]

    /* ---- make the walker see them: dc ivac over [__pgtables_start, _end) ---- */
    dsb     sy
    mrs     x3, ctr_el0
    ubfx    x3, x3, #16, #4        /* DminLine = log2(words per line) */
    mov     x4, #4
    lsl     x4, x4, x3             /* line size in bytes */
    sub     x5, x4, #1
    adrl    x0, __pgtables_start
    adrl    x1, __pgtables_end
    bic     x0, x0, x5
.Linval_tables:
    dc      ivac, x0
    add     x0, x0, x4
    cmp     x0, x1
    b.lo    .Linval_tables
    dsb     ish
    ret
endfunc build_page_tables

func mmu_enable
    mov     x0, #MAIR_VALUE
    msr     mair_el1, x0
    movq    x0, TCR_VALUE
    msr     tcr_el1, x0
    adrl    x0, pt_ttbr0_l0        /* ASID 0, CnP 0 */
    msr     ttbr0_el1, x0
    adrl    x0, pt_ttbr1_l0
    msr     ttbr1_el1, x0
    isb
    tlbi    vmalle1
    dsb     ish
    isb
    mrs     x0, sctlr_el1
    mov     x1, #(SCTLR_M | SCTLR_C | SCTLR_I)
    orr     x0, x0, x1
    bic     x0, x0, #SCTLR_WXN     /* RAM is RW+X at EL1 */
    bic     x0, x0, #SCTLR_A       /* no alignment faults */
    msr     sctlr_el1, x0
    isb
    ret
endfunc mmu_enable

    .section .rodata, "a"
object msg_mmu_on, 1
    .asciz  "MMU on: T0SZ=16 walk from level 0\n"
endobject msg_mmu_on
object msg_high_half, 1
    .asciz  "Hello from the high half (0xffff000009000000)!\n"
endobject msg_high_half

    /* Page tables: nobits, 4 KiB aligned, inside [__bss_start, __bss_end). */
    .section .pgtables, "aw", %nobits
    .irp    t, pt_ttbr0_l0, pt_ttbr0_l1, pt_ttbr0_l2_dev, pt_ttbr0_l3_dev, pt_ttbr0_l2_ram, pt_ttbr0_l3_ram, pt_ttbr1_l0, pt_ttbr1_l1, pt_ttbr1_l2, pt_ttbr1_l3
object \t, PAGE_SIZE
    .skip   PAGE_SIZE
endobject \t
    .endr

/* Shared runtime; included last so mmu.S names the DWARF CU. */
    .include "crt0.inc"            /* _start (.text.boot), power_off */
    .include "uart.inc"            /* uart_putc, uart_puts, uart_puthex */
    .include "exceptions.inc"      /* el1_vectors, el1_unexpected_exception */
