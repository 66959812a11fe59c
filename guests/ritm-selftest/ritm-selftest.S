/*
 * guests/ritm-selftest/ritm-selftest.S -- RITM's own guest test of the filtered MMIO page, plus hypercalls.
 *
 * Runs at EL1 under el2dbg's EL2 model with the `ritm` policy: the 4 KiB page at IPA 0x0f000000 is left
 * unmapped by stage 2 and its accesses go to RITM's handlers; the hypervisor image window at 0x47000000 is
 * unmapped with no handler. Prints TAP ("ok N - ...", "not ok N - ...", a plan and a summary), then powers
 * off with PSCI SYSTEM_OFF. Expected values come from el2-model.md, not from el2dbg.
 *
 * Faults the hypervisor injects arrive at VBAR_EL1 + 0x200; the handler records ESR/ELR/FAR_EL1, counts the
 * fault and resumes after the faulting instruction.
 */
    .include "platform.inc"

    .equ    FILTERED, 0x0f000000
    .equ    HYP_WINDOW, 0x47000000

    /* check COND, "text": report COND (flags from the last cmp) as one TAP line. */
    .macro check cond, text
    cset    w0, \cond
    adrl    x1, .Lmsg\@
    bl      report
    .pushsection .rodata.str, "a"
.Lmsg\@:
    .asciz  "\text"
    .popsection
    .endm

    /* pass "text": an unconditional ok line (reaching it is the test). */
    .macro pass text
    mov     w0, #1
    adrl    x1, .Lmsg\@
    bl      report
    .pushsection .rodata.str, "a"
.Lmsg\@:
    .asciz  "\text"
    .popsection
    .endm

    /* expect_eq REG, IMM64, "text": REG == IMM64. Clobbers x9. */
    .macro expect_eq reg, val, text
    movq    x9, \val
    cmp     \reg, x9
    check   eq, "\text"
    .endm

    /* fault_mark: remember the fault count in x22 before an access that must fault. */
    .macro fault_mark
    adrl    x9, fault_count
    ldr     x22, [x9]
    .endm

    /* expect_fault LABEL, ESR_EL1, FAR_EL1, "what": exactly one injected fault since fault_mark, taken on the
       instruction at LABEL, with the given ESR_EL1 and FAR_EL1. */
    .macro expect_fault label, esr, far, text
    adrl    x9, fault_count
    ldr     x23, [x9]
    sub     x23, x23, x22
    cmp     x23, #1
    check   eq, "\text: injected exactly once"
    adrl    x9, last_elr
    ldr     x23, [x9]
    adr     x24, \label
    cmp     x23, x24
    check   eq, "\text: ELR_EL1 is the faulting instruction"
    adrl    x9, last_esr
    ldr     x23, [x9]
    expect_eq x23, \esr, "\text: ESR_EL1 = \esr"
    adrl    x9, last_far
    ldr     x23, [x9]
    expect_eq x23, \far, "\text: FAR_EL1 = \far"
    .endm

    /* hvc_call CONDUIT, ID: x0 = ID, then hvc/smc #0. */
    .macro call conduit, id
    movq    x0, \id
    \conduit #0
    .endm

    .text

