// Builds the cache stage, its writer (durable consumer of completed events) and its control responder from config.
import { avroCodec, subjectsFor, type Bus, type GatewayConfig, type Logger, type ReplyFilterFactory, type Stage, type Subjects } from '@ai-gateway/kit';
import {
  createBatchingEmbedder, createCacheAdminRouter, createCacheStage, createEmbeddedIndex, createPendingStores, createQdrantIndex,
  createDeploymentEmbedder, createSemanticCache, loadLocalEmbedder, modelDirOf, serveCacheControl, startCacheWriter, supportedCallTypes,
  type Embedder, type SemanticCache, type VectorIndex,
} from '@ai-gateway/semantic-cache';
import { createProviderRegistry, type ProviderName, type ProviderRegistry, type ProviderTarget } from '@ai-gateway/router';
import type { Router } from 'express';

/** Caching is on when `litellm_settings.cache: true` and the type is one we implement. */
export function cacheEnabled(config: GatewayConfig): boolean {
  return config.litellm_settings.cache === true;
}

const controlSubject = (subjects: Subjects) => `${subjects.prefix}.ctl.cache`;

/** An embeddings deployment of model_list, called through the router's provider adapter (first deployment of the group). */
async function deploymentEmbedder(config: GatewayConfig, group: string, providers: ProviderRegistry): Promise<Embedder | null> {
  const d = config.deployments.find((x) => x.modelGroup === group);
  if (!d) return null;
  const adapter = providers(d.provider as ProviderName);
  if (!adapter?.embeddings) throw new Error(`provider ${d.provider} of ${group} does not serve embeddings`);
  const target: ProviderTarget = { provider: d.provider as ProviderName, model: d.providerModel, apiBase: d.apiBase, apiKey: d.apiKey, apiVersion: d.apiVersion, headers: d.headers };
  const embeddings = adapter.embeddings.bind(adapter);
  return createBatchingEmbedder(
    await createDeploymentEmbedder({
      modelGroup: group,
      call: async (texts, signal) => {
        const res = await embeddings({ model: d.providerModel, input: texts }, target, { signal: signal ?? new AbortController().signal });
        return [...res.data].sort((a, b) => a.index - b.index).map((e) => e.embedding as number[]);
      },
    }),
  );
}

/** The cache's embedder; `localModelDir` names the local model it runs, when it is the local one. */
interface CacheEmbedder {
  embedder: Embedder;
  localModelDir: string | null;
}

async function embedderFor(config: GatewayConfig, logger: Logger, providers: ProviderRegistry | undefined): Promise<CacheEmbedder | null> {
  const p = config.litellm_settings.cache_params;
  const named = p.embedding_model ?? p.qdrant_semantic_cache_embedding_model;
  if (named) {
    try {
      const e = await deploymentEmbedder(config, named, providers ?? createProviderRegistry());
      if (e) {
        logger.info({ embedder: e.id, dimensions: e.dimensions }, 'cache: embedding through a model_list deployment');
        return { embedder: e, localModelDir: null };
      }
      logger.warn({ embedding_model: named }, 'cache: embedding_model names no model_list group; using the local model');
    } catch (err) {
      logger.error({ err, embedding_model: named }, 'cache: the embeddings deployment failed its probe; using the local model');
    }
  }
  try {
    const t0 = performance.now();
    const localModelDir = modelDirOf(p.embedding_model_dir);
    const e = createBatchingEmbedder(await loadLocalEmbedder({ modelDir: localModelDir }));
    await e.embed(['warm up']);
    logger.info({ embedder: e.id, loadMs: Math.round(performance.now() - t0) }, 'cache: local embedding model loaded');
    return { embedder: e, localModelDir };
  } catch (err) {
    logger.error({ err }, 'cache: the semantic layer is off (exact matches only) because the local embedding model could not be loaded');
    return null;
  }
}

export interface BuiltCache {
  stage: Stage;
  cache: SemanticCache;
  /** The semantic layer's embedder (null: exact only). */
  embedder: Embedder | null;
  /** The local model directory the embedder runs, when it is the local model. */
  localModelDir: string | null;
  close(): Promise<void>;
}

/**
 * The cache's embedder for semantic routes when both use the same local model: one warm instance, one LRU (a miss
 * embedded by the cache is not embedded again by the router). Otherwise undefined: the router loads its own.
 */
