import type { MmioDevice } from './device.js';
import { readSplitIntoWords, writeSplitIntoWords } from './split-wide-access.js';

// ARM PrimeCell GPIO (PL061) TRM, DDI 0190: register offsets. 0x000-0x3ff is GPIODATA, whose address bits [9:2]
// mask the access; the rest as QEMU 7.2 hw/gpio/pl061.c models them for the plain (non-Luminary) PL061.
const GPIODATA_END = 0x400n;
const GPIODIR = 0x400n;
const GPIOIS = 0x404n;
const GPIOIBE = 0x408n;
const GPIOIEV = 0x40cn;
const GPIOIE = 0x410n;
const GPIORIS = 0x414n;
const GPIOMIS = 0x418n;
const GPIOIC = 0x41cn;
const GPIOAFSEL = 0x420n;
// hw/gpio/pl061.c pl061_id: one byte per word from 0xfd0; 0xfe0-0xffc are GPIOPeriphID0-3 and GPIOPCellID0-3.
const ID_BASE = 0xfd0n;
const ID_END = 0x1000n;
const PL061_ID = [0x00n, 0x00n, 0x00n, 0x00n, 0x61n, 0x10n, 0x04n, 0x00n, 0x0dn, 0xf0n, 0x05n, 0xb1n];

/** The PL061 has eight GPIO lines. */
export const PL061_LINE_COUNT = 8;
const LINES = 0xffn;

/**
 * PL061 GPIO controller: data with address masking, direction, interrupt sense/edges/event/enable, raw and masked
 * status, clear, and AFSEL (writable: its GPIOCR gate is Luminary-only and resets to all-ones). Inputs come from
 * `setInput`; nothing listens to the outputs. Reset values are QEMU's (pl061_enter_reset): all registers 0.
 */
export class Pl061 implements MmioDevice {
  readonly name = 'pl061';
  readonly size = 0x1000n;
  private data = 0n;
  private oldInData = 0n;
  private dir = 0n;
  private isense = 0n;
  private ibe = 0n;
  private iev = 0n;
  private ie = 0n;
  private ris = 0n;
  private afsel = 0n;

  constructor(readonly base: bigint) {}

  read(offset: bigint, width: number): bigint {
    return readSplitIntoWords(offset, width, (o) => this.readRegister(o));
  }

  write(offset: bigint, width: number, value: bigint): void {
    writeSplitIntoWords(offset, width, value, (o, _w, v) => this.writeRegister(o, v));
  }

  reset(): void {
    this.data = this.oldInData = this.dir = 0n;
    this.isense = this.ibe = this.iev = this.ie = this.ris = this.afsel = 0n;
  }

  /** Drives input `line` (0-7) from outside; a line configured as output in GPIODIR ignores it. */
  setInput(line: number, level: boolean): void {
    if (!Number.isInteger(line) || line < 0 || line >= PL061_LINE_COUNT) {
      throw new RangeError(`PL061 has lines 0-${PL061_LINE_COUNT - 1}, not ${line}`);
    }
    const bit = 1n << BigInt(line);
    if ((this.dir & bit) !== 0n) return;
    this.data = level ? this.data | bit : this.data & ~bit;
    this.latchInterrupts();
  }

  /** GPIOINTR: some raw interrupt is enabled in GPIOIE. */
  interruptAsserted(): boolean {
    return (this.ris & this.ie) !== 0n;
  }

  private readRegister(offset: bigint): bigint {
    if (offset < GPIODATA_END) return this.data & (offset >> 2n);
    if (offset >= ID_BASE && offset < ID_END) return PL061_ID[Number((offset - ID_BASE) >> 2n)];
    switch (offset) {
      case GPIODIR:
        return this.dir;
      case GPIOIS:
        return this.isense;
      case GPIOIBE:
        return this.ibe;
      case GPIOIEV:
        return this.iev;
      case GPIOIE:
        return this.ie;
      case GPIORIS:
        return this.ris;
      case GPIOMIS:
        return this.ris & this.ie;
      case GPIOAFSEL:
        return this.afsel;
      default:
        return 0n; // GPIOIC is write-only; unknown offsets read 0 (QEMU logs a guest error)
    }
  }

  private writeRegister(offset: bigint, value: bigint): void {
    if (offset < GPIODATA_END) {
      // Only lines that are outputs and selected by the address bits take the written value.
      const mask = (offset >> 2n) & this.dir;
      this.data = (this.data & ~mask) | (value & mask);
    } else if (!this.writeControlRegister(offset, value)) {
      return; // read-only or unknown offset: ignored, and (as in QEMU) no interrupt update
    }
    this.latchInterrupts();
  }

  /** Writes a control register; false if `offset` is none that a write reaches. */
  private writeControlRegister(offset: bigint, value: bigint): boolean {
    switch (offset) {
      case GPIODIR:
        this.dir = value & LINES;
        return true;
      case GPIOIS:
        this.isense = value & LINES;
        return true;
      case GPIOIBE:
        this.ibe = value & LINES;
        return true;
      case GPIOIEV:
        this.iev = value & LINES;
        return true;
      case GPIOIE:
        this.ie = value & LINES;
        return true;
      case GPIOIC:
        this.ris &= ~value;
        return true;
      case GPIOAFSEL:
        this.afsel = value & LINES;
        return true;
      default:
        return false;
    }
  }

  // QEMU's pl061_update, input half: an input line that changed since the last update latches an edge interrupt
  // (any edge if GPIOIBE, else the edge GPIOIEV selects: 1 rising, 0 falling); a level-sensitive line latches
  // whenever its level equals GPIOIEV, so GPIOIC cannot clear it while that level lasts.
  private latchInterrupts(): void {
    const levelMatchesEvent = ~(this.data ^ this.iev) & LINES;
    const changed = (this.oldInData ^ this.data) & ~this.dir & LINES;
    if (changed !== 0n) {
      this.oldInData = this.data;
      const edgeLines = changed & ~this.isense;
      this.ris |= (edgeLines & this.ibe) | (edgeLines & ~this.ibe & levelMatchesEvent);
    }
    this.ris |= levelMatchesEvent & this.isense;
  }
}
