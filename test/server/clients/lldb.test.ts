// End to end: real lldb (gdb-remote) against the real server and machine, demo guest, ritm policy. Without lldb on
// PATH the suite is skipped with the reason in its title, and scripts/run-tests.mjs counts skipped tests as failed.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLldb } from '../../../server/cli/doctor-command.js';
import { EL2_REGISTER_GROUP, REGISTERS } from '../../../server/registers/register-table.js';
import { guestSymbol, parseGuestElf } from '../../helpers/guests.js';
import { startServer, type TestServer } from '../gdb-harness.js';
import { LldbSession } from './lldb-session.js';

const lldb = findLldb();
const SKIPPED = ' [SKIPPED: no lldb or lldb-14 on PATH; scripts/setup installs it (apt-get install lldb)]';
if (!lldb) console.error(`lldb.test.ts:${SKIPPED}`);
const describeWithLldb = lldb ? describe : describe.skip;

const hex16 = (v: bigint) => `0x${v.toString(16).padStart(16, '0')}`;
const hex32 = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;
const xRegisters = Array.from({ length: 31 }, (_, i) => `x${i}`);

/** `name = value` lines of `register read` output, in order. */
function registerNames(text: string): string[] {
  return [...text.matchAll(/^\s*(\w+) = /gm)].map((m) => m[1]!);
}

/** `register read --all` output by register set: `general:` etc., each set ending with a blank line. */
function registerSets(text: string): Map<string, string[]> {
  const blocks = text.split('\n\n').filter((b) => b.trim() !== '');
  return new Map(blocks.map((b) => [b.slice(0, b.indexOf(':\n')), registerNames(b)]));
}

