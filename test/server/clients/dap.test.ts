// VS Code's view of el2dbg through the Eclipse CDT GDB debug adapter (npm cdt-gdb-adapter, the engine of the
// "gdbtarget" debug type): the real adapter driven over DAP as VS Code drives it, with gdb-multiarch as its gdb,
// against the real server. The configurations are the ones in examples/vscode/launch.json.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../core/unicorn/library.js';
import type { LoadedImage } from '../../../core/loader/loaded-image.js';
import { readGuestElf, symbolAddress } from '../../helpers/guest-image.js';
import { runGdb, startServer, type TestServer } from '../gdb-harness.js';
import { DapClient } from './dap-client.js';
import { launchConfiguration } from './vscode-config.js';

const ADAPTER = join(projectRoot(), 'node_modules/cdt-gdb-adapter/dist/debugTargetAdapter.js');
const ATTACH = 'el2dbg: CDT GDB adapter (attach)';
const LAUNCH = 'el2dbg: CDT GDB adapter (starts the server)';
const DEMO_SOURCE = join(projectRoot(), 'guests/demo/demo.S');

/** The initialize arguments VS Code sends (it offers no terminal to this client). */
const INITIALIZE = {
  clientID: 'vscode',
  clientName: 'Visual Studio Code',
  adapterID: 'gdbtarget',
  pathFormat: 'path',
  linesStartAt1: true,
  columnsStartAt1: true,
  supportsVariableType: true,
  supportsVariablePaging: true,
  supportsRunInTerminalRequest: false,
  supportsMemoryReferences: true,
  supportsInvalidatedEvent: true,
};

interface StoppedBody {
  reason: string;
  threadId: number;
}
interface StackFrame {
  id: number;
  name: string;
  line: number;
  source?: { path?: string };
  instructionPointerReference?: string;
}
interface Instruction {
  address: string;
  instruction: string;
  symbol?: string;
}

/** The line of the first instruction of `func NAME` in demo.S (what gdb reports for a breakpoint on NAME). */
function firstLineOf(name: string): number {
  const lines = readFileSync(DEMO_SOURCE, 'utf8').split('\n');
  return lines.findIndex((l) => l.startsWith(`func ${name}`)) + 2;
}

async function stackTrace(dap: DapClient, threadId: number): Promise<StackFrame[]> {
  const body = await dap.request<{ stackFrames: StackFrame[] }>('stackTrace', { threadId, startFrame: 0, levels: 20 });
  return body.stackFrames;
}

/** The Registers scope of a frame, as the Variables view shows it: name -> value. */
async function registers(dap: DapClient, frameId: number): Promise<Map<string, string>> {
  const { scopes } = await dap.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', {
    frameId,
  });
  const scope = scopes.find((s) => s.name === 'Registers');
  expect(scope, JSON.stringify(scopes)).to.not.equal(undefined);
  const { variables } = await dap.request<{ variables: { name: string; value: string }[] }>('variables', {
    variablesReference: scope!.variablesReference,
  });
  return new Map(variables.map((v) => [v.name, v.value]));
}

const addressOf = (frame: StackFrame) => BigInt(frame.instructionPointerReference ?? 'no address');

/** initialize, attach or launch, the breakpoints `configure` sets, configurationDone: VS Code's start of a session. */
async function startSession(
  request: 'attach' | 'launch',
  configuration: object,
  configure: (dap: DapClient) => Promise<void>,
): Promise<DapClient> {
  const dap = DapClient.startNodeAdapter(ADAPTER, projectRoot());
  await dap.request('initialize', INITIALIZE);
  const started = dap.request(request, configuration);
  await dap.event('initialized');
  await configure(dap);
  await dap.request('configurationDone');
  await started;
  return dap;
}

/** disconnect as VS Code's stop button sends it for an attached session; resolves when the adapter has exited. */
async function disconnect(dap: DapClient): Promise<void> {
  await dap.request('disconnect', { restart: false });
  await dap.close();
}

