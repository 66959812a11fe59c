// Names of the DFSC/IFSC fault status codes (ARM DDI 0487, D23 ESR_EL2, ISS encodings for Data and
// Instruction Aborts). Codes whose level field goes from -1 to 3 are listed level by level.

export type FaultSide = 'data' | 'instruction';

type FaultStatusName = Readonly<{ name: string; dataOnly?: boolean }>;

/** The four codes `first` + level for levels 0..3. */
function levels(first: number, what: string): [number, FaultStatusName][] {
  return [0, 1, 2, 3].map((level) => [first + level, { name: `${what}, level ${level}` }]);
}

const WALK = 'translation table walk or hardware update of translation table';

const FAULT_STATUS_NAMES: ReadonlyMap<number, FaultStatusName> = new Map([
  ...levels(0b000000, 'Address size fault'),
  ...levels(0b000100, 'Translation fault'),
  ...levels(0b001000, 'Access flag fault'),
  ...levels(0b001100, 'Permission fault'),
  [0b010000, { name: `Synchronous External abort, not on ${WALK}` }],
  [0b010001, { name: 'Synchronous Tag Check Fault', dataOnly: true }],
  [0b010011, { name: `Synchronous External abort on ${WALK}, level -1` }],
  ...levels(0b010100, `Synchronous External abort on ${WALK}`),
  [0b011000, { name: 'Synchronous parity or ECC error on memory access, not on translation table walk' }],
  [0b011011, { name: `Synchronous parity or ECC error on memory access on ${WALK}, level -1` }],
  ...levels(0b011100, `Synchronous parity or ECC error on memory access on ${WALK}`),
  [0b100001, { name: 'Alignment fault', dataOnly: true }],
  [0b100011, { name: `Granule Protection Fault on ${WALK}, level -1` }],
  ...levels(0b100100, `Granule Protection Fault on ${WALK}`),
  [0b101000, { name: `Granule Protection Fault, not on ${WALK}` }],
  [0b101001, { name: 'Address size fault, level -1' }],
  [0b101011, { name: 'Translation fault, level -1' }],
  [0b110000, { name: 'TLB conflict abort' }],
  [0b110001, { name: 'Unsupported atomic hardware update fault', dataOnly: true }],
  [0b110100, { name: 'IMPLEMENTATION DEFINED fault (Lockdown)' }],
  [0b110101, { name: 'IMPLEMENTATION DEFINED fault (Unsupported Exclusive or Atomic access)', dataOnly: true }],
] as [number, FaultStatusName][]);

/** Names the DFSC (`side` = 'data') or IFSC (`side` = 'instruction') value `code`. */
export function describeFaultStatusCode(code: number, side: FaultSide): string {
  const entry = FAULT_STATUS_NAMES.get(code);
  if (entry === undefined || (side === 'instruction' && entry.dataOnly === true)) return 'reserved';
  return entry.name;
}
