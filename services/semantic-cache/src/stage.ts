// The cache stage on the routing slip: answers hits (body or replayed SSE), marks misses for storing, passes through on trouble.
import { baseCompletedEvent, type CallType, type CompletedEvent, type GatewayError, type GuardrailVerdict, type Logger, type ReplyFilter, type ReplyFilterFactory, type RequestEnvelope, type Stage, type StageContext } from '@ai-gateway/kit';
import type { SemanticCache, Lookup, PendingStore } from './cache.ts';
import { cacheControlsOf } from './domain/controls.ts';
import { freshCompletion, replayChunks } from './domain/replay.ts';
import type { RequestKeys } from './domain/request-key.ts';
import { countLookup } from './stats.ts';

/** Same value as the router's CACHE_STORE_FLAG: asks the router to put the assembled answer in the completed event. */
export const CACHE_STORE_FLAG = 'x-gateway-cache-store';
/** Hashes (never text) of a stored answer's keys, for a writer in another process. */
export const CACHE_PLAN_KEY = 'gw-cache-plan';
const STATUS_HEADER = 'x-gateway-cache';

export interface CacheStageOptions {
  timeoutMs: number;
  /** default_off: only requests with `cache: {use-cache: true}` use the cache. */
  mode: 'default_on' | 'default_off';
}

/** Answers kept in process until their completed event arrives (bounded by age). */
export interface PendingStores {
  set(requestId: string, p: PendingStore): void;
  take(requestId: string): PendingStore | undefined;
}

export function createPendingStores(o: { maxAgeMs?: number; now?: () => number } = {}): PendingStores {
  const maxAge = o.maxAgeMs ?? 10 * 60_000;
  const now = o.now ?? Date.now;
  const map = new Map<string, PendingStore>();
  return {
    set(id, p) {
      const t = now();
      for (const [k, v] of map) {
        if (t - v.atMs < maxAge) break;
        map.delete(k);
      }
      map.set(id, p);
    },
    take(id) {
      const p = map.get(id);
      map.delete(id);
      return p;
    },
  };
}

class LookupTimeout extends Error {}

function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, outer: AbortSignal): Promise<T> {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  outer.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new LookupTimeout(`cache lookup exceeded ${ms} ms`));
    }, ms);
  });
  const run = work(ac.signal);
  run.catch(() => {});
  return Promise.race([run, timeout]).finally(() => {
    clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  });
}

export function planOf(keys: RequestKeys, ttlSeconds: number, semantic: boolean): string {
  const { exactKey, scope, namespace, modelGroup, callType, contextHash, paramsHash } = keys;
  return JSON.stringify({ exactKey, scope, namespace, modelGroup, callType, contextHash, paramsHash, ttlSeconds, semantic });
}

/** Runs the post-call guardrails over a stored answer before it is replayed; returns the block, if any. */
function filterStored(filter: ReplyFilter, completion: Record<string, unknown>): { error: GatewayError; verdict: GuardrailVerdict } | null {
  const choices = Array.isArray(completion['choices']) ? (completion['choices'] as Array<{ index?: number; message?: { content?: unknown } }>) : [];
  for (const [i, choice] of choices.entries()) {
    const content = choice.message?.content;
    if (typeof content !== 'string' || content.length === 0 || !choice.message) continue;
    const r = filter.text(choice.index ?? i, content);
    if (!r.ok) return { error: r.error, verdict: r.verdict };
    choice.message.content = r.value;
  }
  return null;
}

