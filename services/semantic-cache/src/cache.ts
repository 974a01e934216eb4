// The two-layer cache: exact lookup by key, then semantic lookup filtered by scope, model, context and params, guarded.
import type { CallType, CompletedEvent, Logger, RequestEnvelope } from '@ai-gateway/kit';
import { compatible, signatureOf, type PromptSignature } from './domain/guards.ts';
import { pointIdOf, requestKeys, type RequestKeys } from './domain/request-key.ts';
import type { CacheControls } from './domain/controls.ts';
import type { CacheEntry, Embedder, VectorIndex } from './ports.ts';
import { createStats, observe, type CacheStats } from './stats.ts';

export interface SemanticCacheOptions {
  /** null: exact layer only (type: local). */
  semantic: boolean;
  threshold: number;
  ttlSeconds: number;
  namespace: string | undefined;
  maxStoreTemperature: number;
  callTypes: ReadonlySet<CallType>;
}

export interface SemanticCacheDeps {
  index: VectorIndex;
  embedder: Embedder | null;
  logger: Logger;
  now?: () => number;
}

export type Lookup =
  | { kind: 'exact_hit'; entry: CacheEntry; keys: RequestKeys }
  | { kind: 'semantic_hit'; entry: CacheEntry; similarity: number; keys: RequestKeys }
  | { kind: 'miss'; keys: RequestKeys };

/** What the writer needs to store an answer: kept in process by request id (vector, signature). */
export interface PendingStore {
  keys: RequestKeys;
  ttlSeconds: number;
  vector: Float32Array | null;
  signature: PromptSignature | null;
  atMs: number;
}

export interface SemanticCache {
  readonly stats: CacheStats;
  readonly options: SemanticCacheOptions;
  readonly index: VectorIndex;
  keysOf(env: RequestEnvelope, body: Record<string, unknown>, c: CacheControls): RequestKeys;
  /** Runs both layers; `pending` receives the embedding so the writer need not embed again. */
  lookup(keys: RequestKeys, noCache: boolean, pending: PendingStore, signal: AbortSignal): Promise<Lookup>;
  /** Stores the answer of a completed request. Returns false when it is not storable. */
  store(evt: CompletedEvent, p: PendingStore): Promise<boolean>;
  /** Writes the keys and vector of a miss ahead of its answer, so a writer in another process can complete it. */
  prepare(p: PendingStore): Promise<void>;
  /** Completes an entry prepared by another process (or stores it exact-only when there is none). */
  storeFromPlan(evt: CompletedEvent, p: PendingStore, semantic: boolean): Promise<boolean>;
  flush(f: { namespace?: string; key?: string }): Promise<number>;
}

