// VS Code's C/C++ extension (cpptools, whose engine is MIEngine) and Cortex-Debug drive gdb over GDB/MI. These tests
// send the MI command sequences those engines send (from their sources: MIEngine's DebuggedProcess.cs and
// MICommandFactory.cs, Cortex-Debug's gdb.ts, external.ts and mi2.ts) to a real gdb-multiarch attached to the real
// server, with the settings of examples/vscode/launch.json, and check the records gdb answers with.
import { expect } from 'chai';
import type { LoadedImage } from '../../../core/loader/loaded-image.js';
import { readGuestElf, symbolAddress } from '../../helpers/guest-image.js';
import { runGdb, startServer, type TestServer } from '../gdb-harness.js';
import { MiGdb } from './mi-gdb.js';
import { miList, miString, miTuple, type MiTuple } from './mi-records.js';
import { launchConfiguration, type JsonObject } from './vscode-config.js';

const CPPDBG = 'el2dbg: cppdbg (C/C++ extension)';
const CORTEX_DEBUG = 'el2dbg: Cortex-Debug (external server)';
const ESR_EL2_LOAD = 0x93c08007n; // read_filtered's ldr x0, [x1]: data abort, ISV, 64-bit, Rt 0, level-3 fault

/** The frame of a *stopped record or a -stack-list-frames entry. */
const frameOf = (results: MiTuple) => miTuple(results.frame, 'frame');
const frameAddress = (results: MiTuple) => BigInt(miString(frameOf(results).addr, 'addr'));

/** -data-list-register-values --thread 1 x, as MIEngine's Registers window asks: name -> value. */
async function registerValues(gdb: MiGdb, names: readonly string[]): Promise<Map<string, string>> {
  const { results } = await gdb.command('-data-list-register-values --thread 1 x');
  const values = miList(results['register-values'], 'register-values').map((v) => miTuple(v));
  return new Map(values.map((v) => [names[Number(miString(v.number))]!, miString(v.value)]));
}

/** The MI commands cpptools sends for `setupCommands`. */
const setupCommands = (configuration: JsonObject) =>
  (configuration.setupCommands as { text: string }[]).map((c) => c.text);

