// `el2dbg run` and `el2dbg trace` (the two commands that boot a guest headless), as commander commands.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { GIC_VERSIONS, type GicVersion } from '../../core/devices/interrupt-controller.js';
import { CPU_MODELS, type CpuModel } from '../../core/machine/cpu-model.js';
import type { BootFlags } from './firmware.js';
import { CliError, EXIT } from './cli-error.js';
import { DEFAULT_LOAD_ADDR } from './defaults.js';
import { closeLogger, type CliLogger } from './logger.js';
import {
  parseCount,
  parseInjectMode,
  parseLoadAddress,
  parseMilliseconds,
  parseSeconds,
  parseSize,
} from './parse-options.js';
import type { RunOptions } from './run-command.js';
import { parseTraceEvents } from './trace-options.js';

/** What a command action needs from the program: where its exit code goes, and the process logger. */
type CommandResult = { code: number };
type MakeLogger = () => CliLogger;

/** The flags `run` and `trace` share, as commander gives them. */
interface RunFlags {
  image?: string;
  firmware?: string;
  flash1?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  dtb?: string;
  cpu?: string;
  gic?: string;
  memory: string;
  loadAddr: string;
  timeout?: string;
  maxInsns?: string;
  policy: string;
  inject: string;
  events?: string;
  maxSize: string;
  handlerTimeout: string;
}

/** Parses the flags `run` and `trace` share into RunOptions (bad values throw CliError, exit 2). */
function parseRunFlags(o: RunFlags, command: Command): RunOptions {
  return {
    ...bootFlags(o, command),
    memory: parseSize(o.memory, '--memory'),
    loadAddr: parseLoadAddress(o.loadAddr, '--load-addr'),
    ...(o.timeout !== undefined ? { timeoutSeconds: parseSeconds(o.timeout, '--timeout') } : {}),
    ...(o.maxInsns !== undefined ? { maxInsns: parseCount(o.maxInsns, '--max-insns') } : {}),
    policy: o.policy,
    inject: parseInjectMode(o.inject),
    ...(o.events !== undefined ? { traceEvents: parseTraceEvents(o.events) } : {}),
    traceMaxBytes: parseTraceSize(o.maxSize),
    handlerTimeoutMs: parseMilliseconds(o.handlerTimeout, '--handler-timeout'),
  };
}

/**
 * --image, --firmware or --kernel (exactly one; --load-addr places a raw --image only; --initrd, --append and --dtb
 * go with --kernel), --flash1 and --cpu. A usage error otherwise.
 */
export function bootFlags(
  o: Pick<RunFlags, 'image' | 'firmware' | 'flash1' | 'kernel' | 'initrd' | 'append' | 'dtb' | 'cpu' | 'gic'>,
  command: Command,
  defaultImage?: string,
): BootFlags {
  const imageGiven = o.image !== undefined && command.getOptionValueSource('image') === 'cli';
  const given = [
    imageGiven && '--image',
    o.firmware !== undefined && '--firmware',
    o.kernel !== undefined && '--kernel',
  ];
  const chosen = given.filter((g): g is string => typeof g === 'string');
  if (chosen.length > 1) throw new CliError(EXIT.BAD_ARGUMENTS, `${chosen.join(' and ')}: give one of them`);
  if (o.kernel === undefined) {
    for (const [flag, value] of [
      ['--initrd', o.initrd],
      ['--append', o.append],
      ['--dtb', o.dtb],
    ] as const)
      if (value !== undefined) throw new CliError(EXIT.BAD_ARGUMENTS, `${flag} goes with --kernel (a Linux Image)`);
  }
  if ((o.firmware !== undefined || o.kernel !== undefined) && command.getOptionValueSource('loadAddr') === 'cli')
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      '--load-addr places a raw --image; firmware and kernels have their own places',
    );
  const common = {
    ...(o.flash1 !== undefined ? { flash1: o.flash1 } : {}),
    ...(o.cpu !== undefined ? { cpu: parseCpuModel(o.cpu) } : {}),
    ...(o.gic !== undefined ? { gic: parseGicVersion(o.gic) } : {}),
  };
  if (o.firmware !== undefined) return { image: o.firmware, firmware: o.firmware, ...common };
  if (o.kernel !== undefined) {
    const initrd = o.initrd !== undefined ? { initrd: o.initrd } : {};
    const append = o.append !== undefined ? { append: o.append } : {};
    const dtb = o.dtb !== undefined ? { dtb: o.dtb } : {};
    return { image: o.kernel, kernel: o.kernel, ...initrd, ...append, ...dtb, ...common };
  }
  const image = o.image ?? defaultImage;
  if (image === undefined)
    throw new CliError(
      EXIT.BAD_ARGUMENTS,
      'give --image FILE (a guest), --firmware u-boot|FILE (firmware in flash) or --kernel Image (Linux)',
    );
  return { image, ...common };
}

