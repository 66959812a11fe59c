// The value the image loader produces and the options it takes. Plain data: no unicorn, no fs.

/** A physical address range [base, base + size). */
export type AddressRange = { base: bigint; size: bigint };

export type ImageLoadOptions = {
  /** How the image is named in error messages, usually the path the user gave. */
  name: string;
  /** Where a raw (non-ELF) image is placed, and its entry point. */
  loadAddr: bigint;
  ram: AddressRange;
  /** A second region segments may be loaded into, e.g. flash at 0x0..0x08000000. */
  flash?: AddressRange;
};

/** Bytes to copy to `addr`; the range [addr + data.length, addr + memSize) is zero filled. */
export type ImageSegment = { addr: bigint; data: Uint8Array; memSize: bigint };

/** ELF STT_* symbol types by name; 'unknown' covers OS and processor specific values. */
export type ImageSymbolType =
  'notype' | 'object' | 'func' | 'section' | 'file' | 'common' | 'tls' | 'ifunc' | 'unknown';

/** ELF STB_* symbol bindings by name. */
export type ImageSymbolBinding = 'local' | 'global' | 'weak' | 'unknown';

export type ImageSymbol = {
  name: string;
  value: bigint;
  size: bigint;
  type: ImageSymbolType;
  binding: ImageSymbolBinding;
};

export type LoadedImage = {
  format: 'elf' | 'raw';
  entry: bigint;
  segments: ImageSegment[];
  /** Present for ELF images (empty when stripped); absent for raw images. */
  symbols?: ImageSymbol[];
};
