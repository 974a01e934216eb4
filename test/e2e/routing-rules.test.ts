// End to end: virtual-model routing (rules + semantic) and context-window fitting, through the official SDKs, both modes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.ts';
import { buildRouter } from '@ai-gateway/gateway';
import { loadConfig } from '@ai-gateway/kit';
import { MASTER_KEY, MODES, memoryLogger, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { scrapeUntil } from '../support/prom-text.ts';

const config = (openai: string, anthropic: string) => `
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${openai}/v1, api_key: sk-fake }
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${openai}/v1, api_key: sk-fake }
  - model_name: claude-3-5-haiku
    litellm_params: { model: anthropic/claude-3-5-haiku-20241022, api_base: ${anthropic}, api_key: a-fake }
  - model_name: tiny
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${openai}/v1, api_key: sk-fake }
    model_info: { max_input_tokens: 150 }
  - model_name: roomy
    litellm_params: { model: openai/gpt-4.1, api_base: ${openai}/v1, api_key: sk-fake }
router_settings:
  num_retries: 0
  context_window_fallbacks: [{ tiny: [roomy] }]
  context_window_policy: fallback
  routing_rules:
    - { name: classify, match: { task: classification }, route_to: gpt-4o-mini }
    - { name: summarize, match: { metadata.task: summarization }, route_to: claude-3-5-haiku }
    - { name: tools, match: { has_tools: true }, route_to: gpt-4o }
  auto_router:
    model_names: [auto]
    default_model: gpt-4o-mini
    semantic:
      routes:
        - name: code_generation
          route_to: gpt-4o
          utterances: ["Write a Python function that parses a CSV file", "Implement a binary search tree in TypeScript", "Fix the bug in this JavaScript code", "Write a SQL query that joins two tables"]
        - name: summarization
          route_to: claude-3-5-haiku
          utterances: ["Summarize the following article in three sentences", "Give me a TL;DR of this meeting transcript", "Condense this report into bullet points"]
`;

/** A conversation of ~600 tokens with a tool call/result pair in the middle. */
function longConversation(): OpenAI.ChatCompletionMessageParam[] {
  const msgs: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: 'Be brief.' }];
  for (let i = 0; i < 8; i++) {
    msgs.push({ role: 'user', content: `Question ${i}: tell me about the history of the city number ${i} in some detail please.` });
    if (i === 4) {
      msgs.push({ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"city":4}' } }] });
      msgs.push({ role: 'tool', tool_call_id: 'call_1', content: 'City 4 was founded long ago by people who liked rivers.' });
    }
    msgs.push({ role: 'assistant', content: `City ${i} has a long and interesting history that spans many centuries of change.` });
  }
  msgs.push({ role: 'user', content: 'Thanks. And what about today?' });
  return msgs;
}

