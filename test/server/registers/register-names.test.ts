// Every register under its own name: a guest puts a distinct value in each (x0-x30, SP_EL0, SP_EL1, v0-v31, FPSR,
// FPCR and the EL1 system registers, by its own instructions), and gdb must show each value under the right name;
// gdb's `G` must write every register it carries; the stack gdb reads follows SPSel. Real gdb, raw RSP.
import { expect } from 'chai';
import { buildElf } from '../../helpers/asm.js';
import { movq } from '../../helpers/machine.js';
import { RawClient, runGdb, startServer, type TestServer } from '../gdb-harness.js';

const xValue = (n: number) => 0x1111_0000_0000_0000n + BigInt(n) * 0x0101_0101n;
const vLow = (n: number) => 0x2222_0000_0000_0000n + BigInt(n);
const vHigh = (n: number) => 0x3333_0000_0000_0000n + BigInt(n);
const SYSREGS: [string, bigint][] = [
  ['TTBR0_EL1', 0x4100_0000n],
  ['TTBR1_EL1', 0x4200_0000n],
  ['TCR_EL1', 0x2_0080_3510n],
  ['MAIR_EL1', 0x44ffn],
  ['VBAR_EL1', 0x4008_1800n],
  ['ELR_EL1', 0x4444_4444n],
  ['SPSR_EL1', 0x3c4n],
  ['ESR_EL1', 0x5600_1234n],
  ['FAR_EL1', 0x5555_5555n],
];

/** A guest that sets every register to its distinct value and stops at `done` (a breakpoint there). */
function guest(): string {
  const lines: string[] = [];
  for (let n = 0; n < 32; n++) lines.push(movq(0, vLow(n)), movq(1, vHigh(n)), `fmov d${n}, x0`, `ins v${n}.d[1], x1`);
  for (const [name, v] of SYSREGS) lines.push(movq(0, v), `msr ${name.toLowerCase()}, x0`);
  lines.push(movq(0, 0x0800_0000n), 'msr fpsr, x0', movq(0, 0x03c0_0000n), 'msr fpcr, x0');
  lines.push(movq(0, 0x4010_0000n), 'msr sp_el0, x0', movq(0, 0x4020_0000n), 'mov sp, x0'); // EL1h: SP is SP_EL1
  for (let n = 0; n <= 30; n++) lines.push(movq(n, xValue(n)));
  lines.push('.global done', 'done: b done');
  return lines.join('\n');
}

