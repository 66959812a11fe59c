// examples/vscode/, the files docs/vscode.md tells a newcomer to copy into .vscode/: every configuration points at
// the address the task serves, and the task's background pattern matches what the real server prints when ready.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../core/unicorn/library.js';
import { withTimeout } from '../../helpers/event-queue.js';
import { guestPath } from '../../helpers/guests.js';
import { trackProcess } from '../../helpers/processes.js';
import { EXAMPLE_ADDRESS, readVscodeFile, type JsonObject } from './vscode-config.js';

const DEMO = '${workspaceFolder}/guests/build/demo.elf';

describe('examples/vscode: launch.json and tasks.json', function () {
  this.timeout(30_000);
  const configurations = readVscodeFile('launch.json').configurations as JsonObject[];
  const tasks = readVscodeFile('tasks.json').tasks as JsonObject[];
  const byType = (type: string) => configurations.filter((c) => c.type === type);

  it('one configuration per client, all on the address and the image the task serves, started by that task', () => {
    expect(configurations.map((c) => `${c.type as string}/${c.request as string}`)).to.deep.equal([
      'gdbtarget/attach',
      'gdbtarget/launch',
      'cppdbg/launch',
      'cortex-debug/launch',
    ]);
    const [cdtAttach, cdtLaunch] = byType('gdbtarget');
    expect(cdtAttach!.target).to.deep.equal({ type: 'remote', parameters: [EXAMPLE_ADDRESS] });
    expect(byType('cppdbg')[0]).to.include({
      miDebuggerServerAddress: EXAMPLE_ADDRESS,
      miDebuggerPath: 'gdb-multiarch',
    });
    expect(byType('cortex-debug')[0]).to.include({ gdbTarget: EXAMPLE_ADDRESS, gdbPath: 'gdb-multiarch' });
    for (const c of configurations) expect(c.program ?? c.executable, c.name as string).to.equal(DEMO);
    // The launch flavour starts its own server on a free port; the others need the task.
    expect((cdtLaunch!.target as JsonObject).serverParameters).to.include('0');
    expect(cdtLaunch!.preLaunchTask).to.equal(undefined);
    for (const c of configurations.filter((c) => c !== cdtLaunch))
      expect(c.preLaunchTask, c.name as string).to.equal(tasks[0]!.label);
  });

  it('docs/vscode.md shows the configurations exactly as launch.json has them', () => {
    const doc = readFileSync(join(projectRoot(), 'docs/vscode.md'), 'utf8');
    const shown = [...doc.matchAll(/```json\n(\{\n {2}"name": [^]*?\n\})\n```/g)].map(
      (m) => JSON.parse(m[1]!) as JsonObject,
    );
    expect(shown.map((c) => c.name)).to.have.length(3);
    for (const c of shown) expect(c, c.name as string).to.deep.equal(configurations.find((x) => x.name === c.name));
  });

  it('the task runs el2dbg serve, and its background patterns match the line the server prints when it listens', async () => {
    guestPath('demo');
    const task = tasks[0]!;
    expect(task).to.include({ label: 'el2dbg serve', type: 'shell', isBackground: true });
    const background = (task.problemMatcher as JsonObject).background as JsonObject;
    // The task's command as a shell runs it, on a free port instead of 1234 (which another program may hold).
    const child = trackProcess(
      spawn('sh', ['-c', `${task.command as string} --port 0`], {
        cwd: projectRoot(),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
    );
    let stdout = '';
    const ready = new Promise<string>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString('utf8');
        // VS Code matches background patterns line by line.
        const line = stdout.split('\n').find((l) => new RegExp(background.endsPattern as string).test(l));
        if (line !== undefined) resolve(line);
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const line = await withTimeout(ready, 20_000, 'the task to print its ready line', () => stdout);
    expect(line).to.match(/^Listening on port [1-9]\d*$/);
    expect(line).to.match(new RegExp(background.beginsPattern as string));
    process.kill(-child.pid!, 'SIGTERM');
    await withTimeout(exited, 10_000, 'the task to end');
  });
});
