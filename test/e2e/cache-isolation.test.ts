// End to end: cache isolation across configured namespaces on one shared Qdrant, and pass-through when Qdrant is slow or down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { startFakeQdrant, type FakeQdrant } from '../support/fake-qdrant.ts';
import { MASTER_KEY, MODES, startTestGateway, type TestGateway } from '../support/gateway.ts';

const models = (url: string) => `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${url}/v1, api_key: sk-fake }
`;

async function chat(client: OpenAI, content: string) {
  const { data, response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] }).withResponse();
  return { data, headers: response.headers };
}

for (const mode of MODES) {
  describe(`cache e2e isolation and bypass (${mode})`, () => {
    let fake: FakeServer;
    let qdrant: FakeQdrant;
    let gwA: TestGateway;
    let gwB: TestGateway;
    const cacheYaml = (namespace: string) => `
litellm_settings:
  cache: true
  cache_params: { type: qdrant-semantic, qdrant_api_base: QDRANT, qdrant_collection_name: iso_${mode}, namespace: ${namespace}, timeout_ms: 1000 }
`;
    before(async () => {
      fake = await startFakeOpenAI();
      qdrant = await startFakeQdrant();
      gwA = await startTestGateway({ mode, routers: 1, yaml: models(fake.url) + cacheYaml('tenant-a').replace('QDRANT', qdrant.url) });
      gwB = await startTestGateway({ mode, routers: 1, yaml: models(fake.url) + cacheYaml('tenant-b').replace('QDRANT', qdrant.url) });
    });
    after(async () => {
      await gwA?.close();
      await gwB?.close();
      await qdrant?.close();
      await fake?.close();
    });
    const client = (gw: TestGateway) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    const answered = async () => {
      for (let i = 0; i < 150; i++) {
        for (const c of qdrant.collections.values()) for (const p of c.points.values()) if (p.payload['response']) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('never stored');
    };

    test('never answers one configured namespace from another, on one shared Qdrant', async () => {
      const first = await chat(client(gwA), 'Who wrote Pride and Prejudice?');
      assert.equal(first.headers.get('x-gateway-cache'), 'miss');
      await answered();
      assert.equal((await chat(client(gwA), 'Who wrote Pride and Prejudice?')).headers.get('x-gateway-cache'), 'exact-hit');
      const other = await chat(client(gwB), 'Who wrote Pride and Prejudice?');
      assert.equal(other.headers.get('x-gateway-cache'), 'miss');
    });

    test('passes through with x-gateway-cache: bypass when Qdrant is slow, then when it is down', async () => {
      const n = fake.requests.length;
      qdrant.delayMs = 3_000;
      const started = performance.now();
      const slow = await chat(client(gwA), 'Who wrote Pride and Prejudice?');
      assert.equal(slow.headers.get('x-gateway-cache'), 'bypass');
      assert.ok(slow.data.choices[0]?.message.content);
      assert.ok(performance.now() - started < 2_500, 'the request did not wait for Qdrant');
      qdrant.delayMs = 0;
      qdrant.down = true;
      const down = await chat(client(gwA), 'Who wrote Pride and Prejudice?');
      assert.equal(down.headers.get('x-gateway-cache'), 'bypass');
      assert.equal(fake.requests.length, n + 2);
      const evt = await gwA.eventFor(down.headers.get('x-request-id') ?? '');
      assert.equal(evt.cacheStatus, 'bypass');
      qdrant.down = false;
    });
  });
}
