// Byte transports for sessions: a TCP socket, or this process's stdin/stdout (`target remote | el2dbg serve --stdio`).
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';

/** One client's byte stream. */
export interface Connection {
  /** Who is on the other end, for logs: `127.0.0.1:40312` or `stdio`. */
  readonly peer: string;
  write(bytes: Uint8Array): void;
  /** Batches the writes made until uncork() into as few sends as possible. */
  cork(): void;
  uncork(): void;
  /** Ends the connection once pending writes are sent. */
  end(): void;
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once, when the peer hangs up, the stream fails or end() completes. */
  onClose(listener: () => void): void;
}

/** A connection over a readable and a writable stream (the same object for a socket). */
class StreamConnection implements Connection {
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    readonly peer: string,
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly finish: () => void,
  ) {
    const close = () => this.close();
    input.on('end', close);
    input.on('close', close);
    input.on('error', close);
    output.on('error', close);
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.output.write(bytes);
  }

  cork(): void {
    this.output.cork();
  }

  uncork(): void {
    this.output.uncork();
  }

  end(): void {
    if (this.closed) return;
    this.finish();
    this.close();
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.input.on('data', (chunk: Buffer) => listener(chunk));
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l();
  }
}

/** Wraps an accepted TCP socket (Nagle off: replies are small and latency-bound). */
export function socketConnection(socket: net.Socket): Connection {
  socket.setNoDelay(true);
  return new StreamConnection(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, socket, socket, () =>
    socket.end(),
  );
}

/** The protocol on stdin/stdout; nothing else may write to stdout while it is in use. */
export function stdioConnection(stdin: Readable, stdout: Writable): Connection {
  return new StreamConnection('stdio', stdin, stdout, () => {
    stdin.pause();
    stdout.end();
  });
}

/** A listening TCP server; `port` is the one actually bound (useful with port 0). */
export interface TcpListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on host:port and hands every accepted socket to `accept`. */
export function listenTcp(host: string, port: number, accept: (socket: net.Socket) => void): Promise<TcpListener> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(accept);
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address() as net.AddressInfo;
      resolve({
        host,
        port: address.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