export function createCacheStage({ deps, options }: { deps: { cache: SemanticCache; pending: PendingStores; logger: Logger; now?: () => number; replyFilter?: ReplyFilterFactory }; options: CacheStageOptions }): Stage {
  const { cache, pending, logger } = deps;
  const now = deps.now ?? Date.now;

  function answer(env: RequestEnvelope, ctx: StageContext, body: Record<string, unknown>, hit: Extract<Lookup, { entry: unknown }>): void {
    const { entry } = hit;
    const similarity = hit.kind === 'semantic_hit' ? hit.similarity : null;
    const headers: Record<string, string> = { [STATUS_HEADER]: hit.kind === 'exact_hit' ? 'exact-hit' : 'semantic-hit', 'x-gateway-cache-key': entry.exactKey };
    if (similarity !== null) headers['x-gateway-cache-similarity'] = similarity.toFixed(4);
    const completion = freshCompletion(entry.response, env.requestId, now());
    // A stored answer passes the post-call guardrails of this request too (deny lists may have changed).
    const filter = deps.replyFilter?.(env) ?? null;
    const blocked = filter ? filterStored(filter, completion) : null;
    if (blocked) {
      ctx.reply.send('error', blocked.error.status, null, JSON.stringify(blocked.error.toOpenAI()));
      const evt: CompletedEvent = baseCompletedEvent(env, now());
      evt.outcome = 'blocked';
      evt.httpStatus = blocked.error.status;
      evt.errorCode = blocked.error.code;
      evt.cacheStatus = hit.kind;
      evt.verdicts = [...env.verdicts, ...(filter?.verdicts() ?? []), blocked.verdict];
      ctx.complete(evt);
      return;
    }
    if (env.stream) {
      const opts = body['stream_options'] as { include_usage?: boolean } | undefined;
      ctx.reply.send('head', 200, headers, null);
      for (const chunk of replayChunks(completion, opts?.include_usage === true)) ctx.reply.send('data', 200, null, chunk);
      ctx.reply.send('end', 200, null, null);
    } else ctx.reply.send('body', 200, headers, JSON.stringify(completion));
    const evt: CompletedEvent = baseCompletedEvent(env, now());
    evt.outcome = 'success';
    evt.httpStatus = 200;
    evt.modelGroup = entry.modelGroup;
    evt.usage = entry.usage;
    evt.costUsd = 0;
    evt.cacheStatus = hit.kind;
    evt.cacheSimilarity = similarity;
    evt.savedUsd = entry.costUsd;
    evt.ttftMs = evt.latencyMs;
    if (filter) evt.verdicts = [...env.verdicts, ...filter.verdicts()];
    ctx.complete(evt);
    countLookup(cache.stats, hit.kind, env.tenant.teamId, env.model, entry.costUsd);
  }

  function cacheable(env: RequestEnvelope): boolean {
    const ct: CallType = env.callType;
    return cache.options.callTypes.has(ct) && (!env.stream || ct === 'chat');
  }

  return {
    name: 'cache',
    async handle(env, ctx) {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(env.body) as Record<string, unknown>;
      } catch {
        ctx.forward(env);
        return;
      }
      const controls = cacheControlsOf(body, env.metadata);
      if (!cacheable(env) || (options.mode === 'default_off' && !controls.optIn)) {
        ctx.forward(env);
        return;
      }
      const keys = cache.keysOf(env, body, controls);
      const ttlSeconds = controls.ttlSeconds ?? cache.options.ttlSeconds;
      const p: PendingStore = { keys, ttlSeconds, vector: null, signature: null, atMs: now() };
      let status: 'miss' | 'bypass' = 'miss';
      try {
        const found = await withTimeout((signal) => cache.lookup(keys, controls.noCache, p, signal), options.timeoutMs, ctx.signal);
        if (found.kind !== 'miss') {
          answer(env, ctx, body, found);
          return;
        }
      } catch (err) {
        status = 'bypass';
        const reason = err instanceof LookupTimeout ? 'timeout' : 'error';
        cache.stats.bypassReasons[reason] = (cache.stats.bypassReasons[reason] ?? 0) + 1;
        if (reason === 'error') logger.warn({ err, requestId: env.requestId }, 'cache lookup failed; passing through');
      }
      countLookup(cache.stats, status, env.tenant.teamId, env.model, 0);
      const metadata: Record<string, string> = { ...env.metadata, [STATUS_HEADER]: status, 'x-gateway-cache-key': keys.exactKey };
      const hot = keys.temperature !== null && keys.temperature > cache.options.maxStoreTemperature && !controls.optIn;
      if (!controls.noStore && !hot && ttlSeconds > 0) {
        metadata[CACHE_STORE_FLAG] = '1';
        metadata[CACHE_PLAN_KEY] = planOf(keys, ttlSeconds, p.vector !== null);
        pending.set(env.requestId, p);
        // With a shared index another replica's writer may get the completed event: write the vector ahead (off the hot path).
        if (cache.index.kind === 'qdrant' && p.vector) cache.prepare(p).catch((err: unknown) => logger.debug({ err }, 'cache: pending write failed'));
      } else cache.stats.storesSkipped++;
      ctx.forward({ ...env, metadata });
    },
  };
}
