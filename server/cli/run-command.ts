import type { InjectMode } from '../../core/el2/el2-state.js';
import type { HaltReason } from '../../core/el2/events.js';
import type { JsonlTraceWriter } from '../../core/trace/jsonl-trace-writer.js';
import type { PerfettoTraceWriter } from '../../core/trace/perfetto-writer.js';
import type { TraceEventType } from '../../core/trace/trace-events.js';
import { buildMachineConfigFromOptions } from './machine-options.js';
import { CliError, EXIT } from './cli-error.js';
import type { CliLogger } from './logger.js';
import { ConsoleSink } from './console-sink.js';
import { attachConsoleInput } from './console-input.js';
import { loadBootImage } from './firmware.js';
import { checkRamSize, loadEngineLibrary, openMachine } from './load-guest.js';
import { hex } from '../../core/text/hex.js';
import { EL2DBG_VERSION } from '../../core/version.js';

/** Options of `el2dbg run`, already parsed. */
export interface RunOptions {
  /** The guest image, or with `firmware` the firmware spec (u-boot or a file). */
  image: string;
  /** Boot firmware from flash (--firmware u-boot|FILE) instead of an image. */
  firmware?: string;
  /** File behind flash bank 1 (--flash1). */
  flash1?: string;
  memory: bigint;
  loadAddr: bigint;
  timeoutSeconds?: number;
  maxInsns?: bigint;
  policy: string;
  inject: InjectMode;
  /** Budget of each policy-module handler call in ms (0: none; handlers run in this thread). */
  handlerTimeoutMs?: number;
  /** JSON Lines trace file. */
  trace?: string;
  /** Chrome Trace Event (Perfetto) file. */
  perfetto?: string;
  traceEvents?: ReadonlySet<TraceEventType>;
  /** The run stops (exit 3) when the trace files together reach this many bytes (default 1 GiB). */
  traceMaxBytes?: number;
  /** A progress line on stderr (instructions, events, MiB written) every half second. */
  progress?: boolean;
}

/** Why a run ends when the user types Ctrl-A x at the console (exit 0, as QEMU's Ctrl-A x). */
const QUIT_WHY = 'quit (Ctrl-A x)';

/** The default --max-size: a trace that would fill a disk stops the run first. */
export const DEFAULT_TRACE_MAX_BYTES = 2 ** 30;

/** A byte count for messages: exact in GiB/MiB/KiB when it is a whole number of them, else MiB to one decimal. */
function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/** The version written into trace headers. */

/** The modules a recording run needs. */
async function importTraceModules() {
  const [jsonl, perfetto, recorder] = await Promise.all([
    import('../../core/trace/jsonl-trace-writer.js'),
    import('../../core/trace/perfetto-writer.js'),
    import('../../core/trace/trace-recorder.js'),
  ]);
  return {
    JsonlTraceWriter: jsonl.JsonlTraceWriter,
    PerfettoTraceWriter: perfetto.PerfettoTraceWriter,
    TraceRecorder: recorder.TraceRecorder,
  };
}

