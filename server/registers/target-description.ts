// The target description gdb reads with qXfer:features:read, generated from the register table. The two
// standard features keep the names, types and numbering of gdb 13's features/aarch64-core.xml and
// aarch64-fpu.xml (gdb validates those by register name); every register carries its regnum explicitly.
import { REGISTER_FEATURES, REGISTERS, type RegisterFeatureName } from './register-table.js';

/** The annex gdb asks for first. */
export const TARGET_XML = 'target.xml';

const CPSR_FLAGS = `  <flags id="cpsr_flags" size="4">
    <field name="SP" start="0" end="0"/>
    <field name="EL" start="2" end="3"/>
    <field name="nRW" start="4" end="4"/>
    <field name="F" start="6" end="6"/>
    <field name="I" start="7" end="7"/>
    <field name="A" start="8" end="8"/>
    <field name="D" start="9" end="9"/>
    <field name="BTYPE" start="10" end="11"/>
    <field name="SSBS" start="12" end="12"/>
    <field name="IL" start="20" end="20"/>
    <field name="SS" start="21" end="21"/>
    <field name="PAN" start="22" end="22"/>
    <field name="UAO" start="23" end="23"/>
    <field name="DIT" start="24" end="24"/>
    <field name="TCO" start="25" end="25"/>
    <field name="V" start="28" end="28"/>
    <field name="C" start="29" end="29"/>
    <field name="Z" start="30" end="30"/>
    <field name="N" start="31" end="31"/>
  </flags>
`;

const VECTOR_TYPES = `  <vector id="v2d" type="ieee_double" count="2"/>
  <vector id="v2u" type="uint64" count="2"/>
  <vector id="v2i" type="int64" count="2"/>
  <vector id="v4f" type="ieee_single" count="4"/>
  <vector id="v4u" type="uint32" count="4"/>
  <vector id="v4i" type="int32" count="4"/>
  <vector id="v8f" type="ieee_half" count="8"/>
  <vector id="v8u" type="uint16" count="8"/>
  <vector id="v8i" type="int16" count="8"/>
  <vector id="v8bf16" type="bfloat16" count="8"/>
  <vector id="v16u" type="uint8" count="16"/>
  <vector id="v16i" type="int8" count="16"/>
  <vector id="v1u" type="uint128" count="1"/>
  <vector id="v1i" type="int128" count="1"/>
  <union id="vnd">
    <field name="f" type="v2d"/>
    <field name="u" type="v2u"/>
    <field name="s" type="v2i"/>
  </union>
  <union id="vns">
    <field name="f" type="v4f"/>
    <field name="u" type="v4u"/>
    <field name="s" type="v4i"/>
  </union>
  <union id="vnh">
    <field name="bf" type="v8bf16"/>
    <field name="f" type="v8f"/>
    <field name="u" type="v8u"/>
    <field name="s" type="v8i"/>
  </union>
  <union id="vnb">
    <field name="u" type="v16u"/>
    <field name="s" type="v16i"/>
  </union>
  <union id="vnq">
    <field name="u" type="v1u"/>
    <field name="s" type="v1i"/>
  </union>
  <union id="aarch64v">
    <field name="d" type="vnd"/>
    <field name="s" type="vns"/>
    <field name="h" type="vnh"/>
    <field name="b" type="vnb"/>
    <field name="q" type="vnq"/>
  </union>
`;

/** Types each feature defines before its registers. */
const FEATURE_TYPES: { readonly [F in RegisterFeatureName]: string } = {
  'org.gnu.gdb.aarch64.core': CPSR_FLAGS,
  'org.gnu.gdb.aarch64.fpu': VECTOR_TYPES,
  'org.el2dbg.el2': '',
};

const XML_HEADER = '<?xml version="1.0"?>\n';

function featureDocument(feature: RegisterFeatureName): string {
  const regs = REGISTERS.flatMap((r, regnum) => {
    if (r.feature !== feature) return [];
    const type = r.type ? ` type="${r.type}"` : '';
    const group = r.group ? ` group="${r.group}"` : '';
    return [`  <reg name="${r.name}" bitsize="${r.bitsize}"${type}${group} regnum="${regnum}"/>\n`];
  });
  return `${XML_HEADER}<!DOCTYPE feature SYSTEM "gdb-target.dtd">\n<feature name="${feature}">\n${FEATURE_TYPES[feature]}${regs.join('')}</feature>\n`;
}

function targetDocument(): string {
  const includes = REGISTER_FEATURES.map((f) => `  <xi:include href="${f.file}"/>\n`).join('');
  return `${XML_HEADER}<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target version="1.0">\n  <architecture>aarch64</architecture>\n${includes}</target>\n`;
}

/** Every document of the target description, by the annex gdb reads it under. */
export function buildTargetDescription(): ReadonlyMap<string, string> {
  return new Map<string, string>([
    [TARGET_XML, targetDocument()],
    ...REGISTER_FEATURES.map((f) => [f.file, featureDocument(f.name)] as [string, string]),
  ]);
}
