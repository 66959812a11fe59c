// Pl061: PrimeCell GPIO as QEMU 7.2 models it (hw/gpio/pl061.c). Expected values from the PL061 TRM (DDI 0190) and
// QEMU's pl061_id and pl061_update, checked against QEMU 7.2 virt,acpi=off with u-boot md/mw at 0x09030000.
import { expect } from 'chai';
import { Pl061 } from '../../../core/devices/pl061.js';

const BASE = 0x0903_0000n;
const DATA_ALL = 0x3fcn; // address bits [9:2] all set: every line selected
const DIR = 0x400n;
const IS = 0x404n;
const IBE = 0x408n;
const IEV = 0x40cn;
const IE = 0x410n;
const RIS = 0x414n;
const MIS = 0x418n;
const IC = 0x41cn;
const AFSEL = 0x420n;

describe('Pl061 (PrimeCell GPIO)', () => {
  it('sits at its base with a 4 KiB window', () => {
    const gpio = new Pl061(BASE);
    expect([gpio.name, gpio.base, gpio.size]).to.deep.equal(['pl061', BASE, 0x1000n]);
  });

  it('resets every register to 0', () => {
    const gpio = new Pl061(BASE);
    for (const offset of [DATA_ALL, DIR, IS, IBE, IEV, IE, RIS, MIS, IC, AFSEL]) {
      expect(gpio.read(offset, 4), `0x${offset.toString(16)}`).to.equal(0n);
    }
  });

  it('shows the PrimeCell IDs PL061 r1p0 at 0xfe0-0xffc and 0 at 0xfd0-0xfdc', () => {
    const gpio = new Pl061(BASE);
    const ids = [0x61n, 0x10n, 0x04n, 0x00n, 0x0dn, 0xf0n, 0x05n, 0xb1n];
    ids.forEach((id, i) => expect(gpio.read(0xfe0n + 4n * BigInt(i), 4)).to.equal(id));
    for (const offset of [0xfd0n, 0xfd4n, 0xfd8n, 0xfdcn]) expect(gpio.read(offset, 4)).to.equal(0n);
    expect(gpio.read(0xfe0n, 1)).to.equal(0x61n);
    expect(gpio.read(0xffcn, 2)).to.equal(0xb1n);
    expect(gpio.read(0xfe0n, 8)).to.equal(0x0000_0010_0000_0061n);
  });

  it('keeps 8 direction bits', () => {
    const gpio = new Pl061(BASE);
    gpio.write(DIR, 4, 0xfffn);
    expect(gpio.read(DIR, 4)).to.equal(0xffn);
  });

  it('masks data reads and writes with address bits [9:2]', () => {
    const gpio = new Pl061(BASE);
    gpio.write(DIR, 4, 0xffn);
    gpio.write(DATA_ALL, 4, 0xa5n);
    expect(gpio.read(DATA_ALL, 4)).to.equal(0xa5n);
    expect(gpio.read(0x004n, 4)).to.equal(0x01n); // mask 0x01
    expect(gpio.read(0x014n, 4)).to.equal(0x05n); // mask 0x05
    expect(gpio.read(0x008n, 4)).to.equal(0n); // mask 0x02: line 1 is low
    expect(gpio.read(0x000n, 4)).to.equal(0n); // mask 0: nothing
    gpio.write(0x010n, 4, 0n); // mask 0x04: clears line 2 only
    expect(gpio.read(DATA_ALL, 4)).to.equal(0xa1n);
    gpio.write(0x200n, 4, 0n); // mask 0x80: clears line 7 only
    expect(gpio.read(DATA_ALL, 1)).to.equal(0x21n);
    gpio.write(0x000n, 4, 0xffn); // mask 0: changes nothing
    expect(gpio.read(DATA_ALL, 4)).to.equal(0x21n);
  });

  it('lets data writes change output lines only', () => {
    const gpio = new Pl061(BASE);
    gpio.write(DIR, 4, 0x0fn);
    gpio.write(DATA_ALL, 4, 0xffn);
    expect(gpio.read(DATA_ALL, 4)).to.equal(0x0fn);
  });

  it('reads input lines as setInput drives them, and lets outputs ignore setInput', () => {
    const gpio = new Pl061(BASE);
    gpio.setInput(3, true);
    expect(gpio.read(DATA_ALL, 4)).to.equal(0x08n);
    expect(gpio.read(0x020n, 4)).to.equal(0x08n); // mask 0x08
    gpio.write(DIR, 4, 0x01n);
    gpio.setInput(0, true);
    expect(gpio.read(DATA_ALL, 4)).to.equal(0x08n);
    expect(() => gpio.setInput(8, true)).to.throw(RangeError);
  });

  it('latches an edge interrupt on the edge GPIOIEV selects, shows it in MIS when enabled, and clears it on IC', () => {
    const gpio = new Pl061(BASE);
    gpio.setInput(3, true); // rising, but IEV 0 selects falling
    expect(gpio.read(RIS, 4)).to.equal(0n);
    gpio.setInput(3, false); // falling
    expect(gpio.read(RIS, 4)).to.equal(0x08n);
    expect(gpio.read(MIS, 4)).to.equal(0n);
    expect(gpio.interruptAsserted()).to.equal(false);
    gpio.write(IE, 4, 0x08n);
    expect(gpio.read(MIS, 4)).to.equal(0x08n);
    expect(gpio.interruptAsserted()).to.equal(true);
    gpio.write(IC, 4, 0x08n);
    expect(gpio.read(RIS, 4)).to.equal(0n);
    expect(gpio.interruptAsserted()).to.equal(false);
    gpio.write(IEV, 4, 0x08n); // now rising
    gpio.setInput(3, true);
    expect(gpio.read(RIS, 4)).to.equal(0x08n);
  });

  it('latches both edges when GPIOIBE is set', () => {
    const gpio = new Pl061(BASE);
    gpio.write(IBE, 4, 0x01n);
    gpio.setInput(0, true);
    expect(gpio.read(RIS, 4)).to.equal(0x01n);
    gpio.write(IC, 4, 0xffn);
    gpio.setInput(0, false);
    expect(gpio.read(RIS, 4)).to.equal(0x01n);
  });

  it('keeps a level interrupt latched while the level lasts', () => {
    const gpio = new Pl061(BASE);
    gpio.write(IS, 4, 0x02n); // line 1 level-sensitive, IEV 0: active while low, and it is low
    expect(gpio.read(RIS, 4)).to.equal(0x02n);
    gpio.write(IC, 4, 0xffn);
    expect(gpio.read(RIS, 4)).to.equal(0x02n);
    gpio.setInput(1, true);
    gpio.write(IC, 4, 0x02n);
    expect(gpio.read(RIS, 4)).to.equal(0n);
  });

  it('ignores writes to RIS and MIS and keeps 8 bits of AFSEL', () => {
    const gpio = new Pl061(BASE);
    gpio.write(RIS, 4, 0xffn);
    gpio.write(MIS, 4, 0xffn);
    gpio.write(AFSEL, 4, 0x15an);
    expect(gpio.read(RIS, 4)).to.equal(0n);
    expect(gpio.read(MIS, 4)).to.equal(0n);
    expect(gpio.read(AFSEL, 4)).to.equal(0x5an);
  });

  it('returns to all zeros on reset', () => {
    const gpio = new Pl061(BASE);
    gpio.write(DIR, 4, 0xf0n);
    gpio.write(DATA_ALL, 4, 0xf0n);
    gpio.write(IS, 4, 0x01n);
    gpio.write(IE, 4, 0xffn);
    gpio.write(AFSEL, 4, 0x0fn);
    gpio.reset();
    for (const offset of [DATA_ALL, DIR, IS, IBE, IEV, IE, RIS, MIS, AFSEL]) expect(gpio.read(offset, 4)).to.equal(0n);
    expect(gpio.interruptAsserted()).to.equal(false);
  });
});
