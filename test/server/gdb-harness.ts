// Test harness: the real server in this process on an ephemeral loopback port, and real gdb-multiarch
// processes (batch mode) or raw sockets talking to it. Everything waits on events (output, exits).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import winston from 'winston';
import { buildMachineConfigFromOptions } from '../../server/cli/machine-options.js';
import { loadGuestImage } from '../../server/cli/load-guest.js';
import { Machine } from '../../core/machine/machine.js';
import { loadUnicorn } from '../../core/unicorn/library.js';
import { encodePacket, PacketDecoder } from '../../protocol/framing.js';
import { DebugTarget } from '../../server/debug-target.js';
import { parseCatchDefault } from '../../server/debug/catch-rules.js';
import { GdbServer } from '../../server/gdb-server.js';
import type { ServerLogger } from '../../server/server-logger.js';
import { listenTcp, socketConnection, type TcpListener } from '../../server/transport.js';
import { guestPath } from '../helpers/guests.js';
import { trackProcess } from '../helpers/processes.js';

const RAM_SIZE = 1n << 30n;

/** A logger for tests: silent, or on stderr with EL2DBG_TEST_LOG=debug. */
export function testLogger(): ServerLogger {
  const level = process.env.EL2DBG_TEST_LOG;
  return level
    ? winston.createLogger({
        level,
        transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
      })
    : winston.createLogger({ silent: true });
}

/** Resolves when `text()` first matches `pattern`, checked whenever `subscribe` signals new output. */
class OutputWatcher {
  private text = '';
  private readonly waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  append(chunk: string): void {
    this.text += chunk;
    for (const w of [...this.waiters]) {
      const m = this.text.match(w.pattern);
      if (m) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }

  get all(): string {
    return this.text;
  }

  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const m = this.text.match(pattern);
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }
}

export interface TestServer {
  readonly port: number;
  readonly server: GdbServer;
  readonly machine: Machine;
  readonly imagePath: string;
  /** Resolves when the guest console has printed something matching `pattern`. */
  waitForConsole(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Everything the guest console printed so far. */
  consoleText(): string;
  close(): Promise<void>;
}

/** The real server for `image` (default: the demo guest) under `policy` (default ritm), listening on 127.0.0.1:0. */
export async function startServer(
  opts: {
    image?: string;
    policy?: string;
    handlerTimeoutMs?: number;
    catchDefaults?: string[];
    /** Where monitor trace start may write (default: the working directory). */
    traceDir?: string;
    logger?: ServerLogger;
  } = {},
): Promise<TestServer> {
  const lib = loadUnicorn();
  const imagePath = opts.image ?? guestPath('demo');
  const image = await loadGuestImage(imagePath, RAM_SIZE);
  const setup = await buildMachineConfigFromOptions(lib, image, RAM_SIZE, {
    policy: opts.policy ?? 'ritm',
    inject: 'ritm',
    handlerTimeoutMs: opts.handlerTimeoutMs ?? 0,
  });
  const config = setup.config;
  const console = new OutputWatcher();
  const machine = new Machine({
    ...config,
    console: { write: (b) => console.append(Buffer.from(b).toString('latin1')) },
  });
  const target = new DebugTarget(machine, imagePath, RAM_SIZE, {
    catchDefaults: (opts.catchDefaults ?? []).map(parseCatchDefault),
    ...(opts.traceDir === undefined ? {} : { traceDir: opts.traceDir }),
  });
  const server = new GdbServer({ target, logger: opts.logger ?? testLogger() });
  const sockets = new Set<net.Socket>();
  const listener: TcpListener = await listenTcp('127.0.0.1', 0, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    server.accept(socketConnection(socket));
  });
  return {
    port: listener.port,
    server,
    machine,
    imagePath,
    waitForConsole: (pattern) => console.waitFor(pattern),
    consoleText: () => console.all,
    close: async () => {
      for (const s of sockets) s.destroy();
      await server.close();
      await listener.close();
      await machine.close();
      await setup.closePolicy();
    },
  };
}

/** A running gdb-multiarch: its combined output, events on it, and its exit. */
export interface GdbProcess {
  readonly child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the whole output once gdb has exited. */
  readonly exited: Promise<{ code: number | null; output: string }>;
}

