import winston from 'winston';

/** Log levels the CLI accepts for --log-level. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Creates the process logger: stderr (never stdout: it belongs to the guest console and to --stdio) or a file. */
export function createLogger(level: LogLevel, file?: string): winston.Logger {
  const format = winston.format.combine(
    winston.format.timestamp(),
    winston.format.printf(({ timestamp, level: lvl, message, component, ...meta }) => {
      const rest = Object.keys(meta).length ? ' ' + JSON.stringify(meta) : '';
      return `${timestamp as string} ${lvl}${component ? ` [${component as string}]` : ''}: ${message as string}${rest}`;
    }),
  );
  const transport = file
    ? new winston.transports.File({ filename: file, format })
    : new winston.transports.Console({ format, stderrLevels: [...LOG_LEVELS] });
  return winston.createLogger({ level, transports: [transport] });
}

/** Flushes and closes the logger (file transports write asynchronously). */
export function closeLogger(logger: winston.Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.on('finish', () => resolve());
    logger.end();
  });
}
