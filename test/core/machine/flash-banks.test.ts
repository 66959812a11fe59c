// The flash banks as ROM devices (core/machine/flash-banks.ts, core/unicorn/rom-device.ts): one array per bank in host
// memory, seen as memory or through the pflash model's MMIO window. A guest that sends commands, reads the array
// through the window (answered by the shim) and runs from bank 0 again sees what QEMU's pflash shows it.
import { expect } from 'chai';
import { buildAllowAllPolicy } from '../../../core/stage2/ritm-qemu-policy.js';
import { Stage2PolicyBuilder } from '../../../core/stage2/stage2-policy.js';
import { UC_ARM64_REG } from '../../../core/unicorn/constants.js';
import { assemble } from '../../helpers/asm.js';
import { guestMachine, movq, POWER_OFF } from '../../helpers/machine.js';

const BANK1 = 0x0400_0000n;
/** Bank 0's first bytes, and code at 0x1000 of bank 0 that the guest jumps to at the end. */
const BANK0_WORD = Uint8Array.from([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
const BANK1_WORD = Uint8Array.from([0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8]);

function allowAll() {
  const b = new Stage2PolicyBuilder();
  buildAllowAllPolicy(b);
  return b.build();
}

const GUEST = `
  ${movq(9, 0n)}
  ldr x1, [x9]              // bank 0 as memory
  mov w10, #0x98
  str w10, [x9, #0x154]     // CFI query (at query address 0x55): bank 0 moves behind its model
  ldr w2, [x9, #0x40]       // 'Q' in both chips' lanes
  ldrh w7, [x9, #0x44]      // 'R'
  mov w10, #0xff
  str w10, [x9]             // read array
  ldr x3, [x9]              // through the window, from the array
  ldrb w8, [x9, #5]
  ${movq(11, BANK1)}
  ldr x4, [x11, #8]         // bank 1: always behind its model
  mov w10, #0x40
  str w10, [x11, #0x100]    // program ...
  movz w10, #0x5678
  movk w10, #0x1234, lsl #16
  str w10, [x11, #0x100]    // ... this word
  ldr w12, [x11, #0x100]    // status (ready) while the model shows it
  mov w10, #0xff
  str w10, [x11]            // read array
  ldr w5, [x11, #0x100]     // the programmed word, from the array
  ${movq(13, 0x1000n)}
  br x13                    // a fetch from bank 0: memory again
`;

describe('flash banks as ROM devices (one array, a memory view and the model window)', () => {
  it('commands move bank 0 behind its model; reads in read-array mode see the array; a fetch maps it back', async () => {
    const { machine } = guestMachine(assemble(GUEST), { policy: allowAll });
    try {
      const tail = assemble(`mov x6, #42\n ${POWER_OFF}`);
      const write = (pa: bigint, bytes: Uint8Array) =>
        expect(machine.space.writeRange('ipa', pa, bytes).written).to.equal(bytes.length);
      write(0n, BANK0_WORD);
      write(0x1000n, tail);
      write(BANK1 + 8n, BANK1_WORD);
      const halt = await machine.run({ maxInsns: 1000n });
      expect(halt.kind).to.equal('power-off');
      const x = (n: number) => machine.uc.readReg(UC_ARM64_REG.X0 + n);
      expect(x(1)).to.equal(0x8877665544332211n);
      expect(x(2)).to.equal(0x0051_0051n);
      expect(x(7)).to.equal(0x52n);
      expect(x(3)).to.equal(0x8877665544332211n);
      expect(x(8)).to.equal(0x66n);
      expect(x(4)).to.equal(0xa8a7a6a5a4a3a2a1n);
      expect(x(12)).to.equal(0x0080_0080n);
      expect(x(5)).to.equal(0x1234_5678n);
      expect(x(6)).to.equal(42n);
      // The debugger reads the same arrays, and the power-on state comes back at reset (bank 1 keeps its word).
      expect(machine.space.readRange('ipa', BANK1 + 0x100n, 4).data).to.deep.equal(
        Uint8Array.from([0x78, 0x56, 0x34, 0x12]),
      );
      machine.reset();
      expect(machine.space.readRange('ipa', 0n, 8).data).to.deep.equal(new Uint8Array(8));
      expect(machine.space.readRange('ipa', BANK1 + 0x100n, 4).data).to.deep.equal(
        Uint8Array.from([0x78, 0x56, 0x34, 0x12]),
      );
    } finally {
      await machine.close();
    }
  });
});
