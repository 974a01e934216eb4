// `node --import tsx test/bench/cache-latency.ts`: what the cache adds on a miss (embed + index search) and on a hit.
import { createLogger, type RequestEnvelope } from '@ai-gateway/kit';
import {
  createBatchingEmbedder, createEmbeddedIndex, createQdrantIndex, createSemanticCache, loadLocalEmbedder, modelDirOf, type PendingStore, type VectorIndex,
} from '@ai-gateway/semantic-cache';
import { startFakeQdrant } from '../support/fake-qdrant.ts';

const N = Number(process.env['CACHE_BENCH_N'] ?? 200);
const raw = await loadLocalEmbedder({ modelDir: modelDirOf(undefined) });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(2)} ms  p95 ${pct(xs, 95).toFixed(2)} ms  p99 ${pct(xs, 99).toFixed(2)} ms`;

const prompt = (i: number) => `How do I configure feature number ${i} of the billing service for team ${i % 17}?`;
const single: number[] = [];
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  await raw.embed([prompt(i)]);
  single.push(performance.now() - t0);
}
console.log(`embed, 1 text (uncached):           ${fmt(single)}`);
const t0 = performance.now();
await raw.embed(Array.from({ length: 32 }, (_, i) => prompt(10_000 + i)));
console.log(`embed, batch of 32:                 ${((performance.now() - t0) / 32).toFixed(2)} ms per text`);

async function missLatency(name: string, index: VectorIndex): Promise<void> {
  const embedder = createBatchingEmbedder(raw);
  await index.ensure(embedder.dimensions);
  const cache = createSemanticCache({
    deps: { index, embedder, logger: createLogger({ name: 'cache-test', level: 'silent' }) },
    options: { semantic: true, threshold: 0.85, ttlSeconds: 600, namespace: undefined, maxStoreTemperature: 1, callTypes: new Set(['chat']) },
  });
  // Fill the index with answered entries in one scope, then measure misses and exact hits.
  const env = (): RequestEnvelope => ({
    requestId: 'b', tenant: { keyId: 'k', keyAlias: null, teamId: 't', userId: null, projectId: null }, model: 'gpt-4o', callType: 'chat', inboundApi: 'openai',
    stream: false, slip: [], replyTo: '', trace: { traceparent: null, tracestate: null }, receivedAtMs: 0, deadlineMs: 0, metadata: {}, verdicts: [], body: '',
  });
  const keysOf = (q: string) => cache.keysOf(env(), { model: 'gpt-4o', messages: [{ role: 'user', content: q }] }, { noCache: false, noStore: false, ttlSeconds: null, namespace: undefined, optIn: false });
  for (let i = 0; i < 500; i++) {
    const p: PendingStore = { keys: keysOf(`stored question ${i} about topic ${i * 7}`), ttlSeconds: 600, vector: null, signature: null, atMs: 0 };
    await cache.lookup(p.keys, true, p, new AbortController().signal);
    await cache.store({ outcome: 'success', httpStatus: 200, response: '{"choices":[]}', usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, totalTokens: 2 }, costUsd: 0.001, modelGroup: 'gpt-4o' } as never, p);
  }
  const miss: number[] = [];
  const hit: number[] = [];
  for (let i = 0; i < N; i++) {
    const k = keysOf(`${prompt(i)} (variant ${name})`);
    let t = performance.now();
    const r = await cache.lookup(k, false, { keys: k, ttlSeconds: 600, vector: null, signature: null, atMs: 0 }, new AbortController().signal);
    miss.push(performance.now() - t);
    if (r.kind !== 'miss') throw new Error('expected a miss');
    const h = keysOf('stored question 3 about topic 21');
    t = performance.now();
    await cache.lookup(h, false, { keys: h, ttlSeconds: 600, vector: null, signature: null, atMs: 0 }, new AbortController().signal);
    hit.push(performance.now() - t);
  }
  console.log(`miss lookup, ${name.padEnd(22)} ${fmt(miss)}   (exact hit: ${fmt(hit)})`);
}

await missLatency('embedded index (500):', createEmbeddedIndex());
const fake = await startFakeQdrant();
await missLatency('fake Qdrant (500):', createQdrantIndex({ url: fake.url, collectionBase: 'bench', embedderId: raw.id }));
await fake.close();
