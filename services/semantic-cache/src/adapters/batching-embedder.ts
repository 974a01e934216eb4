// Wraps an Embedder: remembers recent vectors (LRU) and batches texts asked for in the same tick into one call.
import type { Embedder } from '../ports.ts';

interface Waiter {
  text: string;
  resolve(v: Float32Array): void;
  reject(err: unknown): void;
}

export function createBatchingEmbedder(inner: Embedder, o: { cacheSize?: number; maxBatch?: number } = {}): Embedder {
  const cacheSize = o.cacheSize ?? 2_000;
  const maxBatch = o.maxBatch ?? 32;
  const lru = new Map<string, Float32Array>();
  let queue: Waiter[] = [];
  let scheduled = false;

  function remember(text: string, v: Float32Array): void {
    lru.delete(text);
    lru.set(text, v);
    if (lru.size > cacheSize) lru.delete(lru.keys().next().value as string);
  }

  async function flush(): Promise<void> {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      const texts = [...new Set(batch.map((w) => w.text))];
      try {
        const vectors = await inner.embed(texts);
        const byText = new Map(texts.map((t, i) => [t, vectors[i] as Float32Array]));
        for (const [t, v] of byText) remember(t, v);
        for (const w of batch) w.resolve(byText.get(w.text) as Float32Array);
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
  }

  function one(text: string): Promise<Float32Array> {
    const hit = lru.get(text);
    if (hit) {
      remember(text, hit);
      return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      queue.push({ text, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
  }

  return {
    id: inner.id,
    dimensions: inner.dimensions,
    embed: (texts) => Promise.all(texts.map(one)),
  };
}
