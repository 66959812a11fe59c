// Flattened Device Tree writer (Devicetree Specification v0.4, chapter 5: DTB v17,
// last compatible version 16). Pure: nodes and property values in, a blob out.

export type FdtProp = { readonly name: string; readonly value: Uint8Array };

export type FdtNode = {
  readonly name: string;
  readonly props: readonly FdtProp[];
  readonly children: readonly FdtNode[];
};

export type FdtMemReserve = { readonly address: bigint; readonly size: bigint };

export type FdtEncodeOptions = {
  readonly bootCpuId?: number;
  readonly memReserve?: readonly FdtMemReserve[];
  /** Free space after the blocks up to this total size (QEMU hands firmware a 1 MiB tree to edit in place). */
  readonly padTo?: number;
};

export type FdtErrorCode =
  | 'InvalidNodeName'
  | 'InvalidPropertyName'
  | 'DuplicateNodeName'
  | 'DuplicatePropertyName'
  | 'RootNameNotEmpty'
  | 'StringContainsNul'
  | 'CellOutOfRange'
  | 'U64OutOfRange'
  | 'InvalidPhandle'
  // Reading a blob (fdt-parser.ts) and editing a user's tree (core/platform/user-device-tree.ts).
  | 'BadMagic'
  | 'Truncated'
  | 'BadToken'
  | 'BadCells';

/** Thrown when a tree or value cannot be written as a valid DTB. */
export class FdtError extends Error {
  constructor(
    readonly code: FdtErrorCode,
    readonly detail: { readonly name?: string; readonly value?: bigint | number | string },
    message: string,
  ) {
    super(message);
    this.name = 'FdtError';
  }
}

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
export const FDT_HEADER_SIZE = 40;
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_END = 0x9;

// Devicetree Specification 2.2.1 (node names) and 2.2.4 (property names).
const NODE_NAME_RE = /^[0-9A-Za-z,._+-]{1,31}(@[0-9A-Za-z,._+-]+)?$/;
const PROP_NAME_RE = /^[0-9A-Za-z,._+?#-]{1,31}$/;
const textEncoder = new TextEncoder();

/** Creates a node; `props` and `children` are written in the order given. */
export function fdtNode(name: string, props: readonly FdtProp[] = [], children: readonly FdtNode[] = []): FdtNode {
  return { name, props, children };
}

/** Creates a property from a name and an already-encoded value. */
export function fdtProp(name: string, value: Uint8Array): FdtProp {
  return { name, value };
}

/** Encodes 32-bit cells, big-endian: `<a b c>`. */
export function fdtCells(...cells: readonly number[]): Uint8Array {
  const out = new Uint8Array(cells.length * 4);
  const view = new DataView(out.buffer);
  cells.forEach((cell, i) => {
    if (!Number.isInteger(cell) || cell < 0 || cell > 0xffffffff) {
      throw new FdtError('CellOutOfRange', { value: cell }, `cell ${cell} is not a u32`);
    }
    view.setUint32(i * 4, cell);
  });
  return out;
}

/** Encodes 64-bit values as two big-endian cells each (high cell first). */
export function fdtU64(...values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => {
    if (value < 0n || value !== BigInt.asUintN(64, value)) {
      throw new FdtError('U64OutOfRange', { value }, `value ${value} is not a u64`);
    }
    view.setBigUint64(i * 8, value);
  });
  return out;
}

/** Encodes a NUL-terminated string. */
export function fdtString(value: string): Uint8Array {
  return fdtStringList([value]);
}

/** Encodes a list of NUL-terminated strings, e.g. a `compatible` list. */
export function fdtStringList(values: readonly string[]): Uint8Array {
  return concatBytes(values.map((v) => encodeCString(v)));
}

/** Encodes an empty value, for boolean properties such as `interrupt-controller`. */
export function fdtEmpty(): Uint8Array {
  return new Uint8Array(0);
}

/** Copies raw bytes as a property value. */
export function fdtBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

/** Encodes a phandle cell; 0 and 0xffffffff are reserved by the specification. */
export function fdtPhandle(phandle: number): Uint8Array {
  if (phandle === 0 || phandle === 0xffffffff) {
    throw new FdtError('InvalidPhandle', { value: phandle }, `phandle ${phandle} is reserved`);
  }
  return fdtCells(phandle);
}

/** Concatenates encoded values, e.g. a reg with several (address, size) pairs. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A DTB's length up to the end of its strings block (encodeFdt's layout): what follows is zeroed free space. */
export function fdtUsedLength(blob: Uint8Array): number {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  return view.getUint32(12) + view.getUint32(32); // off_dt_strings + size_dt_strings
}

