// --dtb: the user's device tree read back (decodeFdt), its memory node and /chosen filled as QEMU's arm_load_dtb
// does, checked with dtc; malformed blobs are FdtErrors; the CLI names the file in its usage errors.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFdt, FdtError, fdtCells, fdtNode, fdtProp, fdtString } from '../../../core/fdt/fdt-builder.js';
import { decodeFdt } from '../../../core/fdt/fdt-parser.js';
import { buildMachineDeviceTree } from '../../../core/platform/device-tree.js';
import { editUserDeviceTree } from '../../../core/platform/user-device-tree.js';
import { runEl2dbg } from '../../helpers/cli.js';

const RAM = { ramBase: 0x4000_0000n, ramSize: 1n << 30n };

/** The blob as dtc prints it. */
function dts(blob: Uint8Array): string {
  const r = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', '-q', '-'], { input: blob, encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout;
}

describe('user device tree (--dtb)', () => {
  it('decodes what encodeFdt wrote, byte for byte when written again', () => {
    const blob = buildMachineDeviceTree({ ...RAM, cpus: 1, bootargs: 'x' });
    const d = decodeFdt(blob);
    expect(Buffer.from(encodeFdt(d.root, { memReserve: d.memReserve, bootCpuId: d.bootCpuId }))).to.deep.equal(
      Buffer.from(blob),
    );
  });

  it('replaces the memory nodes, keeps /chosen properties, sets bootargs and initrd in #address-cells', () => {
    const user = encodeFdt(
      fdtNode(
        '',
        [
          fdtProp('#address-cells', fdtCells(1)),
          fdtProp('#size-cells', fdtCells(1)),
          fdtProp('model', fdtString('mine')),
        ],
        [
          fdtNode('memory@80000000', [
            fdtProp('device_type', fdtString('memory')),
            fdtProp('reg', fdtCells(0x8000_0000, 0x1000)),
          ]),
          fdtNode('chosen', [
            fdtProp('stdout-path', fdtString('/pl011@9000000')),
            fdtProp('bootargs', fdtString('old')),
          ]),
        ],
      ),
    );
    const text = dts(
      editUserDeviceTree(user, {
        ...RAM,
        bootargs: 'console=ttyAMA0',
        initrd: { start: 0x4800_0000n, end: 0x4810_0000n },
      }),
    );
    expect(text).to.match(/model = "mine";/);
    expect(text).to.not.match(/memory@80000000/);
    expect(text).to.match(/memory@40000000 \{\s*device_type = "memory";\s*reg = <0x40000000 0x40000000>;/);
    expect(text).to.match(/stdout-path = "\/pl011@9000000";/);
    expect(text).to.match(/bootargs = "console=ttyAMA0";/);
    expect(text).to.match(/linux,initrd-start = <0x48000000>;\s*linux,initrd-end = <0x48100000>;/);
  });

  it('makes /chosen when the tree has none, with 64-bit cells for #address-cells = 2', () => {
    const user = encodeFdt(fdtNode('', [fdtProp('#address-cells', fdtCells(2)), fdtProp('#size-cells', fdtCells(2))]));
    const text = dts(editUserDeviceTree(user, { ...RAM, initrd: { start: 0x4800_0000n, end: 0x4810_0000n } }));
    expect(text).to.match(/chosen \{\s*linux,initrd-start = <0x00 0x48000000>;/);
    expect(text).to.match(/reg = <0x00 0x40000000 0x00 0x40000000>;/);
  });

  it('refuses what is not a usable tree: bad magic, truncation, no #address-cells', () => {
    const code = (blob: Uint8Array) => {
      try {
        editUserDeviceTree(blob, RAM);
      } catch (e) {
        expect(e).to.be.instanceOf(FdtError);
        return (e as FdtError).code;
      }
      return 'none';
    };
    const good = buildMachineDeviceTree({ ...RAM, cpus: 1 });
    expect(code(new TextEncoder().encode('this is not a device tree blob at all, not even close'))).to.equal(
      'BadMagic',
    );
    expect(code(good.slice(0, 100))).to.equal('Truncated');
    expect(code(encodeFdt(fdtNode('', [fdtProp('#size-cells', fdtCells(2))])))).to.equal('BadCells');
  });

  it('run --kernel --dtb: a missing file and a file that is not a DTB are usage errors naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'user-dtb-'));
    try {
      const kernel = join(dir, 'Image');
      const image = Buffer.alloc(4096); // an arm64 Image header: image_size at 16, "ARM\x64" at 56
      image.writeBigUInt64LE(4096n, 16);
      image.writeUInt32LE(0x644d5241, 56);
      writeFileSync(kernel, image);
      const bad = join(dir, 'bad.dtb');
      writeFileSync(bad, 'not a dtb, just text, long enough to hold a header.');
      const missing = await runEl2dbg(['run', '--kernel', kernel, '--dtb', join(dir, 'none.dtb')]);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.match(/--dtb .*none\.dtb: ENOENT/);
      const notDtb = await runEl2dbg(['run', '--kernel', kernel, '--dtb', bad]);
      expect(notDtb.code).to.equal(2);
      expect(notDtb.stderr).to.match(/--dtb .*bad\.dtb: not a device tree blob \(magic 0x6e6f7420\)/);
      const noKernel = await runEl2dbg(['run', '--dtb', bad]);
      expect(noKernel.stderr).to.match(/--dtb goes with --kernel/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
