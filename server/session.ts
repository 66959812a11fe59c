// One gdb connection: its packet channel, the packets' handlers, and the state that belongs to the connection
// (ack mode, extended mode, what gdb supports, its breakpoints, the run in progress). Packets are handled one
// at a time, in order; while the target runs, only Ctrl-C is acted on and other packets wait for the stop. A batch of
// packets never holds the event loop for more than a few milliseconds, and packets of a departed client are dropped.
import type { FramingError } from '../protocol/framing.js';
import { parsePacket, type QSupportedFeature } from '../protocol/packets.js';
import { encodeConsoleOutputReplies, encodeStopReply } from '../protocol/replies.js';
import { BreakpointSet } from './breakpoint-set.js';
import type { DebugTarget } from './debug-target.js';
import type { HandlerContext } from './handler-context.js';
import { errorResult } from './error-reply.js';
import type { HandlerResult } from './handler-result.js';
import { dispatchPacket } from './handlers/index.js';
import { PacketChannel } from './packet-channel.js';
import { RunControl, type ResumeAction, type ResumeOutcome } from './run-control.js';
import type { ServerLogger } from './server-logger.js';
import { SessionError } from './session-error.js';
import { GDB_SIGNAL, reportHalt, type StopReasonSupport } from './stop-report.js';
import { GUEST_THREAD } from './threads.js';
import type { Connection } from './transport.js';

export interface SessionOptions {
  /** Largest packet payload we accept and advertise (qSupported PacketSize). */
  readonly packetSize: number;
  /** Resolves when the previous session has let go of the machine; packets wait until then. */
  readonly after?: Promise<void>;
}

/** Handling packets stops for a turn of the event loop after this long (a batch of thousands of Z packets). */
const BATCH_BUDGET_MS = 10;

/** What arrived from gdb, in order: a packet, or a frame that could not be decoded. */
type Incoming = Uint8Array | FramingError;

export class Session implements HandlerContext {
  readonly breakpoints: BreakpointSet;
  readonly runControl: RunControl;
  /** `!` was received: `R`/`vRun` restart the guest, and `k` keeps the session. */
  extendedMode = false;
  /** The features gdb offered in its qSupported. */
  gdbFeatures: ReadonlyMap<string, QSupportedFeature> = new Map();
  private readonly channel: PacketChannel;
  /** What arrived and is not handled yet (while the target runs, or past a batch's time budget). */
  private queue: Incoming[] = [];
  private queueHead = 0;
  private drainScheduled = false;
  /** The previous session has let go of the machine. */
  private ready = false;
  private run: Promise<void> | null = null;
  private ended = false;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private readonly finishedPromise: Promise<void>;
  /** Per-packet debug logging, decided once (the level does not change while serving). */
  private readonly logPackets: boolean;
  private resolveFinished!: () => void;

  constructor(
    private readonly conn: Connection,
    readonly target: DebugTarget,
    readonly logger: ServerLogger,
    readonly options: SessionOptions,
  ) {
    this.finishedPromise = new Promise((resolve) => (this.resolveFinished = resolve));
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.logPackets = logger.isDebugEnabled();
    this.breakpoints = new BreakpointSet(target.machine, () => target.memspace);
    this.runControl = new RunControl(target.machine, this.breakpoints, target.debug);
    this.channel = new PacketChannel(
      conn,
      options.packetSize,
      {
        packet: (payload) => this.onPacket(payload),
        interrupt: () => this.onInterrupt(),
        undecodable: (error) => this.onUndecodable(error),
      },
      logger,
    );
    conn.onData((chunk) => this.channel.receive(chunk));
    conn.onClose(() => void this.onDisconnect());
    logger.info('gdb connected', { peer: conn.peer });
    void (options.after ?? Promise.resolve()).then(() => {
      if (this.ended) return this.resolveFinished();
      target.beginSession();
      this.ready = true;
      this.drain();
    });
  }

  /** Resolves as soon as the connection is gone (the machine may still be stopping). */
  get closed(): Promise<void> {
    return this.closedPromise;
  }

  /** Resolves once the connection is gone and the machine is halted and free for the next session. */
  get finished(): Promise<void> {
    return this.finishedPromise;
  }

  get packetSize(): number {
    return this.options.packetSize;
  }

  /** The stop reasons gdb said it understands. */
  get stopReasonSupport(): StopReasonSupport {
    return { swbreak: this.gdbFeatures.get('swbreak') === '+', hwbreak: this.gdbFeatures.get('hwbreak') === '+' };
  }

  /** Puts the guest back in its initial state, keeping gdb's breakpoints (monitor reset). */
  resetGuest(): void {
    this.target.reset();
  }

  /** A new run of the program (vRun, R, kill): initial state, and no breakpoints until gdb inserts them again. */
  restartGuest(): void {
    this.breakpoints.clear();
    this.target.reset();
  }

  /** The next single step reports a stop where the guest is, without executing (monitor gdb_sync). */
  syncNextStep(): void {
    this.runControl.syncNextStep();
  }

  /** The next step or continue goes to instruction count `icount` of the recording (monitor record goto). */
  seekOnNextResume(icount: bigint): void {
    this.runControl.seekOnNextResume(icount);
  }

