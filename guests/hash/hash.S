/*
 * guests/hash/hash.S -- a store-heavy guest whose output proves it ran exactly as it should.
 *
 * Fills a 64 KiB buffer from a xorshift64 generator, then runs hash_rounds rounds (default 48): each round walks
 * the buffer calling mix() on every 64-bit word (load, fold into the running hash, store the word back rotated),
 * follows a pointer chain through a ring of 4096 nodes with `ldr x0, [x0]` (a load that overwrites its own base
 * register), and prints "round N hash H" on the PL011. The last line is "final H". Any instruction run twice or
 * skipped -- a store repeated after an interrupted run, a load repeated with its clobbered base -- changes every
 * later line. The same image prints the same bytes under QEMU (-M virt, PSCI over HVC).
 *
 * Call graph:  _start -> main -> fill / round -> mix, chase / report -> uart_puts, uart_puthex
 */
    .include "platform.inc"

    .equ    WORDS, 8192                /* 64 KiB of 64-bit words */
    .equ    NODES, 4096                /* pointer ring: 16 bytes a node */

    .text

/* int main(void *dtb): fill the buffer and the ring, run the rounds, print the final hash. */
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
    bl      fill
    movq    x19, 0xcbf29ce484222325     /* running hash (FNV offset basis) */
    mov     x20, #0                     /* round */
    adrl    x9, hash_rounds
    ldr     x21, [x9]
.Lround_loop:
    cmp     x20, x21
    b.hs    .Lrounds_done
    mov     x0, x19
    bl      round
    mov     x19, x0
    adrl    x0, msg_round
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x20
    mov     x1, #UART0_BASE
    bl      uart_puthex
    adrl    x0, msg_hash
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x19
    mov     x1, #UART0_BASE
    bl      uart_puthex
    mov     w0, #'\n'
    mov     x1, #UART0_BASE
    bl      uart_putc
    add     x20, x20, #1
    b       .Lround_loop
.Lrounds_done:
    adrl    x0, msg_final
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x19
    mov     x1, #UART0_BASE
    bl      uart_puthex
    mov     w0, #'\n'
    mov     x1, #UART0_BASE
    bl      uart_putc
    adrl    x9, hash_result
    str     x19, [x9]
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

/* fill(): buffer[i] = xorshift64 sequence; ring node i -> node (i * 1031 + 7) mod NODES (a permutation cycle). */
func fill
    adrl    x1, buffer
    movq    x2, 0x9e3779b97f4a7c15      /* xorshift state */
    mov     x3, #WORDS
.Lfill_loop:
    eor     x2, x2, x2, lsl #13
    eor     x2, x2, x2, lsr #7
    eor     x2, x2, x2, lsl #17
    str     x2, [x1], #8
    subs    x3, x3, #1
    b.ne    .Lfill_loop
    adrl    x1, ring
    mov     x3, #0                      /* node index */
    mov     x5, #NODES - 1
.Lring_loop:
    mov     x4, #1031
    mul     x4, x3, x4
    add     x4, x4, #7
    and     x4, x4, x5                  /* next index */
    add     x6, x1, x4, lsl #4          /* &ring[next] */
    add     x7, x1, x3, lsl #4          /* &ring[i] */
    stp     x6, x3, [x7]                /* node: next pointer, own index */
    add     x3, x3, #1
    cmp     x3, #NODES
    b.ne    .Lring_loop
    ret
endfunc fill

/* u64 round(u64 hash): mix every buffer word into hash, then chase the ring NODES steps. */
func round
    stp     x29, x30, [sp, #-32]!
    .cfi_def_cfa_offset 32
    .cfi_offset x29, -32
    .cfi_offset x30, -24
    mov     x29, sp
    stp     x19, x20, [sp, #16]
    .cfi_offset x19, -16
    .cfi_offset x20, -8
    adrl    x19, buffer
    mov     x20, #WORDS
.Lmix_loop:
    mov     x1, x19
    bl      mix
    add     x19, x19, #8
    subs    x20, x20, #1
    b.ne    .Lmix_loop
    adrl    x1, ring
    mov     x2, #NODES
.Lchase:
    mov     x3, x1
    ldr     x1, [x1]                    /* x1 = node->next: the load overwrites its own base */
    ldr     x4, [x3, #8]
    eor     x0, x0, x4
    subs    x2, x2, #1
    b.ne    .Lchase
    ldp     x19, x20, [sp, #16]
    ldp     x29, x30, [sp], #32
    .cfi_restore x19
    .cfi_restore x20
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc round

/* u64 mix(u64 hash, u64 *word): hash = (hash ^ *word) * FNV prime; *word = ror(*word, 13) ^ hash. */
func mix
    ldr     x2, [x1]
    eor     x0, x0, x2
    movq    x3, 0x100000001b3
    mul     x0, x0, x3
    ror     x2, x2, #13
    eor     x2, x2, x0
    str     x2, [x1]
    ret
endfunc mix

    .section .rodata, "a"
object msg_round, 1
    .asciz  "round "
endobject msg_round
object msg_hash, 1
    .asciz  " hash "
endobject msg_hash
object msg_final, 1
    .asciz  "final "
endobject msg_final

    .data
object hash_rounds
    .quad   48                          /* a debugger may change it before the run */
endobject hash_rounds
object hash_result
    .quad   0
endobject hash_result

    .bss
    .balign 16
object buffer, 16
    .skip   WORDS * 8
endobject buffer
object ring, 16
    .skip   NODES * 16
endobject ring

    .include "crt0.inc"
    .include "uart.inc"
