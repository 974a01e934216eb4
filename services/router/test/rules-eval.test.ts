// Task-type routing accuracy on the labelled dev set (test/fixtures/routing): the target is 0.85.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRoutes, localEmbedderOrNull, readDevSet } from '../../../scripts/route-eval.ts';

describe('route eval - dev set accuracy', () => {
  test('the dev set has at least 120 prompts across at least 4 task types', () => {
    const dev = readDevSet();
    assert.ok(dev.length >= 120);
    assert.ok(new Set(dev.map((d) => d.task)).size >= 4);
  });

  test('the lexical layer alone (no embedding model) reaches 0.85 and costs less than all-to-strongest', async () => {
    const r = await evaluateRoutes(null);
    assert.equal(r.classifier, 'lexical');
    assert.ok(r.accuracy >= 0.85, `accuracy ${r.accuracy}`);
    assert.ok(r.routedCostUsd < r.strongestCostUsd);
  });

  test('the semantic layer (local all-MiniLM-L6-v2 + lexical tie-break) reaches 0.85 when the model is present', async (t) => {
    const embedder = await localEmbedderOrNull();
    if (!embedder) {
      t.skip('local embedding model missing: bash scripts/fetch-embedding-model.sh');
      return;
    }
    const r = await evaluateRoutes(embedder);
    assert.equal(r.classifier, 'semantic');
    assert.ok(r.accuracy >= 0.85, `accuracy ${r.accuracy}`);
    assert.ok(r.routedCostUsd < r.strongestCostUsd);
  });
});
