// The logger the server is given (a winston child logger fits). Logs go to stderr or a file, never into the protocol.

export interface ServerLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
  child(meta: Record<string, unknown>): ServerLogger;
  /** True when debug messages are written (so per-packet logging costs nothing otherwise). */
  isDebugEnabled(): boolean;
}
