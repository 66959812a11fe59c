// Field-by-field decode of an ESR_ELx value (ARM DDI 0487, D23 ESR_EL2 and its ISS encodings), for
// `el2dbg esr decode`. Each exception class with a known ISS layout has one entry in ISS_DECODERS.
import { bits, type BitField } from '../arch/bits.js';
import {
  ESR_EC,
  ESR_EC_BRK64,
  ESR_EC_DABT_CUR,
  ESR_EC_DABT_LOW,
  ESR_EC_HVC64,
  ESR_EC_IABT_CUR,
  ESR_EC_IABT_LOW,
  ESR_EC_SMC64,
  ESR_EC_SVC64,
  ESR_EC_SYS64,
  ESR_EC_UNKNOWN,
  ESR_IL,
  ESR_ISS,
  ESR_ISS2,
  ESR_ISS_AR,
  ESR_ISS_CM,
  ESR_ISS_DFSC,
  ESR_ISS_EA,
  ESR_ISS_FNV,
  ESR_ISS_IMM16,
  ESR_ISS_ISV,
  ESR_ISS_S1PTW,
  ESR_ISS_SAS,
  ESR_ISS_SET,
  ESR_ISS_SF,
  ESR_ISS_SRT,
  ESR_ISS_SSE,
  ESR_ISS_SYS_CRM,
  ESR_ISS_SYS_CRN,
  ESR_ISS_SYS_DIRECTION,
  ESR_ISS_SYS_OP0,
  ESR_ISS_SYS_OP1,
  ESR_ISS_SYS_OP2,
  ESR_ISS_SYS_RT,
  ESR_ISS_VNCR,
  ESR_ISS_WNR,
  flagPosition,
} from './esr-fields.js';
import { exceptionClassName } from './exception-class.js';
import { describeFaultStatusCode, type FaultSide } from './fault-status-code.js';

export type EsrField = Readonly<{ name: string; bits: string; value: bigint; meaning: string }>;

export type EsrDescription = Readonly<{
  ec: number;
  ecName: string;
  il: boolean;
  iss: bigint;
  fields: readonly EsrField[];
}>;

type Position = BitField | bigint;

/** Decodes one field of `esr` at `position` (a [hi, lo] field or a single-bit mask). */
function field(esr: bigint, name: string, position: Position, meaning: (value: bigint) => string): EsrField {
  const [hi, lo] = typeof position === 'bigint' ? flagPosition(position) : position;
  const value = bits(esr, hi, lo);
  return { name, bits: hi === lo ? `${hi}` : `${hi}:${lo}`, value, meaning: meaning(value) };
}

/** A RES0 range of ISS (or of `register`), listed only when something is set in it. */
function res0(esr: bigint, [hi, lo]: BitField, register = 'ISS'): EsrField[] {
  const value = bits(esr, hi, lo);
  const span = hi === lo ? `${hi}` : `${hi}:${lo}`;
  return value === 0n ? [] : [{ name: `${register}[${span}]`, bits: span, value, meaning: 'RES0, but not zero' }];
}

const flag = (set: string, clear: string) => (value: bigint) => (value === 1n ? set : clear);
const hex = (value: bigint): string => `0x${value.toString(16)}`;

const ACCESS_SIZES = ['byte', 'halfword', 'word', 'doubleword'];
// SET: 0b00 Recoverable state (UER), 0b10 Uncontainable (UC), 0b11 Restartable state (UEO).
const SYNCHRONOUS_ERROR_TYPES = ['Recoverable state (UER)', 'reserved', 'Uncontainable (UC)', 'Restartable state (UEO)'];

/** ISS[12:11]: SET for a synchronous External abort (FEAT_RAS), RES0 otherwise. */
function errorTypeFields(esr: bigint, fsc: bigint): EsrField[] {
  const external = (fsc & 0b110000n) === 0b010000n && fsc !== 0b010001n;
  if (!external) return res0(esr, ESR_ISS_SET);
  return [field(esr, 'SET', ESR_ISS_SET, (v) => `Synchronous Error Type: ${SYNCHRONOUS_ERROR_TYPES[Number(v)]}`)];
}

const CM_MEANING = flag('from a cache maintenance or address translation instruction', 'not from cache maintenance or AT');
const S1PTW_MEANING = flag('stage 2 fault on a stage 1 translation table walk', 'not on a stage 1 translation table walk');
const ISV_MEANING = flag('ISS[23:14] hold a valid instruction syndrome', 'no instruction syndrome; ISS[23:14] RES0');

/** ISS[12:0] of a Data Abort (side 'data') or an Instruction Abort. */
function faultFields(esr: bigint, side: FaultSide): EsrField[] {
  const data = side === 'data';
  return [
    ...errorTypeFields(esr, bits(esr, ...ESR_ISS_DFSC)),
    field(esr, 'FnV', ESR_ISS_FNV, flag('FAR is not valid (UNKNOWN)', 'FAR is valid')),
    field(esr, 'EA', ESR_ISS_EA, flag('External abort type 1 (IMPLEMENTATION DEFINED)', 'External abort type 0')),
    ...(data ? [field(esr, 'CM', ESR_ISS_CM, CM_MEANING)] : res0(esr, [8, 8])),
    field(esr, 'S1PTW', ESR_ISS_S1PTW, S1PTW_MEANING),
    ...(data ? [field(esr, 'WnR', ESR_ISS_WNR, flag('write', 'read'))] : res0(esr, [6, 6])),
    field(esr, data ? 'DFSC' : 'IFSC', ESR_ISS_DFSC, (v) => describeFaultStatusCode(Number(v), side)),
  ];
}

