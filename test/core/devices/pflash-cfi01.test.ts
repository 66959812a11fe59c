// PflashCfi01: QEMU 7.2's pflash_cfi01 as virt configures it (width 4, device-width 2, 256 KiB sectors, ID 0x89/0x18).
// Expected values come from QEMU's pflash_read/pflash_write/pflash_cfi01_fill_cfi_table and the CFI spec, and were
// checked against qemu-system-aarch64 -M virt with U-Boot md/mw on bank 1 (0x04000000). U-Boot's CFI driver finds
// this bank as one x16 chip on a 16-bit port with its addresses shifted by one (chip_lsb): query and ID address N is
// byte offset 4 * N, and it reads and writes 16 bits.
import { expect } from 'chai';
import { PflashCfi01 } from '../../../core/devices/pflash-cfi01.js';

const BASE = 0x0400_0000n;
const BANK = 0x0400_0000n; // 64 MiB
const SECTOR = 0x40000; // 256 KiB

function bank(writable = true): PflashCfi01 {
  return new PflashCfi01('flash1', BASE, BANK, { writable });
}
/** A command as U-Boot writes it: 16 bits at query/ID address `address`. */
const command = (flash: PflashCfi01, cmd: number, address = 0) => flash.write(BigInt(address * 4), 2, BigInt(cmd));
const read32 = (flash: PflashCfi01, offset: number) => flash.read(BigInt(offset), 4);
const pattern = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (seed + i * 7) & 0xff);

