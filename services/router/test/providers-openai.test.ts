// OpenAI, openai-compatible and Azure adapters: recorded payloads, request shaping, and calls against the fake server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { openai } from '@ai-gateway/kit';
import { startFakeOpenAI } from '../../../test/support/fake-openai.ts';
import { createOpenAIAdapter } from '../src/providers/openai/index.ts';
import { createAzureAdapter } from '../src/providers/azure/index.ts';
import { openaiApi } from '../src/providers/openai/api.ts';
import { azureApi } from '../src/providers/azure/api.ts';
import { chatBody, chatStreamBody } from '../src/providers/openai/request.ts';
import { decodeChatCompletion, decodeEmbeddings, decodeTextCompletion } from '../src/providers/openai/response.ts';
import { chatChunks } from '../src/providers/openai/stream.ts';
import { sseEvents } from '../src/providers/shared/sse.ts';
import { ProviderError, type ProviderTarget } from '../src/providers/types.ts';

const fixture = (p: string) => readFileSync(new URL(`./fixtures/openai/${p}`, import.meta.url));
const json = (p: string): unknown => JSON.parse(fixture(p).toString('utf8'));

const target = (apiBase: string, over: Partial<ProviderTarget> = {}): ProviderTarget => ({
  provider: 'openai', model: 'gpt-4o-mini', apiBase, apiKey: 'sk-test', apiVersion: null, headers: {}, ...over,
});
const req = (over: Partial<openai.ChatCompletionRequest> = {}): openai.ChatCompletionRequest => ({
  model: 'client-alias', messages: [{ role: 'user', content: 'Say hello' }], ...over,
});
const opts = () => ({ signal: AbortSignal.timeout(5_000) });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* bytes(b: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += 13) yield b.subarray(i, i + 13);
}

