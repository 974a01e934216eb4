// End to end: the official OpenAI SDK → gateway (both run modes) → fake providers speaking their wire formats.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { startFakeGemini } from '../support/fake-gemini.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.ts';
import { MASTER_KEY, MODES, startTestGateway, type TestGateway } from '../support/gateway.ts';

for (const mode of MODES) {
  describe(`openai sdk (${mode})`, () => {
    let openaiFake: FakeServer;
    let geminiFake: FakeServer;
    let anthropicFake: FakeAnthropic;
    let gw: TestGateway;
    let client: OpenAI;

    before(async () => {
      openaiFake = await startFakeOpenAI();
      geminiFake = await startFakeGemini();
      anthropicFake = await startFakeAnthropic();
      gw = await startTestGateway({
        mode,
        yaml: `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${openaiFake.url}/v1, api_key: sk-fake }
  - model_name: gemini-flash
    litellm_params: { model: gemini/gemini-1.5-flash, api_base: ${geminiFake.url}, api_key: g-fake }
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-5-sonnet-20241022, api_base: ${anthropicFake.url}, api_key: a-fake }
  - model_name: embedder
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${openaiFake.url}/v1, api_key: sk-fake }
`,
      });
      client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    });
    after(async () => {
      await gw?.close();
      await openaiFake?.close();
      await geminiFake?.close();
      await anthropicFake?.close();
    });

    test('a non-streamed chat completion comes back with content, usage and routing headers', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      assert.equal(data.object, 'chat.completion');
      assert.equal(data.choices[0]?.message.content, 'Hello from the fake provider.');
      assert.ok((data.usage?.total_tokens ?? 0) > 0);
      assert.match(response.headers.get('x-request-id') ?? '', /^[A-Za-z0-9_-]+$/);
      assert.ok(response.headers.get('x-gateway-model-deployment'));
      assert.equal(response.headers.get('x-gateway-attempts'), '1');
      assert.ok(Number(response.headers.get('x-gateway-overhead-ms')) >= 0);
    });

    test('the client request id is echoed back', async () => {
      const { response } = await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': 'my-req-123' } })
        .withResponse();
      assert.equal(response.headers.get('x-request-id'), 'my-req-123');
    });

    test('a streamed chat completion arrives chunk by chunk and usage only when asked for', async () => {
      const plain = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      let sawUsage = false;
      let chunks = 0;
      for await (const chunk of plain) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) sawUsage = true;
      }
      assert.equal(text, 'Hello from the fake provider.');
      assert.ok(chunks >= 5, `expected several chunks, got ${chunks}`);
      assert.equal(sawUsage, false);

      const withUsage = await client.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
      });
      let usage: OpenAI.CompletionUsage | null | undefined = null;
      for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage;
      assert.ok(usage && usage.total_tokens > 0);
    });

    test('streamed tool-call deltas assemble into the tool call the provider made', async () => {
      openaiFake.script({ type: 'stream', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' }] });
      const runner = client.chat.completions.stream({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'weather in Paris?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      });
      const final = await runner.finalChatCompletion();
      const call = final.choices[0]?.message.tool_calls?.[0];
      assert.equal(call?.type === 'function' ? call.function.name : null, 'get_weather');
      assert.deepEqual(JSON.parse(call?.type === 'function' ? call.function.arguments : '{}'), { city: 'Paris', unit: 'c' });
      assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
    });

    test('a gemini deployment answers OpenAI-shaped, streamed and not', async () => {
      const res = await client.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] });
      assert.equal(res.choices[0]?.message.content, 'Hello from the fake provider.');
      assert.ok((res.usage?.prompt_tokens ?? 0) > 0);
      const stream = await client.chat.completions.create({ model: 'gemini-flash', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      assert.equal(text, 'Hello from the fake provider.');
      const sent = geminiFake.requests.at(-1);
      assert.match(sent?.path ?? '', /:streamGenerateContent$/);
    });

    test('an anthropic deployment answers OpenAI-shaped, streamed and not', async () => {
      const res = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
      assert.ok((res.choices[0]?.message.content ?? '').length > 0);
      const stream = await client.chat.completions.create({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      assert.ok(text.length > 0);
      assert.equal(anthropicFake.requests.at(-1)?.headers['x-api-key'], 'a-fake');
    });

    test('embeddings come back one vector per input', async () => {
      const res = await client.embeddings.create({ model: 'embedder', input: ['a', 'b', 'c'] });
      assert.equal(res.data.length, 3);
      assert.ok(res.data.every((d) => Array.isArray(d.embedding) && d.embedding.length > 0));
    });

    test('models are listed and fetched by id', async () => {
      const ids: string[] = [];
      for await (const m of client.models.list()) ids.push(m.id);
      assert.deepEqual(ids, ['gpt-4o', 'gemini-flash', 'claude', 'embedder']);
      const one = await client.models.retrieve('claude');
      assert.equal(one.id, 'claude');
    });

    test('50 concurrent streams each arrive complete and in order', async () => {
      const content = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')} `).join('');
      openaiFake.script(...Array.from({ length: 50 }, () => ({ type: 'stream' as const, content, chunks: 20, chunkDelayMs: 2 })));
      const results = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const s = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'count' }] });
          let text = '';
          for await (const c of s) text += c.choices[0]?.delta.content ?? '';
          return text;
        }),
      );
      assert.equal(results.length, 50);
      for (const r of results) assert.equal(r, content);
    });
  });
}
