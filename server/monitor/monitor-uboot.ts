// `monitor uboot`: where U-Boot relocated itself, and the gdb command that moves its symbols there. U-Boot keeps its
// global data (gd) in x18; after relocation gd->new_gd points at gd itself, and struct global_data has held
// `relocaddr, ram_size, mon_len, irq_sp, start_addr_sp, reloc_off, new_gd` in that order for many releases
// (include/asm-generic/global_data.h), so the fields are found from that anchor rather than from a fixed offset that
// moves with the configuration.
import { hex } from '../../core/text/hex.js';
import type { HandlerContext } from '../handler-context.js';
import type { MonitorCommand } from './monitor-command.js';

/** AArch64 U-Boot keeps gd in x18 (arch/arm/include/asm/global_data.h). */
const GD_REGISTER = 18;
/** How far into gd new_gd may sit (the fields before it depend on the configuration). */
const GD_SCAN_BYTES = 0x400;
/** new_gd's distance from relocaddr and from reloc_off, in bytes (six and one unsigned longs before it). */
const RELOCADDR_BEFORE_NEW_GD = 48;
const RELOC_OFF_BEFORE_NEW_GD = 8;

/** U-Boot's relocation as read from gd, or why it could not be read. */
export type UbootRelocation =
  { kind: 'relocated'; gd: bigint; relocaddr: bigint; relocOff: bigint } | { kind: 'unknown'; gd: bigint; why: string };

/** Finds U-Boot's relocation from gd at `gd`, given `read` of guest memory (null where it does not translate). */
export function findUbootRelocation(
  gd: bigint,
  read: (addr: bigint, length: number) => Uint8Array | null,
): UbootRelocation {
  if (gd === 0n || (gd & 7n) !== 0n)
    return {
      kind: 'unknown',
      gd,
      why: 'x18 does not hold a global data pointer yet (U-Boot sets it up first thing in _main)',
    };
  const bytes = read(gd, GD_SCAN_BYTES);
  if (bytes === null || bytes.length < GD_SCAN_BYTES)
    return { kind: 'unknown', gd, why: `x18 = ${hex(gd)} does not point at readable memory` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (at: number) => view.getBigUint64(at, true);
  for (let at = RELOCADDR_BEFORE_NEW_GD; at + 8 <= GD_SCAN_BYTES; at += 8) {
    if (word(at) !== gd) continue;
    const relocaddr = word(at - RELOCADDR_BEFORE_NEW_GD);
    const relocOff = word(at - RELOC_OFF_BEFORE_NEW_GD);
    // relocaddr is page aligned and lies at or above the link address it was moved from.
    if ((relocaddr & 0xfffn) !== 0n || relocOff > relocaddr) continue;
    return { kind: 'relocated', gd, relocaddr, relocOff };
  }
  return {
    kind: 'unknown',
    gd,
    why: 'gd->new_gd does not point at gd: U-Boot has not relocated yet (it does at the end of board_init_f)',
  };
}

function ubootText(s: HandlerContext): string {
  const target = s.target;
  const r = findUbootRelocation(target.readX(GD_REGISTER), (addr, length) => target.readVirtual(addr, length));
  if (r.kind === 'unknown') return `U-Boot relocation unknown: ${r.why}.\n`;
  const pc = target.pc;
  const where = pc >= r.relocaddr ? 'running relocated' : 'not yet running from the relocated copy';
  return (
    `U-Boot global data (x18) at ${hex(r.gd)}: relocated to ${hex(r.relocaddr)}, offset ${hex(r.relocOff)} ` +
    `from its link address ${hex(r.relocaddr - r.relocOff)}; pc ${hex(pc)} is ${where}.\n` +
    `Move the symbols there with:\n  symbol-file -o ${hex(r.relocOff)} ${target.imagePath}\n`
  );
}

export const ubootMonitorCommands: readonly MonitorCommand[] = [
  {
    name: 'uboot',
    summary:
      "U-Boot's relocation (from gd in x18) and the gdb command that loads its symbols at the relocated addresses",
    run: (_args, s) => ubootText(s),
  },
];
