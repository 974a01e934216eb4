// Public surface of @ai-gateway/semantic-cache: the cache stage, its writer, admin routes, ports and adapters.
export { canonicalJson, requestKeys, pointIdOf, answerParams, type RequestKeys } from './domain/request-key.ts';
export { cacheControlsOf, supportedCallTypes, type CacheControls } from './domain/controls.ts';
export { signatureOf, compatible, languageOf, type PromptSignature, type GuardVerdict } from './domain/guards.ts';
export type { CacheEntry, EntryFilter, ScoredEntry, VectorIndex, Embedder } from './ports.ts';
export {
  embedderIdOf, loadLocalEmbedder, modelCardOf, modelDirOf, modelPresent, modelVariantOf, DEFAULT_MODEL_DIR, INT8_COMPUTE, WEIGHT_ONLY, type ModelCard, type ModelVariant,
} from './adapters/local-embedder.ts';
export { createEmbeddedIndex } from './adapters/embedded-index.ts';
export { createQdrantIndex, qdrantFilter, type QdrantIndexOptions } from './adapters/qdrant-index.ts';
export { createBatchingEmbedder } from './adapters/batching-embedder.ts';
export { createSemanticCache, type SemanticCache, type SemanticCacheOptions, type Lookup, type PendingStore } from './cache.ts';
export { createCacheStage, createPendingStores, CACHE_STORE_FLAG, CACHE_PLAN_KEY, type CacheStageOptions, type PendingStores } from './stage.ts';
export { startCacheWriter, handleCompleted, CACHE_WRITER_DURABLE } from './writer.ts';
export { createCacheAdminRouter, serveCacheControl, type CacheControlRequest } from './http.ts';
export { statsReport, type CacheStats } from './stats.ts';
export { freshCompletion, replayChunks } from './domain/replay.ts';
export { createDeploymentEmbedder, type EmbeddingsCall } from './adapters/deployment-embedder.ts';
