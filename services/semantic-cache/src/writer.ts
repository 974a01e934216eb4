// The cache writer: stores answers from completed events (never from failed or cut-short ones).
import { completedOf, type Bus, type CompletedEvent, type DurableConsumer, type Logger, type PipelineCodec } from '@ai-gateway/kit';
import type { PendingStore, SemanticCache } from './cache.ts';
import type { RequestKeys } from './domain/request-key.ts';
import { CACHE_PLAN_KEY, CACHE_STORE_FLAG, type PendingStores } from './stage.ts';

export const CACHE_WRITER_DURABLE = 'semantic-cache-writer';

/** The keys a stage in another process planned, without vector: stored for exact hits only. */
function fromPlan(evt: CompletedEvent): { p: PendingStore; semantic: boolean } | null {
  const raw = evt.metadata[CACHE_PLAN_KEY];
  if (!raw) return null;
  try {
    const plan = JSON.parse(raw) as Omit<RequestKeys, 'query' | 'temperature'> & { ttlSeconds: number; semantic?: boolean };
    const p = { keys: { ...plan, query: null, temperature: null }, ttlSeconds: plan.ttlSeconds, vector: null, signature: null, atMs: evt.receivedAtMs };
    return { p, semantic: plan.semantic === true };
  } catch {
    return null;
  }
}

export async function handleCompleted(cache: SemanticCache, pending: PendingStores, evt: CompletedEvent, logger: Logger): Promise<void> {
  if (evt.metadata[CACHE_STORE_FLAG] !== '1') return;
  const local = pending.take(evt.requestId);
  const planned = local ? null : fromPlan(evt);
  if (!local && !planned) return;
  try {
    const ok = local ? await cache.store(evt, local) : await cache.storeFromPlan(evt, (planned as { p: PendingStore }).p, (planned as { semantic: boolean }).semantic);
    if (!ok) cache.stats.storesSkipped++;
  } catch (err) {
    cache.stats.storeErrors++;
    logger.warn({ err, requestId: evt.requestId }, 'cache store failed');
  }
}

export async function startCacheWriter(o: { bus: Bus; subject: string; codec: PipelineCodec; cache: SemanticCache; pending: PendingStores; logger: Logger }): Promise<DurableConsumer> {
  return o.bus.consumeDurable(o.subject, CACHE_WRITER_DURABLE, async (msg) => {
    let evt: CompletedEvent;
    try {
      evt = completedOf(msg, o.codec);
    } catch (err) {
      o.logger.warn({ err }, 'cache writer skipped an undecodable completed event');
      msg.ack();
      return;
    }
    await handleCompleted(o.cache, o.pending, evt, o.logger);
    msg.ack();
  });
}
