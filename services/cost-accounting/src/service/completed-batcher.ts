// Group commit for completed events: buffers deliveries, records them in one store transaction per batch
// (flushed at maxBatch pending or maxDelayMs after the first), acks each only after its batch committed, and
// isolates a poison event so it cannot hold the others back.
import { avroCodec, completedOf, startMessageSpan, type CompletedEvent, type DurableMessage, type Logger, type MessageSpan } from '@ai-gateway/kit';
import type { RecordResult, Store, TracedCompletedEvent } from '../store/port.ts';

export interface CompletedBatcherOptions {
  /** Flush as soon as this many events are pending. */
  maxBatch: number;
  /** Flush this long after the first pending event at the latest. */
  maxDelayMs: number;
  /** A poison event (it fails alone while the store answers) is dead-lettered from this delivery on; before, it is redelivered. */
  deadLetterAfterDeliveries: number;
  /** Redelivery delay of a nak'd event. */
  retryDelayMs: number;
}

export const defaultBatcherOptions = (): CompletedBatcherOptions => ({ maxBatch: 256, maxDelayMs: 20, deadLetterAfterDeliveries: 5, retryDelayMs: 1_000 });

export interface CompletedBatcherDeps {
  store: Pick<Store, 'recordCompletedBatch' | 'getSpendLog'>;
  logger: Logger;
  /** Work after the spend committed (settle the hold, tell the holder); `isNew` false on a redelivery. A throw naks the message. */
  afterRecord(evt: CompletedEvent, isNew: boolean): Promise<void>;
  /** Records one event when its batch failed (e.g. with input repairs); default: a batch of one. */
  recordOne?(evt: CompletedEvent): Promise<RecordResult>;
}

/** SQLSTATE class 22 (data exception): the store answered, and the same input can never succeed. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

export interface CompletedBatcher {
  /** The durable consumer's handler: resolves once the message was acked or nak'd. */
  handle(msg: DurableMessage): Promise<void>;
  /** Events dead-lettered so far (logged with their request id and acked). */
  readonly deadLettered: number;
}

interface Item {
  msg: DurableMessage;
  /** With the traceparent its outbox rows keep (the `accounting.record` span's, or the event's own). */
  evt: TracedCompletedEvent;
  /** `accounting.record`, child of the request's trace when the event carried one. */
  span: MessageSpan | null;
  /** When it was buffered (ms). */
  at: number;
  done: () => void;
}

export function createCompletedBatcher(input: { deps: CompletedBatcherDeps; options?: Partial<CompletedBatcherOptions> }): CompletedBatcher {
  const { store, logger, afterRecord } = input.deps;
  const recordOne = input.deps.recordOne ?? (async (evt: CompletedEvent) => (await store.recordCompletedBatch([evt]))[0] ?? { recorded: false });
  const opts = { ...defaultBatcherOptions(), ...input.options };
  let pending: Item[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing = false;
  let deadLettered = 0;

  async function settle(item: Item, result: RecordResult): Promise<void> {
    try {
      await afterRecord(item.evt, result.recorded);
      item.msg.ack();
      item.span?.end();
    } catch (err) {
      logger.warn({ err, requestId: item.evt.requestId }, 'completed event recorded but not settled; redelivering');
      item.msg.nak(opts.retryDelayMs);
      item.span?.end(err);
    }
  }

  /** After a failed batch: each event alone, so one bad event cannot fail the others. */
  async function recordOneByOne(items: readonly Item[]): Promise<void> {
    for (const item of items) {
      try {
        await settle(item, await recordOne(item.evt));
        continue;
      } catch (err) {
        if (isDataError(err) || (item.msg.deliveries >= opts.deadLetterAfterDeliveries && (await storeAnswers(item.evt.requestId)))) {
          // Refused input, or the store works and this event failed alone on several deliveries: it would fail forever.
          deadLettered++;
          logger.error({ err, requestId: item.evt.requestId, deliveries: item.msg.deliveries }, 'dead letter: completed event cannot be recorded; acked without spend');
          item.msg.ack();
        } else {
          logger.warn({ err, requestId: item.evt.requestId, deliveries: item.msg.deliveries }, 'completed event not recorded; redelivering');
          item.msg.nak(opts.retryDelayMs);
        }
        item.span?.end(err);
      }
    }
  }

  async function storeAnswers(requestId: string): Promise<boolean> {
    try {
      await store.getSpendLog(requestId);
      return true;
    } catch {
      return false;
    }
  }

  async function record(items: readonly Item[]): Promise<void> {
    let results: RecordResult[];
    try {
      results = await store.recordCompletedBatch(items.map((i) => i.evt));
    } catch (err) {
      logger.warn({ err, size: items.length }, 'completed batch failed; recording its events one by one');
      await recordOneByOne(items);
      return;
    }
    for (const [i, item] of items.entries()) await settle(item, results[i] ?? { recorded: false });
  }

  function arm(): void {
    if (timer || flushing || pending.length === 0) return;
    timer = setTimeout(() => void flush(), Math.max(0, (pending[0]?.at ?? 0) + opts.maxDelayMs - Date.now()));
  }

  /** One batch at a time (they would queue on the audit head anyway); what arrives meanwhile forms the next. */
  async function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (flushing) return;
    flushing = true;
    try {
      while (pending.length > 0 && (pending.length >= opts.maxBatch || Date.now() >= (pending[0]?.at ?? 0) + opts.maxDelayMs)) {
        const batch = pending.slice(0, opts.maxBatch);
        pending = pending.slice(batch.length);
        try {
          await record(batch);
        } finally {
          for (const item of batch) item.done();
        }
      }
    } finally {
      flushing = false;
      arm();
    }
  }

  function handle(msg: DurableMessage): Promise<void> {
    let evt: CompletedEvent;
    try {
      evt = completedOf(msg, avroCodec);
    } catch (err) {
      logger.error({ err }, 'dropped an undecodable completed event');
      msg.ack();
      return Promise.resolve();
    }
    // Continues the trace in the event's headers (null when none): the outbox rows then carry this span's context.
    const span = startMessageSpan('accounting.record', 'consumer', msg.headers, { 'gateway.request_id': evt.requestId, 'messaging.system': 'nats', 'messaging.destination.name': msg.subject });
    const traced: TracedCompletedEvent = span?.traceparent ? { ...evt, traceparent: span.traceparent } : evt;
    return new Promise<void>((done) => {
      pending.push({ msg, evt: traced, span, at: Date.now(), done });
      if (pending.length >= opts.maxBatch) void flush();
      else arm();
    });
  }

  return {
    handle,
    get deadLettered() {
      return deadLettered;
    },
  };
}