describe('VS Code through gdb/MI: the command sequences of cpptools (MIEngine) and Cortex-Debug', function () {
  this.timeout(60_000);
  let server: TestServer;
  let image: LoadedImage;
  beforeEach(async () => {
    server = await startServer();
    image = readGuestElf(server.imagePath);
  });
  afterEach(async () => server.close());

  it('cppdbg with miDebuggerServerAddress: connect, breakpoint, registers, $ESR_EL2, instruction steps, pause, monitor reset halt', async () => {
    const address = `127.0.0.1:${server.port}`;
    const configuration = launchConfiguration(CPPDBG, address);
    expect(configuration.miDebuggerServerAddress).to.equal(address);
    const readFiltered = symbolAddress(image, 'read_filtered');
    const gdb = MiGdb.start(configuration.miDebuggerPath as string);

    // DebuggedProcess.Initialize: async mode (MIEngine falls back to "target-async on" where mi-async is refused),
    // the setupCommands, then GetInitializeCommands for a launch through a gdbserver.
    await gdb.command('-gdb-set mi-async on');
    for (const command of setupCommands(configuration)) await gdb.command(command);
    await gdb.command('-interpreter-exec console "set pagination off"');
    await gdb.command('-gdb-set auto-solib-add on');
    await gdb.command(`-file-exec-and-symbols ${configuration.program as string}`);
    await gdb.command('-interpreter-exec console "show architecture"');
    const entryBreakpoint = await gdb.command('-break-insert -f main'); // the entry breakpoint of a launch
    const connected = await gdb.command(`-target-select remote ${configuration.miDebuggerServerAddress as string}`);
    expect(connected.resultClass).to.equal('connected');
    // The stop on connecting has no reason and a source file: MIEngine takes it as the entry point and stays stopped
    // there (a stop without a file would make it continue).
    const connectStop = await gdb.waitForAsync('exec', 'stopped');
    expect(connectStop.results.reason).to.equal(undefined);
    expect(frameAddress(connectStop.results)).to.equal(image.entry);
    expect(miString(frameOf(connectStop.results).file)).to.equal('guests/common/crt0.inc');
    await gdb.command(`-break-delete ${miString(miTuple(entryBreakpoint.results.bkpt).number)}`);

    // A function breakpoint from the Breakpoints view, then Continue.
    const breakpoint = miTuple((await gdb.command('-break-insert -f read_filtered')).results.bkpt);
    expect(BigInt(miString(breakpoint.addr))).to.equal(readFiltered);
    expect((await gdb.command('-exec-continue')).resultClass).to.equal('running');
    const hit = await gdb.waitForAsync('exec', 'stopped');
    expect(hit.results).to.include({ reason: 'breakpoint-hit', bkptno: breakpoint.number });
    expect(miString(frameOf(hit.results).func)).to.equal('read_filtered');

    // The Registers window.
    const names = miList((await gdb.command('-data-list-register-names')).results['register-names']).map((n) =>
      miString(n),
    );
    expect(names.slice(0, 4)).to.deep.equal(['x0', 'x1', 'x2', 'x3']);
    for (const name of ['pc', 'cpsr', 'ESR_EL2', 'FAR_EL2', 'HPFAR_EL2', 'HCR_EL2', 'CurrentEL'])
      expect(names, name).to.include(name);
    let regs = await registerValues(gdb, names);
    expect(BigInt(regs.get('pc')!)).to.equal(readFiltered);
    expect(regs.get('HCR_EL2')).to.equal('0x80080001');

    // Step Over in the Disassembly view, three times: mov, add, and the ldr that traps to the EL2 model.
    for (let i = 1n; i <= 3n; i++) {
      await gdb.command('-exec-next-instruction --thread 1');
      const step = await gdb.waitForAsync('exec', 'stopped');
      expect(step.results.reason).to.equal('end-stepping-range');
      expect(frameAddress(step.results)).to.equal(readFiltered + 4n * i);
    }
    regs = await registerValues(gdb, names);
    expect(BigInt(regs.get('ESR_EL2')!)).to.equal(ESR_EL2_LOAD);
    expect(regs.get('x0')).to.equal('0xfeedfacecafebeef');

    // A watch expression: MIEngine makes a variable object in the frame's context.
    const watch = await gdb.command('-var-create --thread 1 --frame 0 - * "$ESR_EL2"');
    expect(BigInt(miString(watch.results.value))).to.equal(ESR_EL2_LOAD);
    await gdb.command(`-var-set-format ${miString(watch.results.name)} hexadecimal`);
    const shown = await gdb.command(`-var-evaluate-expression ${miString(watch.results.name)}`);
    expect(shown.results.value).to.equal('0x93c08007');

    // Remove the breakpoint, Continue, Pause: -exec-interrupt stops the guest with SIGINT.
    await gdb.command(`-break-delete ${miString(breakpoint.number)}`);
    await gdb.command('-exec-continue');
    await gdb.waitForAsync('exec', 'running');
    await gdb.command('-exec-interrupt');
    const paused = await gdb.waitForAsync('exec', 'stopped');
    expect(paused.results).to.include({ reason: 'signal-received', 'signal-name': 'SIGINT' });
    const pausedAt = frameAddress(paused.results);
    expect(BigInt((await registerValues(gdb, names)).get('pc')!)).to.equal(pausedAt); // the Registers window refreshes

    // monitor reset halt from the debug console (-exec monitor reset halt): the guest is at its entry, but gdb
    // answers from the registers it read at the stop until the IDE flushes its cache.
    await gdb.command('-interpreter-exec console "monitor reset halt"');
    expect(gdb.streams()).to.include(`halted at its entry point 0x${image.entry.toString(16)}`);
    expect(server.machine.pc).to.equal(image.entry);
    expect(BigInt((await registerValues(gdb, names)).get('pc')!)).to.equal(pausedAt);
    await gdb.command('-interpreter-exec console "maintenance flush register-cache"');
    expect(BigInt((await registerValues(gdb, names)).get('pc')!)).to.equal(image.entry);
    const stack = miList((await gdb.command('-stack-list-frames --thread 1')).results.stack);
    expect(stack.map((f) => miString(frameOf(miTuple(f)).func))).to.deep.equal(['_start']);
    // The other way: -exec monitor gdb_sync, -exec stepi. The stop (at the entry, nothing executed) refreshes every
    // view of MIEngine, the Call Stack included.
    await gdb.command('-interpreter-exec console "monitor gdb_sync"');
    await gdb.command('-interpreter-exec console "stepi"');
    const synced = await gdb.waitForAsync('exec', 'stopped');
    expect(synced.results.reason).to.equal('end-stepping-range');
    expect(frameAddress(synced.results)).to.equal(image.entry);

    // Stop debugging.
    expect((await gdb.command('-target-disconnect')).resultClass).to.equal('done');
    expect(await gdb.exit()).to.equal(0);
    expect(
      gdb.asyncRecords.peek((r) => r.asyncClass === 'stopped'),
      'stops nobody waited for',
    ).to.deep.equal([]);

    // The server is free for the next session, with the guest where the reset left it.
    const output = await runGdb(server.port, ['p/x $pc', 'break compute', 'continue']);
    expect(output).to.include(`$1 = 0x${image.entry.toString(16)}`);
    expect(output).to.match(/Breakpoint 1, compute \(\)/);
  });

  it("cppdbg's step back: gdb reports the reverse feature, and with a recording steps and continues backwards", async () => {
    // MIEngine offers Step Back and Reverse Continue when -list-target-features names "reverse".
    const gdb = MiGdb.start(launchConfiguration(CPPDBG, '').miDebuggerPath as string);
    await gdb.command('-gdb-set mi-async on');
    await gdb.command(`-file-exec-and-symbols ${server.imagePath}`);
    await gdb.command(`-target-select remote 127.0.0.1:${server.port}`);
    await gdb.waitForAsync('exec', 'stopped');
    expect(miList((await gdb.command('-list-target-features')).results.features)).to.include('reverse');
    await gdb.command('-interpreter-exec console "monitor record start"');
    await gdb.command('-break-insert compute');
    await gdb.command('-exec-continue');
    const atCompute = await gdb.waitForAsync('exec', 'stopped');
    expect(frameAddress(atCompute.results)).to.equal(symbolAddress(image, 'compute'));
    await gdb.command('-exec-step-instruction --reverse');
    const back = await gdb.waitForAsync('exec', 'stopped');
    expect(back.results.reason).to.equal('end-stepping-range');
    expect(miString(frameOf(back.results).func)).to.equal('main'); // at main's bl compute, not yet executed
    expect(frameAddress(back.results) < symbolAddress(image, 'compute')).to.equal(true);
    await gdb.command('-exec-continue --reverse');
    const start = await gdb.waitForAsync('exec', 'stopped'); // the beginning of the recording
    expect(frameAddress(start.results)).to.equal(image.entry);
    expect(await gdb.exit()).to.equal(0);
  });

  it('Cortex-Debug (servertype external): extended-remote, load, monitor reset halt, run to main, the Reset button', async () => {
    const configuration = launchConfiguration(CORTEX_DEBUG, `127.0.0.1:${server.port}`);
    const main = symbolAddress(image, 'main');
    const gdb = MiGdb.start(configuration.gdbPath as string);
    const console = (command: string) => gdb.command(`-interpreter-exec console "${command}"`);

    // MI2.start and gdb.ts's gdbInitCommands (its own support scripts left out), then external.ts's initCommands.
    await gdb.command('-gdb-set mi-async on');
    await console('set print demangle on');
    await console('set print asm-demangle on');
    await gdb.command('-enable-pretty-printing');
    await gdb.command(`-file-exec-and-symbols "${configuration.executable as string}"`);
    const connected = await gdb.command(`-target-select extended-remote ${configuration.gdbTarget as string}`);
    expect(connected.resultClass).to.equal('connected');
    await gdb.waitForAsync('exec', 'stopped');

    // external.ts's launchCommands: reset, load the executable, reset again.
    await console('monitor reset halt');
    const download = await gdb.command('-target-download');
    expect(BigInt(miString(download.results.address))).to.equal(image.entry);
    await console('monitor reset halt');
    expect(server.machine.pc).to.equal(image.entry);

    // runToEntryPoint: a temporary breakpoint on main, then continue.
    const runToMain = async () => {
      await gdb.command(`-break-insert -t --function ${configuration.runToEntryPoint as string}`);
      await gdb.command('-exec-continue --all');
      const stop = await gdb.waitForAsync('exec', 'stopped');
      expect(stop.results).to.include({ reason: 'breakpoint-hit', disp: 'del' });
      expect(frameAddress(stop.results)).to.equal(main);
    };
    await runToMain();

    // A breakpoint, continue, then the Reset button: resetCommands plus the configuration's postResetCommands.
    await gdb.command('-break-insert --function write_filtered');
    await gdb.command('-exec-continue --all');
    const hit = await gdb.waitForAsync('exec', 'stopped');
    expect(frameAddress(hit.results)).to.equal(symbolAddress(image, 'write_filtered'));
    await console('monitor reset halt');
    const stackOf = async () => miList((await gdb.command('-stack-list-frames 0 10')).results.stack);
    const stale = await stackOf(); // what Cortex-Debug would show without postResetCommands
    expect(frameAddress(miTuple(stale[0]))).to.equal(symbolAddress(image, 'write_filtered'));
    for (const command of configuration.postResetCommands as string[]) await console(command);
    expect((await stackOf()).map((f) => frameAddress(miTuple(f)))).to.deep.equal([image.entry]);
    await gdb.command('-break-delete');
    await runToMain(); // a reset runs to the entry point again

    // Stop: mi2.ts's stop() disconnects, then exits.
    await gdb.command('-target-disconnect');
    expect(await gdb.exit()).to.equal(0);
    expect(
      gdb.asyncRecords.peek((r) => r.asyncClass === 'stopped'),
      'stops nobody waited for',
    ).to.deep.equal([]);
  });
});
