/*
 * guests/tlbi/tlbi.S -- TLB maintenance on block mappings, one line per TLBI form.
 *
 * Turns the MMU on (T0SZ = 16: walks start at level 0) with RAM and the devices identity-mapped by 1 GiB blocks,
 * plus a test region at VA 0x80_0000_0000: a 2 MiB block at VA 0x80_0000_0000 and a 1 GiB block at VA
 * 0x80_4000_0000. For each TLBI form and each block it
 *   1. points the block at PA "old", invalidates everything, reads a word 0x5000 into the block (the TLB now
 *      holds that page of the block),
 *   2. points the block at PA "new" (nothing invalidated yet),
 *   3. runs the TLBI form with the block's *base* address (or its ASID, or nothing), then DSB and ISB,
 *   4. reads the same word again and prints "FORM SIZE VALUE".
 * The architecture says the TLBI invalidates the whole block's entry, so every line must show the new marker
 * (0x...BBBB). A last case switches TTBR0 to other tables under another ASID without any TLBI ("ttbr0-asid").
 * QEMU 7.2 prints exactly that; the line "tlbi-range n/a" or "tlbi-os n/a" says the CPU does not
 * implement FEAT_TLBIRANGE or FEAT_TLBIOS (ID_AA64ISAR0_EL1.TLB) and those forms were skipped. Needs 2 GiB of
 * RAM (the 1 GiB block's new PA is 0x80000000). Powers off at the end.
 */
    .include "platform.inc"
    .arch   armv8.4-a                           /* the OS and range TLBI forms assemble; they run only if implemented */

    .equ    TEST_VA_2M, 0x8000000000
    .equ    TEST_VA_1G, 0x8040000000
    .equ    OFFSET, 0x5000
    .equ    OLD_2M, 0x40400000
    .equ    NEW_2M, 0x40600000
    .equ    OLD_1G, 0x40000000
    .equ    NEW_1G, 0x80000000
    .equ    OFFSET_1G, 0x30005000               /* far from the image and QEMU's DTB */

    .equ    BLOCK_NORMAL, 0x701                 /* AF | SH inner | AttrIndx 0 | block */
    .equ    BLOCK_TEST, 0xf01                   /* the same, not global (nG): tagged with the ASID */
    .equ    BLOCK_DEVICE, 0x405                 /* AF | AttrIndx 1 | block */
    .equ    TABLE, 0x3

    /* A case: set the block (\size 0: 2 MiB, 1: 1 GiB) to old, prime, switch to new, run \insn, print \name. */
    .macro case name, size, insn:vararg
    mov     x0, #\size
    bl      prime
    mov     x0, #\size
    bl      switch_to_new
    mov     x0, #\size
    bl      operand                              /* x0 = VA[55:12] of the block, ASID 0 */
    \insn
    dsb     ish
    isb
    adrl    x0, .Lname\@
    mov     x1, #\size
    bl      report
    .pushsection .rodata.str, "a"
.Lname\@:
    .asciz  "\name"
    .popsection
    .endm

    .text

