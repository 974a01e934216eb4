// Public surface of @ai-gateway/semantic-cache: the cache stage, its writer, admin routes, ports and adapters.
export { canonicalJson, requestKeys, pointIdOf, answerParams, type RequestKeys } from './domain/request-key.ts';
export { cacheControlsOf, supportedCallTypes, type CacheControls } from './domain/controls.ts';
export { signatureOf, compatible, languageOf, type PromptSignature, type GuardVerdict } from './domain/guards.ts';
export type { CacheEntry, EntryFilter, ScoredEntry, VectorIndex, Embedder } from './ports.ts';
export { loadLocalEmbedder, modelDirOf, modelPresent, DEFAULT_MODEL_DIR } from './adapters/local-embedder.ts';
