// Why a guest image could not be loaded: a code plus the data that explains it (the message is built from it).
import type { AddressRange } from './loaded-image.js';

/** The part of an image that runs past the end of the file. */
export type ImagePart =
  'elfHeader' | 'programHeaderTable' | 'segment' | 'sectionHeaderTable' | 'symbolTable' | 'stringTable';

/** Structural inconsistencies that are not plain truncation. */
export type ImageDefect =
  | { defect: 'ProgramHeaderEntryTooSmall'; entrySize: number }
  | { defect: 'SectionHeaderEntryTooSmall'; entrySize: number }
  | { defect: 'SegmentFileSizeAboveMemSize'; segmentIndex: number; fileSize: bigint; memSize: bigint }
  | { defect: 'SymbolTableBadLink'; link: number }
  | { defect: 'SymbolTableBadEntrySize'; entrySize: bigint }
  | { defect: 'SymbolNameOutsideStringTable'; symbolIndex: number; nameOffset: number };

export type ImageLoadProblem =
  | { code: 'ImageNotFound'; path: string }
  | { code: 'ImageIsDirectory'; path: string }
  | { code: 'ImageUnreadable'; path: string; errno: string }
  | { code: 'ImageEmpty' }
  | {
      code: 'ImageTruncated';
      part: ImagePart;
      /** Program header index, for part 'segment'. */
      segmentIndex?: number;
      offset: bigint;
      size: bigint;
      fileSize: bigint;
    }
  /** EI_CLASS: 1 is ELFCLASS32, anything but 2 is invalid. */
  | { code: 'ImageWrongClass'; elfClass: number }
  /** EI_DATA: 2 is ELFDATA2MSB (big-endian), anything but 1 is invalid. */
  | { code: 'ImageWrongEndianness'; dataEncoding: number }
  | { code: 'ImageWrongArchitecture'; machine: number; machineName?: string }
  | { code: 'ImageWrongType'; elfType: number }
  | { code: 'ImageNoLoadableSegments' }
  | {
      code: 'ImageOutsideRam';
      /** Program header index; absent for a raw image. */
      segmentIndex?: number;
      start: bigint;
      /** Exclusive. */
      end: bigint;
      ram: AddressRange;
      flash?: AddressRange;
    }
  | ({ code: 'ImageMalformed' } & ImageDefect);

export type ImageLoadErrorCode = ImageLoadProblem['code'];
