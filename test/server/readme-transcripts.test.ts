import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../core/unicorn/library.js';
import { guestPath } from '../helpers/guests.js';
import { runGdb, spawnGdb, startServer, type TestServer } from './gdb-harness.js';

/**
 * The gdb session shown under `heading` in the README: its commands, the lines it promises, in order, and the shell
 * command that starts it (the `$ ` line, when there is one).
 */
function readmeTranscript(heading: string): { commands: string[]; lines: string[]; shell: string | null } {
  const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  expect(at, `README section ${heading}`).to.be.at.least(0);
  const block = /```\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
  const commands: string[] = [];
  const lines: string[] = [];
  let shell: string | null = null;
  for (const line of block.split('\n')) {
    if (line.startsWith('$ ')) shell ??= line.slice(2);
    if (line.startsWith('(gdb) ')) commands.push(line.slice(6));
    // "..." marks lines left out; "$ gdb-multiarch ..." is the shell command that starts the session; gdb prints
    // "Continuing." only for commands typed at a terminal, not for the -ex commands of a batch run.
    else if (!['', '...', 'Continuing.'].includes(line.trim()) && !line.startsWith('$ ')) lines.push(line);
  }
  return { commands, lines, shell };
}

/** Every line of `lines` in gdb's output `out`, in the same order. */
function expectLinesInOrder(out: readonly string[], lines: readonly string[]): void {
  let from = 0;
  for (const line of lines) {
    const i = out.indexOf(line, from);
    expect(i, `README line not in gdb's output (after line ${from}): ${line}\n---\n${out.join('\n')}`).to.be.at.least(
      0,
    );
    from = i + 1;
  }
}

// The README's gdb transcripts are what a user will compare their screen with: run the same commands with real gdb
// against the real server and find every line the README shows, in the same order.
describe('README: the gdb transcripts match what gdb really prints', function () {
  this.timeout(60_000);
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const check = async (heading: string) => {
    const { commands, lines } = readmeTranscript(heading);
    expect(commands.length).to.be.greaterThan(5);
    const out = (await runGdb(server.port, commands, { args: [guestPath('demo')] })).split('\n');
    expectLinesInOrder(out, lines);
  };

  it('the quick start: break read_filtered, continue, stepi through the trapped load, the EL2 registers', () =>
    check('`npx el2dbg serve` starts the demo guest'));

  it('"Stage-2 traps in gdb": catch before, decide, catch after, stage2 last', () => check('### Stage-2 traps in gdb'));

  it('"Going backwards": record, reverse-continue to a breakpoint and to the traps before it, forward to the end', () =>
    check('### Going backwards: reverse execution'));
});

// The U-Boot session starts its own server, as the README does: gdb runs `el2dbg serve --stdio --firmware u-boot`
// through a pipe (`npx el2dbg` being this checkout's bin/el2dbg.js).
describe('README: the U-Boot gdb session matches what gdb really prints', function () {
  this.timeout(60_000);

  it('halts at 0x0, monitor uboot before and after relocation, symbol-file -o, a boot without stage-2 traps', async () => {
    const { commands, lines, shell } = readmeTranscript('**With gdb**: `el2dbg serve --firmware u-boot`');
    const m = /^gdb-multiarch -q -ex '(target remote \| )npx el2dbg ([^']+)' (\S+)$/.exec(shell ?? '');
    expect(m, `the session's shell command: ${shell}`).to.not.equal(null);
    const el2dbg = `${process.execPath} ${join(projectRoot(), 'bin', 'el2dbg.js')}`;
    const gdb = spawnGdb([`${m![1]}${el2dbg} ${m![2]}`, ...commands, 'kill'], { args: [m![3]!] });
    const { output } = await gdb.exited;
    expectLinesInOrder(output.split(/\r?\n/), lines); // the guest's console ends its lines with CR LF
  });
});
