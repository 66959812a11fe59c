import type { MmioDevice } from './device.js';

/** Where PL011 output goes and where its input comes from. */
export interface SerialPort {
  /** Bytes the guest transmitted. */
  write(bytes: Uint8Array): void;
}

// Register offsets and bits from the ARM PrimeCell UART (PL011) TRM, DDI 0183.
const UARTDR = 0x000n;
const UARTRSR = 0x004n;
const UARTFR = 0x018n;
const UARTILPR = 0x020n;
const UARTIBRD = 0x024n;
const UARTFBRD = 0x028n;
const UARTLCR_H = 0x02cn;
const UARTCR = 0x030n;
const UARTIFLS = 0x034n;
const UARTIMSC = 0x038n;
const UARTRIS = 0x03cn;
const UARTMIS = 0x040n;
const UARTICR = 0x044n;
const UARTDMACR = 0x048n;
const FR_RXFE = 1n << 4n;
const FR_TXFE = 1n << 7n;
const FR_RXFF = 1n << 6n;
const INT_RX = 1n << 4n;
const INT_TX = 1n << 5n;
const RX_FIFO_DEPTH = 16;
// PrimeCell identification registers at 0xFE0..0xFFC: PL011 r1p5 as QEMU reports it.
const PERIPH_CELL_ID = [0x11n, 0x10n, 0x14n, 0x00n, 0x0dn, 0xf0n, 0x05n, 0xb1n];

/** PL011 UART: transmit goes straight to the sink (never full), receive comes from queued input bytes. */
export class Pl011 implements MmioDevice {
  readonly name = 'pl011';
  readonly size = 0x1000n;
  private rx: number[] = [];
  private regs = new Map<bigint, bigint>();
  private ris = 0n;

  private level = false;

  /** `interrupt` is the UARTINTR output: (RIS & IMSC) != 0, driven whenever it changes. */
  constructor(
    readonly base: bigint,
    private readonly sink: SerialPort,
    private readonly interrupt: (level: boolean) => void = () => undefined,
  ) {
    this.reset();
  }

  private update(): void {
    const level = (this.ris & (this.regs.get(UARTIMSC) ?? 0n)) !== 0n;
    if (level === this.level) return;
    this.level = level;
    this.interrupt(level);
  }

  /** Queues bytes for the guest to read from UARTDR (console input). */
  pushInput(bytes: Uint8Array): void {
    for (const b of bytes) this.rx.push(b);
    if (this.rx.length > 0) this.ris |= INT_RX;
    this.update();
  }

  /** How many received bytes wait in the queue. */
  get pendingInput(): number {
    return this.rx.length;
  }

  read(offset: bigint): bigint {
    switch (offset) {
      case UARTDR: {
        const b = this.rx.shift();
        if (this.rx.length === 0) this.ris &= ~INT_RX;
        this.update();
        return b === undefined ? 0n : BigInt(b);
      }
      case UARTFR: {
        // The transmitter drains instantly: TX FIFO always empty, never busy or full.
        let fr = FR_TXFE;
        if (this.rx.length === 0) fr |= FR_RXFE;
        if (this.rx.length >= RX_FIFO_DEPTH) fr |= FR_RXFF;
        return fr;
      }
      case UARTRSR:
        return 0n;
      case UARTRIS:
        return this.ris;
      case UARTMIS:
        return this.ris & (this.regs.get(UARTIMSC) ?? 0n);
      default:
        if (offset >= 0xfe0n && offset < 0x1000n) return PERIPH_CELL_ID[Number((offset - 0xfe0n) >> 2n)] ?? 0n;
        return this.regs.get(offset & ~3n) ?? 0n;
    }
  }

  write(offset: bigint, width: number, value: bigint): void {
    this.writeRegister(offset, width, value);
    this.update();
  }

  private writeRegister(offset: bigint, _width: number, value: bigint): void {
    switch (offset) {
      case UARTDR:
        this.sink.write(Uint8Array.of(Number(value & 0xffn)));
        this.ris |= INT_TX;
        return;
      case UARTICR:
        this.ris &= ~value;
        return;
      case UARTILPR:
      case UARTIBRD:
      case UARTFBRD:
      case UARTLCR_H:
      case UARTCR:
      case UARTIFLS:
      case UARTIMSC:
      case UARTDMACR:
        this.regs.set(offset, value & 0xffffn);
        return;
      default:
        return; // read-only or reserved: ignored, as on the real part
    }
  }

  reset(): void {
    this.regs = new Map([
      [UARTCR, 0x300n],
      [UARTIFLS, 0x12n],
    ]);
    this.ris = this.rx.length > 0 ? INT_RX : 0n;
    this.update();
  }
}
