// Structured logging (pino). One logger per process; services take child loggers.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { name: string; level?: string; destination?: NodeJS.WritableStream } ): Logger {
  const level = opts.level ?? process.env['LOG_LEVEL'] ?? 'info';
  const base = { name: opts.name };
  return opts.destination ? pino({ level, base }, opts.destination as never) : pino({ level, base });
}

/** A logger that drops everything: for unit tests that do not assert on logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
