// Composition: the semantic cache and semantic routes in one process run on one embedder (one model load, one LRU).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInProcessBus, loadConfig } from '@ai-gateway/kit';
import { buildStages } from '@ai-gateway/gateway';
import { memoryLogger } from '../support/gateway.ts';

const yaml = (routeModelDir: string | null) => `
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: http://127.0.0.1:9/v1, api_key: sk-fake }
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: http://127.0.0.1:9/v1, api_key: sk-fake }
litellm_settings:
  cache: true
  cache_params: { type: local-semantic }
router_settings:
  auto_router:
    default_model: gpt-4o-mini
    semantic:
${routeModelDir ? `      embedding_model_dir: ${routeModelDir}\n` : ''}      routes:
        - { name: code_generation, route_to: gpt-4o, utterances: ["write a python function", "fix this javascript bug"] }
`;

async function build(routeModelDir: string | null) {
  const logs: string[] = [];
  const bus = createInProcessBus();
  const built = await buildStages(['cache', 'router'], { config: loadConfig({ text: yaml(routeModelDir), env: {} }).config, logger: memoryLogger(logs), bus });
  return { built, logs, close: async () => (await built.close(), await bus.close()) };
}

describe('embedder sharing', () => {
  test('cache and semantic routes on the same local model: one load, and the routes use the cache\'s embedder', async () => {
    const { built, logs, close } = await build(null);
    try {
      const cacheEmbedder = built.cache?.embedder;
      assert.ok(cacheEmbedder, 'the cache loaded the local model');
      assert.equal(await built.router?.embedder, cacheEmbedder);
      assert.equal(logs.filter((l) => l.includes('embedding model loaded')).length, 1);
      assert.ok(logs.some((l) => l.includes('semantic routes ready')));
    } finally {
      await close();
    }
  });

  test('semantic routes on another model directory do not take the cache\'s embedder', async () => {
    const { built, close } = await build('/nonexistent/other-model');
    try {
      assert.ok(built.cache?.embedder);
      assert.equal(await built.router?.embedder, null, 'their own model is missing: routes fall back to lexical matching');
    } finally {
      await close();
    }
  });
});
