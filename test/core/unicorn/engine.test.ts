import { RUN_STOP, RunState } from '../../../core/unicorn/run-state.js';
import { expect } from 'chai';
import { UC_ARM64_REG, UC_HOOK, UC_PROT } from '../../../core/unicorn/constants.js';
import { UnicornEngine } from '../../../core/unicorn/engine.js';
import { UnicornError, UnicornLoadError } from '../../../core/unicorn/errors.js';
import { assertSupportedVersion, loadUnicorn } from '../../../core/unicorn/library.js';
import { assemble } from '../../helpers/asm.js';
import { RegisterBatch } from '../../../core/unicorn/register-batch.js';

const CODE = 0x4008_0000n;

describe('core/unicorn engine binding (real libunicorn)', () => {
  const lib = loadUnicorn();
  let uc: UnicornEngine;
  beforeEach(() => {
    uc = UnicornEngine.open(lib);
    uc.mapMemory(0x4000_0000n, 0x20_0000n, UC_PROT.ALL);
  });
  afterEach(() => uc.close());

  it('loads unicorn 2.1 or later and reports its version', () => {
    expect(lib.version.major).to.equal(2);
    expect(lib.version.minor).to.be.at.least(1);
    expect(lib.version.text).to.match(/^2\.\d+\.\d+$/);
  });

  it('refuses a library below 2.1 with a message that says how to fix it', () => {
    expect(() => assertSupportedVersion(2, 0, '2.0.1', '/usr/lib/x86_64-linux-gnu/libunicorn.so.2')).to.throw(
      UnicornLoadError,
      /2\.0\.1.*too old.*scripts\/setup.*UNICORN_LIB/,
    );
    expect(() => assertSupportedVersion(2, 1, '2.1.4', 'x')).not.to.throw();
  });

  it('reports a missing library as LibraryNotFound', () => {
    try {
      loadUnicorn('/nonexistent/libunicorn.so.2');
      expect.fail('loaded a missing library');
    } catch (e) {
      expect(e).to.be.instanceOf(UnicornLoadError);
      expect((e as UnicornLoadError).code).to.equal('LibraryNotFound');
    }
  });

  it('runs guest code and round-trips 64-bit registers as bigint', () => {
    uc.writeMemory(CODE, assemble('add x0, x1, x2\n mov x3, #-1\n nop'));
    uc.writeReg(UC_ARM64_REG.X1, 0xffff_ffff_0000_0001n);
    uc.writeReg(UC_ARM64_REG.X2, 0x1_0000_0000n);
    expect(uc.start(CODE, { until: CODE + 8n })).to.deep.equal({ kind: 'ok' });
    expect(uc.readReg(UC_ARM64_REG.X0)).to.equal(0x0000_0000_0000_0001n);
    expect(uc.readReg(UC_ARM64_REG.X3)).to.equal(0xffff_ffff_ffff_ffffn);
    expect(uc.readReg(UC_ARM64_REG.PC)).to.equal(CODE + 8n);
  });

  it('reads registers in one batch call', () => {
    for (let i = 0; i < 29; i++) uc.writeReg(UC_ARM64_REG.X0 + i, BigInt(i) * 0x1_0000_0001n);
    const batch = new RegisterBatch(uc, [UC_ARM64_REG.X0, UC_ARM64_REG.X5, UC_ARM64_REG.X28]);
    expect(Array.from(batch.read())).to.deep.equal([0n, 5n * 0x1_0000_0001n, 28n * 0x1_0000_0001n]);
    batch.write([7n, 8n, 0xdead_beef_cafe_f00dn]);
    expect(uc.readReg(UC_ARM64_REG.X28)).to.equal(0xdead_beef_cafe_f00dn);
  });

  it('reads and writes 128-bit vector registers and system registers', () => {
    const v = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    uc.writeVector(UC_ARM64_REG.Q3, v);
    expect(Array.from(uc.readVector(UC_ARM64_REG.Q3))).to.deep.equal(Array.from(v));
    const VBAR_EL1 = { op0: 3, op1: 0, crn: 12, crm: 0, op2: 0 };
    uc.writeSysReg(VBAR_EL1, 0x4008_0800n);
    expect(uc.readSysReg(VBAR_EL1)).to.equal(0x4008_0800n);
  });

  it('turns unicorn errors into UnicornError with uc_strerror text and the call', () => {
    try {
      uc.mapMemory(0x4000_0000n, 0x1000n, UC_PROT.ALL); // overlaps the RAM mapped above
      expect.fail('mapped twice');
    } catch (e) {
      expect(e).to.be.instanceOf(UnicornError);
      expect((e as UnicornError).errName).to.equal('MAP');
      expect((e as Error).message).to.match(/uc_mem_map\(0x40000000, 0x1000\) failed: .*UC_ERR_MAP/);
    }
  });

  it('translates through a TLB-fill hook and faults precisely when it answers a miss', () => {
    // VA 0x1000_0000 -> PA 0x4010_0000; the VA page at 0x2000_0000 is unmapped.
    uc.writeMemory(
      CODE,
      assemble('movz x1, #0x1000, lsl #16\n ldr x0, [x1]\n movz x2, #0x2000, lsl #16\n ldr x3, [x2]\n nop'),
    );
    uc.writeMemory(0x4010_0000n, Uint8Array.from([0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0]));
    uc.setTlbType('virtual');
    const fills: string[] = [];
    uc.hooks.addTlbFillHook((va, access) => {
      fills.push(`${access}@${va.toString(16)}`);
      if (va >= 0x4000_0000n && va < 0x4020_0000n) return { paddr: va, perms: UC_PROT.ALL };
      if (va === 0x1000_0000n) return { paddr: 0x4010_0000n, perms: UC_PROT.READ };
      return null;
    });
    const r = uc.start(CODE, { until: CODE + 16n });
    expect(r.kind).to.equal('error');
    expect(r.kind === 'error' && r.err).to.equal(21); // UC_ERR_EXCEPTION
    expect(uc.readReg(UC_ARM64_REG.X0)).to.equal(0xdead_beefn);
    expect(uc.readReg(UC_ARM64_REG.PC)).to.equal(CODE + 12n); // exactly on the faulting ldr
    expect(uc.readReg(UC_ARM64_REG.X3)).to.equal(0n);
    expect(fills).to.include('read@10000000').and.to.include('read@20000000');
  });

  it('calls code hooks only inside their address range', () => {
    uc.writeMemory(CODE, assemble('nop\n nop\n nop\n nop'));
    const seen: bigint[] = [];
    uc.hooks.addCodeHook(CODE + 4n, CODE + 8n, (a) => seen.push(a));
    uc.start(CODE, { until: CODE + 16n });
    expect(seen).to.deep.equal([CODE + 4n, CODE + 8n]);
  });

  it('stops a run at a shim breakpoint before executing it, and passes it once when asked to', () => {
    uc.writeMemory(CODE, assemble('mov x0, #1\n mov x0, #2\n mov x0, #3\n b .'));
    const run = new RunState(uc);
    run.addBreakpoint(CODE + 8n);
    expect(uc.start(CODE).kind).to.equal('ok');
    expect(run.stopReason).to.equal(RUN_STOP.BREAKPOINT);
    expect(uc.readReg(UC_ARM64_REG.PC)).to.equal(CODE + 8n);
    expect(uc.readReg(UC_ARM64_REG.X0)).to.equal(2n);
    run.skipBreakpointOnce(CODE + 8n);
    run.prepare(null, process.hrtime.bigint() + 2_000_000n);
    uc.start(CODE + 8n);
    expect(run.stopReason).to.equal(RUN_STOP.DEADLINE); // past the breakpoint, into the final loop
    expect(uc.readReg(UC_ARM64_REG.X0)).to.equal(3n);
  });

  it('rethrows an exception thrown by a hook after stopping the run, and the engine stays usable', () => {
    uc.writeMemory(CODE, assemble('nop\n nop\n b .'));
    const h = uc.hooks.addCodeHook(CODE + 4n, CODE + 4n, () => {
      throw new Error('handler bug');
    });
    expect(() => uc.start(CODE)).to.throw('handler bug');
    uc.hooks.removeHook(h);
    expect(uc.start(CODE, { until: CODE + 8n }).kind).to.equal('ok');
  });

  it('reports an HVC as interrupt 1 with PC on the HVC, and memory hooks see data accesses', () => {
    uc.writeMemory(CODE, assemble('movz x1, #0x4010, lsl #16\n str x1, [x1]\n hvc #0\n nop'));
    const intr: [number, bigint][] = [];
    uc.hooks.addInterruptHook((n) => {
      intr.push([n, uc.readReg(UC_ARM64_REG.PC)]);
      uc.writeReg(UC_ARM64_REG.PC, uc.readReg(UC_ARM64_REG.PC) + 4n);
    });
    const writes: bigint[] = [];
    uc.hooks.addMemoryHook(UC_HOOK.MEM_WRITE, 1n, 0n, (_t, addr) => writes.push(addr));
    uc.start(CODE, { until: CODE + 12n });
    expect(intr).to.deep.equal([[1, CODE + 8n]]);
    expect(writes).to.deep.equal([0x4010_0000n]);
  });

  it('saves and restores the CPU context', () => {
    uc.writeReg(UC_ARM64_REG.X7, 7n);
    const ctx = uc.saveContext();
    uc.writeReg(UC_ARM64_REG.X7, 99n);
    uc.restoreContext(ctx);
    uc.freeContext(ctx);
    expect(uc.readReg(UC_ARM64_REG.X7)).to.equal(7n);
  });
});
