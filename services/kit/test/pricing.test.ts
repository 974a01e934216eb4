import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { priceFor, costOf, matchModel, BUILTIN_PRICES } from '../src/pricing/pricing.ts';

const usage = (promptTokens: number, completionTokens: number, cachedTokens = 0) => ({ promptTokens, completionTokens, cachedTokens });
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

describe('pricing', () => {
  test('pricing - matches dated snapshots and provider prefixes to the bare model', () => {
    assert.equal(matchModel('gpt-4o-2024-08-06'), 'gpt-4o');
    assert.equal(matchModel('gpt-4o-mini-2024-07-18'), 'gpt-4o-mini');
    assert.equal(matchModel('anthropic/claude-3-5-sonnet-20241022'), 'claude-3-5-sonnet');
    assert.equal(matchModel('claude-3-5-haiku-latest'), 'claude-3-5-haiku');
    assert.equal(matchModel('bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0'), 'claude-3-7-sonnet');
    assert.equal(matchModel('vertex_ai/claude-3-5-sonnet-v2@20241022'), 'claude-3-5-sonnet');
    assert.equal(matchModel('gemini/gemini-1.5-pro-002'), 'gemini-1.5-pro');
    assert.equal(matchModel('azure/gpt-3.5-turbo-0125'), 'gpt-3.5-turbo');
    assert.equal(matchModel('openai/o1-2024-12-17'), 'o1');
    assert.equal(matchModel('claude-sonnet-4-20250514'), 'claude-sonnet-4');
    assert.equal(matchModel('ada-002'), 'text-embedding-ada-002');
  });

  test('pricing - does not confuse a different model that shares a prefix', () => {
    assert.equal(matchModel('gpt-4o-audio-preview'), null);
    assert.equal(matchModel('gpt-4'), null);
    assert.equal(matchModel('my-local-llama'), null);
  });

  test('pricing - every built-in entry has sane prices and windows', () => {
    for (const [name, p] of Object.entries(BUILTIN_PRICES)) {
      assert.ok(p.inputCostPerToken > 0 && p.inputCostPerToken < 1e-3, name);
      assert.ok(p.outputCostPerToken >= 0 && p.outputCostPerToken < 1e-3, name);
      assert.ok(p.maxInputTokens >= 8_191, name);
      if (p.cacheReadInputTokenCost !== null) assert.ok(p.cacheReadInputTokenCost < p.inputCostPerToken, name);
    }
  });

  test('pricing - costs gpt-4o usage with cached prompt tokens at the cached rate', () => {
    const price = priceFor({ providerModel: 'openai/gpt-4o-2024-08-06' });
    assert.equal(price.priced, true);
    const c = costOf(usage(1_000_000, 1_000_000, 400_000), price);
    close(c.inputCostUsd, 0.6 * 2.5 + 0.4 * 1.25);
    close(c.outputCostUsd, 10);
    close(c.costUsd, 12);
  });

  test('pricing - cached tokens fall back to the input rate when a model has no cache price', () => {
    const c = costOf(usage(1000, 0, 1000), priceFor({ providerModel: 'gpt-3.5-turbo' }));
    close(c.costUsd, 1000 * 0.5e-6);
  });

  test('pricing - config model_info overrides win field by field', () => {
    const p = priceFor({ providerModel: 'gpt-4o', overrides: { input_cost_per_token: 1e-6, max_tokens: 1000 } });
    close(p.inputCostPerToken, 1e-6);
    close(p.outputCostPerToken, 10e-6);
    assert.equal(p.maxOutputTokens, 1000);
    assert.equal(p.maxInputTokens, 128_000);
  });

  test('pricing - an unknown model costs 0 with priced:false and never throws', () => {
    const p = priceFor({ providerModel: 'acme/secret-model-9' });
    assert.equal(p.priced, false);
    assert.deepEqual(costOf(usage(100, 100), p), { costUsd: 0, inputCostUsd: 0, outputCostUsd: 0, priced: false });
    assert.equal(priceFor({ providerModel: null }).priced, false);
  });

  test('pricing - an unknown model priced through overrides is priced', () => {
    const p = priceFor({ providerModel: 'acme/secret-model-9', overrides: { input_cost_per_token: 2e-6, output_cost_per_token: 4e-6 } });
    assert.equal(p.priced, true);
    close(costOf(usage(10, 5), p).costUsd, 10 * 2e-6 + 5 * 4e-6);
  });

  test('pricing - ignores negative or non-finite overrides', () => {
    const p = priceFor({ providerModel: 'gpt-4o', overrides: { input_cost_per_token: -1, output_cost_per_token: Number.NaN } });
    close(p.inputCostPerToken, 2.5e-6);
    close(p.outputCostPerToken, 10e-6);
  });
});