for (const mode of MODES) {
  describe(`routing rules e2e (${mode})`, () => {
    let openaiFake: FakeServer;
    let anthropicFake: FakeAnthropic;
    let gw: TestGateway;
    let client: OpenAI;
    let anthropic: Anthropic;
    const lastOpenAIModel = () => (openaiFake.requests.at(-1)?.body as { model?: string } | undefined)?.model;

    before(async () => {
      openaiFake = await startFakeOpenAI();
      anthropicFake = await startFakeAnthropic();
      gw = await startTestGateway({ mode, yaml: config(openaiFake.url, anthropicFake.url), routers: 1 });
      client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
      anthropic = new Anthropic({ baseURL: gw.url, apiKey: MASTER_KEY, maxRetries: 0 });
    });
    after(async () => {
      await gw?.close();
      await openaiFake?.close();
      await anthropicFake?.close();
    });

    test('/v1/models lists the virtual model', async () => {
      const ids = (await client.models.list()).data.map((m) => m.id);
      assert.ok(ids.includes('auto'));
    });

    test('non-stream: the x-gateway-task rule sends auto to gpt-4o-mini and says so', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'auto', messages: [{ role: 'user', content: 'Is this spam? "win a cruise"' }] }, { headers: { 'x-gateway-task': 'classification' } })
        .withResponse();
      assert.ok(data.choices[0]?.message.content);
      assert.equal(response.headers.get('x-gateway-route'), 'rule:classify');
      assert.equal(response.headers.get('x-gateway-routed-model'), 'gpt-4o-mini');
      assert.equal(lastOpenAIModel(), 'gpt-4o-mini');
      const evt = await gw.eventFor(response.headers.get('x-request-id') ?? '');
      assert.equal(evt.requestedModel, 'auto');
      assert.equal(evt.modelGroup, 'gpt-4o-mini');
      assert.equal(evt.metadata['x-gateway-route'], 'rule:classify');
    });

    test('routing decisions are counted in ai_gateway_route_total by route and model group', async () => {
      const e = await scrapeUntil(gw.url, (x) => x.sum('ai_gateway_route_total', { route: 'rule:classify' }) >= 1);
      assert.ok(e.sum('ai_gateway_route_total', { route: 'rule:classify', model: 'gpt-4o-mini' }) >= 1);
    });

    test('stream: body metadata.task routes to the Anthropic deployment', async () => {
      const before = anthropicFake.requests.length;
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'Please shorten: the meeting went long.' }], metadata: { task: 'summarization' } } as OpenAI.ChatCompletionCreateParamsStreaming)
        .withResponse();
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      assert.ok(text.length > 0);
      assert.equal(response.headers.get('x-gateway-route'), 'rule:summarize');
      assert.equal(anthropicFake.requests.length, before + 1);
      assert.match(String((anthropicFake.requests.at(-1)?.body as { model?: string }).model), /claude-3-5-haiku/);
    });

    test('semantic: a coding prompt without hints goes to the code route (gpt-4o)', async () => {
      const { response } = await client.chat.completions
        .create({ model: 'auto', messages: [{ role: 'user', content: 'Write a TypeScript function that debounces another function.' }] })
        .withResponse();
      assert.match(response.headers.get('x-gateway-route') ?? '', /^(semantic|lexical):code_generation$/);
      assert.equal(lastOpenAIModel(), 'gpt-4o');
    });

    test('nothing matches: the default model answers with x-gateway-route: default', async () => {
      const { response } = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Good morning!' }] }).withResponse();
      assert.equal(response.headers.get('x-gateway-route'), 'default');
      assert.equal(lastOpenAIModel(), 'gpt-4o-mini');
    });

    test('an explicit model is never rewritten by a matching rule', async () => {
      const { response } = await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Is this spam?' }] }, { headers: { 'x-gateway-task': 'classification' } })
        .withResponse();
      assert.equal(response.headers.get('x-gateway-route'), null);
      assert.equal(lastOpenAIModel(), 'gpt-4o');
    });

    test('Anthropic inbound: /v1/messages with model auto and tools follows the tool rule', async () => {
      const { data, response } = await anthropic.messages
        .create({
          model: 'auto',
          max_tokens: 50,
          tools: [{ name: 'lookup', description: 'search', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
          messages: [{ role: 'user', content: 'look up the weather' }],
        })
        .withResponse();
      assert.equal(data.type, 'message');
      assert.equal(data.model, 'auto');
      assert.equal(response.headers.get('x-gateway-route'), 'rule:tools');
      assert.equal(lastOpenAIModel(), 'gpt-4o');
    });

    test('Anthropic inbound stream: semantic routing of a summarization prompt', async () => {
      const before = anthropicFake.requests.length;
      const stream = anthropic.messages.stream({ model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: 'Summarize this article about the river in two sentences.' }] });
      const final = await stream.finalMessage();
      assert.ok(final.content.length > 0);
      assert.equal(anthropicFake.requests.length, before + 1);
    });

    test('context fallback: a conversation too long for tiny is sent to roomy before any call to tiny', async () => {
      const { response } = await client.chat.completions.create({ model: 'tiny', messages: longConversation() }).withResponse();
      assert.equal(response.headers.get('x-gateway-context'), 'fallback:roomy');
      assert.equal(response.headers.get('x-gateway-fallback'), 'roomy');
      assert.equal(lastOpenAIModel(), 'gpt-4.1');
      const evt = await gw.eventFor(response.headers.get('x-request-id') ?? '');
      assert.deepEqual(evt.fallbacks, [{ from: 'tiny', to: 'roomy', reason: 'context_window' }]);
    });

    test('context trim (request policy): oldest turns dropped, tool pair kept together, header trimmed:N', async () => {
      const sent = longConversation();
      const { response } = await client.chat.completions.create({ model: 'tiny', messages: sent }, { headers: { 'x-gateway-context-policy': 'trim' } }).withResponse();
      const got = (openaiFake.requests.at(-1)?.body as { messages: Array<{ role: string; tool_call_id?: string; tool_calls?: unknown[] }> }).messages;
      assert.equal(response.headers.get('x-gateway-context'), `trimmed:${sent.length - got.length}`);
      assert.ok(got.length < sent.length);
      assert.equal(got[0]?.role, 'system');
      assert.equal(got.at(-1)?.role, 'user');
      const hasCall = got.some((m) => Array.isArray(m.tool_calls));
      const hasResult = got.some((m) => m.tool_call_id === 'call_1');
      assert.equal(hasCall, hasResult);
    });

    test('context trim on a stream carries the header on the SSE response', async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'tiny', stream: true, messages: longConversation() }, { headers: { 'x-gateway-context-policy': 'middle-out' } })
        .withResponse();
      for await (const _ of stream) void _;
      assert.match(response.headers.get('x-gateway-context') ?? '', /^middle-out:\d+$/);
    });

    test('context error policy: 400 context_length_exceeded with the counts, provider never called', async () => {
      const before = openaiFake.requests.length;
      await assert.rejects(
        client.chat.completions.create({ model: 'tiny', messages: longConversation() }, { headers: { 'x-gateway-context-policy': 'error' } }),
        (err: unknown) => {
          assert.ok(err instanceof OpenAI.APIError);
          assert.equal(err.status, 400);
          assert.equal(err.code, 'context_length_exceeded');
          assert.match(err.message, /needs \d+ input tokens but model group tiny accepts at most 150/);
          return true;
        },
      );
      assert.equal(openaiFake.requests.length, before);
    });
  });
}

