import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_MAGIC,
  FdtError,
  concatBytes,
  encodeFdt,
  fdtBytes,
  fdtCells,
  fdtEmpty,
  fdtNode,
  fdtPhandle,
  fdtProp,
  fdtString,
  fdtStringList,
  fdtU64,
  type FdtErrorCode,
  type FdtNode,
} from '../../../core/fdt/fdt-builder.js';

type DtcResult = { status: number | null; stdout: string; stderr: string };

/** Runs the real dtc on `input` (a blob or DTS text) in a fresh temp dir. */
function runDtc(
  input: Uint8Array | string,
  from: 'dtb' | 'dts',
  to: 'dtb' | 'dts',
): { result: DtcResult; output: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'fdt-builder-test-'));
  try {
    const inFile = join(dir, `in.${from}`);
    const outFile = join(dir, `out.${to}`);
    writeFileSync(inFile, input);
    const run = spawnSync('dtc', ['-I', from, '-O', to, '-o', outFile, inFile], { encoding: 'utf8' });
    if (run.error) throw run.error;
    const result = { status: run.status, stdout: run.stdout, stderr: run.stderr };
    const output = run.status === 0 ? readFileSync(outFile) : Buffer.alloc(0);
    return { result, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Decompiles a blob with dtc, failing the test on any dtc error or warning. */
function decompile(blob: Uint8Array): string {
  const { result, output } = runDtc(blob, 'dtb', 'dts');
  expect(result.stderr, 'dtc stderr').to.equal('');
  expect(result.status, 'dtc exit status').to.equal(0);
  return output.toString('utf8');
}

function header(blob: Uint8Array): Record<string, number> {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const names = [
    'magic',
    'totalsize',
    'offDtStruct',
    'offDtStrings',
    'offMemRsvmap',
    'version',
    'lastCompVersion',
    'bootCpuidPhys',
    'sizeDtStrings',
    'sizeDtStruct',
  ];
  return Object.fromEntries(names.map((n, i) => [n, view.getUint32(i * 4)]));
}

function expectFdtError(fn: () => unknown, code: FdtErrorCode): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FdtError);
    expect((err as FdtError).code).to.equal(code);
    return;
  }
  expect.fail(`expected FdtError ${code}`);
}

// A tree exercising every value helper, including values whose length is not a multiple of 4.
const sampleTree: FdtNode = fdtNode(
  '',
  [
    fdtProp('#address-cells', fdtCells(2)),
    fdtProp('#size-cells', fdtCells(2)),
    fdtProp('compatible', fdtString('acme,board')),
  ],
  [
    fdtNode('memory@80000000', [
      fdtProp('device_type', fdtString('memory')),
      fdtProp('reg', fdtU64(0x8000_0000n, 0x1_0000_0000n)),
    ]),
    fdtNode(
      'soc',
      [fdtProp('compatible', fdtStringList(['acme,soc', 'acme,generic'])), fdtProp('dma-coherent', fdtEmpty())],
      [
        fdtNode('blob', [fdtProp('data', fdtBytes(Uint8Array.of(1, 2, 3))), fdtProp('label', fdtString(''))]),
        fdtNode('clock', [fdtProp('phandle', fdtPhandle(1)), fdtProp('#clock-cells', fdtCells(0))]),
      ],
    ),
  ],
);

const sampleDts = `/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	compatible = "acme,board";
	memory@80000000 {
		device_type = "memory";
		reg = <0x0 0x80000000 0x1 0x0>;
	};
	soc {
		compatible = "acme,soc", "acme,generic";
		dma-coherent;
		blob {
			data = [01 02 03];
			label = "";
		};
		clock {
			phandle = <1>;
			#clock-cells = <0>;
		};
	};
};
`;