func main
    stp     x29, x30, [sp, #-16]!
    mov     x29, sp
    adrl    x0, vectors
    msr     vbar_el1, x0
    isb
    adrl    x0, banner
    mov     x1, #UART0_BASE
    bl      uart_puts

    movq    x20, FILTERED
    /* -- values of the filtered page (64-bit reads) -- */
first_filtered_read:                /* the guest's first trapped access (tests find it by this name) */
    ldr     x0, [x20]
    expect_eq x0, 0xfeedfacecafebeef, "read offset 0 = 0xfeedfacecafebeef"
    ldr     x0, [x20, #16]
    expect_eq x0, 0, "counter at offset 16 starts at 0"
    ldr     x0, [x20, #16]
    expect_eq x0, 1, "counter counts: 1"
    ldr     x0, [x20, #16]
    expect_eq x0, 2, "counter counts: 2"
    ldr     x0, [x20, #24]
    expect_eq x0, 0x1111222233334444, "read offset 24 = 0x1111222233334444"
    ldr     x0, [x20, #32]
    expect_eq x0, 0x5555666677778888, "read offset 32 = 0x5555666677778888"
    ldr     x0, [x20, #40]
    expect_eq x0, 0x9999aaaabbbbcccc, "read offset 40 = 0x9999aaaabbbbcccc"
    /* -- callee-saved registers as Rt (the seed's x19..x28 bug) -- */
    ldr     x19, [x20]
    expect_eq x19, 0xfeedfacecafebeef, "x19 as Rt reads 0xfeedfacecafebeef"
    ldr     x28, [x20, #24]
    expect_eq x28, 0x1111222233334444, "x28 as Rt reads 0x1111222233334444"
    movq    x28, 0x123456789abcdef0
    str     x28, [x20, #8]
    pass    "x28 as Rt: write 0x123456789abcdef0 at offset 8 accepted"
    movq    x1, 0x123456789abcdef0
    str     x1, [x20, #8]
    pass    "write 0x123456789abcdef0 at offset 8 accepted"
    adrl    x9, fault_count
    ldr     x0, [x9]
    cmp     x0, #0
    check   eq, "no accepted access reached the guest's abort vector"

    /* -- accesses the handlers refuse: each injected once, EC 0x25, ELR on the access -- */
    fault_mark
1:  ldr     w1, [x20]
    expect_fault 1b, 0x97810007, 0x0f000000, "32-bit read of offset 0"
    fault_mark
2:  ldr     x1, [x20, #48]
    expect_fault 2b, 0x97c18007, 0x0f000030, "read of offset 48 (no value there)"
    fault_mark
3:  ldr     w3, [x20, #16]
    expect_fault 3b, 0x97830007, 0x0f000010, "32-bit read of the counter"
    ldr     x0, [x20, #16]
    expect_eq x0, 3, "a refused read does not advance the counter"
    movq    x2, 0x1111111111111111
    fault_mark
4:  str     x2, [x20, #8]
    expect_fault 4b, 0x97c28047, 0x0f000008, "write of another value at offset 8"
    fault_mark
5:  str     x2, [x20]
    expect_fault 5b, 0x97c28047, 0x0f000000, "write at offset 0"
    /* -- the hypervisor's own image window: unmapped, no handler (level-2 fault) -- */
    movq    x21, HYP_WINDOW
    fault_mark
6:  ldr     x1, [x21]
    expect_fault 6b, 0x97c18006, 0x47000000, "read of the hypervisor window 0x47000000"

    /* -- hypercalls -- */
    call    hvc, 0x84000000
    expect_eq x0, 0x10001, "HVC PSCI_VERSION = 1.1"
    movq    x1, 0x55
    movq    x2, 0x66
    movq    x3, 0x77
    call    hvc, 0xff000000
    orr     x25, x1, x2            /* before report clobbers x1..x18 */
    orr     x25, x25, x3
    expect_eq x0, 0x123456789abcdef0, "HVC vendor call 0xff000000 = 0x123456789abcdef0"
    expect_eq x25, 0, "HVC vendor call clears x1..x3"
    call    smc, 0xff000000
    expect_eq x0, 0x123456789abcdef0, "SMC (trapped by HCR_EL2.TSC) vendor call"
    movq    x1, 0x55
    call    hvc, 0x80000000
    mov     x25, x1
    expect_eq x0, 0xffffffffffffffff, "SMCCC_VERSION is NOT_SUPPORTED"
    expect_eq x25, 0x55, "NOT_SUPPORTED leaves x1 unchanged"
    movq    x1, 0x84000008
    call    hvc, 0x8400000a
    expect_eq x0, 0, "PSCI_FEATURES(SYSTEM_OFF) = SUCCESS"
    movq    x1, 1
    call    hvc, 0xc4000003
    expect_eq x0, 0xfffffffffffffffe, "CPU_ON of a core that does not exist = INVALID_PARAMETERS"
    mov     x1, #0
    mov     x2, #0
    call    hvc, 0xc4000004
    expect_eq x0, 0, "AFFINITY_INFO(core 0) = ON"
    call    hvc, 0x84000000
    pass    "HVC returns to the next instruction"

    /* -- summary -- */
    bl      summary
    ldp     x29, x30, [sp], #16
    ret
endfunc main

/* report(w0 = passed, x1 = description): one TAP line. Preserves x19-x28. */
func report
    stp     x29, x30, [sp, #-32]!
    mov     x29, sp
    stp     x19, x20, [sp, #16]
    mov     w19, w0
    mov     x20, x1
    adrl    x9, test_count
    ldr     x10, [x9]
    add     x10, x10, #1
    str     x10, [x9]
    cbz     w19, 1f
    adrl    x9, pass_count
    ldr     x11, [x9]
    add     x11, x11, #1
    str     x11, [x9]
    b       2f
1:  adrl    x0, not_str
    mov     x1, #UART0_BASE
    bl      uart_puts
2:  adrl    x0, ok_str
    mov     x1, #UART0_BASE
    bl      uart_puts
    adrl    x9, test_count
    ldr     x0, [x9]
    bl      put_decimal
    adrl    x0, dash_str
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x20
    mov     x1, #UART0_BASE
    bl      uart_puts
    adrl    x0, nl_str
    mov     x1, #UART0_BASE
    bl      uart_puts
    ldp     x19, x20, [sp, #16]
    ldp     x29, x30, [sp], #32
    ret
endfunc report

/* put_decimal(x0 < 10000): print in decimal. */
func put_decimal
    stp     x29, x30, [sp, #-32]!
    mov     x29, sp
    str     x19, [sp, #16]
    mov     x19, #1000
    mov     x3, #0                 /* printed a digit yet */
1:  udiv    x4, x0, x19
    msub    x0, x4, x19, x0
    cbnz    x4, 2f
    cbnz    x3, 2f
    cmp     x19, #1
    b.ne    3f
2:  mov     x3, #1
    stp     x0, x3, [sp, #-16]!
    add     w0, w4, #'0'
    mov     x1, #UART0_BASE
    bl      uart_putc
    ldp     x0, x3, [sp], #16
3:  mov     x5, #10
    udiv    x19, x19, x5
    cbnz    x19, 1b
    ldr     x19, [sp, #16]
    ldp     x29, x30, [sp], #32
    ret
endfunc put_decimal

/* summary: the TAP plan and "# passed P/N". */
func summary
    stp     x29, x30, [sp, #-16]!
    mov     x29, sp
    adrl    x0, plan_str
    mov     x1, #UART0_BASE
    bl      uart_puts
    adrl    x9, test_count
    ldr     x0, [x9]
    bl      put_decimal
    adrl    x0, passed_str
    mov     x1, #UART0_BASE
    bl      uart_puts
    adrl    x9, pass_count
    ldr     x0, [x9]
    bl      put_decimal
    mov     w0, #'/'
    mov     x1, #UART0_BASE
    bl      uart_putc
    adrl    x9, test_count
    ldr     x0, [x9]
    bl      put_decimal
    adrl    x0, nl_str
    mov     x1, #UART0_BASE
    bl      uart_puts
    ldp     x29, x30, [sp], #16
    ret
endfunc summary

/* Any exception other than a synchronous one from EL1h is unexpected: say so and power off. */
lfunc unexpected
    adrl    x0, unexpected_str
    mov     x1, #UART0_BASE
    bl      uart_puts
    bl      power_off
endfunc unexpected

    .balign 2048
vectors:
    .rept 4
    .balign 128
    b       unexpected
    .endr
    .balign 128                    /* +0x200: synchronous, current EL with SP_ELx: RITM injects here */
    stp     x0, x1, [sp, #-16]!
    mrs     x0, esr_el1
    adrl    x1, last_esr
    str     x0, [x1]
    mrs     x0, elr_el1
    adrl    x1, last_elr
    str     x0, [x1]
    mrs     x0, far_el1
    adrl    x1, last_far
    str     x0, [x1]
    adrl    x1, fault_count
    ldr     x0, [x1]
    add     x0, x0, #1
    str     x0, [x1]
    mrs     x0, elr_el1
    add     x0, x0, #4
    msr     elr_el1, x0
    ldp     x0, x1, [sp], #16
    eret
    .rept 11
    .balign 128
    b       unexpected
    .endr

    .section .rodata, "a"
banner:         .asciz "# ritm-selftest: RITM's filtered MMIO page test and hypercalls\n"
ok_str:         .asciz "ok "
not_str:        .asciz "not "
dash_str:       .asciz " - "
nl_str:         .asciz "\n"
plan_str:       .asciz "1.."
passed_str:     .asciz "\n# passed "
unexpected_str: .asciz "# unexpected exception: bail out\n"

    .data
    .balign 8
object test_count
    .quad 0
endobject test_count
object pass_count
    .quad 0
endobject pass_count
object fault_count
    .quad 0
endobject fault_count
object last_esr
    .quad 0
endobject last_esr
object last_elr
    .quad 0
endobject last_elr
object last_far
    .quad 0
endobject last_far

    .include "crt0.inc"
    .include "uart.inc"
