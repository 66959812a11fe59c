import { createRequire } from 'node:module';
import type winston from 'winston';
import type { ServerLogger } from '../server-logger.js';

/** Log levels the CLI accepts for --log-level. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The process logger: what the server and the machine log through, and its end (see closeLogger). */
export interface CliLogger extends ServerLogger {
  child(meta: Record<string, unknown>): CliLogger;
  /** Flushes and closes the logger (file transports write asynchronously). */
  close(): Promise<void>;
}

/** Builds the winston logger itself: stderr (never stdout: it belongs to the guest console and --stdio) or a file. */
function createWinstonLogger(level: LogLevel, file?: string): winston.Logger {
  // Loaded on first use: winston and its dependencies take ~60 ms to load, and most runs never log a line.
  const w = createRequire(import.meta.url)('winston') as typeof winston;
  const format = w.format.combine(
    w.format.timestamp(),
    w.format.printf(({ timestamp, level: lvl, message, component, ...meta }) => {
      const rest = Object.keys(meta).length ? ' ' + JSON.stringify(meta) : '';
      return `${timestamp as string} ${lvl}${component ? ` [${component as string}]` : ''}: ${message as string}${rest}`;
    }),
  );
  const transport = file
    ? new w.transports.File({ filename: file, format })
    : new w.transports.Console({ format, stderrLevels: [...LOG_LEVELS] });
  return w.createLogger({ level, transports: [transport] });
}

/**
 * A logger whose winston logger is built when the first message at or above its level arrives (the same filtering
 * winston does, so what is written is the same); children share their root's.
 */
class LazyLogger implements CliLogger {
  private own: winston.Logger | null = null;

  constructor(
    private readonly root: { level: LogLevel; file: string | undefined; logger: winston.Logger | null },
    private readonly meta: Record<string, unknown> | null,
  ) {}

  private target(): winston.Logger {
    const root = this.root;
    root.logger ??= createWinstonLogger(root.level, root.file);
    if (this.meta === null) return root.logger;
    return (this.own ??= root.logger.child(this.meta));
  }

  private enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(this.root.level);
  }

  private log(level: LogLevel, message: string, meta?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    if (meta === undefined) this.target()[level](message);
    else this.target()[level](message, meta);
  }

  debug(message: string, meta?: Record<string, unknown>): void {
    this.log('debug', message, meta);
  }

  info(message: string, meta?: Record<string, unknown>): void {
    this.log('info', message, meta);
  }

  warn(message: string, meta?: Record<string, unknown>): void {
    this.log('warn', message, meta);
  }

  error(message: string, meta?: Record<string, unknown>): void {
    this.log('error', message, meta);
  }

  isDebugEnabled(): boolean {
    return this.enabled('debug');
  }

  child(meta: Record<string, unknown>): CliLogger {
    return new LazyLogger(this.root, { ...this.meta, ...meta });
  }

  close(): Promise<void> {
    const logger = this.root.logger;
    if (logger === null) return Promise.resolve(); // never written to: nothing to flush
    return new Promise((resolve) => {
      logger.on('finish', () => resolve());
      logger.end();
    });
  }
}

/** Creates the process logger: stderr (never stdout: it belongs to the guest console and to --stdio) or a file. */
export function createLogger(level: LogLevel, file?: string): CliLogger {
  return new LazyLogger({ level, file, logger: null }, null);
}

/** Flushes and closes the logger (file transports write asynchronously). */
export function closeLogger(logger: CliLogger): Promise<void> {
  return logger.close();
}
