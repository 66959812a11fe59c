// End to end: real gdb-multiarch (batch mode) against the real server and machine, demo guest, ritm policy.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { buildElf } from '../helpers/asm.js';
import { guestSymbol } from '../helpers/guests.js';
import { runGdb, spawnGdb, startServer, type TestServer } from './gdb-harness.js';

/** The address of a symbol of the demo guest, from its ELF (so the tests do not hard-code the layout). */
function symbol(server: TestServer, name: string): bigint {
  return guestSymbol(server.imagePath, name);
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

describe('server: gdb-multiarch sessions against the demo guest', function () {
  this.timeout(30_000);
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('attaches halted at the entry, finds the ELF and its symbols through qXfer:exec-file, reads registers and memory', async () => {
    // No file on gdb's command line: the symbols come from the path the server reports.
    const out = await runGdb(server.port, [
      'p/x $pc',
      'info symbol $pc',
      'p/x $cpsr',
      'x/2wx _start',
      'p/x &main',
      'p $sp',
    ]);
    expect(out).to.match(/Reading symbols from .*demo\.elf/);
    expect(out).to.match(/\$1 = 0x40080000/);
    expect(out).to.match(/_start in section \.text/);
    expect(out).to.match(/\$2 = 0x3c5/); // EL1h, DAIF masked
    const firstWords = readFileSync(server.imagePath).subarray(0x1000, 0x1008); // .text at file offset 0x1000
    const w0 = `0x${firstWords.readUInt32LE(0).toString(16).padStart(8, '0')}`;
    expect(out).to.include(`<_start>:\t${w0}`);
    expect(out).to.include(`$3 = ${hex(symbol(server, 'main'))}`);
    expect(out).to.match(/\$4 = \(void \*\) 0x0/);
  });

  it('describes the EL2 feature: p/x $ESR_EL2, info registers el2 (22 registers), vectors and cpsr flags', async () => {
    const out = await runGdb(server.port, [
      'p/x $HCR_EL2',
      'p/x $VTCR_EL2',
      'info registers el2',
      'p $v0.d.u',
      'p $cpsr',
      'p/x $CurrentEL',
      'p $fpcr',
    ]);
    expect(out).to.match(/\$1 = 0x80080001/);
    expect(out).to.match(/\$2 = 0x23598/);
    const el2Lines = out
      .split('\n')
      .filter((l) =>
        /^(ESR|FAR|HPFAR|ELR|SPSR|HCR|VTCR|VTTBR|VBAR|SCTLR|TCR|TTBR[01]|MAIR|SP)_EL[012]\s|^CurrentEL\s/.test(l),
      );
    expect(el2Lines).to.have.length(22);
    expect(out).to.match(/\$3 = \{0, 0\}/);
    expect(out).to.match(/\$4 = \[ SP EL=1 F I A D /);
    expect(out).to.match(/\$5 = 0x4/);
    expect(out).to.match(/\$6 = 0/);
  });

  it('keeps gdb register groups with group="float" on the FP/SIMD feature (for lldb): v0-v31 stay out of info registers', async () => {
    const out = await runGdb(server.port, [
      'echo ==general\\n',
      'info registers',
      'echo ==vector\\n',
      'info registers vector',
      'echo ==float\\n',
      'info registers float',
      'echo ==end\\n',
    ]);
    const names = (group: string) => {
      const section = out.split(`==${group}\n`)[1]!.split('\n==')[0]!;
      return section.split('\n').flatMap((l) => /^(\w+)\s/.exec(l)?.[1] ?? []);
    };
    const general = names('general');
    expect(general.slice(0, 36)).to.deep.equal([
      ...Array.from({ length: 31 }, (_, i) => `x${i}`),
      ...['sp', 'pc', 'cpsr', 'fpsr', 'fpcr'],
    ]);
    expect(general.slice(36)).to.have.length(22); // the EL2 feature
    expect(general.filter((n) => /^[vqds]\d+$/.test(n))).to.deep.equal([]);
    expect(names('vector').slice(0, 32)).to.deep.equal(Array.from({ length: 32 }, (_, i) => `v${i}`));
    expect(names('float')).to.include.members(['v0', 'v31', 'fpsr', 'fpcr', 'd0', 's31']);
  });

  it('breaks at a symbol, continues, and shows the trapped filtered-page value and the backtrace', async () => {
    const out = await runGdb(server.port, ['break compute', 'continue', 'bt', 'p/x $x0', 'p/x $x1', 'p/x $pc']);
    expect(out).to.match(/Breakpoint 1, compute \(\) at .*demo\.S/);
    expect(out).to.match(/#1 {2}0x[0-9a-f]+ in main \(\)/);
    expect(out).to.match(/\$1 = 0xfeedfacecafebeef/); // magic, emulated by the ritm policy's handler
    expect(out).to.match(/\$2 = 0x0/); // the first counter value
    expect(out).to.include(`$3 = ${hex(symbol(server, 'compute'))}`);
  });

  it('a deleted breakpoint stops the guest no more: continue runs to the end of the demo', async () => {
    // read_filtered runs several times; with its breakpoint gone (the only code hook there was), continue must run
    // on to the guest's power-off, not stop there again with a SIGTRAP gdb cannot explain.
    const out = await runGdb(server.port, [
      'set var *(long *)&demo_max_iterations = 3',
      'break read_filtered',
      'continue',
      'delete',
      'continue',
    ]);
    expect(out.match(/Breakpoint 1, read_filtered/g), out).to.have.length(1);
    expect(out).to.not.match(/SIGTRAP/);
    expect(out).to.match(/\[Inferior 1 \(Remote target\) exited normally\]/);
  });

  it('steps: stepi, nexti over a call, finish out of a function', async () => {
    const readFiltered = symbol(server, 'read_filtered');
    const out = await runGdb(server.port, [
      'break read_filtered',
      'continue',
      'stepi',
      'p/x $pc',
      'delete',
      'finish',
      'p/x $pc',
      'p/x $x0',
      'nexti',
      'nexti',
      'nexti',
      'p/x $pc',
      'p/x $x0',
    ]);
    expect(out).to.include(`$1 = ${hex(readFiltered + 4n)}`);
    // finish lands right after the first `bl read_filtered` in main, with the magic in x0.
    expect(out).to.match(/main \(\) at .*demo\.S/);
    const afterCall = /\$2 = (0x[0-9a-f]+)/.exec(out)![1]!;
    expect(out).to.match(/\$3 = 0xfeedfacecafebeef/);
    // nexti: mov x19, x0 / mov x0, #16 / bl read_filtered (stepped over): three instructions, x0 = the counter.
    expect(out).to.include(`$4 = ${hex(BigInt(afterCall) + 12n)}`);
    expect(out).to.match(/\$5 = 0x0\n/);
  });

  it('reads and writes registers: x, v, sysregs; the EL2 syndrome after a trap; clearing HCR_EL2.VM takes effect', async () => {
    const ldr = symbol(server, 'read_filtered') + 8n; // ldr x0, [x1]
    const out = await runGdb(server.port, [
      `break *${hex(ldr)}`,
      'continue',
      'stepi',
      'p/x $ESR_EL2',
      'p/x $FAR_EL2',
      'p/x $HPFAR_EL2',
      'p/x $ELR_EL2',
      'set $x5 = 0x1122334455667788',
      'p/x $x5',
      'set $v3.d.u[1] = 0xabcdef',
      'p/x $v3.d.u',
      'set $VBAR_EL1 = 0x40080800',
      'p/x $VBAR_EL1',
      'set $HCR_EL2 = $HCR_EL2 & ~1',
      'p/x $HCR_EL2',
      'set $VBAR_EL1 = 0',
      'delete',
      'continue',
      'p/x $pc',
    ]);
    expect(out).to.match(/\$1 = 0x93c08007/); // ldr x0, [x1]: ISV, 64-bit, Rt 0, level-3 translation fault
    expect(out).to.match(/\$2 = 0xf000000/);
    expect(out).to.match(/\$3 = 0xf0000/);
    expect(out).to.include(`$4 = ${hex(ldr)}`);
    expect(out).to.match(/\$5 = 0x1122334455667788/);
    expect(out).to.match(/\$6 = \{0x0, 0xabcdef\}/);
    expect(out).to.match(/\$7 = 0x40080800/);
    expect(out).to.match(/\$8 = 0x80080000/);
    // With stage 2 off, the next filtered access is no longer trapped: it reaches the physical hole, an external
    // abort, which with VBAR_EL1 = 0 the guest cannot take.
    expect(out).to.match(
      /el2dbg: guest panic at pc 0x[0-9a-f]+: data abort \(synchronous external abort: nothing at physical address 0xf0000(00|10)\)/,
    );
    expect(out).to.match(/Program received signal SIGSEGV/);
  });

  it('stops on a write watchpoint on a global with the old and new value, and on a read watchpoint', async () => {
    const out = await runGdb(server.port, [
      'watch *(long *)&demo_iterations',
      'continue',
      'p/x $pc',
      'x/i $pc - 4',
      'delete',
      'rwatch *(long *)&demo_max_iterations',
      'continue',
      'x/i $pc',
    ]);
    expect(out).to.match(/Hardware watchpoint 1: \*\(long \*\)&demo_iterations\s+Old value = 0\s+New value = 1/);
    expect(out).to.match(/str\s+x22, \[x21\]/); // the instruction that wrote it is the one before pc
    expect(out).to.match(/Hardware read watchpoint 2: \*\(long \*\)&demo_max_iterations\s+Value = 0/);
    expect(out).to.match(/=> 0x[0-9a-f]+ <main\+\d+>:\s+cbz\s+x0/); // stopped after the ldr that read it
  });

  it('stops on an access watchpoint (awatch) and a hardware breakpoint (hbreak)', async () => {
    const out = await runGdb(server.port, [
      'awatch *(long *)&demo_counter',
      'continue',
      'delete',
      'hbreak compute',
      'continue',
      'p/x $pc',
    ]);
    expect(out).to.match(/Hardware access \(read\/write\) watchpoint 1: \*\(long \*\)&demo_counter\s+Value = 0/);
    expect(out).to.match(/Breakpoint 2, compute \(\)/);
    expect(out).to.include(`$1 = ${hex(symbol(server, 'compute'))}`);
  });

  it('stops a spinning guest on Ctrl-C (gdb sends 0x03) with SIGINT, then keeps debugging', async () => {
    const gdb = spawnGdb([`target remote 127.0.0.1:${server.port}`, 'continue', 'p/x $HCR_EL2', 'p 42']);
    await server.waitForConsole(/iteration 0x0000000000000004/); // the guest is running
    gdb.child.kill('SIGINT');
    const { output } = await gdb.exited;
    expect(output).to.match(/Program received signal SIGINT, Interrupt\./);
    expect(output).to.match(/\$1 = 0x80080001/);
    expect(output).to.match(/\$2 = 42/);
  });

  it('refuses a second gdb with a message while the first runs the guest; the first is unaffected', async () => {
    const first = spawnGdb([`target remote 127.0.0.1:${server.port}`, 'continue', 'p/x $HCR_EL2', 'detach']);
    await server.waitForConsole(/iteration 0x0000000000000002/);
    const second = await runGdb(server.port, ['p $pc']);
    expect(second).to.match(
      /Remote failure reply: E\.el2dbg: another gdb \(127\.0\.0\.1:\d+\) is already attached; el2dbg serves one client at a time/,
    );
    expect(second).to.not.match(/\$1 =/);
    first.child.kill('SIGINT');
    const { output } = await first.exited;
    expect(output).to.match(/Program received signal SIGINT/);
    expect(output).to.match(/\$1 = 0x80080001/);
    expect(output).to.match(/detached/);
  });

  it('leaves the guest halted on detach; the next gdb finds it where the first left it', async () => {
    const first = await runGdb(server.port, ['break compute', 'continue', 'p (long)demo_iterations', 'detach']);
    expect(first).to.match(/Breakpoint 1, compute/);
    expect(first).to.match(/Detaching from program|detached/);
    const second = await runGdb(server.port, [
      'p/x $pc',
      'bt 1',
      'p (long)demo_iterations',
      'set var *(long *)&demo_max_iterations = 3',
      'continue',
    ]);
    expect(second).to.include(`$1 = ${hex(symbol(server, 'compute'))}`);
    expect(second).to.match(/#0 {2}compute \(\)/);
    expect(second).to.match(/\$2 = 0/);
    // The first gdb's breakpoint went with it: the guest runs to its end without stopping at compute.
    expect(second).to.not.match(/SIGTRAP/);
    expect(second).to.match(/exited normally/);
  });

  it('reports the guest powering off as an exit (W00), and serves a fresh guest to the next gdb', async () => {
    const first = await runGdb(server.port, ['set var *(long *)&demo_max_iterations = 2', 'continue']);
    expect(first).to.match(/demo_max_iterations reached|exited normally/);
    expect(first).to.match(
      /\[Inferior 1 \(process 1\) exited normally\]|\[Inferior 1 \(Remote target\) exited normally\]/,
    );
    const second = await runGdb(server.port, ['p/x $pc', 'p (long)demo_max_iterations']);
    expect(second).to.match(/\$1 = 0x40080000/);
    expect(second).to.match(/\$2 = 0/);
  });

  it('extended-remote: run restarts the guest from its initial state', async () => {
    const out = await runGdb(
      server.port,
      [
        'break compute',
        'continue',
        'continue',
        'p (long)demo_iterations',
        'run',
        'p/x $pc',
        'p (long)demo_iterations',
        'info program',
      ],
      { connect: 'target extended-remote' },
    );
    expect(out).to.match(/\$1 = 1\n/); // one whole iteration before the second stop at compute
    expect(out).to.include(`$2 = ${hex(symbol(server, 'compute'))}`);
    expect(out).to.match(/\$3 = 0\n/); // restarted: .bss zeroed again, first iteration
  });

  it('answers monitor help, halt, reset halt and translate; an unknown command fails with a reason', async () => {
    const out = await runGdb(server.port, [
      'monitor help',
      'stepi',
      'monitor reset halt',
      'maintenance flush register-cache',
      'p/x $pc',
      'monitor halt',
      'monitor translate 0x40080000',
      'monitor translate 0x0f000000',
      'monitor frobnicate',
    ]);
    for (const name of ['help', 'halt', 'reset', 'reset halt', 'translate VA'])
      expect(out).to.match(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(out).to.match(/\$1 = 0x40080000/);
    expect(out).to.match(/Guest halted at pc 0x40080000 \(EL1h, MMU off, stage 2 on\)/);
    expect(out).to.include('VA 0x40080000 -> IPA 0x40080000 -> PA 0x40080000');
    expect(out).to.include('VA 0xf000000 -> IPA 0xf000000 -> stage-2 fault at level 3 (handled by filtered-mmio)');
    expect(out).to.match(/el2dbg: unknown monitor command 'frobnicate'/);
  });
});

describe('server: guests that fail, seen from gdb', function () {
  this.timeout(30_000);
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('reports a guest panic (an exception with VBAR_EL1 = 0) as SIGSEGV after a line saying why; the session stays usable', async () => {
    const server = await startServer({ image: buildElf('nop\n udf #0\n b .') });
    servers.push(server);
    const out = await runGdb(server.port, ['continue', 'p/x $pc', 'p/x $ESR_EL2', 'stepi', 'p 7'], {
      args: [server.imagePath],
    });
    expect(out).to.match(/el2dbg: guest panic at pc 0x40080004: undefined instruction.*VBAR_EL1 = 0/);
    expect(out).to.match(/Program received signal SIGSEGV/);
    expect(out).to.match(/\$1 = 0x40080004/);
    expect(out).to.match(/\$3 = 7/);
  });
});