func main
    stp     x29, x30, [sp, #-16]!
    .cfi_def_cfa_offset 16
    .cfi_offset x29, -16
    .cfi_offset x30, -8
    mov     x29, sp
    bl      write_markers
    bl      build_tables
    bl      mmu_on
    .irp size, 0, 1
    case    "vmalle1", \size, tlbi vmalle1
    case    "vmalle1is", \size, tlbi vmalle1is
    case    "aside1", \size, tlbi aside1, xzr
    case    "aside1is", \size, tlbi aside1is, xzr
    case    "vae1", \size, tlbi vae1, x0
    case    "vae1is", \size, tlbi vae1is, x0
    case    "vale1", \size, tlbi vale1, x0
    case    "vale1is", \size, tlbi vale1is, x0
    case    "vaae1", \size, tlbi vaae1, x0
    case    "vaae1is", \size, tlbi vaae1is, x0
    case    "vaale1", \size, tlbi vaale1, x0
    case    "vaale1is", \size, tlbi vaale1is, x0
    .endr
    bl      ttbr_asid_case
    mrs     x9, id_aa64isar0_el1
    ubfx    x9, x9, #56, #4                      /* TLB: 1 = TLBIOS, 2 = TLBIOS and TLBIRANGE */
    cbz     x9, .Lno_os
    .irp size, 0, 1
    case    "vae1os", \size, tlbi vae1os, x0
    case    "vaale1os", \size, tlbi vaale1os, x0
    case    "vmalle1os", \size, tlbi vmalle1os
    .endr
    cmp     x9, #2
    b.lo    .Lno_range
    .irp size, 0, 1
    case    "rvae1", \size, tlbi rvae1, x0
    case    "rvaale1is", \size, tlbi rvaale1is, x0
    .endr
    b       .Ldone
.Lno_os:
    adrl    x0, msg_no_os
    mov     x1, #UART0_BASE
    bl      uart_puts
.Lno_range:
    adrl    x0, msg_no_range
    mov     x1, #UART0_BASE
    bl      uart_puts
.Ldone:
    mov     w0, #0
    ldp     x29, x30, [sp], #16
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc main

/* Markers: 0xaaaa0000_0000NNNN at OFFSET of each old PA, 0xbbbb... at each new PA (NNNN: 0x2 / 0x1 for the size). */
func write_markers
    movq    x0, OLD_2M + OFFSET
    movq    x1, 0xaaaa000000000002
    str     x1, [x0]
    movq    x0, NEW_2M + OFFSET
    movq    x1, 0xbbbb000000000002
    str     x1, [x0]
    movq    x0, OLD_1G + OFFSET_1G
    movq    x1, 0xaaaa000000000001
    str     x1, [x0]
    movq    x0, NEW_1G + OFFSET_1G
    movq    x1, 0xbbbb000000000001
    str     x1, [x0]
    ret
endfunc write_markers

func build_tables
    adrl    x0, l0
    adrl    x1, l1_low
    orr     x2, x1, #TABLE
    str     x2, [x0]                              /* L0[0] -> l1_low */
    adrl    x3, l1_test
    orr     x2, x3, #TABLE
    str     x2, [x0, #8]                          /* L0[1] -> l1_test (VA 0x80_0000_0000) */
    mov     x2, #BLOCK_DEVICE
    str     x2, [x1]                              /* L1[0]: 0..1 GiB, devices */
    movq    x2, 0x40000000 + BLOCK_NORMAL
    str     x2, [x1, #8]                          /* L1[1]: RAM, identity */
    movq    x2, 0x80000000 + BLOCK_NORMAL
    str     x2, [x1, #16]                         /* L1[2]: the second GiB of RAM */
    adrl    x4, l2_test
    orr     x2, x4, #TABLE
    str     x2, [x3]                              /* l1_test[0] -> l2_test (2 MiB blocks) */
    dsb     ish
    ret
endfunc build_tables

func mmu_on
    movq    x0, 0x00ff                            /* Attr0 normal WB, Attr1 device nGnRnE */
    msr     mair_el1, x0
    movq    x0, 0x200803510                       /* T0SZ 16, WBWA inner shareable, TG0 4K, EPD1, IPS 40 bits */
    msr     tcr_el1, x0
    adrl    x0, l0
    msr     ttbr0_el1, x0
    isb
    tlbi    vmalle1
    dsb     ish
    isb
    mrs     x0, sctlr_el1
    orr     x0, x0, #1                            /* M */
    orr     x0, x0, #(1 << 2)                     /* C */
    orr     x0, x0, #(1 << 12)                    /* I */
    bic     x0, x0, #(1 << 19)                    /* WXN */
    bic     x0, x0, #(1 << 1)                     /* A */
    msr     sctlr_el1, x0
    isb
    ret
endfunc mmu_on

/* x1 = address of the test descriptor for size x0, x2 = its VA, x3 = old PA, x4 = new PA, x5 = offset. */
lfunc test_block
    cbnz    x0, 1f
    adrl    x1, l2_test
    movq    x2, TEST_VA_2M
    movq    x3, OLD_2M
    movq    x4, NEW_2M
    movq    x5, OFFSET
    ret
1:  adrl    x1, l1_test
    add     x1, x1, #8
    movq    x2, TEST_VA_1G
    movq    x3, OLD_1G
    movq    x4, NEW_1G
    movq    x5, OFFSET_1G
    ret
endfunc test_block

/* prime(size): block -> old PA, invalidate all, read the word (its page of the block is now in the TLB). */
func prime
    mov     x9, x30
    bl      test_block
    mov     x6, #BLOCK_TEST
    orr     x6, x6, x3
    str     x6, [x1]
    dsb     ish
    tlbi    vmalle1
    dsb     ish
    isb
    ldr     x7, [x2, x5]
    mov     x30, x9
    ret
endfunc prime

/* switch_to_new(size): block -> new PA; no invalidation. */
func switch_to_new
    mov     x9, x30
    bl      test_block
    mov     x6, #BLOCK_TEST
    orr     x6, x6, x4
    str     x6, [x1]
    dsb     ish
    mov     x30, x9
    ret
endfunc switch_to_new

/*
 * ttbr_asid_case: the TLB holds the 2 MiB block's old entry under ASID 0; TTBR0 then switches to a second set of
 * tables (same identity map, the block at the new PA) with ASID 1. No TLBI: the old entry belongs to another ASID,
 * so the read must go through the new tables. Prints "ttbr0-asid 2M VALUE", then returns to the first tables.
 */
func ttbr_asid_case
    stp     x29, x30, [sp, #-16]!
    .cfi_def_cfa_offset 16
    .cfi_offset x29, -16
    .cfi_offset x30, -8
    mov     x29, sp
    mov     x0, #0
    bl      prime
    adrl    x0, l0_b
    adrl    x1, l1_low
    orr     x2, x1, #TABLE
    str     x2, [x0]                              /* L0[0] -> the same identity map */
    adrl    x3, l1_test_b
    orr     x2, x3, #TABLE
    str     x2, [x0, #8]
    adrl    x4, l2_test_b
    orr     x2, x4, #TABLE
    str     x2, [x3]
    movq    x2, NEW_2M + BLOCK_TEST
    str     x2, [x4]
    dsb     ish
    orr     x0, x0, #(1 << 48)                    /* ASID 1 */
    msr     ttbr0_el1, x0
    isb
    adrl    x0, msg_ttbr
    mov     x1, #0
    bl      report
    adrl    x0, l0
    msr     ttbr0_el1, x0                         /* back to ASID 0 and the first tables */
    isb
    tlbi    vmalle1
    dsb     ish
    isb
    ldp     x29, x30, [sp], #16
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc ttbr_asid_case

/* operand(size): x0 = the TLBI by-VA operand for the block's base (VA[55:12], ASID 0). */
func operand
    mov     x9, x30
    bl      test_block
    ubfx    x0, x2, #12, #44
    mov     x30, x9
    ret
endfunc operand

/* report(name, size): prints "name 2M|1G value" with the word now read through the block. */
func report
    stp     x29, x30, [sp, #-32]!
    .cfi_def_cfa_offset 32
    .cfi_offset x29, -32
    .cfi_offset x30, -24
    mov     x29, sp
    stp     x19, x20, [sp, #16]
    .cfi_offset x19, -16
    .cfi_offset x20, -8
    mov     x19, x1
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x19
    bl      test_block
    ldr     x20, [x2, x5]
    adrl    x0, msg_2m
    adrl    x1, msg_1g
    cmp     x19, #0
    csel    x0, x0, x1, eq
    mov     x1, #UART0_BASE
    bl      uart_puts
    mov     x0, x20
    mov     x1, #UART0_BASE
    bl      uart_puthex
    mov     w0, #'\n'
    mov     x1, #UART0_BASE
    bl      uart_putc
    ldp     x19, x20, [sp, #16]
    ldp     x29, x30, [sp], #32
    .cfi_restore x19
    .cfi_restore x20
    .cfi_restore x29
    .cfi_restore x30
    .cfi_def_cfa_offset 0
    ret
endfunc report

    .section .rodata, "a"
object msg_2m, 1
    .asciz  " 2M "
endobject msg_2m
object msg_1g, 1
    .asciz  " 1G "
endobject msg_1g
object msg_ttbr, 1
    .asciz  "ttbr0-asid"
endobject msg_ttbr
object msg_no_os, 1
    .asciz  "tlbi-os n/a\n"
endobject msg_no_os
object msg_no_range, 1
    .asciz  "tlbi-range n/a\n"
endobject msg_no_range

    .section .pgtables, "aw", %nobits
    .balign 4096
object l0, 4096
    .skip   4096
endobject l0
object l1_low, 4096
    .skip   4096
endobject l1_low
object l1_test, 4096
    .skip   4096
endobject l1_test
object l2_test, 4096
    .skip   4096
endobject l2_test
object l0_b, 4096
    .skip   4096
endobject l0_b
object l1_test_b, 4096
    .skip   4096
endobject l1_test_b
object l2_test_b, 4096
    .skip   4096
endobject l2_test_b

    .include "crt0.inc"
    .include "uart.inc"