describe('openai - recorded payloads', () => {
  test('openai - decodes a recorded chat completion', () => {
    const c = decodeChatCompletion(json('chat-completion.v1.json'));
    assert.equal(c.choices[0]?.message.content, 'The capital of France is Paris.');
    assert.equal(c.usage?.total_tokens, 32);
  });

  test('openai - decodes recorded parallel tool calls', () => {
    const c = decodeChatCompletion(json('chat-completion-tools.v1.json'));
    assert.equal(c.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(c.choices[0]?.message.tool_calls?.map((t) => JSON.parse(t.function.arguments).location), ['Paris, France', 'Tokyo, Japan']);
  });

  test('openai - decodes recorded completions and embeddings', () => {
    assert.equal(decodeTextCompletion(json('completion.v1.json')).choices[0]?.finish_reason, 'length');
    assert.equal(decodeEmbeddings(json('embeddings.v1.json')).data.length, 2);
  });

  test('openai - a body without choices is malformed', () => {
    assert.throws(() => decodeChatCompletion({ id: 'x' }), (e) => e instanceof ProviderError && e.kind === 'malformed');
  });

  test('azure - decodes a recorded stream: prompt_filter_results chunk first, content_filter finish, usage last', async () => {
    const chunks = await collect(chatChunks(sseEvents(bytes(fixture('azure-chat-stream.2024-10-21.sse')))));
    assert.equal(chunks.length, 5);
    assert.deepEqual(chunks[0]?.choices, []);
    assert.ok(Array.isArray(chunks[0]?.prompt_filter_results));
    assert.equal(chunks[3]?.choices[0]?.finish_reason, 'content_filter');
    assert.equal(chunks[4]?.usage?.total_tokens, 12);
  });

  test('openai - decodes a recorded stream with usage chunk, split into small byte chunks', async () => {
    const chunks = await collect(chatChunks(sseEvents(bytes(fixture('chat-stream-usage.v1.sse')))));
    assert.equal(chunks.length, 6);
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Bonjour à tous 👋');
    assert.equal(chunks.at(-1)?.usage?.total_tokens, 17);
  });
});

describe('openai - request shaping', () => {
  test('openai - passes unknown fields through and substitutes the target model', () => {
    const body = chatBody(req({ logit_bias: { 50256: -100 }, reasoning_effort: 'low', stream: false }), 'gpt-4o-mini');
    assert.equal(body.model, 'gpt-4o-mini');
    assert.deepEqual(body.logit_bias, { 50256: -100 });
    assert.equal(body.reasoning_effort, 'low');
    assert.equal('stream' in body, false);
  });

  test('openai - streams always ask for usage upstream', () => {
    const body = chatStreamBody(req({ stream: true }), 'm');
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.equal(body.stream, true);
  });

  test('openai - api_base is used as given (LiteLLM style), default is api.openai.com/v1', () => {
    assert.equal(openaiApi.url('chat', target('http://vllm:8000/v1/')), 'http://vllm:8000/v1/chat/completions');
    assert.equal(openaiApi.url('embeddings', target('http://proxy:4000')), 'http://proxy:4000/embeddings');
    assert.equal(openaiApi.url('chat', { ...target(''), apiBase: null }), 'https://api.openai.com/v1/chat/completions');
    assert.deepEqual(openaiApi.headers(target('x', { headers: { 'OpenAI-Organization': 'org-1' } })), { authorization: 'Bearer sk-test', 'OpenAI-Organization': 'org-1' });
  });

  test('azure - deployment path, api-version query and api-key header', () => {
    const t = target('https://res.openai.azure.com/', { provider: 'azure', model: 'gpt4o-prod', apiVersion: '2024-10-21' });
    assert.equal(azureApi.url('chat', t), 'https://res.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21');
    assert.deepEqual(azureApi.headers(t), { 'api-key': 'sk-test' });
  });
});

describe('openai - adapter against the fake', () => {
  const adapter = createOpenAIAdapter();

  test('openai - non-stream chat sends the target model and bearer key', async () => {
    await using fake = await startFakeOpenAI();
    const res = await adapter.chat(req(), target(`${fake.url}/v1`), opts());
    assert.equal(res.choices[0]?.message.content, 'Hello from the fake provider.');
    const rec = fake.requests[0];
    assert.equal(rec?.path, '/v1/chat/completions');
    assert.equal(rec?.headers.authorization, 'Bearer sk-test');
    assert.equal((rec?.body as { model: string }).model, 'gpt-4o-mini');
  });

  test('openai - stream yields every chunk, then the usage chunk', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'stream', content: 'one two three four', chunks: 4 });
    const chunks = await collect(await adapter.chatStream(req({ stream: true }), target(`${fake.url}/v1`), opts()));
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'one two three four');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.ok((chunks.at(-1)?.usage?.total_tokens ?? 0) > 0);
    assert.deepEqual((fake.requests[0]?.body as { stream_options: unknown }).stream_options, { include_usage: true });
  });

  test('openai - streamed tool-call deltas arrive with ids and argument pieces', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'stream', toolCalls: [{ name: 'get_weather', arguments: '{"location":"Paris"}' }] });
    const chunks = await collect(await adapter.chatStream(req({ stream: true }), target(`${fake.url}/v1`), opts()));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.equal(deltas[0]?.id, 'call_fake0000');
    assert.equal(deltas.map((d) => d.function?.arguments ?? '').join(''), '{"location":"Paris"}');
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'tool_calls');
  });

  test('openai - non-stream tool calls and legacy completions and embeddings', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'reply', toolCalls: [{ name: 'lookup', arguments: '{"q":"x"}' }] });
    const res = await adapter.chat(req(), target(`${fake.url}/v1`), opts());
    assert.equal(res.choices[0]?.message.tool_calls?.[0]?.function.name, 'lookup');
    const cmpl = await adapter.completion?.({ model: 'x', prompt: 'Say this is a test' }, target(`${fake.url}/v1`, { model: 'gpt-3.5-turbo-instruct' }), opts());
    assert.equal(cmpl?.object, 'text_completion');
    const emb = await adapter.embeddings?.({ model: 'x', input: ['a', 'b'], dimensions: 4 }, target(`${fake.url}/v1`, { model: 'text-embedding-3-small' }), opts());
    assert.equal(emb?.data.length, 2);
    assert.equal((emb?.data[0]?.embedding as number[]).length, 4);
  });

  test('openai - 429 with retry-after throws a retriable rate_limit before any chunk', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'error', status: 429, retryAfter: '3' });
    await assert.rejects(adapter.chatStream(req({ stream: true }), target(fake.url), opts()), (e) => e instanceof ProviderError && e.kind === 'rate_limit' && e.retriable && e.retryAfterMs === 3000);
  });

  test('openai - error selected by model name and by header', async () => {
    await using fake = await startFakeOpenAI();
    await assert.rejects(adapter.chat(req(), target(fake.url, { model: 'fake-error-503' }), opts()), (e) => e instanceof ProviderError && e.kind === 'server');
    const headers = { 'x-fake-behaviour': JSON.stringify({ type: 'error', status: 400, code: 'context_length_exceeded', message: "This model's maximum context length is 8192 tokens" }) };
    await assert.rejects(adapter.chat(req(), target(fake.url, { headers }), opts()), (e) => e instanceof ProviderError && e.kind === 'context_window' && !e.retriable);
  });

  test('openai - a non-JSON 200 body is malformed', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'raw', status: 200, body: '<html>captive portal</html>' });
    await assert.rejects(adapter.chat(req(), target(fake.url), opts()), (e) => e instanceof ProviderError && e.kind === 'malformed');
  });

  test('openai - connection killed mid-stream throws connection from the iterator after the first chunks', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'stream', chunks: 6, killAfter: 3 });
    const it = await adapter.chatStream(req({ stream: true }), target(fake.url), opts());
    const got: openai.ChatCompletionChunk[] = [];
    await assert.rejects(async () => { for await (const c of it) got.push(c); }, (e) => e instanceof ProviderError && e.kind === 'connection' && e.retriable);
    assert.equal(got.length, 3);
  });

  test('openai - a malformed event and an in-stream error object throw ProviderError from the iterator', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'stream', malformedAfter: 2 }, { type: 'stream', errorAfter: 2 });
    await assert.rejects(collect(await adapter.chatStream(req({ stream: true }), target(fake.url), opts())), (e) => e instanceof ProviderError && e.kind === 'malformed');
    await assert.rejects(collect(await adapter.chatStream(req({ stream: true }), target(fake.url), opts())), (e) => e instanceof ProviderError && e.kind === 'server');
  });

  test('openai - a 200 stream that ends with no chunk at all is malformed', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'raw', status: 200, contentType: 'text/event-stream', body: ': keep-alive\n\n' });
    await assert.rejects(collect(await adapter.chatStream(req({ stream: true }), target(fake.url), opts())), (e) => e instanceof ProviderError && e.kind === 'malformed');
  });

  test('openai - fake-slow-<ms> model delays the first byte', async () => {
    await using fake = await startFakeOpenAI();
    const t0 = performance.now();
    await adapter.chat(req(), target(fake.url, { model: 'fake-slow-150' }), opts());
    assert.ok(performance.now() - t0 >= 140);
  });

  test('openai - refused connection maps to connection', async () => {
    const fake = await startFakeOpenAI();
    const url = fake.url;
    await fake.close();
    await assert.rejects(adapter.chat(req(), target(url), opts()), (e) => e instanceof ProviderError && e.kind === 'connection');
  });

  test('openai - aborting a hanging call reaches the upstream within 100 ms', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'hang' });
    const ac = new AbortController();
    const call = adapter.chat(req(), target(fake.url), { signal: ac.signal });
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const abortAt = performance.now();
    ac.abort(new Error('client disconnected'));
    await assert.rejects(call, /client disconnected/);
    const seen = await fake.waitForAbort(0, 1_000);
    assert.ok(seen - abortAt < 100, `upstream saw the abort after ${seen - abortAt} ms`);
  });

  test('openai - aborting mid-stream and breaking out of the iterator both close the upstream', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'stream', hangAfter: 2 }, { type: 'stream', chunks: 50, chunkDelayMs: 20 });
    const ac = new AbortController();
    const it = await adapter.chatStream(req({ stream: true }), target(fake.url), { signal: ac.signal });
    const first = await it[Symbol.asyncIterator]().next();
    assert.equal(first.done, false);
    const abortAt = performance.now();
    ac.abort(new Error('cancel'));
    assert.ok((await fake.waitForAbort(0, 1_000)) - abortAt < 100);

    const it2 = await adapter.chatStream(req({ stream: true }), target(fake.url), opts());
    for await (const _ of it2) break;
    const breakAt = performance.now();
    assert.ok((await fake.waitForAbort(1, 1_000)) - breakAt < 100);
  });

  test('openai - TTFT: delay before the first byte is observable and timeout signals map to timeout', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'stream', delayMs: 300 });
    await assert.rejects(adapter.chatStream(req({ stream: true }), target(fake.url), { signal: AbortSignal.timeout(50) }), (e) => e instanceof ProviderError && e.kind === 'timeout');
  });
});

