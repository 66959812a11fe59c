// The reference for the trap rate: QEMU 7.2 (virtualization=on) running a RITM-style EL2 in the guest itself.
// EL2 turns stage 2 on with the page at IPA 0x0f000000 unmapped and drops to EL1, which loads from that page in a
// loop; each load traps to EL2, whose handler saves the frame, decodes ESR_EL2 (EC, SRT), reads HPFAR/FAR,
// writes the value into the frame's Rt, steps ELR past the load and returns. The rate is the slope between two
// loop lengths, so QEMU's start-up does not count.
import { execFileSync } from 'node:child_process';
import { QEMU_BASE_ARGS } from '../server/cli/doctor-command.js';
import { buildElf } from '../test/helpers/asm.js';

/** The EL2 program for `iterations` trapped loads (entered at EL2 at 0x40080000). */
function el2Loop(iterations: number): string {
  return `
// QEMU reference for the trap rate: EL2 with stage 2 on, the page at IPA 0x0f000000 unmapped; EL1 loads from it
// N times; EL2's handler (RITM style: save the frame, decode ESR, emulate the load into Rt, ELR += 4, eret).
  // stage-2 tables: L1[0] -> L2 (2 MiB blocks of device memory, entry 120 -> L3 with page 0 invalid), L1[1] = RAM
  adr x0, l1
  adr x1, l2
  orr x2, x1, #3
  str x2, [x0]
  movz x2, #0x4000, lsl #16
  movz x3, #0x7fd
  orr x2, x2, x3             // normal, RW, AF, SH inner, block
  str x2, [x0, #8]
  mov x4, #0                 // L2: 512 device blocks
  movz x5, #0x4c1            // device nGnRnE, RW, AF, block (bit1 = 0)
1: lsl x6, x4, #21
  orr x6, x6, x5
  str x6, [x1, x4, lsl #3]
  add x4, x4, #1
  cmp x4, #512
  b.ne 1b
  adr x7, l3
  mov x4, #1                 // L3 for 0x0f000000: pages 1..511 mapped, page 0 not
  movz x5, #0x4c3            // device page
2: movz x6, #0x0f00, lsl #16
  add x6, x6, x4, lsl #12
  orr x6, x6, x5
  str x6, [x7, x4, lsl #3]
  add x4, x4, #1
  cmp x4, #512
  b.ne 2b
  orr x6, x7, #3
  str x6, [x1, #(120 * 8)]
  dsb sy
  // VTCR: T0SZ 24, SL0 1 (level 1), IRGN0/ORGN0 WB, SH0 inner, TG0 4K, PS 48 bits
  movz x0, #0x3559
  movk x0, #0x5, lsl #16
  msr vtcr_el2, x0
  adr x0, l1
  msr vttbr_el2, x0
  adr x0, el2_vectors
  msr vbar_el2, x0
  movz x0, #0x0001
  movk x0, #0x8000, lsl #16  // HCR: VM | RW
  msr hcr_el2, x0
  isb
  tlbi vmalls12e1
  dsb sy
  adr x0, guest
  msr elr_el2, x0
  mov x0, #0x3c5             // EL1h, DAIF masked
  msr spsr_el2, x0
  adr x0, stack_top
  mov sp, x0
  eret
guest:
  ldr x21, =${iterations}
  movz x20, #0x0f00, lsl #16
3: ldr x0, [x20]
  subs x21, x21, #1
  b.ne 3b
  hvc #0
  .ltorg
  .balign 2048
el2_vectors:
  .skip 0x400
  // lower EL, AArch64, synchronous
  sub sp, sp, #256
  stp x0, x1, [sp, #0]
  stp x2, x3, [sp, #16]
  stp x4, x5, [sp, #32]
  stp x6, x7, [sp, #48]
  stp x8, x9, [sp, #64]
  stp x10, x11, [sp, #80]
  stp x12, x13, [sp, #96]
  stp x14, x15, [sp, #112]
  stp x16, x17, [sp, #128]
  stp x18, x19, [sp, #144]
  stp x20, x21, [sp, #160]
  stp x22, x23, [sp, #176]
  stp x24, x25, [sp, #192]
  stp x26, x27, [sp, #208]
  stp x28, x29, [sp, #224]
  str x30, [sp, #240]
  mrs x0, esr_el2
  lsr x1, x0, #26
  cmp x1, #0x16              // HVC: done
  b.eq done
  cmp x1, #0x24
  b.ne done
  ubfx x2, x0, #16, #5       // SRT
  mrs x3, hpfar_el2
  mrs x4, far_el2            // (a handler would dispatch on these)
  movz x5, #0xbeef
  movk x5, #0xcafe, lsl #16
  movk x5, #0xface, lsl #32
  movk x5, #0xfeed, lsl #48
  cmp x2, #31
  b.eq 4f
  str x5, [sp, x2, lsl #3]
4: mrs x6, elr_el2
  add x6, x6, #4
  msr elr_el2, x6
  ldp x0, x1, [sp, #0]
  ldp x2, x3, [sp, #16]
  ldp x4, x5, [sp, #32]
  ldp x6, x7, [sp, #48]
  ldp x8, x9, [sp, #64]
  ldp x10, x11, [sp, #80]
  ldp x12, x13, [sp, #96]
  ldp x14, x15, [sp, #112]
  ldp x16, x17, [sp, #128]
  ldp x18, x19, [sp, #144]
  ldp x20, x21, [sp, #160]
  ldp x22, x23, [sp, #176]
  ldp x24, x25, [sp, #192]
  ldp x26, x27, [sp, #208]
  ldp x28, x29, [sp, #224]
  ldr x30, [sp, #240]
  add sp, sp, #256
  eret
done:
  movz x0, #0x0008
  movk x0, #0x8400, lsl #16
  smc #0
  b .
  .balign 4096
l1: .skip 4096
l2: .skip 4096
l3: .skip 4096
  .skip 8192
stack_top:
`;
}

function timeQemu(elf: string): number {
  const t0 = performance.now();
  execFileSync(
    'qemu-system-aarch64',
    ['-M', 'virt,virtualization=on', '-cpu', 'max', '-m', '1024', ...QEMU_BASE_ARGS, '-kernel', elf],
    {
      stdio: 'ignore',
      timeout: 120_000,
    },
  );
  return (performance.now() - t0) / 1000;
}

/** QEMU's trapped-and-emulated loads per second (best of `rounds` slopes). */
export function qemuTrapRate(rounds = 3): number {
  const small = buildElf(el2Loop(200_000), 'el2-small');
  const big = buildElf(el2Loop(2_200_000), 'el2-big');
  let best = 0;
  for (let i = 0; i < rounds; i++) {
    const slope = (timeQemu(big) - timeQemu(small)) / 2_000_000;
    best = Math.max(best, 1 / slope);
  }
  return best;
}