/** The value lldb shows for `name` in `register read` output. */
function registerValue(text: string, name: string): bigint {
  const m = new RegExp(`^\\s*${name} = (0x[0-9a-f]+)`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} in:\n${text}`);
  return BigInt(m[1]!);
}

describeWithLldb(
  `clients: lldb${lldb ? ` ${lldb.version}` : ''} (gdb-remote) against the demo guest${lldb ? '' : SKIPPED}`,
  function () {
    this.timeout(60_000);
    let server: TestServer;
    const sessions: LldbSession[] = [];

    /** A new lldb on the demo guest's ELF, attached to the server. */
    async function attachLldb(): Promise<LldbSession> {
      const session = LldbSession.start(lldb!.command, server.imagePath);
      sessions.push(session);
      await session.attach(server.port);
      return session;
    }

    /** Detaches (lldb prints that it did asynchronously), so that quitting lldb does not kill (reset) the guest. */
    async function detach(session: LldbSession): Promise<void> {
      await session.waitFor(/Process 1 detached\n/, session.send('detach'), 'detach');
    }

    /** Sends a command that resumes the guest and waits for the stop lldb then reports. */
    async function resumeUntil(session: LldbSession, command: string, reason: RegExp): Promise<string> {
      const from = session.send(command);
      return (await session.waitFor(new RegExp(`stop reason = ${reason.source}[^\\n]*\\n`), from, command)).input!;
    }

    beforeEach(async () => {
      server = await startServer();
    });
    afterEach(async () => {
      await Promise.all(sessions.splice(0).map((s) => s.quit()));
      await server.close();
    });

    it('register read shows the general set, x0-x30, sp, pc, cpsr and no v0; --all adds the float and el2 sets', async () => {
      const session = await attachLldb();
      const general = await session.run('register read');
      expect(general).to.match(/^general:\n/);
      expect(registerNames(general)).to.deep.equal([...xRegisters, 'sp', 'pc', 'cpsr']);
      expect(registerValue(general, 'pc')).to.equal(guestSymbol(server.imagePath, '_start'));

      const sets = registerSets(await session.run('register read --all'));
      expect([...sets.keys()].slice(0, 3)).to.deep.equal(['general', 'float', EL2_REGISTER_GROUP]);
      expect(sets.get('float')).to.deep.equal([...Array.from({ length: 32 }, (_, i) => `v${i}`), 'fpsr', 'fpcr']);
      const el2 = REGISTERS.filter((r) => r.group === EL2_REGISTER_GROUP).map((r) => r.name);
      expect(sets.get(EL2_REGISTER_GROUP)).to.deep.equal(el2);
      await detach(session);
    });

    it('after the trapping ldr: ESR_EL2 = 0x93c08007 and x0 = the magic, in register read, p/x and monitor', async () => {
      const ldr = guestSymbol(server.imagePath, 'read_filtered') + 8n; // ldr x0, [x1]
      const session = await attachLldb();
      expect(await session.run(`breakpoint set -a ${hex16(ldr)}`)).to.match(/^Breakpoint 1: /);
      await resumeUntil(session, 'process continue', /breakpoint 1\.1/);
      await resumeUntil(session, 'thread step-inst', /instruction step into/);
      const regs = await session.run('register read ESR_EL2 FAR_EL2 x0 pc');
      expect(registerValue(regs, 'ESR_EL2')).to.equal(0x93c0_8007n);
      expect(registerValue(regs, 'FAR_EL2')).to.equal(0x0f00_0000n);
      expect(registerValue(regs, 'x0')).to.equal(0xfeed_face_cafe_beefn);
      expect(registerValue(regs, 'pc')).to.equal(ldr + 4n);
      // An expression: lldb looks for scratch addresses through qMemoryRegionInfo (an lldb 14 assertion without it).
      expect(await session.run('p/x $ESR_EL2')).to.match(/= 0x0000000093c08007\n/);
      expect(session.errors).to.not.match(/Assertion failed/);
      const monitor = await session.run('process plugin packet monitor esr 93c08007');
      expect(monitor).to.match(/DFSC\s+\[5:0\] = 0x7\s+Translation fault, level 3/);
      expect(monitor).to.match(/response: OK/);
      await detach(session);
    });

    it("memory read of the demo's code matches the ELF bytes", async () => {
      const image = parseGuestElf(server.imagePath);
      const start = guestSymbol(server.imagePath, '_start');
      const segment = image.segments.find((s) => start >= s.addr && start < s.addr + BigInt(s.data.length))!;
      const expected = segment.data.subarray(Number(start - segment.addr), Number(start - segment.addr) + 256);
      const dir = mkdtempSync(join(tmpdir(), 'el2dbg-lldb-'));
      try {
        const session = await attachLldb();
        const file = join(dir, 'code.bin');
        const out = await session.run(`memory read --binary --outfile ${file} --count 256 ${hex16(start)}`);
        expect(out).to.match(/256 bytes written/);
        expect(readFileSync(file)).to.deep.equal(Buffer.from(expected));
        const words = await session.run(`memory read --size 4 --format x --count 2 ${hex16(start)}`);
        const code = Buffer.from(expected);
        const word = (i: number) => hex32(code.readUInt32LE(4 * i));
        expect(words).to.include(`0x${start.toString(16)}: ${word(0)} ${word(1)}`);
        await detach(session);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('breakpoint set -n read_filtered is hit where lldb put it, inside read_filtered', async () => {
      const readFiltered = guestSymbol(server.imagePath, 'read_filtered');
      const session = await attachLldb();
      const set = await session.run('breakpoint set -n read_filtered');
      // lldb skips to the function's second line-table row (read_filtered+4); gdb would stop at +0.
      const at = BigInt(/address = (0x[0-9a-f]+)/.exec(set)![1]!);
      expect(at >= readFiltered && at < readFiltered + 16n, set).to.equal(true);
      const stop = await resumeUntil(session, 'process continue', /breakpoint 1\.1/);
      expect(stop).to.match(/frame #0: 0x[0-9a-f]+ demo\.elf`read_filtered/);
      expect(registerValue(await session.run('register read pc'), 'pc')).to.equal(at);
      await detach(session);
    });

    it('thread step-inst moves pc by one instruction (4 bytes) each time', async () => {
      const session = await attachLldb();
      const entry = registerValue(await session.run('register read pc'), 'pc');
      for (const n of [1n, 2n, 3n]) {
        await resumeUntil(session, 'thread step-inst', /instruction step into/);
        expect(registerValue(await session.run('register read pc'), 'pc')).to.equal(entry + 4n * n);
      }
      await detach(session);
    });

    it('a write watchpoint stops after the store with the old and new value, and each continue goes on', async () => {
      const iterations = guestSymbol(server.imagePath, 'demo_iterations');
      const session = await attachLldb();
      await session.run('breakpoint set -n main'); // after the start-up code has cleared .bss
      await resumeUntil(session, 'process continue', /breakpoint 1\.1/);
      await session.run('breakpoint delete');
      const set = await session.run(`watchpoint set expression -w write -s 8 -- ${hex16(iterations)}`);
      expect(set).to.match(/Watchpoint created: Watchpoint 1: addr = 0x[0-9a-f]+ size = 8 state = enabled type = w/);
      for (const n of [1n, 2n]) {
        const hit = await resumeUntil(session, 'process continue', /watchpoint 1/);
        // lldb steps over the store only if the server says watchpoints stop before the access (qHostInfo).
        expect(hit, hit).to.include(`old value: ${n - 1n}\nnew value: ${n}\n`);
      }
      await detach(session);
    });

    it('process interrupt stops the running guest with SIGINT, and debugging goes on', async () => {
      const session = await attachLldb();
      const from = session.send('process continue');
      await session.waitFor(/Process 1 resuming\n/, from, 'process continue');
      await server.waitForConsole(/iteration 0x0000000000000002/); // the guest is running
      // lldb prints "resuming" before its own state thread marks the process running; an interrupt sent in between
      // is refused ("Process is not running"). Ask lldb until it agrees (each answer is a round trip, no sleep).
      for (let i = 0; i < 200 && !/is running/.test(await session.run('process status')); i++);
      await resumeUntil(session, 'process interrupt', /signal SIGINT/);
      const pc = registerValue(await session.run('register read pc'), 'pc');
      const text = parseGuestElf(server.imagePath).segments[0]!;
      expect(pc >= text.addr && pc < text.addr + BigInt(text.data.length), `pc ${pc.toString(16)}`).to.equal(true);
      expect(registerValue(await session.run('register read HCR_EL2'), 'HCR_EL2')).to.equal(0x8008_0001n);
      await detach(session);
    });

    it('detach leaves the guest halted and the server serving: a second lldb attaches where the first left it', async () => {
      const first = await attachLldb();
      await first.run('breakpoint set -n compute');
      await resumeUntil(first, 'process continue', /breakpoint 1\.1/);
      const pc = registerValue(await first.run('register read pc'), 'pc');
      await detach(first);
      expect(await first.quit()).to.equal(0);

      const second = await attachLldb();
      expect(registerValue(await second.run('register read pc'), 'pc')).to.equal(pc);
      await resumeUntil(second, 'thread step-inst', /instruction step into/);
      expect(registerValue(await second.run('register read pc'), 'pc')).to.equal(pc + 4n);
      await detach(second);
    });
  },
);