/** Parses --cpu. */
export function parseCpuModel(text: string): CpuModel {
  if ((CPU_MODELS as readonly string[]).includes(text)) return text as CpuModel;
  throw new CliError(EXIT.BAD_ARGUMENTS, `--cpu: '${text}' is not a CPU model (${CPU_MODELS.join(', ')})`);
}

/** Parses --gic. */
export function parseGicVersion(text: string): GicVersion {
  const version = GIC_VERSIONS.find((v) => String(v) === text);
  if (version !== undefined) return version;
  throw new CliError(EXIT.BAD_ARGUMENTS, `--gic: '${text}' is not a GIC version (${GIC_VERSIONS.join(' or ')})`);
}

/** Parses --max-size: the most a trace may grow to (both files together) before the run stops. */
function parseTraceSize(text: string): number {
  const v = parseSize(text, '--max-size');
  if (v < 1n << 16n) throw new CliError(EXIT.BAD_ARGUMENTS, `--max-size: ${text} is too small (at least 64K)`);
  return Number(v);
}

/** Where `el2dbg trace` writes when given neither --out nor --perfetto. */
const DEFAULT_TRACE_FILE = 'trace.jsonl';

const MAX_SIZE_HELP = 'stop the run (exit 3) when the trace files reach this size together (K/M/G)';

/**
 * The options every command that builds a machine takes (run, trace, serve), with the same meaning and help:
 * RAM, where a raw image goes, the stage-2 policy, the injection mode and the handler budget.
 */
export function addMachineOptions(command: Command): Command {
  return command
    .option(
      '--firmware <u-boot|file>',
      "boot firmware from flash bank 0 at 0x0 as QEMU's -bios does (u-boot: Debian's u-boot-qemu build); instead of --image",
    )
    .option(
      '--flash1 <file>',
      'back flash bank 1 (firmware variables) with this file, created when missing: saveenv persists across runs',
    )
    .option(
      '--kernel <Image>',
      "boot a Linux arm64 Image as QEMU's -kernel does (x0 = the DTB, at EL1); instead of --image",
    )
    .option('--initrd <file>', 'with --kernel: initial RAM disk, described in /chosen')
    .option('--append <args>', 'with --kernel: the kernel command line (/chosen bootargs)')
    .option(
      '--dtb <file>',
      "with --kernel: this device tree blob instead of the machine's (its memory node and /chosen filled in as QEMU does)",
    )
    .option(
      '--cpu <model>',
      `CPU model: ${CPU_MODELS.join(', ')} (max: without SVE; default: cortex-a57 with --kernel, as RITM; max otherwise)`,
    )
    .option(
      '--gic <2|3>',
      "interrupt controller, as QEMU's -M virt,gic-version= (default: 2 with --firmware, QEMU virt's default; " +
        "3 otherwise, RITM's machine: our guests and Linux under RITM use a GICv3)",
    )
    .option('--memory <size>', 'guest RAM size at 0x40000000 (K/M/G suffixes)', '1G')
    .option('--load-addr <addr>', 'where a raw binary is loaded and entered', `0x${DEFAULT_LOAD_ADDR.toString(16)}`)
    .option(
      '--policy <name|file>',
      'stage-2 policy: ritm (RITM QEMU-virt policy with the filtered MMIO page), ritm-pci (ritm plus RAM to 4 GiB and the high PCIe windows), allow-all, or a .mjs/.ts module',
      'ritm',
    )
    .option('--inject <mode>', 'how unemulated aborts reach EL1: ritm (EC 0x25, VBAR+0x200) or architectural', 'ritm')
    .option(
      '--handler-timeout <ms>',
      "time budget of each call into a policy module's handler: past it the handler is abandoned and the access faults (0: no budget, handlers run in the machine's thread)",
      '1000',
    );
}

const MAX_INSNS_HELP = 'stop the guest after exactly this many instructions (exit 3)';