/** ISS[24:14] of a Data Abort: ISV and, when it is 1, the instruction syndrome. */
function instructionSyndromeFields(esr: bigint): EsrField[] {
  const isv = field(esr, 'ISV', ESR_ISS_ISV, ISV_MEANING);
  if (isv.value === 0n) return [isv, ...res0(esr, [23, 14])];
  const sf = bits(esr, ...flagPosition(ESR_ISS_SF)) === 1n;
  return [
    isv,
    field(esr, 'SAS', ESR_ISS_SAS, (v) => `${ACCESS_SIZES[Number(v)]} (${1 << Number(v)} bytes)`),
    field(esr, 'SSE', ESR_ISS_SSE, flag('sign-extended', 'not sign-extended')),
    field(esr, 'SRT', ESR_ISS_SRT, (v) => (v === 31n ? (sf ? 'XZR' : 'WZR') : `${sf ? 'X' : 'W'}${v}`)),
    field(esr, 'SF', ESR_ISS_SF, flag('64-bit register (X)', '32-bit register (W)')),
    field(esr, 'AR', ESR_ISS_AR, flag('acquire/release semantics', 'no acquire/release semantics')),
  ];
}

function dataAbortFields(esr: bigint): EsrField[] {
  return [
    ...instructionSyndromeFields(esr),
    field(esr, 'VNCR', ESR_ISS_VNCR, flag('generated by use of VNCR_EL2 at EL1', 'not from VNCR_EL2')),
    ...faultFields(esr, 'data'),
  ];
}

function instructionAbortFields(esr: bigint): EsrField[] {
  return [...res0(esr, [24, 13]), ...faultFields(esr, 'instruction')];
}

function immediateFields(instruction: string, name = 'imm16') {
  return (esr: bigint): EsrField[] => [
    ...res0(esr, [24, 16]),
    field(esr, name, ESR_ISS_IMM16, (v) => `${instruction} #${hex(v)}`),
  ];
}

function systemRegisterFields(esr: bigint): EsrField[] {
  const f = (position: BitField) => bits(esr, ...position);
  const rt = f(ESR_ISS_SYS_RT);
  const xt = rt === 31n ? 'XZR' : `X${rt}`;
  const reg = `S${f(ESR_ISS_SYS_OP0)}_${f(ESR_ISS_SYS_OP1)}_C${f(ESR_ISS_SYS_CRN)}_C${f(ESR_ISS_SYS_CRM)}_${f(ESR_ISS_SYS_OP2)}`;
  const plain = (v: bigint) => `${v}`;
  return [
    ...res0(esr, [24, 22]),
    field(esr, 'Op0', ESR_ISS_SYS_OP0, plain),
    field(esr, 'Op2', ESR_ISS_SYS_OP2, plain),
    field(esr, 'Op1', ESR_ISS_SYS_OP1, plain),
    field(esr, 'CRn', ESR_ISS_SYS_CRN, plain),
    field(esr, 'Rt', ESR_ISS_SYS_RT, () => xt),
    field(esr, 'CRm', ESR_ISS_SYS_CRM, plain),
    field(esr, 'Direction', ESR_ISS_SYS_DIRECTION, flag(`read: MRS ${xt}, ${reg}`, `write: MSR ${reg}, ${xt}`)),
  ];
}

const undecodedIss = (esr: bigint): EsrField[] => [
  field(esr, 'ISS', ESR_ISS, () => 'not decoded for this exception class'),
];
const unknownReasonIss = (esr: bigint): EsrField[] => [
  field(esr, 'ISS', ESR_ISS, (v) => (v === 0n ? 'RES0' : 'RES0, but not zero')),
];

/** The ISS layout of each exception class `describeEsr` decodes field by field. */
const ISS_DECODERS: ReadonlyMap<number, (esr: bigint) => EsrField[]> = new Map([
  [ESR_EC_UNKNOWN, unknownReasonIss],
  [ESR_EC_SVC64, immediateFields('SVC')],
  [ESR_EC_HVC64, immediateFields('HVC')],
  [ESR_EC_SMC64, immediateFields('SMC')],
  [ESR_EC_SYS64, systemRegisterFields],
  [ESR_EC_IABT_LOW, instructionAbortFields],
  [ESR_EC_IABT_CUR, instructionAbortFields],
  [ESR_EC_DABT_LOW, dataAbortFields],
  [ESR_EC_DABT_CUR, dataAbortFields],
  [ESR_EC_BRK64, immediateFields('BRK', 'Comment')],
]);

/** Decodes every field of the ESR_ELx value `esr`. */
export function describeEsr(esr: bigint): EsrDescription {
  const value = BigInt.asUintN(64, esr);
  const ec = Number(bits(value, ...ESR_EC));
  const ecName = exceptionClassName(ec);
  const il = (value & ESR_IL) !== 0n;
  const issFields = ISS_DECODERS.get(ec) ?? undecodedIss;
  const iss2 = bits(value, ...ESR_ISS2);
  const fields: EsrField[] = [
    field(value, 'EC', ESR_EC, () => ecName),
    field(value, 'IL', ESR_IL, flag('32-bit instruction', '16-bit instruction')),
    ...issFields(value),
    ...(iss2 === 0n ? [] : [field(value, 'ISS2', ESR_ISS2, hex)]),
    ...res0(value, [63, 56], 'ESR'),
  ];
  return { ec, ecName, il, iss: bits(value, ...ESR_ISS), fields };
}