describe('routing rules e2e - start-up', () => {
  const base = (url: string, extra: string) => `
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${url}/v1, api_key: sk-fake }
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${url}/v1, api_key: sk-fake }
router_settings:
${extra}`;
  const semantic = (dir: string, required: boolean) => `  auto_router:
    default_model: gpt-4o-mini
    semantic:
      embedding_model_dir: ${dir}
      require_embedder: ${required}
      routes:
        - { name: code_generation, route_to: gpt-4o, utterances: ["write a python function", "fix this javascript bug", "implement a class in typescript"] }
`;
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake?.close();
  });

  // Start-up failures are checked on the router build itself: a half-started gateway is the CLI's to exit.
  const build = (yaml: string) => buildRouter({ config: loadConfig({ text: yaml, env: {} }).config, logger: memoryLogger([]) });

  test('a route to a model group that does not exist fails start-up with its config path', () => {
    assert.throws(() => build(base(fake.url, '  routing_rules:\n    - { match: { task: x }, route_to: gpt-5-typo }\n')), /routing_rules\[0\]\.route_to: "gpt-5-typo" is not a model group/);
  });

  test('a config virtual key with metadata.route_explicit_models lets rules rewrite its explicit models; others are kept', async () => {
    const yaml = `${base(fake.url, '  routing_rules:\n    - { name: cls, match: { task: classification }, route_to: gpt-4o-mini }\n')}
virtual_keys:
  - { key_alias: saver, metadata: { route_explicit_models: true, context_window_policy: truncate } }
  - { key_alias: plain }
`;
    const built = build(yaml);
    await built.ready;
    const request = (keyAlias: string) => {
      const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'spam?' }] };
      const env = {
        requestId: 'r', tenant: { keyId: 'k', keyAlias, teamId: null, userId: null, projectId: null }, model: 'gpt-4o', callType: 'chat' as const, inboundApi: 'openai' as const,
        stream: false, slip: ['router'], replyTo: '', trace: { traceparent: null, tracestate: null }, receivedAtMs: 0, deadlineMs: 0,
        metadata: { 'x-gateway-task': 'classification' }, verdicts: [], body: JSON.stringify(body),
      };
      return built.routes?.select(env, body);
    };
    assert.equal((await request('saver'))?.group, 'gpt-4o-mini');
    assert.equal(await request('plain'), null);
  });

  test('missing embedding model: a warning at start-up, then routes are matched lexically', async () => {
    const gw = await startTestGateway({ mode: 'embedded', yaml: base(fake.url, semantic('/nonexistent/model', false)) });
    try {
      assert.ok(gw.logs.some((l) => l.includes('routes are matched lexically')));
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
      const { response } = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'write a python function to add numbers' }] }).withResponse();
      assert.equal(response.headers.get('x-gateway-route'), 'lexical:code_generation');
    } finally {
      await gw.close();
    }
  });

  test('require_embedder: a missing embedding model fails start-up clearly', async () => {
    await assert.rejects(build(base(fake.url, semantic('/nonexistent/model', true))).ready, /semantic routing needs the local embedding model/);
  });
});
