// A device tree the user gave (--dtb), edited as QEMU's hw/arm/boot.c (arm_load_dtb) edits a -dtb blob for -kernel:
// its memory nodes replaced by one for the machine's RAM (the part stage 2 lets the guest reach, as in the generated
// tree), /chosen made if missing, with bootargs (--append) and linux,initrd-start/end (--initrd) in the root's
// #address-cells; everything else left as the user wrote it.
import { decodeFdt } from '../fdt/fdt-parser.js';
import {
  encodeFdt,
  FdtError,
  fdtCells,
  fdtNode,
  fdtProp,
  fdtString,
  fdtU64,
  type FdtNode,
  type FdtProp,
} from '../fdt/fdt-builder.js';

/** What the machine puts into the user's tree. */
export interface UserTreeEdits {
  readonly ramBase: bigint;
  readonly ramSize: bigint;
  /** The parts of RAM the guest may use (what stage 2 lets it reach), the memory node's reg; default all of it. */
  readonly ramRanges?: readonly { readonly base: bigint; readonly size: bigint }[];
  readonly bootargs?: string;
  readonly initrd?: { readonly start: bigint; readonly end: bigint };
}

/** The user's blob with the machine's memory node and /chosen (an FdtError if it is not a usable tree). */
export function editUserDeviceTree(blob: Uint8Array, edits: UserTreeEdits): Uint8Array {
  const { root, memReserve, bootCpuId } = decodeFdt(blob);
  const acells = rootCells(root, '#address-cells');
  const scells = rootCells(root, '#size-cells');
  const sized = (value: bigint, cells: number) => (cells === 1 ? fdtCells(Number(value)) : fdtU64(value));
  const ranges = edits.ramRanges ?? [{ base: edits.ramBase, size: edits.ramSize }];
  const memory = fdtNode(`memory@${edits.ramBase.toString(16)}`, [
    fdtProp('device_type', fdtString('memory')),
    fdtProp('reg', new Uint8Array(ranges.flatMap((r) => [...sized(r.base, acells), ...sized(r.size, scells)]))),
  ]);
  const chosenOld = root.children.find((c) => c.name === 'chosen');
  const set: FdtProp[] = [];
  if (edits.bootargs !== undefined && edits.bootargs !== '') set.push(fdtProp('bootargs', fdtString(edits.bootargs)));
  if (edits.initrd) {
    set.push(fdtProp('linux,initrd-start', sized(edits.initrd.start, acells)));
    set.push(fdtProp('linux,initrd-end', sized(edits.initrd.end, acells)));
  }
  const kept = (chosenOld?.props ?? []).filter((p) => !set.some((s) => s.name === p.name));
  const chosen = fdtNode('chosen', [...kept, ...set], chosenOld?.children ?? []);
  const isMemory = (n: FdtNode) => n.name === 'memory' || n.name.startsWith('memory@');
  const children = root.children.filter((c) => !isMemory(c) && c !== chosenOld);
  return encodeFdt(fdtNode('', root.props, [...children, memory, chosen]), { memReserve, bootCpuId });
}

/** The root's #address-cells or #size-cells: 1 or 2 (QEMU refuses a tree without them). */
function rootCells(root: FdtNode, name: string): number {
  const p = root.props.find((q) => q.name === name);
  const cells = p && p.value.length === 4 ? new DataView(p.value.buffer, p.value.byteOffset).getUint32(0) : 0;
  if (cells !== 1 && cells !== 2)
    throw new FdtError(
      'BadCells',
      { name, value: cells },
      `the root's ${name} must be 1 or 2 (it is ${cells || 'missing'})`,
    );
  return cells;
}
