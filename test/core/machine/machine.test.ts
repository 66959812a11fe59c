import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parseImage } from '../../../core/loader/image-loader.js';
import { Machine } from '../../../core/machine/machine.js';
import type { MachineEvent } from '../../../core/el2/events.js';
import { SYSREG } from '../../../core/arch/sysregs.js';
import { UC_ARM64_REG } from '../../../core/unicorn/constants.js';
import { loadUnicorn } from '../../../core/unicorn/library.js';
import { assemble } from '../../helpers/asm.js';
import { guestPath } from '../../helpers/guests.js';
import { guestMachine, movq } from '../../helpers/machine.js';

const lib = loadUnicorn();
const RAM = { base: 0x4000_0000n, size: 0x4000_0000n };

function machineFor(bytes: Uint8Array, options: { name?: string; sliceMs?: number } = {}) {
  const out: number[] = [];
  const image = parseImage(bytes, { name: options.name ?? 'test', loadAddr: 0x4008_0000n, ram: RAM });
  const config = { lib, image, ramSize: RAM.size, console: { write: (b: Uint8Array) => out.push(...b) } };
  const m = new Machine({ ...config, ...(options.sliceMs !== undefined ? { sliceMs: options.sliceMs } : {}) });
  return { m, text: () => Buffer.from(out).toString('latin1') };
}

/** Counts the machine's full translation flushes from now on. */
function countFlushes(m: Machine): () => number {
  const flush = m.uc.flushTranslationBlocks.bind(m.uc);
  let flushes = 0;
  m.uc.flushTranslationBlocks = () => {
    flushes++;
    flush();
  };
  return () => flushes;
}

/**
 * Guest code that installs `vectors`, points TTBR0 at `l0` (T0SZ=16, so the walk starts at level 0), links
 * l0[0] -> l1, maps l1[1] (VA 0x40000000..) as a 1 GiB identity block over RAM, and turns the MMU on. The
 * program must define the labels vectors, l0 and l1 (page-aligned, zeroed).
 */
const MMU_ON_WITH_RAM_BLOCK = `
      adr x0, vectors
      msr vbar_el1, x0
      adr x0, l1
      orr x0, x0, #3
      adr x1, l0
      str x0, [x1]
      movz x0, #0x0401          // AF | block
      movk x0, #0x4000, lsl #16
      adr x1, l1
      str x0, [x1, #8]
      adr x0, l0
      msr ttbr0_el1, x0
      movz x0, #16              // T0SZ=16: the walk starts at level 0
      movk x0, #0x2, lsl #32    // IPS 40-bit
      msr tcr_el1, x0
      isb
      mrs x0, sctlr_el1
      orr x0, x0, #1
      msr sctlr_el1, x0
      isb`;

