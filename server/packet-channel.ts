// Packets over a connection: framing (protocol/), acknowledgements, retransmission on `-`, no-ack mode.
import { encodePacket, PacketDecoder, type FramingError } from '../protocol/framing.js';
import type { Reply } from '../protocol/replies.js';
import type { Connection } from './transport.js';
import type { ServerLogger } from './server-logger.js';

const ACK = Uint8Array.of(0x2b);
const NACK = Uint8Array.of(0x2d);
/** Replies longer than this are run-length encoded (memory and register dumps are full of repeats). */
const RUN_LENGTH_THRESHOLD = 64;

export interface PacketChannelListener {
  packet(payload: Uint8Array): void;
  interrupt(): void;
  /** A whole frame arrived but could not be decoded (too long, bad run length): it deserves an error reply. */
  undecodable(error: FramingError): void;
}

/** Bad frames logged one by one per connection before the rest are only counted (a fuzzer sends millions). */
const LOGGED_BAD_FRAMES = 10;
/** After that, one line per this many. */
const BAD_FRAME_SUMMARY_EVERY = 10_000;

/** Frames that were damaged on the way: the sender should just send them again (a `-`). */
const RETRANSMIT_CODES: ReadonlySet<FramingError['code']> = new Set([
  'BadChecksum',
  'BadChecksumDigits',
  'TruncatedPacket',
]);

/** One connection's packet layer. `receive` is fed raw bytes; `send` frames a reply. */
export class PacketChannel {
  private readonly decoder: PacketDecoder;
  private ackMode = true;
  /** The last frame sent, until gdb acknowledges it (ack mode only). */
  private unacknowledged: Uint8Array | null = null;
  private badFrames = 0;
  private badFramesUnlogged = 0;

  constructor(
    private readonly conn: Connection,
    maxPayload: number,
    private readonly listener: PacketChannelListener,
    private readonly logger: ServerLogger,
  ) {
    this.decoder = new PacketDecoder({ maxPayload });
  }

  /** Stops sending and expecting `+`/`-` (after the OK to QStartNoAckMode has gone out). */
  disableAcks(): void {
    this.ackMode = false;
    this.unacknowledged = null;
  }

  /** Frames and sends one reply. */
  send(payload: Reply): void {
    const frame = encodePacket(payload, { runLength: payload.length > RUN_LENGTH_THRESHOLD });
    if (this.ackMode) this.unacknowledged = frame;
    this.conn.write(frame);
  }

  /** Consumes bytes from the connection. */
  receive(chunk: Uint8Array): void {
    // In ack mode a `+` precedes each reply: corked, both leave in one send.
    const corked = this.ackMode;
    if (corked) this.conn.cork();
    try {
      for (const event of this.decoder.feed(chunk)) {
        switch (event.kind) {
          case 'packet':
            if (this.ackMode) this.conn.write(ACK);
            this.listener.packet(event.payload);
            break;
          case 'ack':
            this.unacknowledged = null;
            break;
          case 'nack':
            if (this.ackMode && this.unacknowledged) this.conn.write(this.unacknowledged);
            break;
          case 'interrupt':
            this.listener.interrupt();
            break;
          case 'error':
            this.framingError(event);
            break;
          default: {
            const never: never = event;
            throw new Error(`unknown decoder event ${JSON.stringify(never)}`);
          }
        }
      }
    } finally {
      if (corked) this.conn.uncork();
    }
  }

  /** The connection is gone: says how many bad frames were not logged one by one. */
  close(): void {
    if (this.badFramesUnlogged > 0) this.summariseBadFrames();
  }

  private noteBadFrame(error: FramingError): void {
    this.badFrames++;
    if (this.badFrames <= LOGGED_BAD_FRAMES) {
      const more = this.badFrames === LOGGED_BAD_FRAMES ? { note: 'further bad frames are counted, not logged' } : {};
      this.logger.warn('bad frame from gdb', { code: error.code, ...error.detail, ...more });
      return;
    }
    if (++this.badFramesUnlogged >= BAD_FRAME_SUMMARY_EVERY) this.summariseBadFrames();
  }

  private summariseBadFrames(): void {
    this.logger.warn('bad frames from gdb', { notLogged: this.badFramesUnlogged, total: this.badFrames });
    this.badFramesUnlogged = 0;
  }

  private framingError(error: FramingError): void {
    if (error.code === 'GarbageBeforePacket') {
      this.logger.debug('ignoring bytes outside a packet', { firstByte: error.detail.firstByte });
      return;
    }
    this.noteBadFrame(error);
    if (RETRANSMIT_CODES.has(error.code)) {
      if (this.ackMode) this.conn.write(NACK);
      return;
    }
    // The frame arrived whole, so sending it again would fail the same way: acknowledge it and answer an error.
    if (this.ackMode) this.conn.write(ACK);
    this.listener.undecodable(error);
  }
}