/** Serialises a tree rooted at `root` (whose name must be empty) to a DTB. */
export function encodeFdt(root: FdtNode, options: FdtEncodeOptions = {}): Uint8Array {
  if (root.name !== '') {
    throw new FdtError('RootNameNotEmpty', { name: root.name }, `root node name must be empty, got "${root.name}"`);
  }
  const strings = new StringTable();
  const struct = new ByteSink();
  writeNode(root, struct, strings, true);
  struct.u32(FDT_END);
  const rsvmap = encodeMemReserveMap(options.memReserve ?? []);
  const structBytes = struct.bytes();
  const stringBytes = strings.bytes();

  const offRsvmap = FDT_HEADER_SIZE; // already 8-byte aligned
  const offStruct = offRsvmap + rsvmap.length; // rsvmap is a multiple of 16 bytes
  const offStrings = offStruct + structBytes.length;
  const used = offStrings + stringBytes.length;
  const totalSize = options.padTo !== undefined && options.padTo > used ? options.padTo : used;

  const header = new ByteSink();
  for (const field of [
    FDT_MAGIC,
    totalSize,
    offStruct,
    offStrings,
    offRsvmap,
    FDT_VERSION,
    FDT_LAST_COMP_VERSION,
    options.bootCpuId ?? 0,
    stringBytes.length,
    structBytes.length,
  ]) {
    header.u32(field);
  }
  // The free space is the zeroed tail of one allocation (a 1 MiB blob for firmware is mostly free space).
  const out = new Uint8Array(totalSize);
  out.set(concatBytes([header.bytes(), rsvmap, structBytes, stringBytes]));
  return out;
}

function writeNode(node: FdtNode, out: ByteSink, strings: StringTable, isRoot: boolean): void {
  if (!isRoot && !NODE_NAME_RE.test(node.name)) {
    throw new FdtError('InvalidNodeName', { name: node.name }, `invalid node name "${node.name}"`);
  }
  out.u32(FDT_BEGIN_NODE);
  out.bytes4(encodeCString(node.name));
  const seenProps = new Set<string>();
  for (const prop of node.props) {
    if (!PROP_NAME_RE.test(prop.name)) {
      throw new FdtError('InvalidPropertyName', { name: prop.name }, `invalid property name "${prop.name}"`);
    }
    if (seenProps.has(prop.name)) {
      throw new FdtError(
        'DuplicatePropertyName',
        { name: prop.name },
        `duplicate property "${prop.name}" in "${node.name}"`,
      );
    }
    seenProps.add(prop.name);
    out.u32(FDT_PROP);
    out.u32(prop.value.length);
    out.u32(strings.offsetOf(prop.name));
    out.bytes4(prop.value);
  }
  const seenChildren = new Set<string>();
  for (const child of node.children) {
    if (seenChildren.has(child.name)) {
      throw new FdtError('DuplicateNodeName', { name: child.name }, `duplicate node "${child.name}" in "${node.name}"`);
    }
    seenChildren.add(child.name);
    writeNode(child, out, strings, false);
  }
  out.u32(FDT_END_NODE);
}

function encodeMemReserveMap(entries: readonly FdtMemReserve[]): Uint8Array {
  // The map ends with an all-zero entry.
  return fdtU64(...entries.flatMap((e) => [e.address, e.size]), 0n, 0n);
}

function encodeCString(value: string): Uint8Array {
  if (value.includes('\0')) {
    throw new FdtError('StringContainsNul', { value }, 'string contains a NUL character');
  }
  return textEncoder.encode(`${value}\0`);
}

/** Growable big-endian byte buffer for the structure block and header. */
class ByteSink {
  private readonly parts: Uint8Array[] = [];

  u32(value: number): void {
    this.parts.push(fdtCells(value));
  }

  /** Appends bytes, then zero padding up to the next 4-byte boundary. */
  bytes4(data: Uint8Array): void {
    this.parts.push(data, new Uint8Array((4 - (data.length % 4)) % 4));
  }

  bytes(): Uint8Array {
    return concatBytes(this.parts);
  }
}

/** The strings block: each property name stored once. */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  offsetOf(name: string): number {
    const known = this.offsets.get(name);
    if (known !== undefined) return known;
    const encoded = encodeCString(name);
    const offset = this.size;
    this.offsets.set(name, offset);
    this.parts.push(encoded);
    this.size += encoded.length;
    return offset;
  }

  bytes(): Uint8Array {
    return concatBytes(this.parts);
  }
}