/**
 * Starts gdb-multiarch in batch mode with `commands` as -ex commands (no init files, no pagination, no confirmations).
 */
export function spawnGdb(commands: readonly string[], opts: { args?: readonly string[] } = {}): GdbProcess {
  const args = [
    '-batch',
    '-nx',
    '-ex',
    'set pagination off',
    '-ex',
    'set confirm off',
    // gdb waits 2 s for a reply by default; a server started through `target remote | ...` on a loaded machine can take
    // longer to answer the first packet, and gdb then pairs the late reply with its next packet.
    '-ex',
    'set remotetimeout 30',
    ...(opts.args ?? []),
    ...commands.flatMap((c) => ['-ex', c]),
  ];
  // gdb's stdout and stderr share one pipe (`2>&1`, then `exec`: the pid stays gdb's), so the output reads in the order
  // gdb wrote it, as on a terminal; two pipes read by two listeners interleave as the scheduler pleases, and a test
  // comparing the order of a monitor reply (stderr) with a command's output (stdout) failed under load.
  const child = trackProcess(
    spawn('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', 'gdb-multiarch', ...args], { stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  const out = new OutputWatcher();
  child.stdout!.on('data', (d: Buffer) => out.append(d.toString('utf8')));
  const exited = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: out.all }));
  });
  return { child, output: () => out.all, waitFor: (p) => out.waitFor(p), exited };
}

/**
 * Runs gdb-multiarch against 127.0.0.1:port (`target remote` unless `connect` says otherwise) and resolves with its
 * output.
 */
export async function runGdb(
  port: number,
  commands: readonly string[],
  opts: { connect?: string; args?: readonly string[] } = {},
): Promise<string> {
  const gdb = spawnGdb([`${opts.connect ?? 'target remote'} 127.0.0.1:${port}`, ...commands], opts);
  return (await gdb.exited).output;
}

/** A raw RSP client on a socket, for protocol-level tests; replies are decoded with the protocol's own decoder. */
export class RawClient {
  private readonly socket: net.Socket;
  private raw = '';
  private readonly decoder = new PacketDecoder({ maxPayload: 1 << 24 });
  private readonly events: ('+' | '-' | { packet: string })[] = [];
  private wake: (() => void) | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.raw += d.toString('latin1');
      for (const e of this.decoder.feed(d)) {
        if (e.kind === 'ack') this.events.push('+');
        else if (e.kind === 'nack') this.events.push('-');
        else if (e.kind === 'packet') this.events.push({ packet: Buffer.from(e.payload).toString('latin1') });
      }
      this.wake?.();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends raw bytes (a frame, garbage, 0x03...). */
  sendRaw(bytes: string | Uint8Array): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Sends a correctly framed packet. */
  send(payload: string): void {
    this.sendRaw(encodePacket(payload));
  }

  /** Every byte received so far, as sent (framed, escaped, run-length encoded). */
  get received(): string {
    return this.raw;
  }

  /** The next `+` or `-` from the server (packets before it stay queued). */
  async nextAck(): Promise<'+' | '-'> {
    for (;;) {
      const i = this.events.findIndex((e) => typeof e === 'string');
      if (i >= 0) return this.events.splice(i, 1)[0] as '+' | '-';
      await this.changed();
    }
  }

  /** The payload of the next packet from the server (acks before it are dropped). */
  async nextPacket(): Promise<string> {
    for (;;) {
      const i = this.events.findIndex((e) => typeof e !== 'string');
      if (i >= 0) return (this.events.splice(0, i + 1)[i] as { packet: string }).packet;
      await this.changed();
    }
  }

  /** Sends a packet and returns the payload of the reply (acknowledging it). */
  async request(payload: string): Promise<string> {
    this.send(payload);
    const reply = await this.nextPacket();
    this.sendRaw('+');
    return reply;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  /** Resolves when the server closes the connection. */
  closedByServer(): Promise<void> {
    return new Promise((resolve) => (this.socket.destroyed ? resolve() : this.socket.once('close', () => resolve())));
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
}