describe('core/fdt/fdt-builder', () => {
  it('writes a v17 header whose offsets and sizes describe the blob', () => {
    const reserve = [{ address: 0x4800_0000n, size: 0x10_0000n }];
    const blob = encodeFdt(sampleTree, { bootCpuId: 3, memReserve: reserve });
    const h = header(blob);
    expect(h.magic).to.equal(FDT_MAGIC);
    expect(h.version).to.equal(17);
    expect(h.lastCompVersion).to.equal(16);
    expect(h.bootCpuidPhys).to.equal(3);
    expect(h.totalsize).to.equal(blob.length);
    expect(h.offMemRsvmap).to.equal(40);
    expect(h.offMemRsvmap % 8).to.equal(0);
    expect(h.offDtStruct).to.equal(40 + 16 * (reserve.length + 1));
    expect(h.offDtStruct % 4).to.equal(0);
    expect(h.sizeDtStruct % 4).to.equal(0);
    expect(h.offDtStrings).to.equal(h.offDtStruct + h.sizeDtStruct);
    expect(h.offDtStrings + h.sizeDtStrings).to.equal(h.totalsize);

    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    expect(view.getBigUint64(40)).to.equal(0x4800_0000n);
    expect(view.getBigUint64(48)).to.equal(0x10_0000n);
    expect(view.getBigUint64(56)).to.equal(0n);
    expect(view.getBigUint64(64)).to.equal(0n);
    expect(view.getUint32(h.offDtStruct)).to.equal(FDT_BEGIN_NODE);
    expect(view.getUint32(h.offDtStruct + h.sizeDtStruct - 4)).to.equal(FDT_END);
  });

  it('decompiles with dtc to the same source as dtc compiling the equivalent DTS', () => {
    const { result, output: reference } = runDtc(sampleDts, 'dts', 'dtb');
    expect(result.stderr).to.equal('');
    expect(decompile(encodeFdt(sampleTree))).to.equal(decompile(reference));
  });

  it('keeps /memreserve/ entries through dtc', () => {
    const dts = decompile(encodeFdt(sampleTree, { memReserve: [{ address: 0x4800_0000n, size: 0x1000n }] }));
    expect(dts).to.contain('/memreserve/\t0x0000000048000000 0x0000000000001000;\n');
  });

  it('stores each property name once in the strings block', () => {
    const tree = fdtNode(
      '',
      [fdtProp('compatible', fdtString('a'))],
      [
        fdtNode('x', [fdtProp('compatible', fdtString('b')), fdtProp('clock-frequency', fdtCells(1))]),
        fdtNode('y', [fdtProp('compatible', fdtString('c')), fdtProp('clock-frequency', fdtCells(2))]),
      ],
    );
    const blob = encodeFdt(tree);
    const h = header(blob);
    const strings = new TextDecoder().decode(blob.subarray(h.offDtStrings, h.offDtStrings + h.sizeDtStrings));
    expect(strings).to.equal('compatible\0clock-frequency\0');
    const dts = decompile(blob);
    expect(dts).to.contain('x {\n\t\tcompatible = "b";\n\t\tclock-frequency = <0x01>;');
    expect(dts).to.contain('y {\n\t\tcompatible = "c";\n\t\tclock-frequency = <0x02>;');
  });

  it('encodes empty properties, string lists and odd-length values', () => {
    expect(fdtEmpty()).to.have.length(0);
    expect([...fdtStringList(['ab', 'c'])]).to.deep.equal([0x61, 0x62, 0, 0x63, 0]);
    expect([...fdtString('')]).to.deep.equal([0]);
    expect([...fdtU64(0x1_0000_0002n)]).to.deep.equal([0, 0, 0, 1, 0, 0, 0, 2]);
    expect([...concatBytes([fdtCells(1), fdtCells(0xffffffff)])]).to.deep.equal([0, 0, 0, 1, 255, 255, 255, 255]);
    const dts = decompile(encodeFdt(sampleTree));
    expect(dts).to.contain('\t\tdma-coherent;\n');
    expect(dts).to.contain('compatible = "acme,soc\\0acme,generic";');
    expect(dts).to.contain('data = [01 02 03];');
    // dtc prints a lone NUL as bytes, not as an empty string.
    expect(dts).to.contain('label = [00];');
  });

  it('encodes a root with no properties or children', () => {
    const blob = encodeFdt(fdtNode(''));
    expect(header(blob).sizeDtStrings).to.equal(0);
    expect(decompile(blob)).to.equal('/dts-v1/;\n\n/ {\n};\n');
  });

  it('rejects trees and values that cannot form a valid blob', () => {
    expectFdtError(() => encodeFdt(fdtNode('root')), 'RootNameNotEmpty');
    expectFdtError(() => encodeFdt(fdtNode('', [], [fdtNode('a/b')])), 'InvalidNodeName');
    expectFdtError(() => encodeFdt(fdtNode('', [], [fdtNode('')])), 'InvalidNodeName');
    expectFdtError(() => encodeFdt(fdtNode('', [], [fdtNode('a'), fdtNode('a')])), 'DuplicateNodeName');
    expectFdtError(() => encodeFdt(fdtNode('', [fdtProp('bad name', fdtEmpty())])), 'InvalidPropertyName');
    expectFdtError(
      () => encodeFdt(fdtNode('', [fdtProp('reg', fdtCells(1)), fdtProp('reg', fdtCells(2))])),
      'DuplicatePropertyName',
    );
    expectFdtError(() => fdtString('a\0b'), 'StringContainsNul');
    expectFdtError(() => fdtCells(0x1_0000_0000), 'CellOutOfRange');
    expectFdtError(() => fdtCells(-1), 'CellOutOfRange');
    expectFdtError(() => fdtCells(1.5), 'CellOutOfRange');
    expectFdtError(() => fdtU64(1n << 64n), 'U64OutOfRange');
    expectFdtError(() => fdtU64(-1n), 'U64OutOfRange');
    expectFdtError(() => fdtPhandle(0), 'InvalidPhandle');
    expectFdtError(() => fdtPhandle(0xffffffff), 'InvalidPhandle');
  });
});
