// fw_cfg as QEMU 7.2's virt presents it (docs/specs/fw_cfg.txt, hw/nvram/fw_cfg.c). Expected values are worked by
// hand from the spec, and checked against QEMU 7.2 driven through U-Boot's `md`/`mw` (see the notes per test).
import { expect } from 'chai';
import {
  FW_CFG_ARCH_LOCAL,
  FW_CFG_KERNEL_SIZE,
  FwCfg,
  FwCfgError,
  type FwCfgOptions,
  type GuestMemory,
} from '../../../core/devices/fw-cfg.js';

const BASE = 0x0902_0000n;
const RAM = 0x4000_0000n;
const ACCESS = RAM + 0x1000n;
const BUFFER = RAM + 0x2000n;
const UNBACKED = 0x0b00_0000n;

/** One RAM window; anything outside it throws, as the board's memory does where nothing answers. */
class FakeRam implements GuestMemory {
  readonly bytes = new Uint8Array(0x1_0000);
  writes = 0;
  read(pa: bigint, length: number): Uint8Array {
    return this.bytes.slice(...this.span(pa, length));
  }
  write(pa: bigint, bytes: Uint8Array): void {
    this.bytes.set(bytes, this.span(pa, bytes.length)[0]);
    this.writes++;
  }
  at(pa: bigint, length: number): number[] {
    return [...this.read(pa, length)];
  }
  private span(pa: bigint, length: number): [number, number] {
    if (pa < RAM || pa + BigInt(length) > RAM + BigInt(this.bytes.length)) throw new Error(`unbacked ${pa}`);
    return [Number(pa - RAM), Number(pa - RAM) + length];
  }
}

const make = (options: Partial<FwCfgOptions> = {}) => {
  const ram = new FakeRam();
  return { ram, fw: new FwCfg(BASE, ram, { cpus: 1, ...options }) };
};
/** A guest `strh` of the big-endian key: its bytes are key >> 8, key & 0xff, so the CPU's value is swapped. */
const select = (fw: FwCfg, key: number) => fw.write(8n, 2, BigInt(((key & 0xff) << 8) | (key >> 8)));
const readBytes = (fw: FwCfg, n: number) => Array.from({ length: n }, () => Number(fw.read(0n, 1)));
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Stores an FWCfgDmaAccess (all fields big-endian) at ACCESS and starts it with a guest `str x` of ACCESS. */
function runDma(fw: FwCfg, ram: FakeRam, access: { control: number; length: number; address: bigint }): void {
  const view = new DataView(ram.bytes.buffer, Number(ACCESS - RAM), 16);
  view.setUint32(0, access.control);
  view.setUint32(4, access.length);
  view.setBigUint64(8, access.address);
  // ACCESS = 0x40001000: big-endian bytes 00 00 00 00 40 00 10 00, which a little-endian `str x` stores from this.
  fw.write(16n, 8, 0x0010_0040_0000_0000n);
}

