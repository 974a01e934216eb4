// The local embedding model: present (fetched by scripts/fetch-embedding-model.sh), loaded offline, 384-d unit vectors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchingEmbedder, loadLocalEmbedder, modelDirOf, modelPresent } from '@ai-gateway/semantic-cache';

const cos = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);

describe('local embedder', () => {
  test('finds the model (run scripts/fetch-embedding-model.sh when this fails)', () => {
    assert.ok(modelPresent(modelDirOf(undefined)), `model missing in ${modelDirOf(undefined)}: run bash scripts/fetch-embedding-model.sh`);
  });

  test('embeds offline into unit vectors that put paraphrases closer than unrelated prompts', async () => {
    const e = createBatchingEmbedder(await loadLocalEmbedder({ modelDir: modelDirOf(undefined) }));
    assert.equal(e.dimensions, 384);
    const [a, b, c] = await e.embed(['What is the capital of France?', 'Which city is the capital of France?', 'How do I bake sourdough bread?']);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
    assert.ok(Math.abs(dot(a!, a!) - 1) < 1e-3);
    assert.ok(dot(a!, b!) > 0.85 && dot(a!, c!) < 0.5, `${dot(a!, b!)} ${dot(a!, c!)}`);
    const again = await e.embed(['What is the capital of France?']);
    assert.equal(again[0], a, 'repeated texts come from the embedding cache');
  });

  test('reads at most 256 word pieces: a longer text does not fit and embeds as its opening', async () => {
    const e = await loadLocalEmbedder({ modelDir: modelDirOf(undefined) });
    assert.equal(e.fits?.('What is the capital of France?'), true);
    assert.equal(e.fits?.('word '.repeat(254)), true);
    assert.equal(e.fits?.('word '.repeat(255)), false);
    assert.equal(e.fits?.('x'.repeat(100_000)), false);
    const [long, opening] = await e.embed(['word '.repeat(400), 'word '.repeat(254)]);
    assert.ok(cos(long!, opening!) > 0.9999);
  });

  test('embeds a text in a batch (padded to the longest) as it does alone', async () => {
    const e = await loadLocalEmbedder({ modelDir: modelDirOf(undefined) });
    const texts = ['Hi', 'How do I configure feature number 7 of the billing service for team 3?', 'Ünïcödé café 東京 42.5 kg'];
    const batch = await e.embed(texts);
    for (const [i, t] of texts.entries()) {
      const [alone] = await e.embed([t]);
      assert.ok(cos(alone!, batch[i]!) > 0.9999, t);
    }
  });

  test('fails with a message naming the fetch script when the model is absent', async () => {
    await assert.rejects(loadLocalEmbedder({ modelDir: '/nonexistent/model' }), /fetch-embedding-model/);
  });
});