  /** Ends the session from our side (detach, kill): pending replies are sent first. */
  end(): void {
    this.conn.end();
  }

  private onPacket(payload: Uint8Array): void {
    this.enqueue(payload);
  }

  private enqueue(item: Incoming): void {
    if (this.ended) return;
    this.queue.push(item);
    this.drain();
  }

  /** Handles queued packets in order until one starts a run, the queue is empty, or the batch's budget is spent. */
  private drain(): void {
    const deadline = performance.now() + BATCH_BUDGET_MS;
    while (this.ready && !this.run && !this.ended && this.queueHead < this.queue.length) {
      const item = this.queue[this.queueHead++]!;
      if (this.queueHead === this.queue.length) {
        this.queue = [];
        this.queueHead = 0;
      }
      if (item instanceof Uint8Array) this.handle(item);
      else this.rejectFrame(item);
      if (performance.now() > deadline && this.queueHead < this.queue.length) {
        if (!this.drainScheduled) {
          this.drainScheduled = true;
          setImmediate(() => {
            this.drainScheduled = false;
            this.drain();
          });
        }
        return;
      }
    }
  }

  private handle(payload: Uint8Array): void {
    const packet = parsePacket(payload);
    const name = packet.kind === 'unknown' || packet.kind === 'malformed' ? packet.name : packet.kind;
    if (this.logPackets) this.logger.debug('packet', { packet: preview(payload) });
    let result: HandlerResult;
    try {
      result = dispatchPacket(packet, this);
    } catch (e) {
      result = errorResult(e, name, this.logger);
    }
    this.apply(result);
  }

  private apply(result: HandlerResult): void {
    switch (result.kind) {
      case 'reply':
        this.channel.send(result.reply);
        break;
      case 'output':
        this.sendText(result.text);
        this.channel.send(result.reply);
        return;
      case 'resume':
        this.startRun(result.action);
        return;
      case 'none':
        break;
      default: {
        const never: never = result;
        throw new Error(`unknown handler result ${JSON.stringify(never)}`);
      }
    }
    if (result.after === 'disable-acks') this.channel.disableAcks();
    if (result.after === 'end-session') this.end();
  }

  private sendText(text: string): void {
    for (const packet of encodeConsoleOutputReplies(text, this.options.packetSize)) this.channel.send(packet);
  }

  private startRun(action: ResumeAction): void {
    this.run = this.runControl
      .resume(action)
      .then((outcome) => this.reportStop(outcome))
      .catch((e: unknown) => this.reportRunFailure(e))
      .finally(() => {
        this.run = null;
        this.drain();
      });
  }

  /** The machine or the report threw (a bug, not a guest event): say so and report a stop; never drop the session. */
  private reportRunFailure(e: unknown): void {
    this.logger.error('run failed', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    if (this.ended) return;
    this.sendText(`el2dbg: internal error while running the guest: ${e instanceof Error ? e.message : String(e)}\n`);
    this.channel.send(encodeStopReply({ kind: 'signal', signal: GDB_SIGNAL.ILL, thread: GUEST_THREAD }));
  }

  private reportStop(outcome: ResumeOutcome): void {
    if (this.ended) return;
    const report = reportHalt(outcome.halt, {
      registers: this.target.registers,
      breakpoints: this.breakpoints,
      support: this.stopReasonSupport,
      catchStop: this.target.debug.takeCatchStop(),
    });
    for (const note of outcome.notes) this.sendText(`${note}\n`);
    if (report.message) this.sendText(report.message);
    this.channel.send(encodeStopReply(report.stop));
    if (this.logPackets)
      this.logger.debug('stopped', { halt: outcome.halt.kind, pc: `0x${this.target.machine.pc.toString(16)}` });
  }

  private onInterrupt(): void {
    if (this.runControl.running) this.runControl.interrupt('interrupted by the debugger (Ctrl-C)');
    else this.logger.debug('interrupt while halted: ignored');
  }

  private onUndecodable(error: FramingError): void {
    this.enqueue(error);
  }

  private rejectFrame(error: FramingError): void {
    const e = new SessionError('UndecodableFrame', `frame rejected: ${error.code}`);
    this.apply(errorResult(e, 'frame', this.logger));
  }

  private async onDisconnect(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.queue = []; // what a departed client sent is not carried out
    this.queueHead = 0;
    this.resolveClosed();
    if (!this.ready) return; // never had the machine: the server's wait for the previous session ends this one
    this.runControl.interrupt('gdb disconnected');
    await this.run;
    this.channel.close();
    // The guest stays halted where it is; the next gdb inserts its own breakpoints.
    this.breakpoints.clear();
    const traceEnded = this.target.endSession();
    if (traceEnded) this.logger.info('gdb left: its trace is finished', { trace: traceEnded.trim() });
    this.logger.info('gdb disconnected', { peer: this.conn.peer, pc: `0x${this.target.machine.pc.toString(16)}` });
    this.resolveFinished();
  }
}

/** A packet as text for a debug log line, shortened. */
function preview(payload: Uint8Array): string {
  const text = Buffer.from(payload.subarray(0, 120)).toString('latin1');
  return payload.length > 120 ? `${text}... (${payload.length} bytes)` : text;
}