describe('server: every register by name, G, and SPSel (real gdb, raw RSP)', function () {
  this.timeout(60_000);
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer({ image: buildElf(guest(), 'registers') });
  });
  afterEach(async () => {
    await server.close();
  });

  it('shows the value the guest put in each register under that register name', async () => {
    const names = [
      ...Array.from({ length: 31 }, (_, n) => `x${n}`),
      'sp',
      'SP_EL0',
      'SP_EL1',
      'fpsr',
      'fpcr',
      ...SYSREGS.map(([n]) => n),
      ...Array.from({ length: 32 }, (_, n) => `v${n}.d.u`),
    ];
    const out = await runGdb(server.port, ['break done', 'continue', ...names.map((n) => `p/x $${n}`)]);
    const values = [...out.matchAll(/^\$(\d+) = (.*)$/gm)].map((m) => m[2]!);
    const expected = [
      ...Array.from({ length: 31 }, (_, n) => `0x${xValue(n).toString(16)}`),
      '0x40200000',
      '0x40100000',
      '0x40200000',
      '0x8000000',
      '0x3c00000',
      ...SYSREGS.map(([, v]) => `0x${v.toString(16)}`),
      ...Array.from({ length: 32 }, (_, n) => `{0x${vLow(n).toString(16)}, 0x${vHigh(n).toString(16)}}`),
    ];
    expect(values).to.deep.equal(expected);
  });

  it('G writes every register it carries: each reads back with its own distinct value', async () => {
    const c = await RawClient.connect(server.port);
    try {
      const all = Buffer.from(await c.request('g'), 'hex');
      // x0-x30 and sp: 32 registers of 8 bytes at the start of the core feature; v0-v31 after pc and cpsr.
      for (let n = 0; n < 31; n++) all.writeBigUInt64LE(0xa000_0000_0000_0000n + BigInt(n), n * 8);
      all.writeBigUInt64LE(0x4030_0000n, 31 * 8);
      const vBase = 33 * 8 + 4;
      for (let n = 0; n < 32; n++) {
        all.writeBigUInt64LE(0xb000_0000_0000_0000n + BigInt(n), vBase + n * 16);
        all.writeBigUInt64LE(0xc000_0000_0000_0000n + BigInt(n), vBase + n * 16 + 8);
      }
      expect(await c.request(`G${all.toString('hex')}`)).to.equal('OK');
      for (let n = 0; n < 31; n++) {
        const v = Buffer.from(await c.request(`p${n.toString(16)}`), 'hex').readBigUInt64LE(0);
        expect(v, `x${n}`).to.equal(0xa000_0000_0000_0000n + BigInt(n));
      }
      for (let n = 0; n < 32; n++) {
        const v = Buffer.from(await c.request(`p${(34 + n).toString(16)}`), 'hex');
        expect([v.readBigUInt64LE(0), v.readBigUInt64LE(8)], `v${n}`).to.deep.equal([
          0xb000_0000_0000_0000n + BigInt(n),
          0xc000_0000_0000_0000n + BigInt(n),
        ]);
      }
      expect(Buffer.from(await c.request('p1f'), 'hex').readBigUInt64LE(0)).to.equal(0x4030_0000n);
    } finally {
      await c.close();
    }
  });

  it('the stack gdb reads follows SPSel: EL1t shows SP_EL0 as sp, SP_EL1 stays banked', async () => {
    const out = await runGdb(server.port, [
      'break done',
      'continue',
      'set $cpsr = 0x3c4', // EL1t: SP_EL0 is the stack
      'p/x $sp',
      'p/x $SP_EL1',
      'set $cpsr = 0x3c5',
      'p/x $sp',
      'set $cpsr = 0x3cd', // EL3: there is none below the modelled EL2
      'p/x $cpsr',
    ]);
    expect(out).to.match(/\$1 = 0x40100000\n/);
    expect(out).to.match(/\$2 = 0x40200000\n/);
    expect(out).to.match(/\$3 = 0x40200000\n/);
    expect(out).to.match(/Could not write register "cpsr"/);
    expect(out).to.match(/\$4 = 0x3c5\n/);
  });
});

describe('server: read and access watchpoints (raw RSP)', function () {
  this.timeout(30_000);
  it('reports rwatch and awatch with the watched address, also for an access that starts below the watch', async () => {
    const server = await startServer({
      image: buildElf(
        `movz x1, #0x4100, lsl #16
         ldr x0, [x1]          // reads 0x41000000..07: overlaps the read watch at 0x41000004 from below
         str x0, [x1, #16]     // writes 0x41000010..17: the access watch
         ldr x2, [x1, #32]
         .global done
         done: b done`,
        'watches',
      ),
    });
    const c = await RawClient.connect(server.port);
    try {
      expect(await c.request('Z3,41000004,4')).to.equal('OK');
      expect(await c.request('Z4,41000010,8')).to.equal('OK');
      expect(await c.request('vCont;c')).to.match(/^T05.*rwatch:0*41000004;/);
      expect(await c.request('p20')).to.equal('0400084000000000'); // stopped before the ldr (pc 0x40080004)
      // Like AArch64 hardware the access has not happened; gdb steps over it with the watchpoint out, as here.
      expect(await c.request('z3,41000004,4')).to.equal('OK');
      expect(await c.request('vCont;s')).to.match(/^T05/);
      expect(await c.request('Z3,41000004,4')).to.equal('OK');
      expect(await c.request('vCont;c')).to.match(/^T05.*awatch:0*41000010;/);
      expect(await c.request('p20')).to.equal('0800084000000000');
    } finally {
      await c.close();
      await server.close();
    }
  });
});