describe('VS Code through the Eclipse CDT GDB adapter (cdt-gdb-adapter over DAP, gdb-multiarch)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let image: LoadedImage;
  beforeEach(async () => {
    server = await startServer();
    image = readGuestElf(server.imagePath);
  });
  afterEach(async () => server.close());

  it('attach: stack, Registers with ESR_EL2, >monitor, memory, disassembly, instruction steps, pause, a breakpoint added while paused; the server stays usable', async () => {
    const readFiltered = symbolAddress(image, 'read_filtered');
    const dap = await startSession('attach', launchConfiguration(ATTACH, `127.0.0.1:${server.port}`), async (d) => {
      const { breakpoints } = await d.request<{ breakpoints: { verified: boolean }[] }>('setFunctionBreakpoints', {
        breakpoints: [{ name: 'read_filtered' }],
      });
      expect(breakpoints.map((b) => b.verified)).to.deep.equal([true]);
    });
    // The adapter resumes the guest after configurationDone; the first call of read_filtered stops it.
    const { reason, threadId } = await dap.event<StoppedBody>('stopped');
    expect(reason).to.equal('function breakpoint');
    const { threads } = await dap.request<{ threads: { id: number; name: string }[] }>('threads');
    expect(threads.map((t) => t.id)).to.deep.equal([threadId]);
    let frames = await stackTrace(dap, threadId);
    expect(frames[0]).to.include({ name: 'read_filtered', line: firstLineOf('read_filtered') });
    expect(frames[0]!.source?.path).to.equal(DEMO_SOURCE);
    expect(addressOf(frames[0]!)).to.equal(readFiltered);
    expect(frames[1]!.name).to.equal('main');

    let regs = await registers(dap, frames[0]!.id);
    expect(BigInt(regs.get('pc')!)).to.equal(readFiltered);
    for (const name of ['ESR_EL2', 'FAR_EL2', 'HPFAR_EL2', 'ELR_EL2', 'HCR_EL2', 'VTTBR_EL2', 'CurrentEL'])
      expect(regs.has(name), name).to.equal(true);
    expect(regs.get('HCR_EL2')).to.equal('0x80080001');

    // The Disassembly view: bytes and instructions at the pc.
    const memory = await dap.request<{ address: string; data: string }>('readMemory', {
      memoryReference: frames[0]!.instructionPointerReference,
      offset: 0,
      count: 16,
    });
    expect(BigInt(memory.address)).to.equal(readFiltered);
    const bytes = Buffer.from(memory.data, 'base64');
    expect([0, 4, 8, 12].map((o) => bytes.readUInt32LE(o))).to.deep.equal([
      0xd2a1e001, // mov x1, #0xf000000
      0x8b000021, // add x1, x1, x0
      0xf9400020, // ldr x0, [x1]
      0xd65f03c0, // ret
    ]);
    const { instructions } = await dap.request<{ instructions: Instruction[] }>('disassemble', {
      memoryReference: frames[0]!.instructionPointerReference,
      offset: 0,
      instructionOffset: 0,
      instructionCount: 4,
      resolveSymbols: true,
    });
    expect(instructions.map((i) => BigInt(i.address))).to.deep.equal([0n, 4n, 8n, 12n].map((o) => readFiltered + o));
    expect(
      instructions.map((i) =>
        i.instruction
          .split(/\s+\/\//)[0]!
          .replace(/\s+/g, ' ')
          .trim(),
      ),
    ).to.deep.equal(['mov x1, #0xf000000', 'add x1, x1, x0', 'ldr x0, [x1]', 'ret']);
    expect(instructions[2]!.symbol).to.equal('read_filtered+8');

    // Three instruction steps: mov, add, and the ldr that traps to the EL2 model, which emulates it.
    for (let i = 1; i <= 3; i++) {
      await dap.request('stepIn', { threadId, granularity: 'instruction' });
      expect((await dap.event<StoppedBody>('stopped')).reason).to.equal('step');
    }
    frames = await stackTrace(dap, threadId);
    expect(addressOf(frames[0]!)).to.equal(readFiltered + 12n);
    regs = await registers(dap, frames[0]!.id);
    expect(regs.get('ESR_EL2')).to.equal('0x93c08007');
    expect(regs.get('FAR_EL2')).to.equal('0xf000000');
    expect(regs.get('HPFAR_EL2')).to.equal('0xf0000');
    expect(BigInt(regs.get('ELR_EL2')!)).to.equal(readFiltered + 8n);
    expect(regs.get('x0')).to.equal('0xfeedfacecafebeef');
    const watched = await dap.request<{ result: string }>('evaluate', {
      expression: '$ESR_EL2',
      frameId: frames[0]!.id,
      context: 'watch',
    });
    expect(BigInt(watched.result)).to.equal(0x93c08007n);

    // The debug console: '>' hands the rest of the line to gdb, and monitor output arrives as output events.
    const mark = dap.output().length;
    await dap.request('evaluate', { expression: '>monitor stage2 last', frameId: frames[0]!.id, context: 'repl' });
    const report = dap.output().slice(mark);
    expect(report).to.match(new RegExp(`trap #1 at pc 0x${(readFiltered + 8n).toString(16)}: LDR x0`));
    expect(report).to.match(/ESR_EL2\s+0x93c08007/);
    expect(report).to.match(/decision\s+emulate/);

    // Continue without breakpoints, then pause: SIGINT, between two instructions of the loop.
    await dap.request('setFunctionBreakpoints', { breakpoints: [] });
    await dap.request('continue', { threadId });
    await dap.event('continued');
    await dap.request('pause', { threadId });
    expect((await dap.event<StoppedBody>('stopped')).reason).to.equal('SIGINT');

    // A source breakpoint added while paused fires on the next continue.
    const line = firstLineOf('write_filtered');
    const set = await dap.request<{ breakpoints: { verified: boolean; line: number }[] }>('setBreakpoints', {
      source: { path: DEMO_SOURCE, name: 'demo.S' },
      breakpoints: [{ line }],
      lines: [line],
      sourceModified: false,
    });
    expect(set.breakpoints).to.deep.equal([{ ...set.breakpoints[0], verified: true, line }]);
    await dap.request('continue', { threadId });
    expect((await dap.event<StoppedBody>('stopped')).reason).to.equal('breakpoint');
    frames = await stackTrace(dap, threadId);
    expect(frames[0]).to.include({ name: 'write_filtered', line });
    expect(addressOf(frames[0]!)).to.equal(symbolAddress(image, 'write_filtered'));
    expect(dap.pendingEvents('stopped'), 'stops nobody asked for').to.deep.equal([]);
    await disconnect(dap);

    // The guest stayed where the session left it (before write_filtered's store); the next gdb finds it there.
    const output = await runGdb(server.port, ['p/x $pc', 'break compute', 'continue', 'p/x $ESR_EL2']);
    expect(output).to.include(`$1 = 0x${symbolAddress(image, 'write_filtered').toString(16)}`);
    expect(output).to.match(/Breakpoint 1, compute \(\)/);
    expect(output).to.include('$2 = 0x93c18047'); // the store of write_filtered trapped on the way
  });

  it('a breakpoint set while the guest runs fires without a visible stop; the Reset button (customResetCommands) stops at the entry', async () => {
    const dap = await startSession('attach', launchConfiguration(ATTACH, `127.0.0.1:${server.port}`), async () => {});
    await dap.event('continued'); // configurationDone resumed the guest
    const { threads } = await dap.request<{ threads: { id: number }[] }>('threads');
    const threadId = threads[0]!.id;
    // VS Code sends it as soon as the breakpoint is clicked; the adapter interrupts, inserts and resumes.
    const { breakpoints } = await dap.request<{ breakpoints: { verified: boolean }[] }>('setFunctionBreakpoints', {
      breakpoints: [{ name: 'compute' }],
    });
    expect(breakpoints.map((b) => b.verified)).to.deep.equal([true]);
    const stop = await dap.event<StoppedBody>('stopped');
    expect(stop.reason).to.equal('function breakpoint');
    let frames = await stackTrace(dap, threadId);
    expect(frames[0]!.name).to.equal('compute');
    expect(addressOf(frames[0]!)).to.equal(symbolAddress(image, 'compute'));

    // cdt-gdb-vscode's Reset button sends this request; the adapter runs the configuration's customResetCommands:
    // monitor reset halt, monitor gdb_sync, stepi. The stepi's stop (at the entry, nothing executed) is what makes
    // VS Code ask for the stack and the registers again.
    await dap.request('cdt-gdb-adapter/customReset');
    expect((await dap.event<StoppedBody>('stopped')).reason).to.equal('step');
    frames = await stackTrace(dap, threadId);
    expect(frames.map((f) => f.name)).to.deep.equal(['_start']);
    expect(addressOf(frames[0]!)).to.equal(image.entry);
    expect(BigInt((await registers(dap, frames[0]!.id)).get('pc')!)).to.equal(image.entry);
    expect(server.machine.pc).to.equal(image.entry);
    expect(dap.pendingEvents('stopped'), 'stops nobody asked for').to.deep.equal([]);
    await disconnect(dap);
  });

  it('Step Out, Step Over, an instruction breakpoint, a data breakpoint, and HCR_EL2 edited in the Variables view', async () => {
    const dap = await startSession('attach', launchConfiguration(ATTACH, `127.0.0.1:${server.port}`), async (d) => {
      await d.request('setFunctionBreakpoints', { breakpoints: [{ name: 'read_filtered' }] });
    });
    const { threadId } = await dap.event<StoppedBody>('stopped');
    const caller = (await stackTrace(dap, threadId))[1]!;
    await dap.request('stepOut', { threadId });
    expect((await dap.event<StoppedBody>('stopped')).reason).to.equal('step');
    let frames = await stackTrace(dap, threadId);
    // Back at the return address, the line after the call (the caller's frame showed the call's line).
    expect(frames[0]).to.include({ name: 'main', line: caller.line + 1 });
    expect(addressOf(frames[0]!)).to.equal(addressOf(caller));
    await dap.request('next', { threadId }); // a source line: range stepping in the server
    expect((await dap.event<StoppedBody>('stopped')).reason).to.equal('step');
    frames = await stackTrace(dap, threadId);
    expect(frames[0]).to.include({ name: 'main', line: caller.line + 2 });

    // The Disassembly view's gutter: a breakpoint on one instruction.
    await dap.request('setFunctionBreakpoints', { breakpoints: [] });
    const target = symbolAddress(image, 'compute') + 4n;
    const set = await dap.request<{ breakpoints: { verified: boolean }[] }>('setInstructionBreakpoints', {
      breakpoints: [{ instructionReference: `0x${target.toString(16)}`, offset: 0 }],
    });
    expect(set.breakpoints.map((b) => b.verified)).to.deep.equal([true]);
    await dap.request('continue', { threadId });
    expect((await dap.event<StoppedBody>('stopped')).reason).to.equal('breakpoint');
    frames = await stackTrace(dap, threadId);
    expect(addressOf(frames[0]!)).to.equal(target);
    await dap.request('setInstructionBreakpoints', { breakpoints: [] });

    // A data breakpoint (gdb's watch) on demo_iterations: it stops after the store, on the next line.
    const expression = '*(long*)&demo_iterations'; // the symbol has no debug type; the adapter passes it unquoted
    const info = await dap.request<{ dataId: string }>('dataBreakpointInfo', {
      name: expression,
      frameId: frames[0]!.id,
    });
    const data = await dap.request<{ breakpoints: { verified: boolean }[] }>('setDataBreakpoints', {
      breakpoints: [{ dataId: info.dataId, accessType: 'write' }],
    });
    expect(data.breakpoints.map((b) => b.verified)).to.deep.equal([true]);
    const before = BigInt(
      (await dap.request<{ result: string }>('evaluate', { expression, frameId: frames[0]!.id, context: 'watch' }))
        .result,
    );
    await dap.request('continue', { threadId });
    await dap.event<StoppedBody>('stopped');
    frames = await stackTrace(dap, threadId);
    const storeLine =
      readFileSync(DEMO_SOURCE, 'utf8')
        .split('\n')
        .findIndex((l) => /str\s+x22, \[x21\]/.test(l)) + 1;
    expect(frames[0]).to.include({ name: 'main', line: storeLine + 1 });
    const after = await dap.request<{ result: string }>('evaluate', {
      expression,
      frameId: frames[0]!.id,
      context: 'watch',
    });
    expect(BigInt(after.result)).to.equal(before + 1n);
    expect(dap.output()).to.match(/Hardware watchpoint \d+: \*\(long\*\)&demo_iterations/);
    await dap.request('setDataBreakpoints', { breakpoints: [] });

    // Editing HCR_EL2 in the Registers scope writes the model: VM off turns stage 2 off.
    const el2 = async () => {
      const mark = dap.output().length;
      await dap.request('evaluate', { expression: '>monitor el2', frameId: frames[0]!.id, context: 'repl' });
      return dap.output().slice(mark);
    };
    const { scopes } = await dap.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', {
      frameId: frames[0]!.id,
    });
    const variablesReference = scopes.find((s) => s.name === 'Registers')!.variablesReference;
    const edited = await dap.request<{ value: string }>('setVariable', {
      variablesReference,
      name: 'HCR_EL2',
      value: '0x80080000',
    });
    expect(edited.value).to.equal('0x80080000');
    expect(await el2()).to.match(/stage 2 off \(HCR_EL2\.VM\)/);
    await dap.request('setVariable', { variablesReference, name: 'HCR_EL2', value: '0x80080001' });
    expect(await el2()).to.match(/stage 2 on \(HCR_EL2\.VM\)/);
    expect(dap.pendingEvents('stopped'), 'stops nobody asked for').to.deep.equal([]);
    await disconnect(dap);
  });

  it('launch: the adapter starts el2dbg serve --port 0, finds the port in "Listening on port N", and stops the server at the end', async () => {
    const configuration = launchConfiguration(LAUNCH);
    const dap = await startSession('launch', configuration, async (d) => {
      await d.request('setFunctionBreakpoints', { breakpoints: [{ name: 'write_filtered' }] });
    });
    expect(dap.output()).to.match(/Listening on port \d+/); // the server's stdout, as "server" output
    const { threadId } = await dap.event<StoppedBody>('stopped', (b) => b.reason === 'function breakpoint');
    const frames = await stackTrace(dap, threadId);
    expect(frames[0]!.name).to.equal('write_filtered');
    const mark = dap.output().length;
    await dap.request('evaluate', { expression: '>monitor stage2 last', frameId: frames[0]!.id, context: 'repl' });
    expect(dap.output().slice(mark)).to.match(/trap #2 .*LDR x0/); // read_filtered ran twice before
    await dap.request('disconnect', { restart: false });
    await dap.event('output', (b: { output?: string }) => /gdbserver (exited|killed)/.test(b.output ?? ''));
    await dap.close();
  });
});
