/*
 * guests/pattern/pattern.S -- 256 KiB of known console output, for checking that every byte arrives once.
 *
 * Prints 4096 lines of 64 bytes: "0x" and the line number in 16 hex digits, a space, 44 letters of the
 * alphabet starting at letter (line mod 26), a newline. Then powers off.
 *
 * Call graph:  _start -> main -> uart_puthex, uart_putc
 */
    .include "platform.inc"

    .equ    LINES, 4096
    .equ    LETTERS, 44

    .text

func main
    stp     x29, x30, [sp, #-32]!
    .cfi_def_cfa_offset 32
    .cfi_offset x29, -32
    .cfi_offset x30, -24
    mov     x29, sp
    stp     x19, x20, [sp, #16]
    .cfi_offset x19, -16
    .cfi_offset x20, -8
    mov     x19, #0                     /* line */
.Lline:
    mov     x0, x19
    mov     x1, #UART0_BASE
    bl      uart_puthex
    mov     w0, #' '
    mov     x1, #UART0_BASE
    bl      uart_putc
    mov     x2, #26
    udiv    x3, x19, x2
    msub    x20, x3, x2, x19            /* first letter: line mod 26 */
    mov     x21, #LETTERS
.Lletter:
    add     w0, w20, #'a'
    mov     x1, #UART0_BASE
    bl      uart_putc
    add     x20, x20, #1
    cmp     x20, #26
    csel    x20, xzr, x20, eq
    subs    x21, x21, #1
    b.ne    .Lletter
    mov     w0, #'\n'
    mov     x1, #UART0_BASE
    bl      uart_putc
    add     x19, x19, #1
    cmp     x19, #LINES
    b.ne    .Lline
    mov     w0, #0
    ldp     x19, x20, [sp, #16]
    ldp     x29, x30, [sp], #32
    .cfi_restore x19
    .cfi_restore x20
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc main

    .include "crt0.inc"
    .include "uart.inc"
