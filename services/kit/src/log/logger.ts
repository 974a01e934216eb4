// Structured logging (pino). One logger per process; services take child loggers.
import { pino, type Logger } from 'pino';
import { LineBuffer } from './line-buffer.ts';

export type { Logger };

/** stdout lines are written in blocks of this size at least, or after FLUSH_MS, whichever comes first. */
const MIN_WRITE_CHARS = 4096;
const FLUSH_MS = 100;

/**
 * To stdout by default: buffered (one write per 4 KB or per 100 ms instead of a write per request line, which
 * cost ~40 µs each under load), flushed on exit; a SIGKILL loses at most the last 100 ms of lines. Lines are
 * coalesced by a LineBuffer in front of sonic-boom (whose own minLength buffering re-measures the pending text on
 * every write), so every line, pino's and the request line writer's, keeps its order.
 */
export function createLogger(opts: { name: string; level?: string; destination?: NodeJS.WritableStream } ): Logger {
  const level = opts.level ?? process.env['LOG_LEVEL'] ?? 'info';
  const base = { name: opts.name };
  if (opts.destination) return pino({ level, base }, opts.destination as never);
  const stdout = pino.destination({ dest: 1, sync: false });
  const lines = new LineBuffer(stdout, MIN_WRITE_CHARS);
  setInterval(() => lines.flush(), FLUSH_MS).unref();
  process.once('exit', () => {
    try {
      lines.flush();
      stdout.flushSync();
    } catch {
      // stdout is gone or busy: nothing more can be done at exit
    }
  });
  return pino({ level, base }, lines);
}

/** A logger that drops everything: for unit tests that do not assert on logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

interface PinoInternals {
  [key: symbol]: unknown;
}

/**
 * An info-level writer for the one log line a gateway writes per request: the same JSON line `logger.info(fields,
 * msg)` writes, but encoded with one JSON.stringify. pino builds a line key by key, which allocates about 11 KB for
 * the request line's thirty fields (measured); that garbage was an eighth of all a request allocated. Loggers with
 * a mixin, redaction or a custom time format keep pino's own path.
 */
export function infoLineWriter(logger: Logger): (fields: object, msg: string) => void {
  const p = logger as unknown as PinoInternals;
  const s = pino.symbols;
  const stream = p[s.streamSym] as { write(line: string): unknown } | undefined;
  const plain = typeof stream?.write === 'function' && p[s.mixinSym] === undefined && p[s.redactFmtSym] === undefined && p[s.timeSym] === pino.stdTimeFunctions.epochTime
    && p[s.messageKeySym] === 'msg' && p[s.nestedKeySym] === null;
  if (!plain || !stream) return (fields, msg) => logger.info(fields, msg);
  return (fields, msg) => {
    if (!logger.isLevelEnabled('info')) return;
    const body = JSON.stringify(fields);
    const chindings = p[s.chindingsSym] as string;
    stream.write(`{"level":30,"time":${Date.now()}${chindings}${body.length > 2 ? `,${body.slice(1, -1)}` : ''},"msg":${JSON.stringify(msg)}}\n`);
  };
}