describe('azure - adapter against the fake', () => {
  test('azure - calls the deployment path with api-version and api-key, no model in the body', async () => {
    await using fake = await startFakeOpenAI();
    const adapter = createAzureAdapter();
    const t = target(fake.url, { provider: 'azure', model: 'gpt4o-prod', apiVersion: '2024-10-21' });
    const res = await adapter.chat(req(), t, opts());
    assert.equal(res.model, 'gpt4o-prod');
    const chunks = await collect(await adapter.chatStream(req({ stream: true }), t, opts()));
    assert.ok(chunks.at(-1)?.usage);
    const rec = fake.requests[0];
    assert.equal(rec?.path, '/openai/deployments/gpt4o-prod/chat/completions');
    assert.equal(rec?.query.get('api-version'), '2024-10-21');
    assert.equal(rec?.headers['api-key'], 'sk-test');
    assert.equal(rec?.headers.authorization, undefined);
    assert.equal('model' in (rec?.body as object), false);
  });

  test('azure - content filter error maps to content_policy', async () => {
    await using fake = await startFakeOpenAI();
    fake.script({ type: 'error', status: 400, body: json('azure-error-content-filter.2024-10-21.json') });
    await assert.rejects(createAzureAdapter().chat(req(), target(fake.url, { provider: 'azure' }), opts()), (e) => e instanceof ProviderError && e.kind === 'content_policy');
  });
});

