// The outbox relay: moves committed billing/audit rows to the stream at least once, one bounded batch at a time,
// shard by shard (several relays share the shards), backing off while the sink is down.
import { startMessageSpan, type Logger, type MessageSpan } from '@ai-gateway/kit';
import type { OutboxRow, Store } from '../store/port.ts';
import { messageOf, type RelayMessage } from './messages.ts';

/** A PRODUCER span per traced row, child of the request's trace; its context goes out in the record's headers. */
function produceSpan(row: OutboxRow): MessageSpan | null {
  if (!row.traceparent) return null;
  return startMessageSpan(`publish ${row.topic}`, 'producer', { traceparent: row.traceparent }, {
    'messaging.system': 'kafka', 'messaging.destination.name': row.topic, 'messaging.operation.type': 'send', 'gateway.outbox_id': row.id,
  });
}

/** Where relayed messages go (Kafka in production, a fake in unit tests). `send` resolves once the broker acked all. */
export interface RecordSink {
  send(messages: readonly RelayMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface RelayOptions {
  /** Rows per batch (one transaction, one produce call). */
  batchSize: number;
  /** Shards of the outbox; every relay on one database must use the same number. */
  shards: number;
  /** Pause when a full pass found nothing to publish. */
  idleMs: number;
  /**
   * Pause after a pass that moved less than a quarter batch: a trickle then waits to become a batch instead of a
   * transaction and a produce call per few rows (billing reaches Kafka at most this much later).
   */
  fillMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** stop() waits this long for the batch in flight (a down broker can hold it); an unfinished batch stays pending. */
  stopTimeoutMs: number;
}

export const DEFAULT_RELAY_OPTIONS: Readonly<RelayOptions> = Object.freeze({ batchSize: 500, shards: 8, idleMs: 200, fillMs: 50, backoffMinMs: 100, backoffMaxMs: 10_000, stopTimeoutMs: 5_000 });

export interface RelayStats {
  published: number;
  batches: number;
  failures: number;
  consecutiveFailures: number;
  lastError: string | null;
  lastPublishedAtMs: number | null;
}

export interface OutboxRelay {
  /** Runs the loop until stop(). */
  start(): void;
  /** Ends the loop after the batch in flight (bounded by stopTimeoutMs); the sink is left open (its owner closes it). */
  stop(): Promise<void>;
  /** One pass over every shard; returns rows published (throws what the sink threw). */
  passOnce(): Promise<number>;
  /** Pending rows and the age of the oldest (relay lag). */
  lag(nowMs?: number): Promise<{ pending: number; lagSeconds: number }>;
  stats(): Readonly<RelayStats>;
}

export function backoffDelay(failures: number, o: Pick<RelayOptions, 'backoffMinMs' | 'backoffMaxMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(o.backoffMaxMs, o.backoffMinMs * 2 ** Math.min(Math.max(failures - 1, 0), 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2); // jitter: relays restarted together do not retry in step
}

export function createOutboxRelay(input: {
  deps: { store: Store; sink: RecordSink; logger?: Logger; now?: () => number; onBatch?: (rows: readonly OutboxRow[]) => void };
  options?: Partial<RelayOptions>;
}): OutboxRelay {
  const { store, sink, logger } = input.deps;
  const now = input.deps.now ?? Date.now;
  const o: RelayOptions = { ...DEFAULT_RELAY_OPTIONS, ...input.options };
  const stats: RelayStats = { published: 0, batches: 0, failures: 0, consecutiveFailures: 0, lastError: null, lastPublishedAtMs: null };
  let nextShard = 0;
  let running: Promise<void> | null = null;
  let stopping = false;
  let generation = 0; // a loop left running by a timed-out stop() ends when a new one starts
  let wake: (() => void) | null = null;

  const publish = async (rows: readonly OutboxRow[]): Promise<void> => {
    const spans: MessageSpan[] = [];
    const messages = rows.map((row) => {
      const span = produceSpan(row);
      if (!span) return messageOf(row);
      spans.push(span);
      return messageOf(row, span.traceparent);
    });
    try {
      await sink.send(messages);
    } catch (err) {
      for (const span of spans) span.end(err);
      throw err;
    }
    for (const span of spans) span.end();
    input.deps.onBatch?.(rows);
  };

  async function passOnce(): Promise<number> {
    let total = 0;
    for (let i = 0; i < o.shards && !stopping; i++) {
      const shard = (nextShard + i) % o.shards;
      const n = await store.publishOutbox({ limit: o.batchSize, shard, shards: o.shards }, publish);
      if (n) {
        total += n;
        stats.published += n;
        stats.batches++;
        stats.lastPublishedAtMs = now();
      }
    }
    nextShard = (nextShard + 1) % o.shards; // start elsewhere next pass so one busy shard cannot starve the rest
    return total;
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(t);
        wake = null;
        resolve();
      };
    });

  async function loop(gen: number): Promise<void> {
    while (!stopping && gen === generation) {
      try {
        const n = await passOnce();
        if (stats.consecutiveFailures > 0) logger?.info({ afterFailures: stats.consecutiveFailures }, 'outbox relay: publishing again');
        stats.consecutiveFailures = 0;
        if (n === 0) await sleep(o.idleMs);
        else if (n < o.batchSize / 4 && o.fillMs > 0) await sleep(o.fillMs);
      } catch (err) {
        stats.failures++;
        stats.consecutiveFailures++;
        stats.lastError = err instanceof Error ? err.message : String(err);
        const delay = backoffDelay(stats.consecutiveFailures, o);
        // One warning per outage, not one per retry.
        if (stats.consecutiveFailures === 1) logger?.warn({ err, retryInMs: delay }, 'outbox relay: publish failed; rows stay pending');
        await sleep(delay);
      }
    }
  }

  return {
    start() {
      if (running) return;
      stopping = false;
      running = loop(++generation);
    },
    async stop() {
      stopping = true;
      wake?.();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, o.stopTimeoutMs)));
      await Promise.race([running, timeout]);
      clearTimeout(timer);
      running = null;
    },
    passOnce,
    async lag(nowMs = now()) {
      const b = await store.outboxBacklog();
      return { pending: b.pending, lagSeconds: b.oldestCreatedAtMs === null ? 0 : Math.max(0, (nowMs - b.oldestCreatedAtMs) / 1000) };
    },
    stats: () => ({ ...stats }),
  };
}