export function createSemanticCache({ deps, options }: { deps: SemanticCacheDeps; options: SemanticCacheOptions }): SemanticCache {
  const now = deps.now ?? Date.now;
  const stats = createStats();
  const semanticOn = options.semantic && deps.embedder !== null;

  /**
   * A prompt longer than the model reads would be compared by its opening alone: two long prompts that differ
   * after it would look identical. Such prompts are cached exactly only (and cost no embedding).
   */
  function fitsWindow(query: string): boolean {
    if (deps.embedder?.fits?.(query) !== false) return true;
    stats.semanticSkipped['too_long'] = (stats.semanticSkipped['too_long'] ?? 0) + 1;
    return false;
  }

  async function embedOne(text: string, signal: AbortSignal): Promise<Float32Array> {
    const t0 = performance.now();
    const [v] = await (deps.embedder as Embedder).embed([text], signal);
    observe(stats.embedMs, performance.now() - t0);
    return v as Float32Array;
  }

  return {
    stats,
    options,
    index: deps.index,
    keysOf(env, body, c) {
      return requestKeys(env, body, env.model, { namespace: options.namespace, requestNamespace: c.namespace });
    },
    async lookup(keys, noCache, pending, signal) {
      const t0 = performance.now();
      try {
        const wantsSemantic = () => semanticOn && keys.query !== null && keys.callType !== 'embedding' && fitsWindow(keys.query);
        if (noCache) {
          // Still embed so the answer can be stored with its vector, but never answer from the cache.
          if (wantsSemantic()) {
            pending.signature = signatureOf(keys.query as string);
            pending.vector = await embedOne(keys.query as string, signal);
          }
          return { kind: 'miss', keys };
        }
        const exact = await deps.index.get(pointIdOf(keys.exactKey), now(), signal);
        if (exact && exact.response !== '' && exact.exactKey === keys.exactKey && exact.scope === keys.scope && exact.modelGroup === keys.modelGroup) {
          return { kind: 'exact_hit', entry: exact, keys };
        }
        if (!wantsSemantic()) return { kind: 'miss', keys };
        pending.signature = signatureOf(keys.query as string);
        const filter = { scope: keys.scope, modelGroup: keys.modelGroup, contextHash: keys.contextHash, paramsHash: keys.paramsHash, callType: keys.callType, semantic: true };
        if (deps.index.mayMatch?.(filter) === false) {
          // Nothing to compare with (a new conversation, scope or parameter set): the miss is known without the
          // model, and the vector is computed when the answer is stored, off the request's path.
          stats.embedsDeferred++;
          return { kind: 'miss', keys };
        }
        const vector = await embedOne(keys.query as string, signal);
        pending.vector = vector;
        const found = await deps.index.search(vector, filter, { limit: 5, minScore: options.threshold, now: now(), signal });
        for (const c of found) {
          if (!c.entry.signature) continue;
          const verdict = compatible(pending.signature as PromptSignature, c.entry.signature);
          if (verdict.ok) return { kind: 'semantic_hit', entry: c.entry, similarity: c.score, keys };
          stats.guardRejections[verdict.reason] = (stats.guardRejections[verdict.reason] ?? 0) + 1;
        }
        return { kind: 'miss', keys };
      } finally {
        observe(stats.lookupMs, performance.now() - t0);
      }
    },
    async prepare(p) {
      if (!p.vector || !p.signature) return;
      const t = now();
      await deps.index.upsert(entryOf(p, '', { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 }, 0, p.keys.modelGroup, t, t + 10 * 60_000, false), p.vector);
    },
    async storeFromPlan(evt, p, semantic) {
      if (evt.outcome !== 'success' || evt.httpStatus !== 200 || !evt.response) return false;
      const t = now();
      const answered = await deps.index.answer(pointIdOf(p.keys.exactKey), {
        response: evt.response, usage: evt.usage, costUsd: evt.costUsd, answeredBy: evt.modelGroup ?? p.keys.modelGroup,
        createdAtMs: t, expiresAtMs: t + p.ttlSeconds * 1000, semantic,
      });
      if (!answered) await deps.index.upsert(entryOf(p, evt.response, evt.usage, evt.costUsd, evt.modelGroup ?? p.keys.modelGroup, t, t + p.ttlSeconds * 1000, false), null);
      stats.stores++;
      return true;
    },
    async store(evt, p) {
      if (evt.outcome !== 'success' || evt.httpStatus !== 200 || !evt.response) return false;
      if (p.vector === null && p.signature !== null && semanticOn && p.keys.query !== null) {
        // Deferred at lookup (no candidates then); without a vector the entry is stored for exact matches only.
        p.vector = await embedOne(p.keys.query, new AbortController().signal).catch((err: unknown) => {
          deps.logger.warn({ err }, 'cache: embedding at store time failed; stored for exact matches only');
          return null;
        });
      }
      const t = now();
      const semantic = p.vector !== null && p.signature !== null;
      const entry: CacheEntry = {
        id: pointIdOf(p.keys.exactKey),
        exactKey: p.keys.exactKey,
        scope: p.keys.scope,
        namespace: p.keys.namespace,
        modelGroup: p.keys.modelGroup,
        callType: p.keys.callType,
        contextHash: p.keys.contextHash,
        paramsHash: p.keys.paramsHash,
        semantic,
        signature: semantic ? p.signature : null,
        response: evt.response,
        usage: evt.usage,
        costUsd: evt.costUsd,
        answeredBy: evt.modelGroup ?? p.keys.modelGroup,
        createdAtMs: t,
        expiresAtMs: t + p.ttlSeconds * 1000,
      };
      await deps.index.upsert(entry, semantic ? p.vector : null);
      stats.stores++;
      return true;
    },
    async flush(f) {
      if (f.key) return deps.index.delete(/^[0-9a-f]{64}$/.test(f.key) ? { exactKey: f.key } : { id: f.key });
      if (f.namespace !== undefined) return deps.index.delete({ namespace: f.namespace });
      return deps.index.delete({});
    },
  };
}


function entryOf(p: PendingStore, response: string, usage: CacheEntry['usage'], costUsd: number, answeredBy: string, t: number, expiresAtMs: number, semantic: boolean): CacheEntry {
  return {
    id: pointIdOf(p.keys.exactKey), exactKey: p.keys.exactKey, scope: p.keys.scope, namespace: p.keys.namespace, modelGroup: p.keys.modelGroup,
    callType: p.keys.callType, contextHash: p.keys.contextHash, paramsHash: p.keys.paramsHash, semantic, signature: p.signature,
    response, usage, costUsd, answeredBy, createdAtMs: t, expiresAtMs,
  };
}
