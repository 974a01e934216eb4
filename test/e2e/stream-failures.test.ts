// End to end: failures after the first token are never silent, and what was delivered is still accounted for.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { MASTER_KEY, MODES, startTestGateway, type TestGateway } from '../support/gateway.ts';

for (const mode of MODES) {
  describe(`stream failures and disconnects (${mode})`, () => {
    let fake: FakeServer;
    let gw: TestGateway;
    let client: OpenAI;

    before(async () => {
      fake = await startFakeOpenAI();
      gw = await startTestGateway({
        mode,
        yaml: `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-fake, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
  - model_name: other
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${fake.url}/v1, api_key: sk-fake }
router_settings:
  stream_idle_timeout: 0.3
  fallbacks: [{ gpt-4o: [other] }]
`,
      });
      client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    });
    after(async () => {
      await gw?.close();
      await fake?.close();
    });

    async function drain(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<string> {
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      return text;
    }

    test('a stream that goes idle after tokens ends with an error the SDK raises, recorded as failed with the tokens delivered', async () => {
      fake.script({ type: 'stream', content: 'one two three four five six seven eight', chunks: 8, hangAfter: 4 });
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'count' }] })
        .withResponse();
      const requestId = response.headers.get('x-request-id') ?? '';
      const before = fake.requests.length;
      await assert.rejects(drain(stream), /idle|stream/i);
      assert.equal(fake.requests.length, before, 'no other model was asked after tokens reached the client');
      const evt = await gw.eventFor(requestId);
      assert.equal(evt.outcome, 'error');
      assert.equal(evt.errorCode, 'upstream_timeout');
      assert.ok(evt.usage.completionTokens > 0, 'delivered tokens are accounted for');
      assert.ok(evt.costUsd > 0);
      assert.deepEqual(evt.fallbacks, []);
    });

    test('an in-stream provider error reaches the SDK as an error, and the event says so', async () => {
      fake.script({ type: 'stream', chunks: 6, errorAfter: 3 });
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] })
        .withResponse();
      await assert.rejects(drain(stream));
      const evt = await gw.eventFor(response.headers.get('x-request-id') ?? '');
      assert.equal(evt.outcome, 'error');
      assert.equal(evt.httpStatus >= 500, true);
    });

    test('a successful stream is recorded with usage, cost, TTFT and its deployment', async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] })
        .withResponse();
      await drain(stream);
      const evt = await gw.eventFor(response.headers.get('x-request-id') ?? '');
      assert.equal(evt.outcome, 'success');
      assert.equal(evt.usageEstimated, false, 'usage came from the provider');
      assert.ok(evt.usage.promptTokens > 0 && evt.usage.completionTokens > 0);
      assert.ok(Math.abs(evt.costUsd - (evt.usage.promptTokens * 0.000001 + evt.usage.completionTokens * 0.000002)) < 1e-12);
      assert.ok(evt.ttftMs !== null && evt.ttftMs >= 0);
      assert.equal(evt.modelGroup, 'gpt-4o');
      assert.equal(evt.deploymentId, response.headers.get('x-gateway-model-deployment'));
    });

    test('a client that leaves mid-stream is recorded as cancelled with the usage delivered so far', async () => {
      fake.script({ type: 'stream', chunks: 100, chunkDelayMs: 20 });
      const ac = new AbortController();
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'long' }] }, { signal: ac.signal })
        .withResponse();
      let n = 0;
      try {
        for await (const _c of stream) if (++n === 5) ac.abort();
      } catch {
        // aborted by us
      }
      const evt = await gw.eventFor(response.headers.get('x-request-id') ?? '');
      assert.equal(evt.outcome, 'cancelled');
      assert.ok(evt.usage.completionTokens > 0);
    });

    test('a client that leaves a non-streamed request is recorded as cancelled', async () => {
      fake.script({ type: 'hang' });
      const ac = new AbortController();
      const requestId = `cancel-${mode}-${Date.now()}`;
      const pending = client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { signal: ac.signal, headers: { 'x-request-id': requestId } });
      await new Promise((r) => setTimeout(r, 150));
      ac.abort();
      await assert.rejects(pending);
      const evt = await gw.eventFor(requestId);
      assert.equal(evt.outcome, 'cancelled');
    });

    test('a rejected request (unknown model) is still recorded, as an error', async () => {
      const requestId = `rejected-${mode}-${Date.now()}`;
      await assert.rejects(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-request-id': requestId } }));
      const evt = await gw.eventFor(requestId);
      assert.equal(evt.outcome, 'error');
      assert.equal(evt.httpStatus, 404);
    });
  });
}
