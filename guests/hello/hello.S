/*
 * guests/hello/hello.S -- minimal el2dbg guest.
 *
 * Sets up a stack, zeroes .bss, prints "Hello from el2dbg guest!\n" on the
 * PL011 (polling FR.TXFF before each byte) and powers off with PSCI
 * SYSTEM_OFF over HVC. The MMU stays off throughout.
 *
 * Call graph (for debugger tests):  _start -> main -> uart_puts -> uart_putc
 *                                   _start -> power_off
 */
    .include "platform.inc"        /* constants + macros only, no code */

    .text

/* int main(void *dtb): print the greeting, return 0. */
func main
    stp     x29, x30, [sp, #-16]!
    .cfi_def_cfa_offset 16
    .cfi_offset x29, -16
    .cfi_offset x30, -8
    mov     x29, sp
    adrl    x0, hello_msg
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     w0, #0
    ldp     x29, x30, [sp], #16
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc main

    .section .rodata, "a"
object hello_msg, 1
    .asciz  "Hello from el2dbg guest!\n"
endobject hello_msg

/* Shared runtime; included last so hello.S names the DWARF CU. */
    .include "crt0.inc"            /* _start (.text.boot), power_off */
    .include "uart.inc"            /* uart_putc, uart_puts */
