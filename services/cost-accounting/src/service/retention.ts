// Retention (LiteLLM general_settings.maximum_spend_logs_retention_period / _interval): deletes spend logs older than
// the period, and outbox rows the relay published long ago, in short chunks so recording never waits long on it.
import type { Logger } from '@ai-gateway/kit';
import type { Store } from '../store/port.ts';

export interface RetentionOptions {
  /** Spend logs that finished longer ago than this are deleted; null keeps them forever. */
  spendLogsMaxAgeMs: number | null;
  /** Outbox rows published longer ago than this are deleted (their records are on Kafka by then). */
  publishedOutboxMaxAgeMs: number;
  /** Time between runs. */
  everyMs: number;
  /** The first run, after start (default: a minute, or `everyMs` when that is shorter). */
  firstRunAfterMs: number | null;
  /** Rows per DELETE statement. */
  chunk: number;
  /** Chunks per table per run at most (a run that hits it carries on at the next one). */
  maxChunksPerRun: number;
}

/** setInterval's ceiling (a longer delay would fire after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const DAY_MS = 86_400_000;

export function defaultRetentionOptions(): RetentionOptions {
  return {
    spendLogsMaxAgeMs: null,
    publishedOutboxMaxAgeMs: DAY_MS,
    everyMs: DAY_MS,
    firstRunAfterMs: null,
    chunk: 5_000,
    maxChunksPerRun: 2_000,
  };
}

export interface RetentionRun {
  spendLogs: number;
  outbox: number;
}

export interface Retention {
  /** One pass over both tables; resolves with the rows deleted. */
  runOnce(): Promise<RetentionRun>;
  /** No more passes; resolves once a running one has stopped (after its current chunk). */
  stop(): Promise<void>;
}

export function startRetention(input: {
  deps: { store: Pick<Store, 'pruneSpendLogs' | 'prunePublishedOutbox' | 'reclaimSpace'>; logger: Logger; now?: () => number };
  options?: Partial<RetentionOptions>;
}): Retention {
  const { store, logger } = input.deps;
  const now = input.deps.now ?? Date.now;
  const opts = { ...defaultRetentionOptions(), ...input.options };
  let running: Promise<RetentionRun> | null = null;
  let stopped = false;

  async function drain(prune: (beforeMs: number, limit: number) => Promise<number>, beforeMs: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < opts.maxChunksPerRun && !stopped; i++) {
      const n = await prune(beforeMs, opts.chunk);
      total += n;
      if (n < opts.chunk) break;
      // Let queued work (a batch of completed events) reach the store between chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  async function pass(): Promise<RetentionRun> {
    const t = now();
    const spendLogs = opts.spendLogsMaxAgeMs === null ? 0 : await drain((b, l) => store.pruneSpendLogs(b, l), t - opts.spendLogsMaxAgeMs);
    const outbox = await drain((b, l) => store.prunePublishedOutbox(b, l), t - opts.publishedOutboxMaxAgeMs);
    if (spendLogs + outbox > 0) {
      await store.reclaimSpace();
      logger.info({ spendLogs, outbox, spendLogsMaxAgeMs: opts.spendLogsMaxAgeMs }, 'retention: deleted old spend logs and published outbox rows');
    }
    return { spendLogs, outbox };
  }

  function runOnce(): Promise<RetentionRun> {
    // One pass at a time: a slow pass is never overlapped by the next tick.
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  }

  const tick = (): void => {
    runOnce().catch((err: unknown) => logger.warn({ err }, 'retention pass failed; retrying at the next interval'));
  };
  const first = setTimeout(tick, Math.min(opts.firstRunAfterMs ?? Math.min(60_000, opts.everyMs), MAX_TIMER_MS));
  const timer = setInterval(tick, Math.min(opts.everyMs, MAX_TIMER_MS));
  first.unref();
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
