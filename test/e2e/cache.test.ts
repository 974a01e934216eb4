// End to end: exact and semantic cache hits through the official OpenAI SDK, in both run modes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { startFakeQdrant, type FakeQdrant } from '../support/fake-qdrant.ts';
import { MASTER_KEY, MODES, startTestGateway, type TestGateway } from '../support/gateway.ts';

const models = (url: string) => `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${url}/v1, api_key: sk-fake, input_cost_per_token: 0.000005, output_cost_per_token: 0.000015 }
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${url}/v1, api_key: sk-fake }
`;

async function chat(client: OpenAI, content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const { data, response } = await client.chat.completions
    .create({ model: 'gpt-4o', messages: [{ role: 'user', content }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming, { headers })
    .withResponse();
  return { data, headers: response.headers };
}

for (const mode of MODES) {
  for (const type of ['local-semantic', 'qdrant-semantic'] as const) {
    describe(`cache e2e (${mode}, ${type})`, () => {
      let fake: FakeServer;
      let qdrant: FakeQdrant;
      let gw: TestGateway;
      let client: OpenAI;
      const upstream = () => fake.requests.length;

      before(async () => {
        fake = await startFakeOpenAI();
        qdrant = await startFakeQdrant();
        gw = await startTestGateway({
          mode,
          // The embedded index lives in one process: with it, distributed mode gets one cache host; Qdrant is shared by two.
          routers: type === 'local-semantic' ? 1 : 2,
          yaml: `${models(fake.url)}
litellm_settings:
  cache: true
  cache_params: { type: ${type}, qdrant_api_base: ${qdrant.url}, qdrant_collection_name: e2e_${mode}, timeout_ms: 2000, ttl: 600 }
`,
        });
        client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
      });
      after(async () => {
        await gw?.close();
        await qdrant?.close();
        await fake?.close();
      });

      // Answers stored so far: Qdrant's points with a response, else the (single) cache host's store counter.
      const storedCount = async (): Promise<number> => {
        if (type === 'qdrant-semantic') {
          let n = 0;
          for (const c of qdrant.collections.values()) for (const p of c.points.values()) if (p.payload['response']) n++;
          return n;
        }
        const r = await fetch(`${gw.url}/cache/stats`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
        return ((await r.json()) as { stores: number }).stores;
      };
      const stored = async (before: number) => {
        // The writer stores from the completed event, asynchronously: wait until the count moves.
        for (let i = 0; i < 150; i++) {
          const n = await storedCount();
          if (n > before) return n;
          await new Promise((res) => setTimeout(res, 20));
        }
        throw new Error('answer was never stored');
      };
      let stores = 0;

      test('answers a repeated request from the exact layer with a new id and records savings', async () => {
        const first = await chat(client, 'What is the capital of France?');
        assert.equal(first.headers.get('x-gateway-cache'), 'miss');
        stores = await stored(stores);
        const n = upstream();
        const again = await chat(client, 'What is the capital of France?');
        assert.equal(again.headers.get('x-gateway-cache'), 'exact-hit');
        assert.equal(upstream(), n);
        assert.equal(again.data.choices[0]?.message.content, first.data.choices[0]?.message.content);
        assert.notEqual(again.data.id, first.data.id);
        const evt = await gw.eventFor(again.headers.get('x-request-id') ?? '');
        assert.equal(evt.cacheStatus, 'exact_hit');
        assert.ok(evt.savedUsd > 0, `savedUsd ${evt.savedUsd}`);
        assert.equal(evt.costUsd, 0);
      });

      test('answers a paraphrase from the semantic layer with its similarity', async () => {
        const n = upstream();
        const r = await chat(client, 'Which city is the capital of France?');
        assert.equal(r.headers.get('x-gateway-cache'), 'semantic-hit');
        assert.ok(Number(r.headers.get('x-gateway-cache-similarity')) >= 0.85);
        assert.equal(upstream(), n);
        const evt = await gw.eventFor(r.headers.get('x-request-id') ?? '');
        assert.equal(evt.cacheStatus, 'semantic_hit');
        assert.ok((evt.cacheSimilarity ?? 0) >= 0.85);
      });

      test('never answers a near-miss (other entity) or another model group from the cache', async () => {
        const other = await chat(client, 'What is the capital of Germany?');
        assert.equal(other.headers.get('x-gateway-cache'), 'miss');
        const { response } = await client.chat.completions
          .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is the capital of France?' }] })
          .withResponse();
        assert.equal(response.headers.get('x-gateway-cache'), 'miss');
        stores = await stored(stores + 1); // two answers stored
      });

      test('isolates per-request namespaces', async () => {
        const r = await chat(client, 'What is the capital of France?', {}, { 'x-gateway-cache-namespace': 'tenant-b' });
        assert.equal(r.headers.get('x-gateway-cache'), 'miss');
        stores = await stored(stores);
      });

      test('replays a hit on a streaming request as SSE the SDK reads', async () => {
        const n = upstream();
        const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'What is the capital of France?' }], stream: true, stream_options: { include_usage: true } });
        let text = '';
        let finish: string | null = null;
        let usage = false;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
          if (chunk.usage) usage = true;
        }
        assert.ok(text.length > 0);
        assert.equal(finish, 'stop');
        assert.ok(usage);
        assert.equal(upstream(), n);
      });

      test('stores a streamed miss from its completed event and serves it to a later non-stream request', async () => {
        const q = 'Explain photosynthesis in simple terms.';
        const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: q }], stream: true });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        stores = await stored(stores);
        const r = await chat(client, q);
        assert.equal(r.headers.get('x-gateway-cache'), 'exact-hit');
        assert.equal(r.data.choices[0]?.message.content, text);
      });

      test('honours no-cache (body and header) and no-store', async () => {
        const a = await chat(client, 'What is the capital of France?', { cache: { 'no-cache': true } });
        assert.equal(a.headers.get('x-gateway-cache'), 'miss');
        const b = await chat(client, 'What is the capital of France?', {}, { 'cache-control': 'no-cache' });
        assert.equal(b.headers.get('x-gateway-cache'), 'miss');
        await chat(client, 'How many legs does a spider have?', { cache: { 'no-store': true } });
        await new Promise((res) => setTimeout(res, 150));
        const c = await chat(client, 'How many legs does a spider have?');
        assert.equal(c.headers.get('x-gateway-cache'), 'miss');
      });

      test('reports stats and flushes a namespace', async () => {
        const r = await fetch(`${gw.url}/cache/stats`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
        const s = (await r.json()) as { requests: Record<string, number>; hit_rate: number; saved_usd: number; by_team_model: unknown[] };
        if (mode === 'embedded' || type === 'local-semantic') {
          assert.ok(s.requests['exact_hit']! >= 2 && s.requests['semantic_hit']! >= 1);
          assert.ok(s.saved_usd > 0 && s.hit_rate > 0 && s.by_team_model.length >= 1);
        } else assert.ok(s.requests['total']! >= 1, 'stats of one cache replica'); // per replica; metrics aggregate
        const denied = await fetch(`${gw.url}/cache/stats`);
        assert.equal(denied.status, 403);
        const f = await fetch(`${gw.url}/cache/flush`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ namespace: 'tenant-b' }) });
        assert.equal(f.status, 200);
        const after = await chat(client, 'What is the capital of France?', {}, { 'x-gateway-cache-namespace': 'tenant-b' });
        assert.equal(after.headers.get('x-gateway-cache'), 'miss');
      });
    });
  }
}

describe('cache e2e (embedded, embeddings deployment from model_list)', () => {
  let fake: FakeServer;
  let gw: TestGateway;
  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startTestGateway({
      mode: 'embedded',
      yaml: `${models(fake.url)}
  - model_name: embedder
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${fake.url}/v1, api_key: sk-fake }
litellm_settings:
  cache: true
  cache_params: { type: local-semantic, embedding_model: embedder, timeout_ms: 2000 }
`,
    });
  });
  after(async () => {
    await gw?.close();
    await fake?.close();
  });

  test('embeds the query through the deployment and still answers the repeat exactly', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    assert.equal((await chat(client, 'Name three primary colours.')).headers.get('x-gateway-cache'), 'miss');
    const embedCalls = () => fake.requests.filter((r) => r.route?.op === 'embeddings').length;
    for (let i = 0; i < 100 && (await chat(client, 'Name three primary colours.')).headers.get('x-gateway-cache') !== 'exact-hit'; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await chat(client, 'Name three primary colours.')).headers.get('x-gateway-cache'), 'exact-hit');
    // Nothing to compare with at the first lookup: the query is embedded when its answer is stored.
    assert.ok(embedCalls() >= 2, 'a dimension probe at boot and the query');
  });
});
