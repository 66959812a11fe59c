// PcieEcamHost: the ECAM window of QEMU 7.2 virt with only the GPEX host bridge (gpex-root) at 00:00.0. Expected
// values come from hw/pci-host/gpex.c and hw/pci/pci.c, checked against QEMU 7.2 (u-boot `pci display`, monitor xp).
import { expect } from 'chai';
import { PcieEcamHost } from '../../../core/devices/pcie-ecam.js';

const ECAM_BASE = 0x40_1000_0000n;
const ECAM_SIZE = 0x1000_0000n; // 256 buses
const newHost = () => new PcieEcamHost('pcie-ecam', ECAM_BASE, ECAM_SIZE);
/** ECAM offset of a register: bus in bits [27:20], device [19:15], function [14:12], register [11:0]. */
const at = (bus: number, device: number, fn: number, register: number) =>
  BigInt((bus << 20) | (device << 15) | (fn << 12) | register);
const ALL_ONES = { 1: 0xffn, 2: 0xffffn, 4: 0xffff_ffffn, 8: 0xffff_ffff_ffff_ffffn } as const;

describe('PcieEcamHost (pci-host-ecam-generic with QEMU gpex-root)', () => {
  it('keeps the name, base and size it was given', () => {
    const host = newHost();
    expect([host.name, host.base, host.size]).to.deep.equal(['pcie-ecam', ECAM_BASE, ECAM_SIZE]);
  });

  it('shows the host bridge IDs, class and subsystem through 32-bit reads', () => {
    const host = newHost();
    expect(host.read(0x00n, 4)).to.equal(0x0008_1b36n); // device 0x0008, vendor 0x1b36 (Red Hat)
    expect(host.read(0x04n, 4)).to.equal(0n); // status 0 (no capability list), command 0
    expect(host.read(0x08n, 4)).to.equal(0x0600_0000n); // class 06 00 00 (host bridge), revision 0
    expect(host.read(0x0cn, 4)).to.equal(0n); // BIST 0, header type 0 (single function), latency 0, cache line 0
    expect(host.read(0x2cn, 4)).to.equal(0x1100_1af4n); // subsystem 0x1100, subsystem vendor 0x1af4
    expect(host.read(0x34n, 4)).to.equal(0n); // no capabilities
    expect(host.read(0x3cn, 4)).to.equal(0n); // interrupt pin 0, line 0
  });

  it('shows the same fields through 16-bit and 8-bit reads', () => {
    const host = newHost();
    expect(host.read(0x00n, 2)).to.equal(0x1b36n);
    expect(host.read(0x02n, 2)).to.equal(0x0008n);
    expect(host.read(0x06n, 2)).to.equal(0n);
    expect(host.read(0x0an, 2)).to.equal(0x0600n);
    expect(host.read(0x2cn, 2)).to.equal(0x1af4n);
    expect(host.read(0x2en, 2)).to.equal(0x1100n);
    expect(host.read(0x00n, 1)).to.equal(0x36n);
    expect(host.read(0x01n, 1)).to.equal(0x1bn);
    expect(host.read(0x08n, 1)).to.equal(0n); // revision
    expect(host.read(0x09n, 1)).to.equal(0n); // programming interface
    expect(host.read(0x0an, 1)).to.equal(0x00n); // subclass
    expect(host.read(0x0bn, 1)).to.equal(0x06n); // base class: bridge
    expect(host.read(0x0en, 1)).to.equal(0n); // header type
  });

  it('answers a 64-bit read as two 32-bit reads, low address first', () => {
    const host = newHost();
    expect(host.read(0x00n, 8)).to.equal(0x0000_0000_0008_1b36n);
    expect(host.read(0x08n, 8)).to.equal(0x0000_0000_0600_0000n);
    expect(host.read(0x28n, 8)).to.equal(0x1100_1af4_0000_0000n);
  });

  it('reads all-ones above the 256 bytes of the conventional-PCI host bridge', () => {
    const host = newHost();
    expect(host.read(0x100n, 4)).to.equal(ALL_ONES[4]);
    expect(host.read(0xffcn, 4)).to.equal(ALL_ONES[4]);
    expect(host.read(0x100n, 1)).to.equal(ALL_ONES[1]);
    expect(host.read(0xfc0n, 8)).to.equal(ALL_ONES[8]);
  });

  it('reads all-ones at every width from every absent function', () => {
    const host = newHost();
    const absent = [at(0, 0, 1, 0), at(0, 0, 7, 0x2c), at(0, 1, 0, 0), at(0, 31, 7, 0xffc), at(1, 0, 0, 0)];
    absent.push(at(255, 31, 7, 0xff8), 0x8000n, 0x10_0000n);
    for (const offset of absent) {
      for (const width of [1, 2, 4, 8] as const) {
        const aligned = offset & ~BigInt(width - 1);
        expect(host.read(aligned, width), `0x${aligned.toString(16)}/${width}`).to.equal(ALL_ONES[width]);
      }
    }
  });

  it('ignores writes to absent functions and does not let them reach the host bridge', () => {
    const host = newHost();
    host.write(at(0, 1, 0, 0x04), 4, 0xffff_ffffn);
    host.write(at(1, 0, 0, 0x04), 4, 0xffff_ffffn);
    host.write(at(0, 0, 1, 0x04), 2, 0xffffn);
    expect(host.read(at(0, 1, 0, 0x04), 4)).to.equal(ALL_ONES[4]);
    expect(host.read(0x04n, 4)).to.equal(0n);
  });

  it('ignores writes to the read-only IDs, class, header type, latency timer, pointers and pin', () => {
    const host = newHost();
    for (const register of [0x00n, 0x08n, 0x28n, 0x2cn, 0x34n]) host.write(register, 4, 0xffff_ffffn);
    host.write(0x02n, 2, 0x1234n);
    host.write(0x0dn, 1, 0x40n); // latency timer: not in QEMU's write mask
    host.write(0x0en, 1, 0x80n); // multi-function bit
    host.write(0x0fn, 1, 0xffn); // BIST
    host.write(0x3dn, 1, 0x01n); // interrupt pin
    expect(host.read(0x00n, 4)).to.equal(0x0008_1b36n);
    expect(host.read(0x08n, 4)).to.equal(0x0600_0000n);
    expect(host.read(0x0cn, 4)).to.equal(0n);
    expect(host.read(0x2cn, 4)).to.equal(0x1100_1af4n);
    expect(host.read(0x34n, 4)).to.equal(0n);
    expect(host.read(0x3cn, 4)).to.equal(0n);
  });

  it('reads 0 when sizing the absent BARs and expansion ROM', () => {
    const host = newHost();
    for (let bar = 0x10n; bar <= 0x24n; bar += 4n) host.write(bar, 4, 0xffff_ffffn);
    host.write(0x30n, 4, 0xffff_ffffn);
    for (let bar = 0x10n; bar <= 0x24n; bar += 4n) expect(host.read(bar, 4)).to.equal(0n);
    expect(host.read(0x30n, 4)).to.equal(0n);
  });

  it('lets the command register take IO, memory, bus master, SERR and INTx disable, and nothing else', () => {
    const host = newHost();
    host.write(0x04n, 4, 0xffff_ffffn);
    expect(host.read(0x04n, 4)).to.equal(0x0000_0507n); // status stays 0
    host.write(0x04n, 2, 0n);
    expect(host.read(0x04n, 2)).to.equal(0n);
    host.write(0x04n, 1, 0x06n); // memory + bus master
    expect(host.read(0x04n, 2)).to.equal(0x0006n);
    host.write(0x05n, 1, 0xffn); // high byte: SERR (bit 8) and INTx disable (bit 10) only
    expect(host.read(0x04n, 2)).to.equal(0x0506n);
  });

  it('lets cache line size and interrupt line take any byte', () => {
    const host = newHost();
    host.write(0x0cn, 4, 0xffff_ffffn);
    host.write(0x3cn, 4, 0xffff_ffffn);
    expect(host.read(0x0cn, 4)).to.equal(0x0000_00ffn);
    expect(host.read(0x3cn, 4)).to.equal(0x0000_00ffn);
    host.write(0x0cn, 1, 0x10n);
    host.write(0x3cn, 1, 0x2an);
    expect(host.read(0x0cn, 1)).to.equal(0x10n);
    expect(host.read(0x3cn, 2)).to.equal(0x002an);
  });

  it('lets a 64-bit write reach both 32-bit halves', () => {
    const host = newHost();
    host.write(0x00n, 8, 0xffff_ffff_ffff_ffffn);
    expect(host.read(0x00n, 8)).to.equal(0x0000_0507_0008_1b36n);
  });

  it('keeps whatever the guest writes in the device-specific area 0x40-0xff, and ignores writes above it', () => {
    const host = newHost();
    host.write(0x40n, 4, 0x1234_5678n);
    host.write(0xfcn, 4, 0x9abc_def0n);
    host.write(0x100n, 4, 0n);
    expect(host.read(0x40n, 4)).to.equal(0x1234_5678n);
    expect(host.read(0xfcn, 4)).to.equal(0x9abc_def0n);
    expect(host.read(0x100n, 4)).to.equal(ALL_ONES[4]);
  });

  it('resets command, cache line and interrupt line but, like QEMU, not the device-specific area', () => {
    const host = newHost();
    host.write(0x04n, 2, 0x0507n);
    host.write(0x0cn, 1, 0x08n);
    host.write(0x3cn, 1, 0x2an);
    host.write(0x40n, 4, 0x1234_5678n);
    host.reset();
    expect(host.read(0x00n, 4)).to.equal(0x0008_1b36n);
    expect(host.read(0x04n, 4)).to.equal(0n);
    expect(host.read(0x0cn, 4)).to.equal(0n);
    expect(host.read(0x3cn, 4)).to.equal(0n);
    expect(host.read(0x40n, 4)).to.equal(0x1234_5678n);
  });
});
