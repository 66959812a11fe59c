// Recording real firmware: Debian's U-Boot under ritm (flash banks that move between memory and their command
// interface, fw_cfg DMA, the counter polled by its autoboot countdown) goes back to any instruction exactly.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { SYSREG } from '../../../core/arch/sysregs.js';
import { Machine } from '../../../core/machine/machine.js';
import { UC_ARM64_REG } from '../../../core/unicorn/constants.js';
import { loadUnicorn } from '../../../core/unicorn/library.js';
import { xRegisterId } from '../../../core/unicorn/registers.js';
import { loadBootImage } from '../../../server/cli/firmware.js';
import { buildMachineConfigFromOptions } from '../../../server/cli/machine-options.js';

const RAM = 1n << 30n;

function fingerprint(m: Machine): string {
  const h = createHash('sha256');
  for (let i = 0; i < 31; i++) h.update(`${m.uc.readReg(xRegisterId(i)).toString(16)},`);
  for (const r of [UC_ARM64_REG.PC, UC_ARM64_REG.PSTATE, UC_ARM64_REG.SP_EL1]) h.update(`${m.uc.readReg(r)},`);
  h.update(`${m.uc.readSysReg(SYSREG.VBAR_EL1)},`);
  h.update(m.uc.readMemory(0x4000_0000n, 1 << 20)); // the DTB and U-Boot's early data
  h.update(m.uc.readMemory(0x7ff0_0000n, 1 << 20)); // where it relocates to (the top of 1 GiB)
  return `${h.digest('hex').slice(0, 20)} at ${m.instructionsExecuted}`;
}

describe("time travel: Debian's U-Boot recorded", function () {
  this.timeout(120_000);

  it('goes back to any instruction of the boot (relocation, flash, fw_cfg) and forward to the end', async () => {
    const boot = await loadBootImage({ image: '', firmware: 'u-boot', loadAddr: 0n }, RAM);
    const setup = await buildMachineConfigFromOptions(loadUnicorn(), boot.image, RAM, {
      policy: 'ritm',
      inject: 'ritm',
      handlerTimeoutMs: 0,
    });
    let out = '';
    const console = { write: (b: Uint8Array) => void (out += Buffer.from(b).toString('latin1')) };
    const m = new Machine({ ...setup.config, ...boot.machine, console });
    try {
      m.timeTravel.start({});
      const marks = [1_000n, 2_000_000n, 9_000_001n, 20_000_000n, 36_000_000n];
      const seen = new Map<bigint, string>();
      for (const k of marks) {
        expect((await m.run({ maxInsns: k - m.instructionsExecuted })).kind).to.equal('insn-limit');
        seen.set(k, fingerprint(m));
      }
      expect(out).to.match(/U-Boot 20\d\d/);
      const printed = out;
      const end = fingerprint(m);
      for (const k of [...marks].reverse()) {
        expect(await m.timeTravel.seek(k, (maxInsns) => m.run({ maxInsns }))).to.equal(null);
        expect(fingerprint(m), `back at ${k}`).to.equal(seen.get(k));
      }
      expect((await m.run()).kind).to.equal('replay-end');
      expect(fingerprint(m)).to.equal(end);
      expect(out, 'the replay printed nothing').to.equal(printed);
    } finally {
      await m.close();
      await setup.closePolicy();
    }
  });
});