/** Adds `el2dbg run`. */
export function addRunCommand(program: Command, result: CommandResult, logger: MakeLogger): void {
  const run = program
    .command('run')
    .description('boot a guest image or firmware with its console on stdout, until it powers off')
    .option('--image <file>', 'guest image: an AArch64 ELF (loaded at its PT_LOAD physical addresses) or a raw binary');
  addMachineOptions(run)
    .option('--timeout <seconds>', 'stop the guest after this many seconds of wall time (exit 3)')
    .option('--max-insns <n>', MAX_INSNS_HELP)
    .option(
      '--trace <file.jsonl>',
      'write every stage-2 trap, decision, injection, hypercall and guest exception as JSON Lines',
    )
    .option(
      '--events <list>',
      'with --trace: only these event types (comma-separated: stage2-abort,inject,hvc,smc,psci,guest-exception,instruction-abort,interrupt)',
    )
    .option('--max-size <size>', `with --trace: ${MAX_SIZE_HELP}`, '1G')
    .addHelpText(
      'after',
      `
Exit codes: 0 guest powered off (PSCI SYSTEM_OFF), 1 emulator error, 2 bad arguments or image,
3 timeout or instruction limit, 4 guest panic (exception with no vector table), 130 interrupted.
Console: stdin reaches the guest's PL011. At a terminal it is in raw mode while the guest runs (every key,
Ctrl-C too, goes to the guest): Ctrl-A x quits (exit 0), Ctrl-A h lists the escapes. PSCI SYSTEM_RESET reboots.

Examples:
  $ el2dbg run --image guests/build/hello.elf
  Hello from el2dbg guest!
  $ el2dbg run --firmware u-boot --flash1 vars.img --policy ritm-pci`,
    )
    .action(async (o: RunFlags & { trace?: string }, command: Command) => {
      const parsed = parseRunFlags(o, command);
      if (o.events !== undefined && o.trace === undefined)
        throw new CliError(EXIT.BAD_ARGUMENTS, '--events selects what --trace FILE records: give --trace too');
      if (command.getOptionValueSource('maxSize') === 'cli' && o.trace === undefined)
        throw new CliError(EXIT.BAD_ARGUMENTS, '--max-size limits what --trace FILE records: give --trace too');
      const log = logger();
      try {
        const { runCommand } = await import('./run-command.js');
        result.code = await runCommand({ ...parsed, ...(o.trace !== undefined ? { trace: o.trace } : {}) }, log);
      } finally {
        await closeLogger(log);
      }
    });
}

/** Adds `el2dbg trace` (record, or `trace convert`). */
export function addTraceCommand(program: Command, result: CommandResult, logger: MakeLogger): void {
  const trace = program
    .command('trace')
    .description(
      'run a guest headless and record every stage-2 trap, decision, injection and hypercall; or convert a trace',
    )
    .argument('[convert]', "'convert' to turn an existing JSON Lines trace into Perfetto JSON")
    .argument('[input]', 'with convert: the JSON Lines trace to read')
    .option('--image <file>', 'guest image (ELF or raw binary)');
  addMachineOptions(trace)
    .option('--out <file.jsonl>', 'JSON Lines trace (default trace.jsonl when --perfetto is not given)')
    .option('--perfetto <file.json>', 'Chrome Trace Event JSON for the Perfetto UI (ui.perfetto.dev, Open trace file)')
    .option('--max-insns <n>', MAX_INSNS_HELP)
    .option('--timeout <seconds>', 'stop the guest after this many seconds of wall time (exit 3)')
    .option(
      '--events <list>',
      'only these event types: stage2-abort,inject,hvc,smc,psci,guest-exception,instruction-abort,interrupt',
    )
    .option('--max-size <size>', MAX_SIZE_HELP, '1G')
    .addHelpText(
      'after',
      `
The guest console goes to stdout; a progress line goes to stderr when it is a terminal.
Exit codes as for run. Trace format: docs/trace-format.md.

Examples:
  $ el2dbg trace --image guests/build/ritm-selftest.elf --out selftest.jsonl --perfetto selftest.json
  $ el2dbg trace convert selftest.jsonl --perfetto selftest.json`,
    )
    .action(
      async (
        mode: string | undefined,
        input: string | undefined,
        o: RunFlags & { out?: string; perfetto?: string },
        command: Command,
      ) => {
        if (mode === 'convert') {
          if (!input) throw new CliError(EXIT.BAD_ARGUMENTS, 'trace convert: give the JSON Lines trace to convert');
          const { traceConvertCommand } = await import('./trace-command.js');
          result.code = await traceConvertCommand(input, o.perfetto);
          return;
        }
        if (mode !== undefined)
          throw new CliError(
            EXIT.BAD_ARGUMENTS,
            `trace: unknown mode '${mode}' (only 'convert'; to record, give --image)`,
          );
        if (!o.image && !o.firmware && !o.kernel)
          throw new CliError(
            EXIT.BAD_ARGUMENTS,
            'trace: --image FILE, --firmware u-boot|FILE or --kernel Image is required ' +
              "(or 'trace convert IN.jsonl --perfetto OUT.json')",
          );
        const runFlags = parseRunFlags(o, command);
        if (o.out === undefined && o.perfetto === undefined) {
          // The default file: said out loud, and never written over.
          if (existsSync(DEFAULT_TRACE_FILE))
            throw new CliError(
              EXIT.BAD_ARGUMENTS,
              `${DEFAULT_TRACE_FILE} already exists here: give --out FILE (or --perfetto FILE), or remove it`,
            );
          process.stderr.write(`el2dbg: recording to ${DEFAULT_TRACE_FILE} (--out FILE to choose another file)\n`);
        }
        const log = logger();
        try {
          const { runCommand } = await import('./run-command.js');
          result.code = await runCommand(
            {
              ...runFlags,
              trace: o.out ?? (o.perfetto ? undefined : DEFAULT_TRACE_FILE),
              ...(o.perfetto !== undefined ? { perfetto: o.perfetto } : {}),
              progress: process.stderr.isTTY === true,
            },
            log,
          );
        } finally {
          await closeLogger(log);
        }
      },
    );
}
