// Contract suite: every VectorIndex adapter (embedded, Qdrant against the Qdrant-REST fake) behaves the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEmbeddedIndex, createQdrantIndex, type CacheEntry, type VectorIndex } from '@ai-gateway/semantic-cache';
import { startFakeQdrant, type FakeQdrant } from '../../../test/support/fake-qdrant.ts';

const DIMS = 4;
const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};
const hex = (c: string) => c.repeat(64).slice(0, 64);
const idOf = (k: string) => `${k.slice(0, 8)}-${k.slice(8, 12)}-${k.slice(12, 16)}-${k.slice(16, 20)}-${k.slice(20, 32)}`;

function entry(key: string, over: Partial<CacheEntry> = {}): CacheEntry {
  const exactKey = hex(key);
  return {
    id: idOf(exactKey), exactKey, scope: 'ns|team:a|', namespace: '', modelGroup: 'gpt-4o', callType: 'chat', contextHash: 'ctx', paramsHash: 'p',
    semantic: true, signature: null, response: `{"answer":"${key}"}`, usage: { promptTokens: 1, completionTokens: 2, cachedTokens: 0, totalTokens: 3 },
    costUsd: 0.001, answeredBy: 'gpt-4o', createdAtMs: 1_000, expiresAtMs: 10_000, ...over,
  };
}

const adapters: Array<{ name: string; make(): Promise<{ index: VectorIndex; done(): Promise<void> }> }> = [
  { name: 'embedded', make: async () => ({ index: createEmbeddedIndex({ maxEntries: 100 }), done: async () => {} }) },
  {
    name: 'qdrant (fake Qdrant REST)',
    make: async () => {
      const fake: FakeQdrant = await startFakeQdrant();
      const index = createQdrantIndex({ url: fake.url, collectionBase: 'contract', embedderId: 'test', timeoutMs: 2_000 });
      return { index, done: () => fake.close() };
    },
  },
];

for (const a of adapters) {
  describe(`vector index contract - ${a.name}`, () => {
    let index: VectorIndex;
    let done: () => Promise<void>;
    before(async () => {
      ({ index, done } = await a.make());
      await index.ensure(DIMS);
      await index.ensure(DIMS); // idempotent
    });
    after(() => done());

    test('gets an entry by id until it expires', async () => {
      await index.upsert(entry('a'), unit(1, 0, 0, 0));
      const got = await index.get(idOf(hex('a')), 5_000);
      assert.equal(got?.response, '{"answer":"a"}');
      assert.deepEqual(got?.usage, { promptTokens: 1, completionTokens: 2, cachedTokens: 0, totalTokens: 3 });
      assert.equal(await index.get(idOf(hex('a')), 10_000), null);
      assert.equal(await index.get(idOf(hex('f')), 5_000), null);
    });

    test('searches by cosine within the filter, best first, above the minimum score', async () => {
      await index.upsert(entry('a'), unit(1, 0, 0, 0));
      await index.upsert(entry('b'), unit(1, 0.1, 0, 0));
      await index.upsert(entry('c'), unit(1, 0.5, 0, 0));
      await index.upsert(entry('d', { scope: 'ns|team:b|' }), unit(1, 0, 0, 0));
      await index.upsert(entry('e', { modelGroup: 'other' }), unit(1, 0, 0, 0));
      const hits = await index.search(unit(1, 0, 0, 0), { scope: 'ns|team:a|', modelGroup: 'gpt-4o', contextHash: 'ctx', paramsHash: 'p', semantic: true }, { limit: 5, minScore: 0.85, now: 5_000 });
      assert.deepEqual(hits.map((h) => JSON.parse(h.entry.response).answer), ['a', 'b', 'c']);
      assert.ok((hits[0]?.score ?? 0) > 0.999 && (hits[1]?.score ?? 0) >= (hits[2]?.score ?? 0));
      const strict = await index.search(unit(1, 0, 0, 0), { scope: 'ns|team:a|', modelGroup: 'gpt-4o' }, { limit: 5, minScore: 0.99, now: 5_000 });
      assert.deepEqual(strict.map((h) => JSON.parse(h.entry.response).answer).sort(), ['a', 'b']);
      const expired = await index.search(unit(1, 0, 0, 0), { scope: 'ns|team:a|' }, { limit: 5, minScore: 0.5, now: 20_000 });
      assert.equal(expired.length, 0);
    });

    test('keeps entries without a vector out of searches but finds them by id', async () => {
      await index.upsert(entry('9', { semantic: false }), null);
      const hits = await index.search(unit(1, 0, 0, 0), { scope: 'ns|team:a|' }, { limit: 10, minScore: -1, now: 5_000 });
      assert.ok(!hits.some((h) => h.entry.exactKey === hex('9')));
      assert.equal((await index.get(idOf(hex('9')), 5_000))?.semantic, false);
    });

    test('completes a pending entry with its answer and reports unknown ids', async () => {
      await index.upsert(entry('7', { response: '', semantic: false }), unit(0, 1, 0, 0));
      assert.equal(await index.answer(idOf(hex('7')), { response: '{"answer":"7"}', usage: entry('7').usage, costUsd: 0.5, answeredBy: 'gpt-4o', createdAtMs: 2_000, expiresAtMs: 9_000, semantic: true }), true);
      const hits = await index.search(unit(0, 1, 0, 0), { scope: 'ns|team:a|' }, { limit: 1, minScore: 0.99, now: 5_000 });
      assert.equal(hits[0]?.entry.response, '{"answer":"7"}');
      assert.equal(hits[0]?.entry.costUsd, 0.5);
      assert.equal(await index.answer(idOf(hex('6')), { response: 'x', usage: entry('6').usage, costUsd: 0, answeredBy: '', createdAtMs: 0, expiresAtMs: 1, semantic: false }), false);
    });

    test('deletes by namespace, by exact key and sweeps expired entries', async () => {
      await index.upsert(entry('1', { namespace: 'flush-me' }), unit(0, 0, 1, 0));
      await index.upsert(entry('2', { namespace: 'flush-me' }), unit(0, 0, 1, 0.1));
      const before = await index.count();
      assert.equal(await index.delete({ namespace: 'flush-me' }), 2);
      assert.equal(await index.count(), before - 2);
      assert.equal(await index.delete({ exactKey: hex('b') }), 1);
      assert.equal(await index.get(idOf(hex('b')), 5_000), null);
      await index.upsert(entry('3', { expiresAtMs: 100 }), unit(0, 0, 0, 1));
      assert.ok((await index.sweep(500)) >= 1);
      assert.equal(await index.get(idOf(hex('3')), 50), null);
    });
  });
}
