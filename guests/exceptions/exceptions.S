/*
 * guests/exceptions/exceptions.S -- synchronous exceptions taken to EL1, one line each: the case, ESR_EL1, FAR_EL1
 * (for aborts) and ELR_EL1 as an offset from the faulting instruction's label, plus x0 after an HVC that QEMU's
 * firmware and el2dbg's EL2 both answer. The vector handler prints, then resumes after the faulting instruction.
 * The same image prints the same lines under QEMU (-M virt, no EL2: PSCI over HVC); the differential test
 * compares them.
 *
 * Cases: SVC (ELR = the next instruction), BRK and UDF (ELR = the instruction), HVC SMCCC_VERSION (answered
 * NOT_SUPPORTED, execution goes on after it), a load and a store pair that cross into an unmapped page (a stage-1
 * translation fault on the second page: FAR is the first byte in it), and a load wholly in that page. (SMC is left
 * out: el2dbg's EL2 model traps it, HCR_EL2.TSC, where QEMU without EL2 or EL3 makes it undefined.)
 */
    .include "platform.inc"
    .arch   armv8-a

    .equ    TEST_VA, 0x8000000000
    .equ    PAGE_NORMAL, 0x703                  /* AF | SH inner | AttrIndx 0 | page */
    .equ    BLOCK_NORMAL, 0x701
    .equ    BLOCK_DEVICE, 0x405
    .equ    TABLE, 0x3

    .text

func main
    stp     x29, x30, [sp, #-16]!
    .cfi_def_cfa_offset 16
    .cfi_offset x29, -16
    .cfi_offset x30, -8
    mov     x29, sp
    adrl    x0, vectors
    msr     vbar_el1, x0
    isb
    bl      build_tables
    bl      mmu_on

    adrl    x22, name_svc
    adrl    x21, 1f
1:  svc     #0x1234
    adrl    x22, name_brk
    adrl    x21, 1f
1:  brk     #0x42
    adrl    x22, name_udf
    adrl    x21, 1f
1:  udf     #7
    movz    x0, #0x8000, lsl #16                 /* SMCCC_VERSION over HVC: answered, no exception */
    hvc     #0
    mov     x19, x0
    adrl    x0, name_hvc
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x19
    mov     x1, #UART0_BASE
    bl      uart_puthex
    mov     w0, #'\n'
    mov     x1, #UART0_BASE
    bl      uart_putc

    movq    x1, TEST_VA + 0xffc
    adrl    x22, name_cross_ldr
    adrl    x21, 1f
1:  ldr     x0, [x1]                              /* bytes 0xffc..0x1003: the second page is not mapped */
    movq    x1, TEST_VA + 0xff8
    adrl    x22, name_cross_stp
    adrl    x21, 1f
1:  stp     x2, x3, [x1]                          /* 0xff8..0x1007 */
    movq    x1, TEST_VA + 0x1010
    adrl    x22, name_second_page
    adrl    x21, 1f
1:  ldr     w0, [x1]                              /* wholly in the unmapped page */

    mov     w0, #0
    ldp     x29, x30, [sp], #16
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc main

func build_tables
    adrl    x0, l0
    adrl    x1, l1_low
    orr     x2, x1, #TABLE
    str     x2, [x0]
    adrl    x3, l1_test
    orr     x2, x3, #TABLE
    str     x2, [x0, #8]                          /* L0[1]: VA 0x80_0000_0000 */
    mov     x2, #BLOCK_DEVICE
    str     x2, [x1]
    movq    x2, 0x40000000 + BLOCK_NORMAL
    str     x2, [x1, #8]
    adrl    x4, l2_test
    orr     x2, x4, #TABLE
    str     x2, [x3]
    adrl    x5, l3_test
    orr     x2, x5, #TABLE
    str     x2, [x4]
    movq    x2, 0x40400000 + PAGE_NORMAL
    str     x2, [x5]                              /* page 0 mapped; page 1 (and the rest) not */
    dsb     ish
    ret
endfunc build_tables

func mmu_on
    movq    x0, 0x00ff
    msr     mair_el1, x0
    movq    x0, 0x200803510                       /* T0SZ 16, TG0 4K, EPD1, IPS 40 bits */
    msr     tcr_el1, x0
    adrl    x0, l0
    msr     ttbr0_el1, x0
    isb
    tlbi    vmalle1
    dsb     ish
    isb
    mrs     x0, sctlr_el1
    orr     x0, x0, #1
    bic     x0, x0, #(1 << 19)
    bic     x0, x0, #(1 << 1)
    msr     sctlr_el1, x0
    isb
    ret
endfunc mmu_on

/* The handler: "name ESR FAR ELR-x21", then resume after the faulting instruction (x21 + 4). */
func on_exception
    mov     x19, x22
    mrs     x23, esr_el1
    mrs     x24, far_el1
    mrs     x25, elr_el1
    mov     x0, x19
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x23
    mov     x1, #UART0_BASE
    bl      uart_puthex
    mov     w0, #' '
    mov     x1, #UART0_BASE
    bl      uart_putc
    lsr     x9, x23, #26
    cmp     x9, #0x24
    b.lt    1f                                    /* FAR only for aborts (0x20-0x25) */
    cmp     x9, #0x25
    b.gt    1f
    mov     x0, x24
    mov     x1, #UART0_BASE
    bl      uart_puthex
    mov     w0, #' '
    mov     x1, #UART0_BASE
    bl      uart_putc
1:  sub     x0, x25, x21
    mov     x1, #UART0_BASE
    bl      uart_puthex
    mov     w0, #'\n'
    mov     x1, #UART0_BASE
    bl      uart_putc
    add     x21, x21, #4
    msr     elr_el1, x21
    eret
endfunc on_exception

    .balign 2048
vectors:
    .skip   0x200
    b       on_exception                          /* current EL with SP_ELx, synchronous */

    .section .rodata, "a"
name_svc:         .asciz "svc "
name_brk:         .asciz "brk "
name_udf:         .asciz "udf "
name_hvc:         .asciz "hvc-smccc-version x0 "
name_cross_ldr:   .asciz "ldr-crossing-page "
name_cross_stp:   .asciz "stp-crossing-page "
name_second_page: .asciz "ldr-second-page "

    .section .pgtables, "aw", %nobits
    .balign 4096
l0:      .skip 4096
l1_low:  .skip 4096
l1_test: .skip 4096
l2_test: .skip 4096
l3_test: .skip 4096

    .include "crt0.inc"
    .include "uart.inc"
