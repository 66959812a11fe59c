import { Command, CommanderError, Option } from 'commander';
import { closeSync, openSync } from 'node:fs';
import { CliError, EXIT } from './cli-error.js';
import { DEFAULT_PORT, DEMO_IMAGE } from './defaults.js';
import { closeLogger, createLogger, LOG_LEVELS, type LogLevel } from './logger.js';
import { parseInjectMode, parseLoadAddress, parseMilliseconds, parsePort, parseSize } from './parse-options.js';
import { addMachineOptions, addRunCommand, addTraceCommand, bootFlags } from './run-trace-commands.js';
import { EL2DBG_VERSION } from '../../core/version.js';
import type { CatchDefault } from '../debug/catch-rules.js';

/** A --log-file that cannot be opened for appending is a usage error (winston would drop every line silently). */
function checkLogFile(file: string): void {
  try {
    closeSync(openSync(file, 'a'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new CliError(EXIT.BAD_ARGUMENTS, `--log-file ${file}: cannot open it for writing (${why})`);
  }
}

/** Parses the --catch SPECs (a usage error for one that is not a spec). */
async function parseCatchFlags(specs: readonly string[]): Promise<CatchDefault[]> {
  const { CatchRuleSyntaxError, parseCatchDefault } = await import('../debug/catch-rules.js');
  return specs.map((spec) => {
    try {
      return parseCatchDefault(spec);
    } catch (e) {
      if (e instanceof CatchRuleSyntaxError) throw new CliError(EXIT.BAD_ARGUMENTS, `--catch '${spec}': ${e.message}`);
      throw e;
    }
  });
}

/** Builds the commander program; actions store their exit code in `result`. */
/** --record and --record-budget: the checkpoint budget in bytes (at least 1M) when recording. */
function recordFlags(o: { record?: boolean; recordBudget: string }, command: Command): { recordBudget?: number } {
  if (o.record !== true) {
    if (command.getOptionValueSource('recordBudget') === 'cli')
      throw new CliError(EXIT.BAD_ARGUMENTS, '--record-budget only applies with --record');
    return {};
  }
  const bytes = Number(parseSize(o.recordBudget, '--record-budget'));
  if (bytes < 1024 * 1024) throw new CliError(EXIT.BAD_ARGUMENTS, `--record-budget: ${o.recordBudget} is less than 1M`);
  return { recordBudget: bytes };
}

function buildProgram(result: { code: number }): Command {
  const program = new Command('el2dbg')
    .description(
      'GDB debug server for an emulated AArch64 machine with a modelled EL2 hypervisor (stage-2 traps, syndromes, trap frames)',
    )
    .version(EL2DBG_VERSION)
    .addOption(
      new Option('--log-level <level>', 'log verbosity (logs go to stderr or --log-file, never stdout)')
        .choices(LOG_LEVELS)
        .default('warn'),
    )
    .option('--log-file <path>', 'write logs to this file instead of stderr')
    .exitOverride()
    // commander's own errors (unknown option, missing value): one line with the prefix every other error has.
    .configureOutput({
      outputError: (text, write) =>
        write(`el2dbg: ${text.replace(/^error: /, '').trim()} (el2dbg --help, or el2dbg COMMAND --help)\n`),
    });

  const logger = () => {
    const o = program.opts<{ logLevel: LogLevel; logFile?: string }>();
    if (o.logFile !== undefined) checkLogFile(o.logFile);
    return createLogger(o.logLevel, o.logFile);
  };

  addRunCommand(program, result, logger);
  addTraceCommand(program, result, logger);

  program
    .command('esr')
    .description('decode exception syndrome values')
    .command('decode <hex>')
    .description('print every field of an ESR_ELx value with its name and meaning')
    .addHelpText(
      'after',
      '\nExample:\n  $ el2dbg esr decode 0x93c08007\n  ESR 0x93c08007: EC 0x24 Data Abort from a lower Exception level, IL 1 ...',
    )
    .action(async (hex: string) => {
      const { esrDecodeCommand } = await import('./esr-command.js');
      result.code = esrDecodeCommand(hex);
    });

  program
    .command('doctor')
    .description(
      'check that node, libunicorn 2.1, gdb-multiarch, lldb, QEMU, binutils and dtc are usable, and say how to fix what is not',
    )
    .option('--json', 'print the checks as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ el2dbg doctor\n  OK      libunicorn             2.1.4      /path/.deps/unicorn/lib/libunicorn.so.2 [...]',
    )
    .action(async (o: { json?: boolean }) => {
      const { doctorCommand } = await import('./doctor-command.js');
      result.code = doctorCommand(o.json === true);
    });

  const serve = program
    .command('serve')
    .description('serve a guest to gdb over the GDB Remote Serial Protocol, halted at its entry')
    .option('--image <file>', 'guest image: an AArch64 ELF or a raw binary', DEMO_IMAGE);
  addMachineOptions(serve)
    .option(
      '--port <n>',
      'TCP port to listen on (0 picks a free one; the "Listening on port N" line names it)',
      String(DEFAULT_PORT),
    )
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--allow-remote', 'allow --host to be a non-loopback address (a gdbstub runs whatever its client asks)')
    .option('--stdio', 'speak the protocol on stdin/stdout instead of TCP (target remote | el2dbg serve --stdio)')
    .option('--once', 'exit when the first gdb session ends')
    .option(
      '--catch <spec>',
      "a catch every gdb session starts with (repeatable): 'stage2 before|after [filters]' as monitor stage2 catch, " +
        "or 'hvc|smc|psci|inject|exception|irq|handler-error [on|off]' as monitor catch",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--trace-dir <dir>',
      "the only directory (and below) where a client's 'monitor trace start FILE' may write (default: the working directory)",
    )
    .option(
      '--record',
      'record from the entry for reverse execution: reverse-stepi, reverse-continue... (or: monitor record start)',
    )
    .option('--record-budget <size>', 'memory the recording keeps checkpoints in; oldest dropped first', '512M')
    .addHelpText(
      'after',
      `
The guest starts halted at its entry point. One gdb at a time: a second connection is refused with a
message and the first session is not disturbed. After gdb detaches (or disconnects) the guest stays
halted where it was, and the server waits for the next gdb. Each gdb starts with clean settings: no stage-2
catch rules, 'monitor catch handler-error' on, memspace va; a trace it started ends when it leaves. Settings
every session should start with come from --catch. A policy module's handlers run in a worker with a budget
(--handler-timeout): a handler that runs over is abandoned, the access faults and gdb stops with the reason. "Listening on port N" and the gdb command
go to stdout (to stderr with --stdio, where stdout carries only the protocol). The guest console goes
to stdout (stderr with --stdio). Ctrl-C stops the server.

Examples:
  $ el2dbg serve
  Listening on port 1234
  Attach with: gdb-multiarch -ex 'target remote 127.0.0.1:1234' guests/build/demo.elf
  $ gdb-multiarch -ex 'target remote | npx el2dbg serve --stdio' guests/build/demo.elf`,
    )
    .action(
      async (
        o: {
          image: string;
          firmware?: string;
          flash1?: string;
          memory: string;
          loadAddr: string;
          policy: string;
          inject: string;
          port: string;
          host: string;
          allowRemote?: boolean;
          stdio?: boolean;
          once?: boolean;
          handlerTimeout: string;
          catch: string[];
          traceDir?: string;
          record?: boolean;
          recordBudget: string;
        },
        command: Command,
      ) => {
        const log = logger();
        try {
          const opts = {
            ...bootFlags(o, command, DEMO_IMAGE),
            memory: parseSize(o.memory, '--memory'),
            loadAddr: parseLoadAddress(o.loadAddr, '--load-addr'),
            policy: o.policy,
            inject: parseInjectMode(o.inject),
            handlerTimeoutMs: parseMilliseconds(o.handlerTimeout, '--handler-timeout'),
            port: parsePort(o.port, '--port'),
            host: o.host,
            allowRemote: o.allowRemote === true,
            stdio: o.stdio === true,
            once: o.once === true,
            catchDefaults: await parseCatchFlags(o.catch),
            ...(o.traceDir === undefined ? {} : { traceDir: o.traceDir }),
            ...recordFlags(o, command),
          };
          const { serveCommand } = await import('./serve-command.js'); // the gdb server: only serve loads it
          result.code = await serveCommand(opts, log);
        } finally {
          await closeLogger(log);
        }
      },
    );
  return program;
}

/** Runs the CLI with the given argv and returns the exit code; errors become one line on stderr. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const result = { code: EXIT.OK as number };
  const program = buildProgram(result);
  try {
    await program.parseAsync([...argv]);
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; every usage error is exit 2.
      return e.exitCode === 0 ? EXIT.OK : EXIT.BAD_ARGUMENTS;
    }
    if (e instanceof CliError) {
      process.stderr.write(`el2dbg: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`el2dbg: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.EMULATOR_ERROR;
  }
}
