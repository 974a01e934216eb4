// `node --import tsx test/bench/cache-latency.ts`: what the cache adds on a miss (embed + index search) and on a hit,
// against a baseline of the previous setup (the wheel's weight-only int8 model, which computes in fp32), interleaved in
// one run; both use the current batching, embedding cache and empty-bucket skip.
// CACHE_BENCH_N samples (default 200); CACHE_BENCH_BUSY=n adds n busy-looping processes (CPU contention).
import { spawn, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger, type RequestEnvelope } from '@ai-gateway/kit';
import {
  createBatchingEmbedder, createEmbeddedIndex, createQdrantIndex, createSemanticCache, loadLocalEmbedder, modelDirOf,
  modelVariantOf,
  type Embedder, type PendingStore, type SemanticCache, type VectorIndex,
} from '@ai-gateway/semantic-cache';
import { startFakeQdrant } from '../support/fake-qdrant.ts';

const N = Number(process.env['CACHE_BENCH_N'] ?? 200);
const busy: ChildProcess[] = Array.from({ length: Number(process.env['CACHE_BENCH_BUSY'] ?? 0) }, () =>
  spawn(process.execPath, ['-e', 'for (const end = Date.now() + 600_000; Date.now() < end;);'], { stdio: 'ignore' }),
);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? 0;
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(2).padStart(6)} ms  p95 ${pct(xs, 95).toFixed(2).padStart(6)} ms  p99 ${pct(xs, 99).toFixed(2).padStart(6)} ms`;

const modelDir = modelDirOf(undefined);
const setups = {
  baseline: { raw: await loadLocalEmbedder({ modelDir, variant: 'weight-only' }), wrap: (e: Embedder) => createBatchingEmbedder(e) },
  current: { raw: await loadLocalEmbedder({ modelDir }), wrap: (e: Embedder) => createBatchingEmbedder(e) },
};
const prompt = (i: number) => `How do I configure feature number ${i} of the billing service for team ${i % 17}?`;
console.log(`baseline ${setups.baseline.raw.id}, current ${setups.current.raw.id}; ${N} samples per row, interleaved; load ${(await import('node:os')).loadavg()[0]?.toFixed(2)}; busy processes ${busy.length}`);

const single = { baseline: [] as number[], current: [] as number[] };
for (let i = 0; i < N; i++) {
  for (const name of (i % 2 ? ['baseline', 'current'] : ['current', 'baseline']) as Array<keyof typeof setups>) {
    const t0 = performance.now();
    await setups[name].raw.embed([prompt(i)]);
    single[name].push(performance.now() - t0);
  }
}
for (const name of ['baseline', 'current'] as const) console.log(`embed, 1 text (uncached), ${name.padEnd(8)}      ${fmt(single[name])}`);
for (const name of ['baseline', 'current'] as const) {
  const t0 = performance.now();
  await setups[name].raw.embed(Array.from({ length: 32 }, (_, i) => prompt(10_000 + i)));
  console.log(`embed, batch of 32, ${name.padEnd(8)}             ${((performance.now() - t0) / 32).toFixed(2)} ms per text`);
}

// What other requests feel while embeddings run: event-loop delay during back-to-back embeds, with the model's
// session on a worker thread (current) and on the request loop (as before).
{
  const { createInlineOnnxEncoder } = await import('../../services/semantic-cache/src/adapters/onnx-encoder.ts');
  const { localEmbedder } = await import('../../services/semantic-cache/src/adapters/local-embedder.ts');
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const { readFileSync } = await import('node:fs');
  const json = (f: string): object => JSON.parse(readFileSync(`${modelDir}/${f}`, 'utf8')) as object;
  const tokenizer = new Tokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
  const inline = localEmbedder(await createInlineOnnxEncoder({ modelPath: `${modelDir}/${modelVariantOf(modelDir).file}`, threads: 2, dimensions: 384, perSequence: modelVariantOf(modelDir).perSequence }), (t) => tokenizer.encode(t).ids, 256);
  for (const [name, e] of [['worker thread', setups.current.raw], ['request loop', inline]] as const) {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    for (let i = 0; i < 50; i++) await e.embed([prompt(20_000 + i)]);
    h.disable();
    console.log(`event-loop delay while embedding, session on the ${name.padEnd(13)} p50 ${(h.percentile(50) / 1e6).toFixed(2)} ms  p99 ${(h.percentile(99) / 1e6).toFixed(2)} ms  max ${(h.max / 1e6).toFixed(2)} ms`);
  }
}

const env = (): RequestEnvelope => ({
  requestId: 'b', tenant: { keyId: 'k', keyAlias: null, teamId: 't', userId: null, projectId: null }, model: 'gpt-4o', callType: 'chat', inboundApi: 'openai',
  stream: false, slip: [], replyTo: '', trace: { traceparent: null, tracestate: null }, receivedAtMs: 0, deadlineMs: 0, metadata: {}, verdicts: [], body: '',
});
const controls = { noCache: false, noStore: false, ttlSeconds: null, namespace: undefined, optIn: false };
const pendingOf = (cache: SemanticCache, q: string, team = 't'): PendingStore => ({
  keys: cache.keysOf({ ...env(), tenant: { ...env().tenant, teamId: team } }, { model: 'gpt-4o', messages: [{ role: 'user', content: q }] }, controls),
  ttlSeconds: 600, vector: null, signature: null, atMs: 0,
});

/** A cache over `index` holding 500 answered entries in one scope. */
async function filled(index: VectorIndex, embedder: Embedder): Promise<SemanticCache> {
  await index.ensure(embedder.dimensions);
  const cache = createSemanticCache({
    deps: { index, embedder, logger: createLogger({ name: 'cache-bench', level: 'silent' }) },
    options: { semantic: true, threshold: 0.85, ttlSeconds: 600, namespace: undefined, maxStoreTemperature: 1, callTypes: new Set(['chat']) },
  });
  for (let i = 0; i < 500; i++) {
    const p = pendingOf(cache, `stored question ${i} about topic ${i * 7}`);
    await cache.lookup(p.keys, true, p, new AbortController().signal);
    await cache.store({ outcome: 'success', httpStatus: 200, response: '{"choices":[]}', usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, totalTokens: 2 }, costUsd: 0.001, modelGroup: 'gpt-4o' } as never, p);
  }
  return cache;
}

async function lookupLatency(label: string, indexFor: () => VectorIndex): Promise<void> {
  const caches = {
    baseline: await filled(indexFor(), setups.baseline.wrap(setups.baseline.raw)),
    current: await filled(indexFor(), setups.current.wrap(setups.current.raw)),
  };
  const miss = { baseline: [] as number[], current: [] as number[] };
  const hit = { baseline: [] as number[], current: [] as number[] };
  const cold = { baseline: [] as number[], current: [] as number[] };
  for (let i = 0; i < N; i++) {
    for (const name of (i % 2 ? ['baseline', 'current'] : ['current', 'baseline']) as Array<keyof typeof caches>) {
      const cache = caches[name];
      const m = pendingOf(cache, `${prompt(i)} (${label})`);
      let t = performance.now();
      const r = await cache.lookup(m.keys, false, m, new AbortController().signal);
      miss[name].push(performance.now() - t);
      if (r.kind !== 'miss') throw new Error(`expected a miss, got ${r.kind}`);
      const h = pendingOf(cache, 'stored question 3 about topic 21');
      t = performance.now();
      await cache.lookup(h.keys, false, h, new AbortController().signal);
      hit[name].push(performance.now() - t);
      const c = pendingOf(cache, `${prompt(i)} (${label}, new team)`, `new-team-${i}`);
      t = performance.now();
      await cache.lookup(c.keys, false, c, new AbortController().signal);
      cold[name].push(performance.now() - t);
    }
  }
  for (const name of ['baseline', 'current'] as const) {
    console.log(`miss lookup, ${label.padEnd(14)} ${name.padEnd(8)} ${fmt(miss[name])}   (exact hit: ${fmt(hit[name])})`);
    console.log(`  same miss, empty bucket (new team) ${name.padEnd(8)} ${fmt(cold[name])}`);
  }
}

try {
  await lookupLatency('embedded index', () => createEmbeddedIndex());
  const fake = await startFakeQdrant();
  let n = 0;
  await lookupLatency('fake Qdrant', () => createQdrantIndex({ url: fake.url, collectionBase: `bench${n++}`, embedderId: setups.current.raw.id }));
  await fake.close();
} finally {
  for (const b of busy) b.kill();
}
