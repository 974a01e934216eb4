// Anthropic adapter against recorded 2023-06-01 payloads: decode, stream decode under arbitrary splits, error mapping.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { openai } from '@ai-gateway/kit';
import { decodeChatCompletion } from '../src/providers/anthropic/response.ts';
import { chatChunks } from '../src/providers/anthropic/stream.ts';
import { mapStreamError } from '../src/providers/anthropic/index.ts';
import { messagesBody } from '../src/providers/anthropic/request.ts';
import { anthropicHeaders, messagesUrl } from '../src/providers/anthropic/api.ts';
import { mapProviderFailure } from '../src/providers/shared/errors.ts';
import { sseEvents } from '../src/providers/shared/sse.ts';
import { ProviderError, type ProviderTarget } from '../src/providers/types.ts';

const V = '2023-06-01';
const fixture = (p: string) => readFileSync(new URL(`./fixtures/anthropic/${V}/${p}`, import.meta.url));
const json = (p: string): unknown => JSON.parse(fixture(p).toString('utf8'));

async function* split(b: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (let k = 0; i < b.length; k++) {
    const n = sizes[k % sizes.length] ?? 1;
    yield b.subarray(i, i + n);
    i += n;
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function accumulate(chunks: openai.ChatCompletionChunk[]) {
  let content = '';
  const args: string[] = [];
  const names: string[] = [];
  let finish: string | null = null;
  let usage: openai.CompletionUsage | null | undefined;
  for (const c of chunks) {
    if (c.usage) usage = c.usage;
    for (const ch of c.choices) {
      content += ch.delta.content ?? '';
      for (const t of ch.delta.tool_calls ?? []) {
        args[t.index] = (args[t.index] ?? '') + (t.function?.arguments ?? '');
        if (t.function?.name) names[t.index] = t.function.name;
      }
      if (ch.finish_reason) finish = ch.finish_reason;
    }
  }
  return { content, args, names, finish, usage };
}

const target = (over: Partial<ProviderTarget> = {}): ProviderTarget => ({
  provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', apiBase: null, apiKey: 'sk-ant-test', apiVersion: null, headers: {}, ...over,
});

describe('anthropic - recorded payloads (2023-06-01)', () => {
  test('anthropic - decodes a recorded text message with cache reads folded into prompt_tokens', () => {
    const c = decodeChatCompletion(json('message-text.json'));
    assert.equal(c.id, 'msg_01XFDUDYJgAACzvnptvVoYEL');
    assert.equal(c.choices[0]?.message.content, 'Hello! How can I help you today?');
    assert.equal(c.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(c.usage, { prompt_tokens: 2060, completion_tokens: 10, total_tokens: 2070, prompt_tokens_details: { cached_tokens: 2048 } });
  });

  test('anthropic - decodes a recorded tool_use message into tool_calls with JSON arguments', () => {
    const c = decodeChatCompletion(json('message-tool-use.json'));
    assert.equal(c.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(c.choices[0]?.message.tool_calls, [
      { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } },
    ]);
    assert.equal(c.usage?.prompt_tokens, 484);
  });

  test('anthropic - a body that is not a message is malformed', () => {
    assert.throws(() => decodeChatCompletion({ type: 'completion' }), (e) => e instanceof ProviderError && e.kind === 'malformed');
  });

  for (const sizes of [[1], [7], [3, 50, 1, 200], [100_000]]) {
    test(`anthropic - decodes the recorded text stream split into pieces of ${sizes.join('/')} bytes`, async () => {
      const chunks = await collect(chatChunks(sseEvents(split(fixture('stream-text.sse'), sizes))));
      const acc = accumulate(chunks);
      assert.equal(acc.content, 'Hello! How can I help — today? 🙂');
      assert.equal(acc.finish, 'stop');
      assert.deepEqual(acc.usage, { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0 } });
      assert.equal(chunks[0]?.id, 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY');
    });
  }

  test('anthropic - decodes the recorded tool_use stream into indexed tool-call deltas', async () => {
    const acc = accumulate(await collect(chatChunks(sseEvents(split(fixture('stream-tool-use.sse'), [5, 11])))));
    assert.equal(acc.content, "Okay, let's check the weather for San Francisco, CA:");
    assert.deepEqual(acc.names, ['get_weather']);
    assert.deepEqual(JSON.parse(acc.args[0] ?? ''), { location: 'San Francisco, CA', unit: 'fahrenheit' });
    assert.equal(acc.finish, 'tool_calls');
    assert.equal(acc.usage?.completion_tokens, 89);
  });

  test('anthropic - a recorded in-stream overloaded_error throws a retriable server ProviderError after the first chunk', async () => {
    const seen: openai.ChatCompletionChunk[] = [];
    await assert.rejects(async () => { for await (const c of chatChunks(sseEvents(split(fixture('stream-error-overloaded.sse'), [9])))) seen.push(c); },
      (e) => e instanceof ProviderError && e.kind === 'server' && e.retriable && e.status === 529 && /Overloaded/.test(e.message));
    assert.equal(seen.length, 1);
  });

  test('anthropic - a stream that ends before message_stop is a connection error', async () => {
    const cut = fixture('stream-text.sse').toString('utf8').split('event: message_delta')[0] ?? '';
    await assert.rejects(collect(chatChunks(sseEvents(split(Buffer.from(cut), [64])))), (e) => e instanceof ProviderError && e.kind === 'connection');
  });

  test('anthropic - maps recorded error bodies: 529 overloaded, 400 prompt too long, 429 with retry-after', () => {
    const overloaded = mapProviderFailure({ status: 529, headers: {}, body: json('error-overloaded.json') });
    assert.deepEqual([overloaded.kind, overloaded.retriable, overloaded.message], ['server', true, 'Overloaded']);
    const long = mapProviderFailure({ status: 400, headers: {}, body: json('error-prompt-too-long.json') });
    assert.deepEqual([long.kind, long.retriable], ['context_window', false]);
    const limited = mapProviderFailure({ status: 429, headers: { 'retry-after': '17' }, body: json('error-rate-limit.json') });
    assert.deepEqual([limited.kind, limited.retriable, limited.retryAfterMs], ['rate_limit', true, 17_000]);
  });

  test('anthropic - in-stream error types map to the status they stand for', () => {
    const kinds = (['rate_limit_error', 'overloaded_error', 'api_error', 'invalid_request_error', 'authentication_error', 'something_new'] as const)
      .map((type) => { const e = mapStreamError({ type, message: 'm' }); return [type, e.kind, e.status]; });
    assert.deepEqual(kinds, [
      ['rate_limit_error', 'rate_limit', 429], ['overloaded_error', 'server', 529], ['api_error', 'server', 500],
      ['invalid_request_error', 'bad_request', 400], ['authentication_error', 'auth', 401], ['something_new', 'server', 500],
    ]);
  });
});

describe('anthropic - recorded payloads (2026-10-21)', () => {
  const fixture26 = (p: string) => readFileSync(new URL(`./fixtures/anthropic/2026-10-21/${p}`, import.meta.url));
  const json26 = (p: string): unknown => JSON.parse(fixture26(p).toString('utf8'));

  test('anthropic - decodes a 2026-10-21 message with stop_details and cache writes counted in prompt_tokens', () => {
    const c = decodeChatCompletion(json26('message-text.json'));
    assert.equal(c.choices[0]?.message.content, 'Paris is the capital of France.');
    assert.deepEqual(c.usage, { prompt_tokens: 1038, completion_tokens: 9, total_tokens: 1047, prompt_tokens_details: { cached_tokens: 0, cache_creation_tokens: 1024 } });
  });

  test('anthropic - a 2026-10-21 refusal becomes finish_reason content_filter with empty content', () => {
    const c = decodeChatCompletion(json26('message-refusal.json'));
    assert.equal(c.choices[0]?.finish_reason, 'content_filter');
    assert.equal(c.choices[0]?.message.content, '');
  });

  test('anthropic - decodes a 2026-10-21 stream whose message_delta repeats the cumulative counters', async () => {
    const acc = accumulate(await collect(chatChunks(sseEvents(split(fixture26('stream-text.sse'), [2, 17])))));
    assert.equal(acc.content, 'Paris is the capital.');
    assert.deepEqual(acc.usage, { prompt_tokens: 530, completion_tokens: 6, total_tokens: 536, prompt_tokens_details: { cached_tokens: 512 } });
  });

  test('anthropic - the 2026-10-21 sampling-parameter rejection maps to a final bad_request', () => {
    const e = mapProviderFailure({ status: 400, headers: {}, body: json26('error-sampling-removed.json') });
    assert.deepEqual([e.kind, e.retriable], ['bad_request', false]);
  });
});

describe('anthropic - request shaping', () => {
  test('anthropic - url accepts api_base with or without /v1 and defaults to api.anthropic.com', () => {
    assert.equal(messagesUrl(target()), 'https://api.anthropic.com/v1/messages');
    assert.equal(messagesUrl(target({ apiBase: 'http://h:1/v1/' })), 'http://h:1/v1/messages');
    assert.equal(messagesUrl(target({ apiBase: 'http://h:1/proxy' })), 'http://h:1/proxy/v1/messages');
  });

  test('anthropic - headers carry x-api-key and anthropic-version; config headers win', () => {
    assert.deepEqual(anthropicHeaders(target()), { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' });
    assert.equal(anthropicHeaders(target({ headers: { 'anthropic-beta': 'x' } }))['anthropic-beta'], 'x');
  });

  test('anthropic - body uses the target model, the default max_tokens, and stream only when streaming', () => {
    const body = messagesBody({ model: 'alias', messages: [{ role: 'user', content: 'hi' }], stream: true }, target(), false, { defaultMaxTokens: 321 });
    assert.deepEqual(body, { model: 'claude-sonnet-4-5-20250929', max_tokens: 321, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(messagesBody({ model: 'a', messages: [{ role: 'user', content: 'hi' }] }, target(), true, {}).stream, true);
  });

  test('anthropic - temperature and top_p are sent for 2023-06-01 and dropped for a 2026-10-21 target', () => {
    const r = { model: 'a', messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0.3, top_p: 0.9 };
    const old = messagesBody(r, target(), false, {});
    assert.deepEqual([old.temperature, old.top_p], [0.3, 0.9]);
    const next = messagesBody(r, target({ apiVersion: '2026-10-21' }), false, {});
    assert.ok(!('temperature' in next) && !('top_p' in next));
    assert.equal(anthropicHeaders(target({ apiVersion: '2026-10-21' }))['anthropic-version'], '2026-10-21');
  });

  test('anthropic - requests Anthropic cannot express fail as non-retriable bad_request', () => {
    assert.throws(() => messagesBody({ model: 'a', n: 3, messages: [{ role: 'user', content: 'hi' }] }, target(), false, {}),
      (e) => e instanceof ProviderError && e.kind === 'bad_request' && !e.retriable && e.status === 400);
  });
});
