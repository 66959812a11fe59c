import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../core/unicorn/library.js';
import { guestPath } from '../helpers/guests.js';
import { runGdb, startServer, type TestServer } from './gdb-harness.js';

/** The gdb session shown under `heading` in the README: its commands, and the lines it promises, in order. */
function readmeTranscript(heading: string): { commands: string[]; lines: string[] } {
  const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  expect(at, `README section ${heading}`).to.be.at.least(0);
  const block = /```\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
  const commands: string[] = [];
  const lines: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('(gdb) ')) commands.push(line.slice(6));
    // "..." marks lines left out; "$ gdb-multiarch ..." is the shell command that starts the session; gdb prints
    // "Continuing." only for commands typed at a terminal, not for the -ex commands of a batch run.
    else if (!['', '...', 'Continuing.'].includes(line.trim()) && !line.startsWith('$ ')) lines.push(line);
  }
  return { commands, lines };
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
    let from = 0;
    for (const line of lines) {
      const i = out.indexOf(line, from);
      expect(i, `README line not in gdb's output (after line ${from}): ${line}\n---\n${out.join('\n')}`).to.be.at.least(
        0,
      );
      from = i + 1;
    }
  };

  it('the quick start: break read_filtered, continue, stepi through the trapped load, the EL2 registers', () =>
    check('`npx el2dbg serve` starts the demo guest'));

  it('"Stage-2 traps in gdb": catch before, decide, catch after, stage2 last', () => check('### Stage-2 traps in gdb'));

  it('"Going backwards": record, reverse-continue to a breakpoint and to the traps before it, forward to the end', () =>
    check('### Going backwards: reverse execution'));
});
