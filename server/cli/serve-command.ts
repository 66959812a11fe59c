import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { InjectMode } from '../../core/el2/el2-state.js';
import { projectRoot } from '../../core/unicorn/library.js';
import { DebugTarget } from '../debug-target.js';
import { CatchRuleSyntaxError, parseStage2CatchRule, type CatchDefault } from '../debug/catch-rules.js';
import { GdbServer } from '../gdb-server.js';
import { listenTcp, socketConnection, stdioConnection } from '../transport.js';
import { CliError, EXIT } from './cli-error.js';
import { DEMO_IMAGE } from './defaults.js';
import type { CliLogger } from './logger.js';
import { ConsoleSink } from './console-sink.js';
import { attachConsoleInput } from './console-input.js';
import { loadBootImage } from './firmware.js';
import { checkRamSize, loadEngineLibrary, openMachine } from './load-guest.js';
import { buildMachineConfigFromOptions } from './machine-options.js';

/** Where --image points: the demo guest is found in the project folder whatever the current directory. */
function imageLocation(image: string): string {
  if (image !== DEMO_IMAGE) return resolve(image);
  const demo = join(projectRoot(), DEMO_IMAGE);
  if (!existsSync(demo))
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `the demo guest ${demo} is not built: run scripts/setup (or scripts/build-guests)`,
    );
  return demo;
}

/** A path as short as possible for a command line: relative when under the current directory. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Options of `el2dbg serve`, already parsed. */
export interface ServeOptions {
  /** The guest image, or with `firmware` the firmware spec. */
  image: string;
  /** Serve firmware from flash (--firmware u-boot|FILE), halted at 0x0. */
  firmware?: string;
  /** File behind flash bank 1 (--flash1). */
  flash1?: string;
  memory: bigint;
  loadAddr: bigint;
  policy: string;
  inject: InjectMode;
  /** Budget of each policy-module handler call in ms (0: none). */
  handlerTimeoutMs: number;
  port: number;
  host: string;
  allowRemote: boolean;
  stdio: boolean;
  once: boolean;
  /** Catch settings every gdb session starts with (--catch). */
  catchDefaults?: readonly CatchDefault[];
  /** The directory `monitor trace start FILE` may write below (--trace-dir; default the working directory). */
  traceDir?: string;
  /** Record from the entry with this checkpoint budget in bytes (--record). */
  recordBudget?: number;
}

/** Hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The exact command that attaches gdb-multiarch to this server. */
export function gdbAttachCommand(host: string, port: number, image: string): string {
  const connectHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const address = connectHost.includes(':') ? `[${connectHost}]:${port}` : `${connectHost}:${port}`;
  const quotedImage = /^[\w./+-]+$/.test(image) ? image : `'${image.replace(/'/g, `'\\''`)}'`;
  return `gdb-multiarch -ex 'target remote ${address}' ${quotedImage}`;
}

/**
 * `el2dbg serve`: the guest halted at its entry, served to gdb over TCP (or stdio) until interrupted, or after one
 * session with --once.
 */
export async function serveCommand(opts: ServeOptions, logger: CliLogger): Promise<number> {
  if (!isLoopbackHost(opts.host) && !opts.allowRemote) {
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      `--host ${opts.host} is not a loopback address: a gdbstub runs any code its client sends, so binding another address needs --allow-remote`,
    );
  }
  const traceDir = checkTraceDir(opts.traceDir ?? process.cwd());
  if (!opts.stdio && !isLoopbackHost(opts.host)) {
    process.stderr.write(
      `el2dbg: warning: listening on ${opts.host}: anyone who can reach this port can run code in the emulator, ` +
        `read or change the guest, and write trace files below ${traceDir}\n`,
    );
  }
  const ramSize = checkRamSize(opts.memory);
  const lib = loadEngineLibrary();
  const boot = await loadBootImage(
    { ...opts, image: opts.firmware === undefined ? imageLocation(opts.image) : opts.image },
    ramSize,
  );
  const image = boot.image;
  // What gdb loads symbols from: the image itself, or the firmware's ELF (Debian's uboot.elf) when there is one.
  const imagePath = boot.symbols ?? resolve(boot.path);
  const setup = await buildMachineConfigFromOptions(lib, image, ramSize, {
    policy: opts.policy,
    inject: opts.inject,
    handlerTimeoutMs: opts.handlerTimeoutMs,
  });
  const config = setup.config;
  // In --stdio mode stdout carries the protocol and nothing else: the guest console goes to stderr.
  const sink = new ConsoleSink(opts.stdio ? process.stderr : process.stdout);
  const machineConfig = { ...config, ...boot.machine, console: sink, logger: logger.child({ component: 'machine' }) };
  const machine = await openMachine(machineConfig, () => setup.closePolicy());
  const regionError = catchRegionError(opts.catchDefaults ?? [], machine.hypervisor.policy.regions);
  if (regionError) {
    await machine.close();
    await setup.closePolicy();
    throw new CliError(EXIT.BAD_ARGUMENTS, regionError);
  }
  if (opts.recordBudget !== undefined) machine.timeTravel.start({ budgetBytes: opts.recordBudget });
  const server = new GdbServer({
    target: new DebugTarget(machine, imagePath, ramSize, { catchDefaults: opts.catchDefaults ?? [], traceDir }),
    logger: logger.child({ component: 'server' }),
  });
  logger.info('guest loaded, halted at its entry', {
    image: imagePath,
    entry: `0x${image.entry.toString(16)}`,
    policy: config.policyName,
  });
  try {
    return opts.stdio ? await serveStdio(server) : await serveTcp(server, opts, displayPath(imagePath));
  } finally {
    await server.close();
    server.target.close(); // a trace started from gdb is flushed and closed
    sink.flush();
    await machine.close();
    await setup.closePolicy();
  }
}

async function serveStdio(server: GdbServer): Promise<number> {
  process.stderr.write('el2dbg: serving the GDB remote protocol on stdin/stdout\n');
  const session = server.accept(stdioConnection(process.stdin, process.stdout));
  await session?.finished;
  return EXIT.OK;
}

async function serveTcp(server: GdbServer, opts: ServeOptions, image: string): Promise<number> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((done) => (stop = done));
  const listener = await listenTcp(opts.host, opts.port, (socket) => server.accept(socketConnection(socket))).catch(
    (e: NodeJS.ErrnoException) => {
      throw new CliError(EXIT.BAD_ARGUMENTS, `cannot listen on ${opts.host}:${opts.port}: ${e.code ?? e.message}`, {
        cause: e,
      });
    },
  );
  // Console input for the guest's PL011. Firmware gets the interactive console (raw mode, Ctrl-A x ends the server);
  // otherwise the terminal stays cooked and Ctrl-C stops the server, as the help says.
  const detachInput = attachConsoleInput(
    process.stdin,
    { push: (b) => server.target.machine.consoleInput(b), quit: () => stop() },
    process.stderr,
    { raw: opts.firmware !== undefined },
  );
  if (opts.once) server.onSessionEnd(() => stop());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // IDE adapters wait for this line on stdout.
  process.stdout.write(
    `Listening on port ${listener.port}\nAttach with: ${gdbAttachCommand(opts.host, listener.port, image)}\n`,
  );
  try {
    await stopped;
    return EXIT.OK;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    detachInput();
    const closing = listener.close();
    await server.close();
    await closing;
  }
}

/** The first --catch stage-2 rule that names a region the policy does not have, as an error line; null if none. */
function catchRegionError(defaults: readonly CatchDefault[], regions: readonly { name: string }[]): string | null {
  for (const d of defaults) {
    if (d.kind !== 'stage2') continue;
    try {
      parseStage2CatchRule(
        0,
        d.when,
        d.words,
        regions.map((r) => r.name),
      );
    } catch (e) {
      if (e instanceof CatchRuleSyntaxError) return `--catch 'stage2 ${d.when} ${d.words.join(' ')}': ${e.message}`;
      throw e;
    }
  }
  return null;
}

/** The trace directory as an absolute path, or a usage error when it is not an existing directory. */
function checkTraceDir(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new CliError(EXIT.BAD_ARGUMENTS, `--trace-dir ${dir}: not an existing directory`);
  return abs;
}