/** `el2dbg run`: boots the image with the guest console on stdout and returns the process exit code. */
export async function runCommand(opts: RunOptions, logger: CliLogger): Promise<number> {
  const ramSize = checkRamSize(opts.memory);
  const lib = loadEngineLibrary();
  const boot = await loadBootImage(opts, ramSize);
  const image = boot.image;
  const setup = await buildMachineConfigFromOptions(lib, image, ramSize, {
    policy: opts.policy,
    inject: opts.inject,
    handlerTimeoutMs: opts.handlerTimeoutMs ?? 0,
  });
  const base = setup.config;
  const sink = new ConsoleSink(process.stdout);
  const machineConfig = { ...base, ...boot.machine, console: sink, logger: logger.child({ component: 'machine' }) };
  const machine = await openMachine(machineConfig, () => setup.closePolicy());
  logger.info('guest loaded', {
    image: boot.path,
    format: image.format,
    entry: `0x${image.entry.toString(16)}`,
    unicorn: lib.version.text,
    policy: base.policyName,
    inject: opts.inject,
  });
  let jsonl: JsonlTraceWriter | null;
  let perfetto: PerfettoTraceWriter | null;
  // The trace writers are loaded only for a run that records.
  const traced = opts.trace || opts.perfetto ? await importTraceModules() : null;
  try {
    jsonl = opts.trace
      ? new traced!.JsonlTraceWriter(opts.trace, {
          tool: 'el2dbg',
          version: EL2DBG_VERSION,
          image: boot.path,
          policy: base.policyName ?? opts.policy,
          inject: opts.inject,
        })
      : null;
    perfetto = opts.perfetto ? new traced!.PerfettoTraceWriter(opts.perfetto) : null;
  } catch (e) {
    await machine.close();
    await setup.closePolicy();
    throw new CliError(EXIT.BAD_ARGUMENTS, `cannot write the trace: ${(e as Error).message}`, { cause: e });
  }
  const sinks = [jsonl, perfetto].filter((x): x is NonNullable<typeof x> => x !== null);
  const trace = sinks.length > 0 ? new traced!.TraceRecorder(sinks, opts.traceEvents ?? null) : null;
  trace?.attach(machine);
  // A stop the run asked for itself (timeout, trace size) ends with exit 3; any other request is an interrupt.
  let limitWhy: string | null = null;
  const stopAtLimit = (why: string) => {
    limitWhy ??= why;
    machine.requestStop(why);
  };
  const maxBytes = opts.traceMaxBytes ?? DEFAULT_TRACE_MAX_BYTES;
  const traceBytes = () => (jsonl?.bytes ?? 0) + (perfetto?.bytes ?? 0);
  const unwatchSize = trace
    ? machine.on(() => {
        if (traceBytes() >= maxBytes) stopAtLimit(`the trace reached --max-size ${formatBytes(maxBytes)}`);
      })
    : undefined;
  const progress =
    opts.progress && trace
      ? setInterval(() => {
          const bytes = traceBytes();
          const near = bytes >= maxBytes * 0.8 ? ` (near --max-size ${formatBytes(maxBytes)})` : '';
          process.stderr.write(
            `\r[el2dbg trace] ${(Number(machine.instructionsExecuted) / 1e6).toFixed(1)} M instructions, ${trace.eventsWritten} events, ${formatBytes(bytes)}${near} `,
          );
        }, 500)
      : undefined;

  // The first SIGINT/SIGTERM stops the guest at the next slice (the console is flushed); a second one exits at once.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      sink.flush();
      process.exit(EXIT.INTERRUPTED);
    }
    signalled = true;
    machine.requestStop(`interrupted (${signal})`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = opts.timeoutSeconds
    ? setTimeout(() => stopAtLimit(`timeout after ${opts.timeoutSeconds} s`), opts.timeoutSeconds * 1000)
    : undefined;
  const detachInput = attachConsoleInput(
    process.stdin,
    { push: (b) => machine.consoleInput(b), quit: () => machine.requestStop(QUIT_WHY) },
    process.stderr,
  );
  try {
    let halt: HaltReason;
    let budget = opts.maxInsns;
    for (;;) {
      halt = await machine.run(budget !== undefined ? { maxInsns: budget } : {});
      if (halt.kind !== 'system-reset') break;
      // PSCI SYSTEM_RESET: reboot the same image, like QEMU without -no-reboot.
      logger.info('guest requested SYSTEM_RESET; rebooting');
      if (budget !== undefined) budget -= machine.instructionsExecuted;
      machine.reset();
    }
    sink.flush();
    return reportHalt(halt, machine.pc, limitWhy);
  } finally {
    sink.flush();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    detachInput();
    if (timer) clearTimeout(timer);
    if (progress) {
      clearInterval(progress);
      process.stderr.write('\n');
    }
    unwatchSize?.();
    trace?.close();
    await machine.close();
  }
}

/** One line on stderr for anything but a clean power-off, and the exit code documented in --help. */
function reportHalt(halt: HaltReason, pc: bigint, limitWhy: string | null): number {
  switch (halt.kind) {
    case 'power-off':
      return EXIT.OK;
    case 'system-reset':
      return EXIT.OK;
    case 'insn-limit':
      process.stderr.write(
        `el2dbg: stopped: instruction limit reached after ${halt.executed} instructions, at pc ${hex(pc)}\n`,
      );
      return EXIT.LIMIT_REACHED;
    case 'stop-requested':
      if (halt.why === QUIT_WHY) {
        process.stderr.write(`\r\nel2dbg: ${QUIT_WHY} at pc ${hex(pc)}\n`); // the user's own way out: exit 0
        return EXIT.OK;
      }
      process.stderr.write(`el2dbg: stopped: ${halt.why}, at pc ${hex(pc)}\n`);
      return halt.why === limitWhy ? EXIT.LIMIT_REACHED : EXIT.INTERRUPTED;
    case 'guest-panic':
      process.stderr.write(`el2dbg: guest panic at pc ${hex(halt.pc)}: ${halt.description}; powered off\n`);
      return EXIT.GUEST_PANIC;
    case 'step-done':
    case 'breakpoint':
    case 'watchpoint':
    case 'trap-stop':
    case 'replay-end':
      // Only a debugger sets these up; `run` never does.
      process.stderr.write(`el2dbg: unexpected debugger stop (${halt.kind})\n`);
      return EXIT.EMULATOR_ERROR;
    case 'emulator-error':
      process.stderr.write(`el2dbg: emulator error at pc ${hex(halt.pc)}: ${halt.description}\n`);
      return EXIT.EMULATOR_ERROR;
    default: {
      const never: never = halt;
      throw new CliError(EXIT.EMULATOR_ERROR, `unknown halt ${JSON.stringify(never)}`);
    }
  }
}
