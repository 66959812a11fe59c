// Flattened Device Tree reader (Devicetree Specification v0.4, chapter 5), the inverse of fdt-builder.ts: a blob in,
// nodes, the memory reservations and the boot CPU out. Pure; a malformed blob is an FdtError, never a crash.
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_MAGIC,
  FDT_PROP,
  FdtError,
  type FdtMemReserve,
  type FdtNode,
  type FdtProp,
} from './fdt-builder.js';

const FDT_NOP = 0x4;

/** A decoded blob: what encodeFdt needs to write it again. */
export interface DecodedFdt {
  readonly root: FdtNode;
  readonly memReserve: readonly FdtMemReserve[];
  readonly bootCpuId: number;
}

/** Decodes a DTB (version 16 or later layout: header, reservation map, structure block, strings block). */
export function decodeFdt(blob: Uint8Array): DecodedFdt {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const truncated = (what: string) => new FdtError('Truncated', {}, `device tree blob truncated (${what})`);
  if (blob.length < FDT_HEADER_SIZE) throw truncated('header');
  const magic = view.getUint32(0);
  if (magic !== FDT_MAGIC)
    throw new FdtError('BadMagic', { value: magic }, `not a device tree blob (magic 0x${magic.toString(16)})`);
  const [total, offStruct, offStrings, offRsv] = [4, 8, 12, 16].map((o) => view.getUint32(o)) as [
    number,
    number,
    number,
    number,
  ];
  const bootCpuId = view.getUint32(28);
  const [sizeStrings, sizeStruct] = [view.getUint32(32), view.getUint32(36)];
  if (total > blob.length || offStruct + sizeStruct > total || offStrings + sizeStrings > total)
    throw truncated('blocks');
  const memReserve: FdtMemReserve[] = [];
  for (let o = offRsv; ; o += 16) {
    if (o + 16 > total) throw truncated('memory reservation map');
    const [address, size] = [view.getBigUint64(o), view.getBigUint64(o + 8)];
    if (address === 0n && size === 0n) break;
    memReserve.push({ address, size });
  }
  const end = offStruct + sizeStruct;
  let pos = offStruct;
  const u32 = () => {
    if (pos + 4 > end) throw truncated('structure block');
    const v = view.getUint32(pos);
    pos += 4;
    return v;
  };
  const cString = (from: number, limit: number) => {
    const nul = blob.indexOf(0, from);
    if (nul < 0 || nul >= limit) throw truncated('string');
    return { text: new TextDecoder().decode(blob.subarray(from, nul)), next: nul + 1 };
  };
  const token = () => {
    let t = u32();
    while (t === FDT_NOP) t = u32();
    return t;
  };
  const node = (): FdtNode => {
    const name = cString(pos, end);
    pos = (name.next + 3) & ~3;
    const props: FdtProp[] = [];
    const children: FdtNode[] = [];
    for (;;) {
      const t = token();
      if (t === FDT_END_NODE) return { name: name.text, props, children };
      if (t === FDT_BEGIN_NODE) children.push(node());
      else if (t === FDT_PROP) {
        const [len, nameOff] = [u32(), u32()];
        if (pos + len > end) throw truncated('property');
        props.push({
          name: cString(offStrings + nameOff, offStrings + sizeStrings).text,
          value: blob.slice(pos, pos + len),
        });
        pos = (pos + len + 3) & ~3;
      } else throw new FdtError('BadToken', { value: t }, `bad device tree token 0x${t.toString(16)} at ${pos - 4}`);
    }
  };
  if (token() !== FDT_BEGIN_NODE)
    throw new FdtError('BadToken', {}, 'device tree structure does not start with a node');
  const root = node();
  if (token() !== FDT_END) throw new FdtError('BadToken', {}, 'device tree structure does not end after the root');
  return { root, memReserve, bootCpuId };
}
