// The server: one debug target, one gdb at a time. A second connection while a session is active is refused
// with a message gdb prints (an `E.` reply to its first packet), and the active session is not touched.
import { encodePacket, PacketDecoder } from '../protocol/framing.js';
import type { DebugTarget } from './debug-target.js';
import type { ServerLogger } from './server-logger.js';
import { Session } from './session.js';
import type { Connection } from './transport.js';

/** Largest packet we take and advertise: big `m` replies make memory dumps fast (gdb then reads 64 KiB per `m`). */
export const DEFAULT_PACKET_SIZE = 0x20000;
/** A refused client that never sends a packet is dropped after this long. */
const REFUSAL_TIMEOUT_MS = 10_000;

export interface GdbServerOptions {
  readonly target: DebugTarget;
  readonly logger: ServerLogger;
  readonly packetSize?: number;
}

export class GdbServer {
  readonly target: DebugTarget;
  private readonly logger: ServerLogger;
  private readonly packetSize: number;
  /** The session whose connection is open. */
  private active: { session: Session; peer: string } | null = null;
  /** Resolves when the last session has let go of the machine (its run stopped); the next one waits for it. */
  private released: Promise<void> = Promise.resolve();
  private readonly endListeners: ((session: Session) => void)[] = [];
  private sessionCount = 0;
  /** Refused connections still waiting for their first packet (closed with the server). */
  private readonly refused = new Set<Connection>();

  constructor(options: GdbServerOptions) {
    this.target = options.target;
    this.logger = options.logger;
    this.packetSize = options.packetSize ?? DEFAULT_PACKET_SIZE;
  }

  /** The session being served, if any. */
  get activeSession(): Session | null {
    return this.active?.session ?? null;
  }

  /** Called whenever a session has ended and the guest is halted again. */
  onSessionEnd(listener: (session: Session) => void): void {
    this.endListeners.push(listener);
  }

  /** Serves a new connection, or refuses it (returns null) while another gdb is attached. */
  accept(conn: Connection): Session | null {
    if (this.active) {
      this.refused.add(conn);
      conn.onClose(() => this.refused.delete(conn));
      refuseConnection(
        conn,
        `el2dbg: another gdb (${this.active.peer}) is already attached; el2dbg serves one client at a time`,
        this.logger,
      );
      return null;
    }
    const session = new Session(
      conn,
      this.target,
      this.logger.child({ component: 'session', session: ++this.sessionCount }),
      { packetSize: this.packetSize, after: this.released },
    );
    this.active = { session, peer: conn.peer };
    this.released = session.finished;
    // A closed connection frees the server at once; the next gdb's packets wait until this run has stopped.
    void session.closed.then(() => {
      if (this.active?.session === session) this.active = null;
    });
    void session.finished.then(() => {
      for (const l of this.endListeners) l(session);
    });
    return session;
  }

  /** Ends every connection and resolves once the guest is halted. */
  async close(): Promise<void> {
    for (const conn of this.refused) conn.end();
    this.active?.session.end();
    await this.released;
  }
}

/** Answers the client's first packet with `E.message` (gdb 13 prints it as "Remote failure reply") and hangs up. */
function refuseConnection(conn: Connection, message: string, logger: ServerLogger): void {
  logger.warn('refused a gdb connection: one client at a time', { peer: conn.peer });
  const decoder = new PacketDecoder();
  const timer = setTimeout(() => conn.end(), REFUSAL_TIMEOUT_MS);
  timer.unref();
  let answered = false;
  conn.onData((chunk) => {
    if (answered || !decoder.feed(chunk).some((e) => e.kind === 'packet')) return;
    answered = true;
    clearTimeout(timer);
    conn.write(Uint8Array.of(0x2b));
    conn.write(encodePacket(`E.${message}`));
    conn.end();
  });
  conn.onClose(() => clearTimeout(timer));
}