describe('core/machine: guests run end to end in unicorn', function () {
  const machines: Machine[] = [];
  const track = (x: ReturnType<typeof machineFor>) => (machines.push(x.m), x);
  afterEach(async () => {
    for (const m of machines.splice(0)) await m.close();
  });

  it('hello prints its greeting over the PL011 and powers off with PSCI SYSTEM_OFF', async () => {
    const { m, text } = track(machineFor(readFileSync(guestPath('hello'))));
    const halt = await m.run();
    expect(halt).to.deep.equal({ kind: 'power-off', via: 'hvc' });
    expect(text()).to.equal('Hello from el2dbg guest!\n');
  });

  it('mmu turns stage-1 on with T0SZ=16 (walk from level 0) and prints through a TTBR1 address', async () => {
    const { m, text } = track(machineFor(readFileSync(guestPath('mmu'))));
    const halt = await m.run();
    expect(text()).to.equal('MMU on: T0SZ=16 walk from level 0\nHello from the high half (0xffff000009000000)!\n');
    expect(halt.kind).to.equal('power-off');
    const t = m.translate(0xffff_0000_0900_0000n);
    expect(t.kind).to.equal('ok');
    expect(t.kind === 'ok' && t.ipa).to.equal(0x0900_0000n);
    expect(t.kind === 'ok' && t.stage1.walk.map((s) => s.level)).to.deep.equal([0, 1, 2, 3]);
  });

  it('enters at EL1h with x0 = the DTB address and the DTB in RAM', () => {
    const { m } = track(machineFor(readFileSync(guestPath('hello'))));
    expect(m.uc.readReg(UC_ARM64_REG.X0)).to.equal(m.dtbAddress);
    expect(m.uc.readReg(UC_ARM64_REG.PSTATE)).to.equal(0x3c5n);
    expect(m.uc.readSysReg(SYSREG.SCTLR_EL1) & 1n).to.equal(0n);
    const magic = m.uc.readMemory(m.dtbAddress, 4);
    expect(Buffer.from(magic).readUInt32BE(0)).to.equal(0xd00dfeed);
  });

  it('the raw binary of hello runs the same as its ELF', async () => {
    const { m, text } = track(machineFor(readFileSync(guestPath('hello', 'bin'))));
    expect((await m.run()).kind).to.equal('power-off');
    expect(text()).to.equal('Hello from el2dbg guest!\n');
  });

  it('stops a spinning guest on request and resumes it where it stopped', async () => {
    // The guest counts in x1 forever and prints a byte every 2^20 iterations; the stop is requested from the
    // console sink (an event of the running guest, not a timer), at a moment the guest is certainly running.
    const src = `
      movz x0, #0x0900, lsl #16
    1: add x1, x1, #1
      tst x1, #0xfffff
      b.ne 1b
      mov w2, #'.'
      str w2, [x0]
      b 1b`;
    let stopAt = 3;
    let printed = 0;
    const image = parseImage(assemble(src), { name: 'spin', loadAddr: 0x4008_0000n, ram: RAM });
    const m = new Machine({
      lib,
      image,
      ramSize: RAM.size,
      console: { write: () => ++printed >= stopAt && m.requestStop('enough dots') },
    });
    machines.push(m);
    expect(await m.run()).to.deep.equal({ kind: 'stop-requested', why: 'enough dots' });
    const x1 = m.uc.readReg(UC_ARM64_REG.X1);
    expect(x1 >= 3n << 20n).to.equal(true);
    stopAt = printed + 3; // the guest may have printed a few more before the stop took effect
    expect(await m.run()).to.deep.equal({ kind: 'stop-requested', why: 'enough dots' });
    expect(m.uc.readReg(UC_ARM64_REG.X1) >= BigInt(stopAt) << 20n).to.equal(true);
    expect(m.uc.readReg(UC_ARM64_REG.X1) > x1).to.equal(true);
  });

  it('stops after exactly the instruction limit, across slices and in the middle of a block', async () => {
    const { m } = track(machineFor(assemble('1: add x1, x1, #1\n add x2, x2, #1\n b 1b'), { sliceMs: 0.05 }));
    const halt = await m.run({ maxInsns: 3_000_001n });
    expect(halt).to.deep.equal({ kind: 'insn-limit', executed: 3_000_001n });
    expect(m.instructionsExecuted).to.equal(3_000_001n);
    // Three instructions an iteration: 1 000 000 whole iterations, then the first add of the next one.
    expect(m.uc.readReg(UC_ARM64_REG.X1)).to.equal(1_000_001n);
    expect(m.uc.readReg(UC_ARM64_REG.X2)).to.equal(1_000_000n);
    expect(await m.run({ maxInsns: 2n })).to.deep.equal({ kind: 'insn-limit', executed: 3_000_003n });
    expect(m.uc.readReg(UC_ARM64_REG.X2)).to.equal(1_000_001n);
  });

  it('a removed breakpoint no longer stops the guest, also when it was the only one', async () => {
    // unicorn 2.1.4 compiles a lone code hook as a direct call into the block and leaves it there when the hook is
    // deleted: the machine must drop that code, or the guest stops again where there is no breakpoint.
    const { m } = track(machineFor(assemble('1: add x1, x1, #1\n add x2, x2, #1\n b 1b')));
    m.addBreakpoint(0x4008_0004n);
    expect(await m.run({ maxInsns: 100n })).to.deep.equal({ kind: 'breakpoint', pc: 0x4008_0004n });
    m.removeBreakpoint(0x4008_0004n);
    expect(await m.run({ maxInsns: 100n })).to.deep.equal({ kind: 'insn-limit', executed: 101n });
    expect(m.pc).to.equal(0x4008_0008n); // 33 loops and two instructions
    // Two hooks (called through unicorn's helper, not directly): the one at the PC lets the resume pass.
    m.setBreakpoints([0x4008_0000n, 0x4008_0008n]);
    expect(await m.run({ maxInsns: 100n })).to.deep.equal({ kind: 'breakpoint', pc: 0x4008_0000n });
    m.setBreakpoints([]);
    expect(await m.run({ maxInsns: 100n })).to.deep.equal({ kind: 'insn-limit', executed: 202n });
  });

  it('ends exact-count runs without dropping translated code, and leaves no stop behind at the counts it ended on', async () => {
    // A limit inside a block used to be finished in unicorn's counted mode, which drops every translated block on the
    // way in and out (~10 ms a time on a kernel: each seek and reverse step paid it). Now a one-shot hook ends it; the
    // hook's code must go with it, or the guest stops there again the next time it passes (unicorn 2.1.4 keeps a
    // deleted hook's direct call in the block).
    const { m } = track(machineFor(assemble('1: add x1, x1, #1\n add x2, x2, #1\n add x3, x3, #1\n b 1b')));
    const flushes = countFlushes(m);
    let executed = 0n;
    for (const n of [1_000_001n, 1_000_002n, 1_000_003n, 4n, 4n, 4n, 999_999n]) {
      executed += n;
      expect(await m.run({ maxInsns: n })).to.deep.equal({ kind: 'insn-limit', executed });
    }
    expect(flushes(), 'translation flushes').to.equal(0);
    // Four instructions an iteration: x1 counts the iterations begun, x3 those whose third add ran.
    expect(m.uc.readReg(UC_ARM64_REG.X1)).to.equal((executed + 3n) / 4n);
    expect(m.uc.readReg(UC_ARM64_REG.X3)).to.equal((executed + 1n) / 4n);
  });

  it('stops exactly after trapped accesses inside the last block, as an uninterrupted run, without dropping code', async () => {
    // Loads from RITM's filtered page trap to the EL2 model, which emulates them in the middle of a block: an exact
    // stop just after one must still end with the one-shot hook (not counted mode) and match a run that never stopped.
    const loop = assemble(
      `${movq(1, 0x0f00_0000n)}1: ldr x3, [x1]\n add x4, x4, #1\n ldr x5, [x1, #16]\n add x6, x6, x5\n` +
        ' ldr x7, [x1, #16]\n add x6, x6, x7\n b 1b',
    );
    const stepped = guestMachine(loop);
    const straight = guestMachine(loop);
    machines.push(stepped.machine, straight.machine);
    const m = stepped.machine;
    const flushes = countFlushes(m);
    let executed = 0n;
    for (let i = 0; i < 300; i++) {
      const n = BigInt(1 + ((i * 7) % 11));
      executed += n;
      expect(await m.run({ maxInsns: n })).to.deep.equal({ kind: 'insn-limit', executed });
    }
    expect(flushes(), 'translation flushes').to.equal(0);
    expect(await straight.machine.run({ maxInsns: executed })).to.deep.equal({ kind: 'insn-limit', executed });
    for (const r of ['X3', 'X4', 'X5', 'X6', 'X7', 'PC'] as const) {
      expect(m.uc.readReg(UC_ARM64_REG[r]), r).to.equal(straight.machine.uc.readReg(UC_ARM64_REG[r]));
    }
    expect(m.uc.readReg(UC_ARM64_REG.X3)).to.equal(0xfeedfacecafebeefn); // the trapped loads were emulated
    expect(m.uc.readReg(UC_ARM64_REG.X6) > 0n).to.equal(true);
  });

  it('delivers an undefined instruction to the guest vector (EC 0x00, ELR on the instruction)', async () => {
    const src = `
      adr x0, vectors
      msr vbar_el1, x0
      isb
    fault: udf #0
      b .
      .balign 0x800
    vectors:
      .skip 0x200
      mrs x1, esr_el1
      mrs x2, elr_el1
      mrs x3, spsr_el1
      movz x0, #0x0008
      movk x0, #0x8400, lsl #16
      hvc #0
    `;
    const { m } = track(machineFor(assemble(src)));
    const events: MachineEvent[] = [];
    m.on((e) => events.push(e));
    const halt = await m.run();
    expect(halt.kind).to.equal('power-off');
    expect(m.uc.readReg(UC_ARM64_REG.X1)).to.equal(0x0200_0000n); // EC 0, IL 1, ISS 0
    expect(m.uc.readReg(UC_ARM64_REG.X2)).to.equal(0x4008_000cn);
    expect(m.uc.readReg(UC_ARM64_REG.X3)).to.equal(0x3c5n);
    expect(events[0]).to.include({ kind: 'guest-exception', vector: 0x4008_0a00n });
  });

  it('turns a stage-1 translation fault into a data abort at the guest vector, PC exact', async () => {
    // l0[0] -> l1; l1[1] = 1 GiB identity block over RAM; VA 0x08000000 (l1[0]) is invalid: level-1 fault, DFSC 0x05.
    const src = `
      ${MMU_ON_WITH_RAM_BLOCK}
      adr x10, faulting
      movz x0, #0x0800, lsl #16
    faulting:
      ldr x5, [x0]
      b .
      .balign 0x800
    vectors:
      .skip 0x200
      mrs x1, esr_el1
      mrs x2, elr_el1
      mrs x3, far_el1
      movz x0, #0x0008
      movk x0, #0x8400, lsl #16
      hvc #0
      .balign 4096
    l0: .skip 4096
    l1: .skip 4096
    `;
    const { m } = track(machineFor(assemble(src)));
    const halt = await m.run();
    expect(halt).to.deep.equal({ kind: 'power-off', via: 'hvc' });
    expect(m.uc.readReg(UC_ARM64_REG.X1)).to.equal((0x25n << 26n) | (1n << 25n) | 0x05n); // DABT same EL, IL, level-1 translation
    expect(m.uc.readReg(UC_ARM64_REG.X2)).to.equal(m.uc.readReg(UC_ARM64_REG.X10)); // ELR_EL1 on the ldr
    expect(m.uc.readReg(UC_ARM64_REG.X3)).to.equal(0x0800_0000n);
  });

  it('retries a faulting access after the guest maps the page in its abort handler (no stale cached fault)', async () => {
    // l1[0] (VA 0..1 GiB) starts invalid; the abort handler maps it as a 1 GiB block onto RAM and returns to the load.
    const src = `
      ${MMU_ON_WITH_RAM_BLOCK}
      movz x0, #0x0008, lsl #16  // VA 0x80000 -> RAM 0x40080000 once mapped: the first word of this program
      ldr w5, [x0]
      movz x0, #0x0008
      movk x0, #0x8400, lsl #16
      hvc #0
      .balign 0x800
    vectors:
      .skip 0x200
      add x20, x20, #1           // faults taken
      movz x9, #0x0401
      movk x9, #0x4000, lsl #16
      adr x10, l1
      str x9, [x10]              // l1[0]: 1 GiB block at PA 0x40000000
      dsb ish
      tlbi vmalle1
      dsb ish
      isb
      eret
      .balign 4096
    l0: .skip 4096
    l1: .skip 4096
    `;
    const code = assemble(src);
    const { m } = track(machineFor(code));
    expect(await m.run()).to.deep.equal({ kind: 'power-off', via: 'hvc' });
    expect(m.uc.readReg(UC_ARM64_REG.X20)).to.equal(1n);
    expect(m.uc.readReg(UC_ARM64_REG.X5)).to.equal(
      BigInt(new DataView(code.buffer, code.byteOffset).getUint32(0, true)),
    );
  });

  it('reports an exception with no vector table as a guest panic naming the fault', async () => {
    const { m } = track(machineFor(assemble('nop\n udf #1')));
    const halt = await m.run();
    expect(halt.kind).to.equal('guest-panic');
    expect(halt.kind === 'guest-panic' && halt.pc).to.equal(0x4008_0004n);
    expect(halt.kind === 'guest-panic' && halt.description).to.match(/undefined instruction.*VBAR_EL1 = 0/);
  });

  it('takes an access to a physical hole as a synchronous external abort (DFSC 0x10), a guest panic without vectors', async () => {
    const { m } = track(machineFor(assemble('movz x0, #0x0c00, lsl #16\n ldr x1, [x0, #8]')));
    const halt = await m.run();
    expect(halt.kind).to.equal('guest-panic');
    expect(halt.kind === 'guest-panic' && halt.description).to.equal(
      'data abort (synchronous external abort: nothing at physical address 0xc000008) of VA 0xc000008, ' +
        'ESR_EL1=0x96000010, and the guest has no exception vectors (VBAR_EL1 = 0)',
    );
  });

  it('delivers the external abort of a store to a hole to the EL1 vector with ESR (WnR), FAR and ELR', async () => {
    const src = `
      adr x1, vectors
      msr vbar_el1, x1
      movz x0, #0x0904, lsl #16   // 0x09040000 (the secure UART): nothing there for a non-secure guest
    probe:
      str w2, [x0, #4]
      b .
      .balign 2048
    vectors:
      .skip 0x200
      mrs x10, esr_el1            // current EL with SP_ELx, synchronous
      mrs x11, far_el1
      mrs x12, elr_el1
      adr x13, probe
      ${'movz x0, #0x0008\n movk x0, #0x8400, lsl #16\n hvc #0'}
    `;
    const { m } = track(machineFor(assemble(src)));
    expect(await m.run()).to.deep.equal({ kind: 'power-off', via: 'hvc' });
    expect(m.uc.readReg(UC_ARM64_REG.X10)).to.equal(0x9600_0050n); // EC 0x25, IL, WnR, DFSC 0x10
    expect(m.uc.readReg(UC_ARM64_REG.X11)).to.equal(0x0904_0004n);
    expect(m.uc.readReg(UC_ARM64_REG.X12)).to.equal(m.uc.readReg(UC_ARM64_REG.X13));
  });

  it('answers unknown SMCCC calls with NOT_SUPPORTED and PSCI_VERSION with 1.1, resuming after the HVC', async () => {
    const src =
      'movz x0, #0x8000, lsl #16\n hvc #0\n mov x7, x0\n movz x0, #0x8400, lsl #16\n hvc #0\n mov x8, x0\n movz x0, #0x0008\n movk x0, #0x8400, lsl #16\n hvc #0';
    const { m } = track(machineFor(assemble(src)));
    expect((await m.run()).kind).to.equal('power-off');
    expect(m.uc.readReg(UC_ARM64_REG.X7)).to.equal(0xffff_ffff_ffff_ffffn);
    expect(m.uc.readReg(UC_ARM64_REG.X8)).to.equal(0x1_0001n);
  });

  it('hands received bytes to the guest through the PL011 data register and flags', async () => {
    const src = `
      movz x0, #0x0900, lsl #16
    1: ldr w1, [x0, #0x18]
      tbnz w1, #4, 1b        // RXFE: wait for a byte
      ldr w2, [x0]
      add w2, w2, #1
      str w2, [x0]
      movz x0, #0x0008
      movk x0, #0x8400, lsl #16
      hvc #0`;
    const { m, text } = track(machineFor(assemble(src)));
    const running = m.run();
    m.uart.pushInput(Uint8Array.of(0x41));
    expect((await running).kind).to.equal('power-off');
    expect(text()).to.equal('B');
  });
});