describe('FwCfg (QEMU fw_cfg on virt)', () => {
  it('returns the "QEMU" signature through 1-, 2-, 4- and 8-byte data reads, zero-padded past its end', () => {
    const { fw } = make();
    expect(readBytes(fw, 5)).to.deep.equal([0x51, 0x45, 0x4d, 0x55, 0]); // QEMU: md.b gives 51 45 4d 55 00
    select(fw, 0);
    expect(fw.read(0n, 2)).to.equal(0x4551n);
    expect(fw.read(0n, 2)).to.equal(0x554dn);
    expect(fw.read(0n, 2)).to.equal(0n);
    select(fw, 0);
    expect(fw.read(0n, 4)).to.equal(0x554d4551n);
    expect(fw.read(0n, 4)).to.equal(0n);
    select(fw, 0);
    expect(fw.read(0n, 8)).to.equal(0x0000_0000_554d_4551n); // QEMU: md.q gives 00000000554d4551
  });

  it('takes the selector big-endian from a 16-bit store, ignores other widths, and reads it as zero', () => {
    const { fw } = make();
    fw.write(8n, 2, 0x0100n); // strh of 0x0100: bytes 00 01, key 0x0001 (FW_CFG_ID)
    expect(fw.read(0n, 4)).to.equal(3n);
    fw.write(8n, 2, 0x0001n); // bytes 01 00: key 0x0100, past the last slot (0x3f): nothing selected
    expect(fw.read(0n, 8)).to.equal(0n);
    fw.write(8n, 2, 0x0100n);
    fw.write(8n, 4, 0n); // QEMU aborts a 32-bit store here (ESR 0x96000050); the selection stays
    fw.write(8n, 8, 0n);
    expect(fw.read(0n, 4)).to.equal(3n);
    expect(fw.read(8n, 2)).to.equal(0n);
    expect(fw.accepts(8n, 2, true)).to.equal(true);
    expect(fw.accepts(8n, 4, true)).to.equal(false);
    expect(fw.accepts(8n, 2, false)).to.equal(false);
  });

  it('ignores the write-channel bit and keeps arch-local keys apart', () => {
    const { fw } = make();
    fw.write(8n, 2, 0x0040n); // key 0x4000 reads item 0, as QEMU 7.2 did
    expect(fw.read(0n, 4)).to.equal(0x554d4551n);
    fw.write(8n, 2, 0x0080n); // key 0x8000: nothing registered
    expect(fw.read(0n, 4)).to.equal(0n);
    fw.setItem(FW_CFG_ARCH_LOCAL | 0, Uint8Array.of(7, 8));
    fw.write(8n, 2, 0x0080n);
    expect(fw.read(0n, 2)).to.equal(0x0807n);
  });

  it('offers the traditional and DMA interfaces in FW_CFG_ID, and the items virt registers', () => {
    const { fw } = make();
    select(fw, 0x01);
    expect(fw.read(0n, 8)).to.equal(0b11n);
    select(fw, 0x02); // UUID: 16 zero bytes without -uuid
    expect(readBytes(fw, 17)).to.deep.equal(new Array(17).fill(0));
    select(fw, 0x04); // NOGRAPHIC, little-endian 16-bit
    expect(fw.read(0n, 8)).to.equal(1n);
    select(fw, 0x0e); // BOOT_MENU
    expect(fw.read(0n, 8)).to.equal(0n);
    select(fw, 0x03); // virt registers no RAM size and no max CPUs: QEMU 7.2 read both as zero
    expect(fw.read(0n, 8)).to.equal(0n);
    select(fw, 0x0f);
    expect(fw.read(0n, 8)).to.equal(0n);
  });

  it('counts CPUs in FW_CFG_NB_CPUS, and registers RAM size and max CPUs only when asked', () => {
    const { fw } = make({ cpus: 4, ramSize: 0x1_2000_0000n, maxCpus: 8 });
    select(fw, 0x05);
    expect(readBytes(fw, 3)).to.deep.equal([4, 0, 0]);
    select(fw, 0x03);
    expect(fw.read(0n, 8)).to.equal(0x1_2000_0000n);
    select(fw, 0x0f);
    expect(fw.read(0n, 2)).to.equal(8n);
    const one = make().fw;
    select(one, 0x05);
    expect(one.read(0n, 8)).to.equal(1n);
  });

  it('lists QEMU 7.2 virt files in FW_CFG_FILE_DIR: BE32 count, 64-byte entries, names in strcmp order', () => {
    const { fw } = make();
    select(fw, 0x19);
    expect(fw.read(0n, 8)).to.equal(0x0900_0000n); // bytes 00 00 00 09 | 00 00 00 00, as QEMU's md.q showed
    select(fw, 0x19);
    const dir = readBytes(fw, 4 + 64 * 9);
    const entry = (i: number) => dir.slice(4 + 64 * i, 4 + 64 * (i + 1));
    // bios-geometry: size 0, select 0x0020, reserved 0, name then NULs (QEMU's directory, first entry)
    expect(entry(0)).to.deep.equal([0, 0, 0, 0, 0, 0x20, 0, 0, ...ascii('bios-geometry'), ...new Array(43).fill(0)]);
    // etc/acpi/tables: size 0x00020000, select 0x0023
    expect(entry(3).slice(0, 8)).to.deep.equal([0, 2, 0, 0, 0, 0x23, 0, 0]);
    const expected: [string, number][] = [
      ['bios-geometry', 0],
      ['bootorder', 0],
      ['etc/acpi/rsdp', 36],
      ['etc/acpi/tables', 131072],
      ['etc/boot-fail-wait', 4],
      ['etc/smbios/smbios-anchor', 24],
      ['etc/smbios/smbios-tables', 266],
      ['etc/table-loader', 3072],
      ['etc/tpm/log', 0],
    ];
    expected.forEach(([name, size], i) => {
      const e = entry(i);
      expect(e.slice(0, 4)).to.deep.equal([size >>> 24, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff]);
      expect(e.slice(4, 6)).to.deep.equal([0, 0x20 + i]);
      expect(String.fromCharCode(...e.slice(8, 8 + name.length))).to.equal(name);
      expect(e[8 + name.length]).to.equal(0);
    });
    select(fw, 0x24); // etc/boot-fail-wait holds -1 as a little-endian u32 (QEMU: md.l gives ffffffff)
    expect(fw.read(0n, 4)).to.equal(0xffff_ffffn);
  });

  it('inserts added files by byte order and renumbers the ones after them', () => {
    const { fw } = make();
    fw.addFile('opt/x', Uint8Array.of(1, 2, 3)); // 'o' > 'e': last, key 0x29
    fw.addFile('Zeta', Uint8Array.of(9)); // 'Z' (0x5a) < 'b' (0x62): first, key 0x20
    select(fw, 0x19);
    const dir = readBytes(fw, 4 + 64 * 11);
    const name = (i: number) => String.fromCharCode(...dir.slice(4 + 64 * i + 8, 4 + 64 * i + 64).filter((b) => b));
    expect(dir.slice(0, 4)).to.deep.equal([0, 0, 0, 11]);
    expect([name(0), name(1), name(10)]).to.deep.equal(['Zeta', 'bios-geometry', 'opt/x']);
    expect(dir.slice(4 + 64 * 10, 4 + 64 * 10 + 6)).to.deep.equal([0, 0, 0, 3, 0, 0x2a]);
    select(fw, 0x2a);
    expect(fw.read(0n, 4)).to.equal(0x030201n);
    select(fw, 0x20);
    expect(fw.read(0n, 1)).to.equal(9n);
    fw.addFile('Zeta', Uint8Array.of(5, 5)); // same name: replaced in place
    select(fw, 0x20);
    expect(fw.read(0n, 4)).to.equal(0x0505n);
  });

  it('reads an item by DMA into guest memory and clears the control word', () => {
    const { fw, ram } = make();
    ram.bytes.fill(0xaa, 0x2000, 0x2010);
    // control: key 0x0019 << 16 | SELECT | READ; 8 bytes of the directory to BUFFER
    runDma(fw, ram, { control: 0x0019_000a, length: 8, address: BUFFER });
    expect(ram.at(BUFFER, 10)).to.deep.equal([0, 0, 0, 9, 0, 0, 0, 0, 0xaa, 0xaa]);
    expect(ram.at(ACCESS, 16)).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0x40, 0, 0x20, 0]);
    // past the end of "QEMU" a DMA read stores zeros, as QEMU 7.2 did (4d 55 00 00 aa aa)
    runDma(fw, ram, { control: 0x0000_000a, length: 8, address: BUFFER });
    expect(ram.at(BUFFER, 9)).to.deep.equal([0x51, 0x45, 0x4d, 0x55, 0, 0, 0, 0, 0xaa]);
    expect(ram.at(ACCESS, 4)).to.deep.equal([0, 0, 0, 0]);
  });

  it('starts DMA on the low half: two 32-bit stores, high then low, as the spec allows', () => {
    const { fw, ram } = make();
    new DataView(ram.bytes.buffer).setUint32(0x1000, 0x0001_000a); // select FW_CFG_ID, read
    new DataView(ram.bytes.buffer).setUint32(0x1004, 4);
    new DataView(ram.bytes.buffer).setBigUint64(0x1008, BUFFER);
    fw.write(16n, 4, 0n);
    expect(ram.at(BUFFER, 4)).to.deep.equal([0, 0, 0, 0]);
    fw.write(20n, 4, 0x0010_0040n); // bytes 40 00 10 00: low half 0x40001000
    expect(ram.at(BUFFER, 4)).to.deep.equal([3, 0, 0, 0]);
    expect(ram.at(ACCESS, 4)).to.deep.equal([0, 0, 0, 0]);
  });

  it('selects and skips by DMA, leaving the data register at the new offset', () => {
    const { fw, ram } = make();
    select(fw, 0x01);
    runDma(fw, ram, { control: 0x0000_000c, length: 2, address: 0n }); // select key 0 | SKIP: no memory touched
    expect(ram.at(ACCESS, 4)).to.deep.equal([0, 0, 0, 0]);
    expect(fw.read(0n, 2)).to.equal(0x554dn); // "MU"
    runDma(fw, ram, { control: 0x0000_0004, length: 100, address: 0n }); // skip past the end: still success
    expect(ram.at(ACCESS, 4)).to.deep.equal([0, 0, 0, 0]);
    runDma(fw, ram, { control: 0x0000_0000, length: 4, address: BUFFER }); // no operation bit: nothing moves
    expect(ram.at(ACCESS, 4)).to.deep.equal([0, 0, 0, 0]);
  });

  it('sets the error bit for DMA to an unbacked address and for DMA writes to read-only items', () => {
    const { fw, ram } = make();
    runDma(fw, ram, { control: 0x0000_000a, length: 4, address: UNBACKED }); // QEMU: control 00 00 00 01
    expect(ram.at(ACCESS, 4)).to.deep.equal([0, 0, 0, 1]);
    ram.bytes.fill(0xaa, 0x2000, 0x2004);
    runDma(fw, ram, { control: 0x0024_0018, length: 4, address: BUFFER }); // select 0x24 | WRITE
    expect(ram.at(ACCESS, 4)).to.deep.equal([0, 0, 0, 1]);
    expect(ram.at(BUFFER, 4)).to.deep.equal([0xaa, 0xaa, 0xaa, 0xaa]);
    select(fw, 0x24);
    expect(fw.read(0n, 4)).to.equal(0xffff_ffffn);
    const writes = ram.writes;
    fw.write(16n, 8, 0x0000_000b_0000_0000n); // access structure at 0x0b000000, unbacked: no throw
    expect(ram.writes).to.equal(writes);
  });

  it('reads "QEMU CFG" from the DMA address register at any width', () => {
    const { fw } = make();
    expect(fw.read(16n, 8)).to.equal(0x4746_4320_554d_4551n); // QEMU: md.q 0x09020010 gave 47464320554d4551
    expect(fw.read(16n, 4)).to.equal(0x554d_4551n);
    expect(fw.read(20n, 4)).to.equal(0x4746_4320n);
    expect(fw.read(17n, 1)).to.equal(0x45n);
    expect(fw.accepts(16n, 2, true)).to.equal(false);
    expect(fw.accepts(20n, 8, true)).to.equal(false);
    expect(fw.accepts(4n, 4, false)).to.equal(false); // QEMU aborts data reads off offset 0 (ESR 0x96000010)
  });

  it('selects the signature again on reset', () => {
    const { fw } = make();
    select(fw, 0x19);
    fw.read(0n, 1);
    fw.reset();
    expect(fw.read(0n, 4)).to.equal(0x554d4551n);
  });

  it('takes kernel items by key and refuses what QEMU could not hold', () => {
    const { fw } = make();
    fw.setItem(FW_CFG_KERNEL_SIZE, Uint8Array.of(0x34, 0x12, 0, 0));
    select(fw, 0x08);
    expect(fw.read(0n, 4)).to.equal(0x1234n);
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e instanceof FwCfgError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => fw.setItem(0x19, new Uint8Array()))).to.equal('KeyNotSettable');
    expect(code(() => fw.setItem(0x20, new Uint8Array()))).to.equal('KeyNotSettable');
    expect(code(() => fw.setItem(0x4008, new Uint8Array()))).to.equal('KeyNotSettable');
    expect(code(() => fw.addFile('x'.repeat(56), new Uint8Array()))).to.equal('FileNameTooLong');
    expect(code(() => fw.addFile('x'.repeat(55), new Uint8Array()))).to.equal('none');
    for (let i = 0; i < 22; i++) fw.addFile(`opt/${i}`, new Uint8Array());
    expect(code(() => fw.addFile('opt/full', new Uint8Array()))).to.equal('FileSlotsFull');
    expect(code(() => make({ uuid: new Uint8Array(15) }))).to.equal('UuidNotSixteenBytes');
  });
});