describe('fake - fast mode', () => {
  test('fake - fast mode honours a default stream shape and enforces the api key', async () => {
    await using fake = await startFakeOpenAI({ fast: true, apiKey: 'sk-test', defaultBehaviour: { type: 'stream', chunks: 12, chunkDelayMs: 1 } });
    const adapter = createOpenAIAdapter();
    const chunks = await collect(await adapter.chatStream(req({ stream: true }), target(fake.url), opts()));
    assert.equal(chunks.filter((c) => c.choices[0]?.delta.content).length, 12);
    await assert.rejects(adapter.chat(req(), target(fake.url, { apiKey: 'sk-wrong' }), opts()), (e) => e instanceof ProviderError && e.kind === 'auth' && e.status === 401);
  });

  test('fake - fast mode answers from pre-serialized bodies without recording', async () => {
    await using fake = await startFakeOpenAI({ fast: true });
    const adapter = createOpenAIAdapter();
    for (let i = 0; i < 3; i++) assert.equal((await adapter.chat(req(), target(fake.url), opts())).choices[0]?.finish_reason, 'stop');
    const chunks = await collect(await adapter.chatStream(req({ stream: true }), target(fake.url), opts()));
    assert.ok(chunks.at(-1)?.usage);
    assert.equal(fake.requests.length, 0);
  });
});