describe('PflashCfi01 (QEMU pflash_cfi01, virt flash bank)', () => {
  it('sits at its base, reads as zero unloaded, and starts in read-array mode', () => {
    const flash = bank();
    expect([flash.name, flash.base, flash.size]).to.deep.equal(['flash1', BASE, BANK]);
    expect(flash.contents().length).to.equal(0x0400_0000);
    expect(flash.readArrayMode).to.equal(true);
    expect(flash.read(0n, 8)).to.equal(0n);
    expect(flash.read(BANK - 4n, 4)).to.equal(0n);
  });

  it('reads the loaded array little-endian at every width', () => {
    const flash = bank();
    flash.load(Uint8Array.from([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]), 0x100);
    expect(flash.read(0x100n, 1)).to.equal(0x10n);
    expect(flash.read(0x101n, 2)).to.equal(0x1211n);
    expect(flash.read(0x104n, 4)).to.equal(0x17161514n);
    expect(flash.read(0x100n, 8)).to.equal(0x1716151413121110n);
    expect(flash.contents()[0x103]).to.equal(0x13);
  });

  it("read ID (0x90): 0x89 and 0x18 in both chips' lanes, whatever byte lane is read", () => {
    const flash = bank();
    command(flash, 0x90);
    expect(flash.readArrayMode).to.equal(false);
    expect(read32(flash, 0)).to.equal(0x0089_0089n);
    expect(read32(flash, 4)).to.equal(0x0018_0018n);
    expect(read32(flash, 8)).to.equal(0n); // ID address 2: block lock status, not modelled
    expect(flash.read(0n, 2)).to.equal(0x0089n);
    expect(flash.read(4n, 2)).to.equal(0x0018n); // U-Boot: "Device ID: 0x0018"
    for (const offset of [0n, 1n, 2n, 3n]) expect(flash.read(offset, 1)).to.equal(0x89n);
    for (const offset of [4n, 5n, 6n, 7n]) expect(flash.read(offset, 1)).to.equal(0x18n);
    expect(flash.read(0n, 8)).to.equal(0x0018_0018_0089_0089n);
    expect(read32(flash, 0x400)).to.equal(0x0089_0089n); // only the low 8 bits of the ID address count
    expect(read32(flash, 0x404)).to.equal(0x0018_0018n);
  });

  it('CFI query (0x98): "QRY" at query addresses 0x10-0x12, replicated per chip', () => {
    const flash = bank();
    command(flash, 0x98, 0x55);
    expect(flash.read(0x40n, 2)).to.equal(0x51n); // 'Q'
    expect(flash.read(0x44n, 2)).to.equal(0x52n); // 'R'
    expect(flash.read(0x48n, 2)).to.equal(0x59n); // 'Y'
    expect(read32(flash, 0x40)).to.equal(0x0051_0051n);
    for (const offset of [0x40n, 0x41n, 0x42n, 0x43n]) expect(flash.read(offset, 1)).to.equal(0x51n);
    expect(flash.read(0x40n, 8)).to.equal(0x0052_0052_0051_0051n);
    expect(read32(flash, 0x10)).to.equal(0n); // query address 4: below the table proper
    expect(read32(flash, 0x148)).to.equal(0n); // 0x52: past QEMU's table
    expect(read32(flash, 0x10_0040)).to.equal(0n); // no wrap-around
  });

  it('answers the whole query table QEMU builds for a 64 MiB bank of two x16 chips', () => {
    const flash = bank();
    command(flash, 0x98, 0x55);
    const expected = new Map<number, number>([
      ...[0x51, 0x52, 0x59].map((b, i) => [0x10 + i, b] as [number, number]), // "QRY"
      [0x13, 0x01], // Intel/Sharp extended command set
      [0x15, 0x31], // its table at query address 0x31
      [0x1b, 0x45], // Vcc 4.5-5.5 V
      [0x1c, 0x55],
      [0x1f, 0x07], // 2^7 us word program, 2^7 us buffer write, 2^10 ms block erase, maxima 2^4 times that:
      [0x20, 0x07], // U-Boot prints "write timeout: 3 ms", "Buffer write timeout: 3 ms", "Erase timeout: 16384 ms"
      [0x21, 0x0a],
      [0x23, 0x04],
      [0x24, 0x04],
      [0x25, 0x04],
      [0x27, 25], // each chip 2^25 = 32 MiB (U-Boot: "Size: 32 MB")
      [0x28, 0x02], // x8/x16 interface
      [0x2a, 0x0b], // 2^11 = 2048-byte write buffer per chip
      [0x2c, 0x01], // one erase region: 0xff + 1 = 256 blocks of 0x0200 * 256 = 128 KiB per chip
      [0x2d, 0xff],
      [0x30, 0x02],
      ...[0x50, 0x52, 0x49, 0x31, 0x30].map((b, i) => [0x31 + i, b] as [number, number]), // "PRI" 1.0
      [0x3f, 0x01], // one protection register field
    ]);
    for (let address = 0; address < 0x60; address++) {
      const byte = expected.get(address) ?? 0;
      expect(flash.read(BigInt(address * 4), 1), `query address 0x${address.toString(16)}`).to.equal(BigInt(byte));
      expect(read32(flash, address * 4)).to.equal(BigInt(byte * 0x1_0001));
    }
  });

  it('stays in query mode until read array (0xff): QEMU ignores other writes there', () => {
    const flash = bank();
    command(flash, 0x98);
    for (const cmd of [0x90, 0x00, 0xf0, 0x20, 0x40, 0x50, 0x70, 0xd0]) {
      command(flash, cmd);
      expect(read32(flash, 0x40), `after 0x${cmd.toString(16)}`).to.equal(0x0051_0051n);
    }
    flash.write(0x40n, 8, 0x0000_0090_0000_0098n); // two 32-bit writes, 0x98 and 0x90: both ignored
    expect(read32(flash, 0x40)).to.equal(0x0051_0051n);
    command(flash, 0xff);
    expect(flash.readArrayMode).to.equal(true);
    expect(read32(flash, 0x40)).to.equal(0n);
  });

  it('read ID is a one-write command: a query or status command right after it takes effect', () => {
    const flash = bank();
    command(flash, 0x90);
    command(flash, 0x98);
    expect(read32(flash, 0x40)).to.equal(0x0051_0051n);
    command(flash, 0xff);
    command(flash, 0x90);
    command(flash, 0x70);
    expect(read32(flash, 0)).to.equal(0x0080_0080n);
  });

  it("read status (0x70): 0x80 in each chip's lane; clear status (0x50) zeroes it and returns to read array", () => {
    const flash = bank();
    command(flash, 0x70);
    expect(read32(flash, 0)).to.equal(0x0080_0080n);
    expect(flash.read(0n, 2)).to.equal(0x0080n);
    expect(flash.read(1n, 1)).to.equal(0x80n);
    expect(flash.read(0x1234n, 8)).to.equal(0x0080_0080_0080_0080n);
    command(flash, 0x50);
    expect(flash.readArrayMode).to.equal(true);
    command(flash, 0x70);
    expect(read32(flash, 0)).to.equal(0n); // QEMU clears SR.7 too, until a command sets it again
    command(flash, 0xe8);
    expect(read32(flash, 0)).to.equal(0x0080_0080n);
  });

  it('block erase (0x20) clears the whole 256 KiB block at once; 0xd0 confirms, 0xff returns to the array', () => {
    const flash = bank();
    const writes: [number, number][] = [];
    flash.onWrite = (offset, length) => writes.push([offset, length]);
    flash.load(pattern(0x10, 1), SECTOR - 8);
    command(flash, 0x20, 0x20000 / 4); // U-Boot's second 128 KiB sector lies in QEMU's first block
    expect(writes).to.deep.equal([[0, SECTOR]]);
    expect(
      flash
        .contents()
        .subarray(0, SECTOR)
        .every((b) => b === 0xff),
    ).to.equal(true);
    expect(Array.from(flash.contents().subarray(SECTOR, SECTOR + 8))).to.deep.equal(
      Array.from(pattern(16, 1).slice(8)),
    );
    expect(read32(flash, 0)).to.equal(0x0080_0080n);
    command(flash, 0xd0);
    expect(read32(flash, 0)).to.equal(0x0080_0080n);
    expect(flash.readArrayMode).to.equal(false);
    command(flash, 0xff);
    expect(flash.read(BigInt(SECTOR - 8), 8)).to.equal(0xffff_ffff_ffff_ffffn);
    expect(flash.read(BigInt(SECTOR), 1)).to.equal(0x39n);
  });

  it('erases even when the confirm never comes (0xff, or an error, instead of 0xd0)', () => {
    const flash = bank();
    flash.load(pattern(4, 0x20), 3 * SECTOR);
    command(flash, 0x20, (3 * SECTOR) / 4);
    command(flash, 0xff);
    expect(read32(flash, 3 * SECTOR)).to.equal(0xffff_ffffn);
  });

  it('word program (0x40 or 0x10) writes the value as is, at the access width, then shows status', () => {
    const flash = bank();
    const writes: [number, number][] = [];
    flash.onWrite = (offset, length) => writes.push([offset, length]);
    command(flash, 0x40);
    flash.write(0x10n, 4, 0x1234_5678n);
    expect(read32(flash, 0x10)).to.equal(0x0080_0080n);
    command(flash, 0xff);
    expect(read32(flash, 0x10)).to.equal(0x1234_5678n);
    command(flash, 0x10);
    flash.write(0x14n, 4, 0x0000_ffffn);
    command(flash, 0x10);
    flash.write(0x14n, 4, 0xffff_0000n); // a real chip would AND this in and leave 0
    command(flash, 0x40);
    flash.write(0x19n, 1, 0x5an);
    command(flash, 0xff);
    expect(read32(flash, 0x14)).to.equal(0xffff_0000n);
    expect(read32(flash, 0x18)).to.equal(0x0000_5a00n);
    expect(writes).to.deep.equal([
      [0x10, 4],
      [0x14, 4],
      [0x14, 4],
      [0x19, 1],
    ]);
  });

  it('buffered program (0xe8, count - 1, data, 0xd0) as U-Boot does it: 1024 16-bit words after the first 2 KiB', () => {
    const flash = bank();
    const writes: [number, number][] = [];
    flash.onWrite = (offset, length) => writes.push([offset, length]);
    const data = pattern(2048, 3);
    command(flash, 0x50);
    command(flash, 0x70);
    command(flash, 0xe8);
    expect(flash.read(0n, 2)).to.equal(0x0080n); // buffer available
    command(flash, 1023);
    for (let i = 0; i < 2048; i += 2) {
      flash.write(BigInt(0x800 + i), 2, BigInt(data[i]! | (data[i + 1]! << 8)));
    }
    expect(flash.read(0n, 2)).to.equal(0x0080n);
    command(flash, 0xd0);
    expect(flash.read(0n, 2)).to.equal(0x0080n);
    command(flash, 0xff);
    expect(Array.from(flash.contents().subarray(0x800, 0x1000))).to.deep.equal(Array.from(data));
    expect(writes).to.deep.equal([[0, 4096]]); // the 4 KiB (2 chips x 2 KiB) block of the last write
  });

  it('buffered program: the count is one chip wide, data may be any width, 8-byte writes are two', () => {
    const flash = bank();
    command(flash, 0xe8);
    flash.write(0n, 4, 0x0005_0001n); // count 1: two data writes
    flash.write(0x200n, 2, 0x1234n);
    flash.write(0x202n, 2, 0x5678n);
    command(flash, 0xd0);
    command(flash, 0xe8);
    command(flash, 3); // four data writes: 16-bit, 8-bit and two 32-bit halves
    flash.write(0x220n, 2, 0xabcdn);
    flash.write(0x222n, 1, 0x12n);
    flash.write(0x228n, 8, 0x1122_3344_5566_7788n);
    command(flash, 0xd0);
    command(flash, 0xe8);
    flash.write(0x240n, 8, 0x8877_6655_0000_0001n); // count 1, then the first data write
    flash.write(0x248n, 4, 0xbbbb_bbbbn);
    command(flash, 0xd0);
    command(flash, 0xff);
    expect(read32(flash, 0x200)).to.equal(0x5678_1234n);
    expect([0x220, 0x224, 0x228, 0x22c].map((o) => read32(flash, o))).to.deep.equal([
      0x0012_abcdn,
      0n,
      0x5566_7788n,
      0x1122_3344n,
    ]);
    expect([0x240, 0x244, 0x248].map((o) => read32(flash, o))).to.deep.equal([0n, 0x8877_6655n, 0xbbbb_bbbbn]);
  });

  it('buffered program: QEMU 7.2 keeps the data when another command replaces the confirm', () => {
    const flash = bank();
    command(flash, 0xe8);
    command(flash, 0);
    flash.write(0x300n, 2, 0xabcdn);
    command(flash, 0x33);
    expect(flash.readArrayMode).to.equal(true);
    expect(flash.read(0x300n, 2)).to.equal(0xabcdn);
  });

  it('lock setup (0x60) then lock (0x01) or unlock (0xd0) only shows status; anything else is read array', () => {
    const flash = bank();
    for (const second of [0x01, 0xd0]) {
      command(flash, 0x60);
      command(flash, second);
      expect(read32(flash, 0)).to.equal(0x0080_0080n);
      command(flash, 0xff);
    }
    command(flash, 0x60);
    command(flash, 0x33);
    expect(flash.readArrayMode).to.equal(true);
  });

  it('suspend (0xb0) and resume (0xd0) are unknown to QEMU: read array, and an erase is already done', () => {
    const flash = bank();
    flash.load(pattern(4, 9), 0);
    command(flash, 0xb0);
    expect(flash.readArrayMode).to.equal(true);
    command(flash, 0xd0);
    expect(flash.readArrayMode).to.equal(true);
    command(flash, 0x20);
    command(flash, 0xb0);
    expect(flash.readArrayMode).to.equal(true);
    expect(read32(flash, 0)).to.equal(0xffff_ffffn);
  });

  it('a read-only bank sets the erase (0x20) and program (0x10) error bits and changes nothing', () => {
    const flash = bank(false);
    let written = 0;
    flash.onWrite = () => written++;
    const image = pattern(16, 0x10);
    flash.load(image);
    command(flash, 0x20);
    expect(read32(flash, 0)).to.equal(0x00a0_00a0n);
    command(flash, 0xd0);
    expect(read32(flash, 0)).to.equal(0x00a0_00a0n);
    command(flash, 0x50);
    command(flash, 0x40);
    flash.write(0x10n, 4, 0x1234_5678n);
    expect(read32(flash, 0)).to.equal(0x0090_0090n);
    command(flash, 0x50);
    command(flash, 0xe8);
    expect(read32(flash, 0)).to.equal(0x0080_0080n);
    command(flash, 1);
    flash.write(0n, 4, 0xaaaa_aaaan);
    expect(read32(flash, 0)).to.equal(0x0090_0090n);
    flash.write(4n, 4, 0xbbbb_bbbbn);
    command(flash, 0xd0);
    expect(read32(flash, 0)).to.equal(0x0090_0090n);
    command(flash, 0x50);
    command(flash, 0x60);
    command(flash, 0x01);
    expect(read32(flash, 0)).to.equal(0x0080_0080n);
    command(flash, 0xff);
    expect(Array.from(flash.contents().subarray(0, 16))).to.deep.equal(Array.from(image));
    expect(flash.read(0x10n, 4)).to.equal(0n);
    expect(written).to.equal(0);
  });

  it('the error bits stay set until clear status, and so does a program error over erases', () => {
    const flash = bank(false);
    command(flash, 0x40);
    flash.write(0n, 2, 0n);
    command(flash, 0xff);
    command(flash, 0x70);
    expect(read32(flash, 0)).to.equal(0x0090_0090n);
    command(flash, 0x20);
    expect(read32(flash, 0)).to.equal(0x00b0_00b0n);
  });

  it('fires onModeChange only when a write enters or leaves read-array mode, and on reset out of a command', () => {
    const flash = bank();
    const events: boolean[] = [];
    flash.onModeChange = (readArray) => events.push(readArray);
    command(flash, 0xff);
    command(flash, 0x90);
    command(flash, 0x70);
    command(flash, 0xff);
    flash.write(0n, 8, 0x0000_00ff_0000_0098n); // query then read array: no net change
    command(flash, 0x20);
    command(flash, 0xd0);
    flash.reset();
    flash.reset();
    expect(events).to.deep.equal([false, true, false, true]);
  });

  it('reset returns to read array with status 0x80 and keeps the array', () => {
    const flash = bank(false);
    flash.load(pattern(8, 5), 0x40);
    command(flash, 0x20);
    expect(read32(flash, 0)).to.equal(0x00a0_00a0n);
    flash.reset();
    expect(flash.readArrayMode).to.equal(true);
    expect(flash.read(0x40n, 8)).to.equal(0x362f_2821_1a13_0c05n);
    command(flash, 0x70);
    expect(read32(flash, 0)).to.equal(0x0080_0080n);
  });
});
