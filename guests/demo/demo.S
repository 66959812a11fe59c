/*
 * guests/demo/demo.S -- the guest `el2dbg serve` starts when no --image is given.
 *
 * A debugging demo with symbols, source lines and a few small functions. It sets
 * VBAR_EL1, prints a banner, then loops:
 *
 *     magic   = read_filtered(0)                    64-bit load  at IPA 0x0f000000
 *     counter = read_filtered(16)                   64-bit load  at IPA 0x0f000010
 *     write_filtered(8, 0x123456789abcdef0)         64-bit store at IPA 0x0f000008
 *     demo_result = compute(magic, counter)
 *     demo_iterations += 1
 *
 * Under the default `ritm` stage-2 policy the page at 0x0f000000 is not mapped at
 * stage 2: every access traps to the modelled EL2, whose handler emulates it
 * (magic 0xfeedfacecafebeef, a counter 0, 1, 2, ..., the one accepted write).
 * Under `--policy allow-all` (or with HCR_EL2.VM cleared from gdb) nothing traps:
 * the first access reaches the physical hole at 0x0f000000, a synchronous external
 * abort taken to EL1 (DFSC 0x10), as on QEMU's virt.
 *
 * It prints a line at iterations 1, 2, 4, 8, ... 32768 and then every 65536.
 * It loops forever unless demo_max_iterations is non-zero: then main returns after
 * that many iterations and crt0 powers off (PSCI SYSTEM_OFF, gdb sees "exited
 * normally"). From gdb:   set var demo_max_iterations = 3
 *
 * Call graph:  _start -> main -> read_filtered / write_filtered / compute / report
 *              report -> uart_puts / uart_puthex;  _start -> power_off
 * Globals (OBJECT symbols): demo_iterations, demo_max_iterations, demo_magic,
 * demo_counter, demo_result.
 */
    .include "platform.inc"        /* constants + macros only, no code */

    .equ    FILTERED_MMIO_BASE, 0x0f000000
    .equ    FILTERED_WRITE_VALUE, 0x123456789abcdef0
    .equ    REPORT_EVERY_MASK, 0xffff  /* after the powers of two: every 65536 */

    .text

/* int main(void *dtb): banner, then the loop above; returns 0 when bounded. */
func main
    stp     x29, x30, [sp, #-48]!
    .cfi_def_cfa_offset 48
    .cfi_offset x29, -48
    .cfi_offset x30, -40
    mov     x29, sp
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    .cfi_offset x19, -32
    .cfi_offset x20, -24
    .cfi_offset x21, -16
    .cfi_offset x22, -8
    adrl    x0, el1_vectors        /* an injected abort prints a diagnosis, not a panic */
    msr     vbar_el1, x0
    isb
    adrl    x0, demo_banner
    mov     x1, #UART0_BASE
    bl      uart_puts
.Ldemo_loop:
    mov     x0, #0
    bl      read_filtered          /* magic */
    mov     x19, x0
    mov     x0, #16
    bl      read_filtered          /* counter */
    mov     x20, x0
    mov     x0, #8
    movq    x1, FILTERED_WRITE_VALUE
    bl      write_filtered
    mov     x0, x19
    mov     x1, x20
    bl      compute
    adrl    x2, demo_result
    str     x0, [x2]
    adrl    x2, demo_magic
    str     x19, [x2]
    adrl    x2, demo_counter
    str     x20, [x2]
    adrl    x21, demo_iterations
    ldr     x22, [x21]
    add     x22, x22, #1
    str     x22, [x21]             /* a watchpoint on demo_iterations stops here */
    sub     x0, x22, #1
    tst     x22, x0                /* a power of two? */
    b.eq    .Ldemo_report
    tst     x22, #REPORT_EVERY_MASK
    b.ne    .Ldemo_check
.Ldemo_report:
    mov     x0, x22
    mov     x1, x19
    mov     x2, x20
    bl      report
.Ldemo_check:
    adrl    x0, demo_max_iterations
    ldr     x0, [x0]
    cbz     x0, .Ldemo_loop        /* 0: forever */
    cmp     x22, x0
    b.lo    .Ldemo_loop
    adrl    x0, demo_done_msg
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     w0, #0
    ldp     x21, x22, [sp, #32]
    ldp     x19, x20, [sp, #16]
    ldp     x29, x30, [sp], #48
    .cfi_restore x19
    .cfi_restore x20
    .cfi_restore x21
    .cfi_restore x22
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc main

/* u64 read_filtered(u64 offset): one 64-bit load from the filtered page (traps under ritm). */
func read_filtered
    mov     x1, #FILTERED_MMIO_BASE
    add     x1, x1, x0
    ldr     x0, [x1]
    ret
endfunc read_filtered

/* void write_filtered(u64 offset, u64 value): one 64-bit store to the filtered page. */
func write_filtered
    mov     x2, #FILTERED_MMIO_BASE
    add     x2, x2, x0
    str     x1, [x2]
    ret
endfunc write_filtered

/* u64 compute(u64 magic, u64 counter): (magic ror 8) ^ (3 * counter + 1). */
func compute
    ror     x0, x0, #8
    add     x2, x1, x1, lsl #1
    add     x2, x2, #1
    eor     x0, x0, x2
    ret
endfunc compute

/* void report(u64 iteration, u64 magic, u64 counter): one console line. */
func report
    stp     x29, x30, [sp, #-48]!
    .cfi_def_cfa_offset 48
    .cfi_offset x29, -48
    .cfi_offset x30, -40
    mov     x29, sp
    stp     x19, x20, [sp, #16]
    str     x21, [sp, #32]
    .cfi_offset x19, -32
    .cfi_offset x20, -24
    .cfi_offset x21, -16
    mov     x19, x0
    mov     x20, x1
    mov     x21, x2
    adrl    x0, demo_iter_msg
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x19
    mov     x1, #UART0_BASE
    bl      uart_puthex
    adrl    x0, demo_magic_msg
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x20
    mov     x1, #UART0_BASE
    bl      uart_puthex
    adrl    x0, demo_counter_msg
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x21
    mov     x1, #UART0_BASE
    bl      uart_puthex
    adrl    x0, demo_newline
    mov     x1, #UART0_BASE
    bl      uart_puts
    ldr     x21, [sp, #32]
    ldp     x19, x20, [sp, #16]
    ldp     x29, x30, [sp], #48
    .cfi_restore x19
    .cfi_restore x20
    .cfi_restore x21
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc report

    .section .rodata, "a"
demo_banner:      .asciz "el2dbg demo: reading and writing the filtered MMIO page at 0x0f000000 in a loop\n"
demo_iter_msg:    .asciz "demo: iteration "
demo_magic_msg:   .asciz " magic "
demo_counter_msg: .asciz " counter "
demo_newline:     .asciz "\n"
demo_done_msg:    .asciz "demo: demo_max_iterations reached, powering off\n"

    .data
/* Iterations before main returns and the guest powers off; 0 = loop forever. */
object demo_max_iterations
    .quad   0
endobject demo_max_iterations

    .bss
object demo_iterations
    .quad   0
endobject demo_iterations
object demo_magic
    .quad   0
endobject demo_magic
object demo_counter
    .quad   0
endobject demo_counter
object demo_result
    .quad   0
endobject demo_result

/* Shared runtime; included last so demo.S names the DWARF CU. */
    .include "crt0.inc"            /* _start (.text.boot), power_off */
    .include "uart.inc"            /* uart_putc, uart_puts, uart_puthex */
    .include "exceptions.inc"      /* el1_vectors */