export function sharedRouteEmbedder(cache: BuiltCache | null, routeModelDir: string | null): Embedder | undefined {
  if (!cache?.embedder || cache.localModelDir === null || routeModelDir === null) return undefined;
  return cache.localModelDir === routeModelDir ? cache.embedder : undefined;
}

export async function buildCache(o: { config: GatewayConfig; logger: Logger; bus: Bus; subjects?: Subjects; providers?: ProviderRegistry; replyFilter?: ReplyFilterFactory }): Promise<BuiltCache> {
  const logger = o.logger.child({ service: 'semantic-cache' });
  const subjects = o.subjects ?? subjectsFor('');
  const p = o.config.litellm_settings.cache_params;
  const semantic = p.type === 'local-semantic' || p.type === 'qdrant-semantic';
  const chosen = semantic ? await embedderFor(o.config, logger, o.providers) : null;
  const embedder = chosen?.embedder ?? null;
  let index: VectorIndex;
  if (p.type === 'qdrant-semantic' && embedder) {
    const url = p.qdrant_api_base ?? o.config.general_settings.qdrant_url ?? 'http://127.0.0.1:6333';
    const apiKey = p.qdrant_api_key ?? o.config.general_settings.qdrant_api_key;
    index = createQdrantIndex({ url, ...(apiKey ? { apiKey } : {}), collectionBase: p.qdrant_collection_name ?? 'ai_gateway_cache', embedderId: embedder.id });
  } else index = createEmbeddedIndex({ ...(p.max_entries ? { maxEntries: p.max_entries } : {}) });
  // Qdrant being down at boot must not stop the gateway: ensure() is retried by the sweeper.
  let ready = false;
  const ensure = async () => {
    if (ready) return;
    try {
      await index.ensure(embedder?.dimensions ?? 0);
      ready = true;
    } catch (err) {
      logger.warn({ err }, 'cache: vector index not reachable; requests pass through until it is');
    }
  };
  await ensure();
  const guarded: VectorIndex = {
    ...index,
    kind: index.kind,
    get: async (...a) => (ready ? index.get(...a) : Promise.reject(new Error('index not ready'))),
    search: async (...a) => (ready ? index.search(...a) : Promise.reject(new Error('index not ready'))),
    upsert: async (...a) => (ready ? index.upsert(...a) : Promise.reject(new Error('index not ready'))),
  };
  const cache = createSemanticCache({
    deps: { index: guarded, embedder, logger },
    options: {
      semantic: semantic && embedder !== null,
      threshold: p.similarity_threshold,
      ttlSeconds: p.ttl,
      namespace: p.namespace,
      maxStoreTemperature: p.max_store_temperature,
      callTypes: supportedCallTypes(p.supported_call_types),
    },
  });
  const pending = createPendingStores();
  const stage = createCacheStage({ deps: { cache, pending, logger, ...(o.replyFilter ? { replyFilter: o.replyFilter } : {}) }, options: { timeoutMs: p.timeout_ms, mode: p.mode } });
  const writer = await startCacheWriter({ bus: o.bus, subject: subjects.completed, codec: avroCodec, cache, pending, logger });
  const control = serveCacheControl({ bus: o.bus, subject: controlSubject(subjects), cache, logger });
  const sweeper = setInterval(() => {
    void (async () => {
      await ensure();
      if (ready) await index.sweep(Date.now()).catch((err: unknown) => logger.warn({ err }, 'cache: TTL sweep failed'));
    })();
  }, 60_000);
  sweeper.unref();
  return {
    stage,
    cache,
    embedder,
    localModelDir: chosen?.localModelDir ?? null,
    async close() {
      clearInterval(sweeper);
      control.stop();
      await writer.stop();
    },
  };
}

/** Ingress side: /cache/stats and /cache/flush, forwarded to whichever process hosts the cache. */
export function cacheAdminRouter(o: { config: GatewayConfig; bus: Bus; subjects?: Subjects }): Router {
  return createCacheAdminRouter({ bus: o.bus, subject: controlSubject(o.subjects ?? subjectsFor('')), masterKey: o.config.general_settings.master_key ?? null });
}

/** The cache's admin routes for an ingress, when caching is on. */
export function cacheRouters(o: { config: GatewayConfig; bus: Bus; subjects?: Subjects }): Router[] {
  return cacheEnabled(o.config) ? [cacheAdminRouter(o)] : [];
}
