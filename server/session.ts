// One gdb connection: its packet channel, the packets' handlers, and the state that belongs to the connection
// (ack mode, extended mode, what gdb supports, its breakpoints, the run in progress). Packets are handled one
// at a time, in order; while the target runs, only Ctrl-C is acted on and other packets wait for the stop.
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
}

export class Session implements HandlerContext {
  readonly breakpoints: BreakpointSet;
  readonly runControl: RunControl;
  /** `!` was received: `R`/`vRun` restart the guest, and `k` keeps the session. */
  extendedMode = false;
  /** The features gdb offered in its qSupported. */
  gdbFeatures: ReadonlyMap<string, QSupportedFeature> = new Map();
  private readonly channel: PacketChannel;
  /** Packets that arrived while the target was running, handled after its stop reply. */
  private readonly backlog: Uint8Array[] = [];
  private run: Promise<void> | null = null;
  private ended = false;
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
    this.logPackets = logger.isDebugEnabled();
    this.breakpoints = new BreakpointSet(target.machine, () => target.memspace);
    this.runControl = new RunControl(target.machine, this.breakpoints);
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
    // A guest that powered off under the previous gdb starts again for this one.
    if (target.exited) target.reset();
    target.debug.takeCatchStop(); // a catch the previous gdb never saw reported is not this one's stop reason
    conn.onData((chunk) => this.channel.receive(chunk));
    conn.onClose(() => void this.onDisconnect());
    logger.info('gdb connected', { peer: conn.peer });
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

  /** Ends the session from our side (detach, kill): pending replies are sent first. */
  end(): void {
    this.conn.end();
  }

  private onPacket(payload: Uint8Array): void {
    if (this.ended) return;
    if (this.run) {
      this.backlog.push(payload);
      return;
    }
    this.handle(payload);
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
    if (action.kind === 'step') {
      try {
        this.reportStop(this.runControl.stepNow());
      } catch (e) {
        this.reportRunFailure(e);
      }
      return;
    }
    this.run = this.runControl
      .resume(action)
      .then((outcome) => this.reportStop(outcome))
      .catch((e: unknown) => this.reportRunFailure(e))
      .finally(() => {
        this.run = null;
        this.drainBacklog();
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

  private drainBacklog(): void {
    while (!this.run && !this.ended && this.backlog.length > 0) this.handle(this.backlog.shift()!);
  }

  private onInterrupt(): void {
    if (this.runControl.running) this.runControl.interrupt('interrupted by the debugger (Ctrl-C)');
    else this.logger.debug('interrupt while halted: ignored');
  }

  private onUndecodable(error: FramingError): void {
    if (this.run) {
      this.logger.warn('undecodable frame while the target runs: dropped', { code: error.code });
      return;
    }
    this.apply(
      errorResult(new SessionError('UndecodableFrame', `frame rejected: ${error.code}`), 'frame', this.logger),
    );
  }

  private async onDisconnect(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.runControl.interrupt('gdb disconnected');
    await this.run;
    // The guest stays halted where it is; the next gdb inserts its own breakpoints.
    this.breakpoints.clear();
    this.logger.info('gdb disconnected', { peer: this.conn.peer, pc: `0x${this.target.machine.pc.toString(16)}` });
    this.resolveFinished();
  }
}

/** A packet as text for a debug log line, shortened. */
function preview(payload: Uint8Array): string {
  const text = Buffer.from(payload.subarray(0, 120)).toString('latin1');
  return payload.length > 120 ? `${text}... (${payload.length} bytes)` : text;
}
