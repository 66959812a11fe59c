/*
 * guests/irq/irq.S -- interrupts: the GICv3, the virtual timer, WFI and an SGI.
 *
 * Wakes the redistributor, puts every SGI/PPI in group 1 with priority 0xa0,
 * enables PPI 27 (the virtual timer, as QEMU virt wires it) and SGI 5, turns
 * the distributor and the CPU interface on (ICC_SRE_EL1, ICC_PMR_EL1,
 * ICC_IGRPEN1_EL1), then arms CNTV for 1 ms and waits in WFI. The IRQ
 * handler (VBAR_EL1 + 0x280) acknowledges with ICC_IAR1_EL1, counts timer
 * interrupts and re-arms the timer, and ends each with ICC_EOIR1_EL1. After
 * ten timer interrupts it raises SGI 5 to itself through ICC_SGI1R_EL1 and
 * prints
 *   "irq: timer 0x000000000000000a sgi 0x0000000000000005 ms 0x..."
 * (hex from uart_puthex: ten ticks, the SGI's INTID, the guest's elapsed
 * virtual-counter time in ms), then powers off.
 */
    .include "platform.inc"

    .equ    GICD_BASE, 0x08000000
    .equ    GICR_BASE, 0x080a0000
    .equ    GICR_SGI_BASE, 0x080b0000
    .equ    GICR_WAKER, 0x14
    .equ    GICR_IGROUPR0, 0x80
    .equ    GICR_ISENABLER0, 0x100
    .equ    GICR_IPRIORITYR, 0x400
    .equ    TIMER_INTID, 27
    .equ    SGI_INTID, 5
    .equ    TICKS_WANTED, 10

    .text

func main
    stp     x29, x30, [sp, #-16]!
    mov     x29, sp
    adrl    x0, irq_vectors
    msr     vbar_el1, x0
    isb

    /* Redistributor awake: clear ProcessorSleep, wait for ChildrenAsleep to drop. */
    movq    x1, GICR_BASE
    ldr     w2, [x1, #GICR_WAKER]
    bic     w2, w2, #2
    str     w2, [x1, #GICR_WAKER]
1:  ldr     w2, [x1, #GICR_WAKER]
    tbnz    w2, #2, 1b

    movq    x3, GICR_SGI_BASE
    mov     w2, #-1
    str     w2, [x3, #GICR_IGROUPR0]          /* SGIs and PPIs: group 1 */
    add     x4, x3, #GICR_IPRIORITYR
    mov     w2, #0xa0
    strb    w2, [x4, #TIMER_INTID]
    strb    w2, [x4, #SGI_INTID]
    movq    x2, (1 << TIMER_INTID) | (1 << SGI_INTID)
    str     w2, [x3, #GICR_ISENABLER0]

    movq    x1, GICD_BASE
    mov     w2, #0x12                         /* ARE | EnableGrp1 */
    str     w2, [x1]

    mov     x2, #7
    msr     S3_0_C12_C12_5, x2                /* ICC_SRE_EL1 */
    isb
    mov     x2, #0xf0
    msr     S3_0_C4_C6_0, x2                  /* ICC_PMR_EL1 */
    mov     x2, #1
    msr     S3_0_C12_C12_7, x2                /* ICC_IGRPEN1_EL1 */
    isb

    /* One millisecond of the virtual counter. */
    mrs     x2, cntfrq_el0
    mov     x4, #1000
    udiv    x2, x2, x4
    adrl    x5, ticks_per_ms
    str     x2, [x5]
    mrs     x21, cntvct_el0
    msr     cntv_tval_el0, x2
    mov     x2, #1
    msr     cntv_ctl_el0, x2                  /* ENABLE, not masked */
    msr     daifclr, #2                       /* IRQs on */

    adrl    x5, timer_count
2:  wfi
    ldr     x2, [x5]
    cmp     x2, #TICKS_WANTED
    b.lo    2b
    mrs     x22, cntvct_el0
    msr     cntv_ctl_el0, xzr                 /* timer off */

    /* SGI 5 to this CPU: INTID in [27:24], target list bit 0 (Aff0 = 0). */
    movq    x2, (SGI_INTID << 24) | 1
    msr     S3_0_C12_C11_5, x2                /* ICC_SGI1R_EL1 */
    isb
    adrl    x5, sgi_seen
3:  ldr     x2, [x5]
    cbz     x2, 3b
    msr     daifset, #2

    mov     x20, #UART0_BASE
    adrl    x0, msg_timer
    mov     x1, x20
    bl      uart_puts
    adrl    x0, timer_count
    ldr     x0, [x0]
    mov     x1, x20
    bl      uart_puthex
    adrl    x0, msg_sgi
    mov     x1, x20
    bl      uart_puts
    adrl    x0, sgi_seen
    ldr     x0, [x0]
    mov     x1, x20
    bl      uart_puthex
    adrl    x0, msg_ms
    mov     x1, x20
    bl      uart_puts
    sub     x0, x22, x21
    adrl    x2, ticks_per_ms
    ldr     x2, [x2]
    udiv    x0, x0, x2
    mov     x1, x20
    bl      uart_puthex
    adrl    x0, msg_nl
    mov     x1, x20
    bl      uart_puts
    mov     w0, #0
    ldp     x29, x30, [sp], #16
    ret
endfunc main

/* IRQ from EL1h: acknowledge, count the timer (re-armed) or note the SGI, end of interrupt. */
func irq_handler
    stp     x0, x1, [sp, #-32]!
    stp     x2, x3, [sp, #16]
    mrs     x0, S3_0_C12_C12_0                /* ICC_IAR1_EL1 */
    cmp     x0, #TIMER_INTID
    b.ne    1f
    adrl    x1, timer_count
    ldr     x2, [x1]
    add     x2, x2, #1
    str     x2, [x1]
    adrl    x1, ticks_per_ms
    ldr     x2, [x1]
    msr     cntv_tval_el0, x2
    b       2f
1:  cmp     x0, #SGI_INTID
    b.ne    2f
    adrl    x1, sgi_seen
    str     x0, [x1]
2:  msr     S3_0_C12_C12_1, x0                /* ICC_EOIR1_EL1 */
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp], #32
    eret
endfunc irq_handler

    .pushsection .text.vectors, "ax"
    .balign 2048
irq_vectors:
    .irp    n, 0, 1, 2, 3, 4
    .balign 128
    mov     x0, #\n
    b       el1_unexpected_exception
    .endr
    .balign 128                               /* +0x280: IRQ, current EL with SP_EL1 */
    b       irq_handler
    .irp    n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 128
    mov     x0, #\n
    b       el1_unexpected_exception
    .endr
    .popsection

    .section .rodata, "a"
msg_timer: .asciz "irq: timer "
msg_sgi:   .asciz " sgi "
msg_ms:    .asciz " ms "
msg_nl:    .asciz "\n"

    .data
    .balign 8
ticks_per_ms: .quad 0
timer_count:  .quad 0
sgi_seen:     .quad 0

    .include "crt0.inc"
    .include "uart.inc"
    .include "psci.inc"
    .include "exceptions.inc"
