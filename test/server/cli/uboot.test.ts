// Debian's U-Boot under el2dbg, driven at a pseudo-terminal as a person drives it, against QEMU 7.2 running the same
// firmware on -M virt: the same commands must print the same text, byte for byte (no console byte doubled or lost).
import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleSession } from '../../helpers/console-session.js';

const UBOOT = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
/** Commands whose answers do not depend on how much RAM the guest is told about. */
const MACHINE_COMMANDS = [
  'version',
  'flinfo',
  'qfw cpus',
  'qfw list',
  'mw.l 0x44000000 0x12345678 4',
  'md.l 0x44000000 4',
  'cmp.l 0x44000000 0x44000004 3',
];

/** Runs `commands` at U-Boot's prompt; returns each command's output, then quits the console. */
async function transcript(session: ConsoleSession, commands: readonly string[]): Promise<string[]> {
  await session.stopAutoboot();
  const out: string[] = [];
  for (const c of commands) out.push(await session.command(c));
  return out;
}

describe('el2dbg run --firmware u-boot (Debian U-Boot at a terminal, against QEMU 7.2)', function () {
  this.timeout(90_000);
  let qemu: Map<string, string>;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'el2dbg-uboot-'));
    const session = ConsoleSession.spawn('qemu-system-aarch64', [
      ...['-M', 'virt', '-cpu', 'cortex-a57', '-m', '1024', '-nic', 'none', '-nographic', '-bios', UBOOT],
    ]);
    const commands = [...MACHINE_COMMANDS, 'pci', 'bdinfo'];
    const answers = await transcript(session, commands);
    session.type('\x01x');
    await session.exited;
    qemu = new Map(commands.map((c, i) => [c, answers[i]!]));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answers as QEMU does under allow-all, bdinfo and pci included, and quits on Ctrl-A x with exit 0', async () => {
    const session = ConsoleSession.el2dbgAtTerminal(['run', '--firmware', 'u-boot', '--policy', 'allow-all']);
    const commands = [...MACHINE_COMMANDS, 'pci', 'bdinfo'];
    const answers = await transcript(session, commands);
    commands.forEach((c, i) => expect(answers[i], c).to.equal(qemu.get(c)));
    expect(qemu.get('flinfo')).to.match(/Manufacturer ID: 0x89, Device ID: 0x0018/);
    expect(qemu.get('pci')).to.match(/0x1b36\s+0x0008\s+Bridge device/);
    session.type('\x01x');
    expect(await session.exited).to.equal(0);
    expect(session.output).to.match(/el2dbg: quit \(Ctrl-A x\)/);
  });

  it('under ritm-pci: the same answers, saveenv to --flash1 survives reset and a new process', async () => {
    const vars = join(dir, 'vars.img');
    const args = ['run', '--firmware', 'u-boot', '--policy', 'ritm-pci', '--flash1', vars];
    const session = ConsoleSession.el2dbgAtTerminal(args);
    const commands = [...MACHINE_COMMANDS, 'pci'];
    const answers = await transcript(session, commands);
    commands.forEach((c, i) => expect(answers[i], c).to.equal(qemu.get(c)));
    await session.command('setenv el2dbg_test persisted');
    expect(await session.command('saveenv')).to.match(/Writing to Flash\.\.\..*done\n.*OK\n$/s);
    expect(statSync(vars).size).to.be.greaterThan(0);
    // reset: back through autoboot, the variable read back from flash bank 1.
    const from = session.output.length;
    session.type('reset\r');
    await session.waitFor(/resetting \.\.\./, from);
    await session.stopAutoboot();
    expect(await session.command('printenv el2dbg_test')).to.equal('el2dbg_test=persisted\n');
    // Ctrl-A h lists the escapes; Ctrl-A x quits.
    const help = session.output.length;
    session.type('\x01h');
    await session.waitFor(/C-a x {4}quit el2dbg/, help);
    session.type('\x01x');
    expect(await session.exited).to.equal(0);

    const again = ConsoleSession.el2dbgAtTerminal(args);
    await again.stopAutoboot();
    expect(await again.command('printenv el2dbg_test')).to.equal('el2dbg_test=persisted\n');
    again.type('\x01x');
    expect(await again.exited).to.equal(0);
  });

  it("gets a GICv2 by default, as QEMU's -M virt; with --gic 3 a GICv3 and the same answers", async () => {
    const intc = 'fdt addr $fdtcontroladdr; fdt get value gic /intc@8000000 compatible; echo $gic';
    for (const [args, compatible] of [
      [[], 'arm,cortex-a15-gic'],
      [['--gic', '3'], 'arm,gic-v3'],
    ] as const) {
      const session = ConsoleSession.el2dbgAtTerminal([
        'run',
        '--firmware',
        'u-boot',
        '--policy',
        'allow-all',
        ...args,
      ]);
      const answers = await transcript(session, [...MACHINE_COMMANDS, intc]);
      MACHINE_COMMANDS.forEach((c, i) => expect(answers[i], c).to.equal(qemu.get(c)));
      expect(answers[MACHINE_COMMANDS.length]).to.contain(compatible);
      session.type('\x01x');
      expect(await session.exited).to.equal(0);
    }
  });

  it('under ritm: the same answers but no PCI (stage 2 keeps the ECAM from the guest; the tree says so)', async () => {
    const session = ConsoleSession.el2dbgAtTerminal(['run', '--firmware', 'u-boot', '--policy', 'ritm']);
    const answers = await transcript(session, [...MACHINE_COMMANDS, 'pci']);
    MACHINE_COMMANDS.forEach((c, i) => expect(answers[i], c).to.equal(qemu.get(c)));
    expect(answers[MACHINE_COMMANDS.length]).to.not.match(/0x1b36/);
    session.type('\x01x');
    expect(await session.exited).to.equal(0);
  });
});
