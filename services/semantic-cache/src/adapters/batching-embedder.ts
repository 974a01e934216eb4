// Wraps an Embedder: remembers recent vectors (LRU by text hash) and batches texts that wait while a call runs.
import { createHash } from 'node:crypto';
import type { Embedder } from '../ports.ts';

interface Waiter {
  key: string;
  text: string;
  resolve(v: Float32Array): void;
  reject(err: unknown): void;
}

/** The LRU holds digests, not prompts: no raw text is retained beyond the call. */
const keyOf = (text: string): string => createHash('sha1').update(text).digest('base64');

/**
 * A text asked for while no call is running is embedded at once (no batching window: waiting would only add
 * latency on a miss). Texts asked for while a call runs queue up and go together in the next call.
 */
export function createBatchingEmbedder(inner: Embedder, o: { cacheSize?: number; maxBatch?: number } = {}): Embedder {
  const cacheSize = o.cacheSize ?? 2_000;
  const maxBatch = o.maxBatch ?? 32;
  const lru = new Map<string, Float32Array>();
  let queue: Waiter[] = [];
  let running = false;

  function remember(key: string, v: Float32Array): void {
    lru.delete(key);
    lru.set(key, v);
    if (lru.size > cacheSize) lru.delete(lru.keys().next().value as string);
  }

  async function drain(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(maxBatch);
        const unique = new Map<string, string>();
        for (const w of batch) unique.set(w.key, w.text);
        try {
          const vectors = await inner.embed([...unique.values()]);
          const byKey = new Map<string, Float32Array>();
          [...unique.keys()].forEach((k, i) => byKey.set(k, vectors[i] as Float32Array));
          for (const [k, v] of byKey) remember(k, v);
          for (const w of batch) w.resolve(byKey.get(w.key) as Float32Array);
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      running = false;
    }
  }

  function one(text: string): Promise<Float32Array> {
    const key = keyOf(text);
    const hit = lru.get(key);
    if (hit) {
      remember(key, hit);
      return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => queue.push({ key, text, resolve, reject }));
  }

  return {
    id: inner.id,
    dimensions: inner.dimensions,
    embed(texts) {
      const vectors = Promise.all(texts.map(one));
      if (!running && queue.length > 0) void drain();
      return vectors;
    },
    ...(inner.fits ? { fits: inner.fits.bind(inner) } : {}),
  };
}
