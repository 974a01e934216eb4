// Anthropic adapter against the fake Anthropic server: messages, streams, tools, error statuses, cuts and aborts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { openai } from '@ai-gateway/kit';
import { startFakeAnthropic, type FakeAnthropic } from '../../../test/support/fake-anthropic.ts';
import { createAnthropicAdapter } from '../src/providers/anthropic/index.ts';
import { createProviderHttp } from '../src/providers/shared/http.ts';
import { ProviderError, type ProviderTarget } from '../src/providers/types.ts';

const agent = new Agent({ keepAliveTimeout: 1_000 });
after(() => agent.close());
const adapter = createAnthropicAdapter({ deps: { http: createProviderHttp({ options: { dispatcher: agent } }) }, options: { defaultMaxTokens: 1000 } });

const target = (fake: FakeAnthropic, over: Partial<ProviderTarget> = {}): ProviderTarget => ({
  provider: 'anthropic', model: 'claude-sonnet-4-5', apiBase: fake.url, apiKey: 'sk-ant-test', apiVersion: null, headers: {}, ...over,
});
const req = (over: Partial<openai.ChatCompletionRequest> = {}): openai.ChatCompletionRequest => ({
  model: 'client-alias', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }], ...over,
});
const opts = () => ({ signal: AbortSignal.timeout(5_000) });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const text = (chunks: openai.ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
const isKind = (kind: ProviderError['kind']) => (e: unknown) => e instanceof ProviderError && e.kind === kind;

describe('anthropic - adapter against the fake', () => {
  test('anthropic - chat sends x-api-key, anthropic-version and a Messages body, and returns an OpenAI completion', async () => {
    await using fake = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
    fake.enqueue({ kind: 'message', text: 'Hello there.', usage: { input_tokens: 20, output_tokens: 3, cache_read_input_tokens: 5 } });
    const c = await adapter.chat(req({ temperature: 0.5, stop: ['END'], user: 'u1' }), target(fake), opts());
    const r = fake.requests[0];
    assert.equal(r?.path, '/v1/messages');
    assert.equal(r?.headers['x-api-key'], 'sk-ant-test');
    assert.equal(r?.headers['anthropic-version'], '2023-06-01');
    assert.equal(r?.headers.authorization, undefined);
    assert.deepEqual(r?.body, {
      model: 'claude-sonnet-4-5', max_tokens: 1000, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }],
      temperature: 0.5, stop_sequences: ['END'], metadata: { user_id: 'u1' },
    });
    assert.equal(c.object, 'chat.completion');
    assert.match(c.id, /^msg_/);
    assert.equal(c.choices[0]?.message.content, 'Hello there.');
    assert.deepEqual(c.usage, { prompt_tokens: 25, completion_tokens: 3, total_tokens: 28, prompt_tokens_details: { cached_tokens: 5 } });
  });

  test('anthropic - chat returns tool_use as tool_calls', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'message', toolUse: { id: 'toolu_9', name: 'get_weather', input: { location: 'Paris' } } });
    const c = await adapter.chat(req({ tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] }), target(fake), opts());
    assert.equal(c.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(c.choices[0]?.message.tool_calls, [{ id: 'toolu_9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }]);
    assert.deepEqual((fake.requests[0]?.body as { tools: unknown }).tools, [{ name: 'get_weather', input_schema: { type: 'object' } }]);
  });

  test('anthropic - chatStream yields text deltas, a finish chunk and a final usage chunk', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'stream', deltas: ['One', ' two', ' three'], eventDelayMs: 2, usage: { input_tokens: 9, output_tokens: 3 } });
    const chunks = await collect(await adapter.chatStream(req({ stream: true }), target(fake), opts()));
    assert.equal((fake.requests[0]?.body as { stream?: boolean }).stream, true);
    assert.equal(text(chunks), 'One two three');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12, prompt_tokens_details: { cached_tokens: 0 } });
  });

  test('anthropic - chatStream turns input_json_delta pieces into tool-call argument deltas', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'stream', deltas: ['Looking.'], toolUse: { id: 'toolu_1', name: 'lookup', jsonPieces: ['', '{"q":', ' "cats', '"}'] } });
    const chunks = await collect(await adapter.chatStream(req({ stream: true }), target(fake), opts()));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(calls[0], { index: 0, id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '' } });
    assert.deepEqual(JSON.parse(calls.map((t) => t.function?.arguments ?? '').join('')), { q: 'cats' });
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'tool_calls');
  });

  test('anthropic - replays a recorded stream written in 3-byte pieces', async () => {
    await using fake = await startFakeAnthropic();
    const body = readFileSync(new URL('./fixtures/anthropic/2023-06-01/stream-text.sse', import.meta.url), 'utf8');
    fake.enqueue({ kind: 'raw', body, chunkSize: 3 });
    assert.equal(text(await collect(await adapter.chatStream(req(), target(fake), opts()))), 'Hello! How can I help — today? 🙂');
  });

  const statuses: Array<[string, { status: number; type: string; message: string; retryAfter?: string }, ProviderError['kind'], boolean]> = [
    ['429 rate_limit_error', { status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit', retryAfter: '3' }, 'rate_limit', true],
    ['529 overloaded_error', { status: 529, type: 'overloaded_error', message: 'Overloaded' }, 'server', true],
    ['500 api_error', { status: 500, type: 'api_error', message: 'Internal server error' }, 'server', true],
    ['400 prompt is too long', { status: 400, type: 'invalid_request_error', message: 'prompt is too long: 208656 tokens > 200000 maximum' }, 'context_window', false],
    ['400 invalid_request_error', { status: 400, type: 'invalid_request_error', message: 'messages: roles must alternate' }, 'bad_request', false],
    ['401 authentication_error', { status: 401, type: 'authentication_error', message: 'invalid x-api-key' }, 'auth', false],
    ['403 permission_error', { status: 403, type: 'permission_error', message: 'Your API key does not have permission' }, 'auth', false],
    ['404 not_found_error', { status: 404, type: 'not_found_error', message: 'model: claude-nope' }, 'not_found', false],
    ['413 request_too_large', { status: 413, type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' }, 'bad_request', false],
  ];
  for (const [name, script, kind, retriable] of statuses) {
    test(`anthropic - ${name} becomes a ${retriable ? 'retriable' : 'final'} ${kind} ProviderError, for chat and before the stream starts`, async () => {
      await using fake = await startFakeAnthropic();
      fake.enqueue({ kind: 'error', ...script }, { kind: 'error', ...script });
      const check = (e: unknown) => {
        assert.ok(e instanceof ProviderError);
        assert.deepEqual([e.kind, e.retriable, e.status, e.message], [kind, retriable, script.status, script.message]);
        assert.equal(e.retryAfterMs, script.retryAfter === undefined ? null : Number(script.retryAfter) * 1000);
        return true;
      };
      await assert.rejects(adapter.chat(req(), target(fake), opts()), check);
      await assert.rejects(adapter.chatStream(req(), target(fake), opts()), check);
    });
  }

  test('anthropic - a 2026-10-21 deployment gets a body without sampling params, which the version-aware fake accepts', async () => {
    await using fake = await startFakeAnthropic();
    const c = await adapter.chat(req({ temperature: 0.7, top_p: 0.5 }), target(fake, { apiVersion: '2026-10-21' }), opts());
    assert.equal(c.choices[0]?.finish_reason, 'stop');
    assert.equal(fake.requests[0]?.headers['anthropic-version'], '2026-10-21');
    assert.ok(!('temperature' in (fake.requests[0]?.body as object)));
  });

  test('anthropic - a wrong key is rejected by the fake as 401 auth', async () => {
    await using fake = await startFakeAnthropic({ apiKey: 'right' });
    await assert.rejects(adapter.chat(req(), target(fake, { apiKey: 'wrong' }), opts()), isKind('auth'));
  });

  test('anthropic - event: error mid-stream throws from the iterator after the chunks already received', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'stream', deltas: ['a', 'b', 'c'], errorAfterEvents: { after: 5, type: 'overloaded_error', message: 'Overloaded' } });
    const seen: openai.ChatCompletionChunk[] = [];
    const stream = await adapter.chatStream(req(), target(fake), opts());
    await assert.rejects(async () => { for await (const c of stream) seen.push(c); }, (e) => isKind('server')(e) && (e as ProviderError).status === 529);
    assert.equal(text(seen), 'ab');
  });

  test('anthropic - a connection killed mid-stream throws a retriable connection error', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'stream', deltas: ['a', 'b', 'c', 'd'], killAfterEvents: 4, eventDelayMs: 5 });
    const stream = await adapter.chatStream(req(), target(fake), opts());
    await assert.rejects(collect(stream), (e) => isKind('connection')(e) && (e as ProviderError).retriable);
  });

  test('anthropic - chatStream resolves only after the first byte arrives', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'stream', firstByteDelayMs: 150 });
    const t0 = performance.now();
    const stream = await adapter.chatStream(req(), target(fake), opts());
    assert.ok(performance.now() - t0 >= 140);
    assert.equal(text(await collect(stream)), 'Hello from fake Anthropic.');
  });

  test('anthropic - aborting a call that waits for headers reaches the fake within 100 ms', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const pending = adapter.chat(req(), target(fake), { signal: ac.signal });
    await waitFor(() => fake.requests.length === 1);
    const abortedAt = Date.now();
    ac.abort(new Error('client went away'));
    await assert.rejects(pending, /client went away/);
    assert.ok((await fake.waitForAbort(0, 1_000)) - abortedAt < 100);
  });

  test('anthropic - aborting a stream mid-way closes the upstream within 100 ms and ends the iterator with the abort reason', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'hang', afterHeaders: true });
    const ac = new AbortController();
    const stream = await adapter.chatStream(req(), target(fake), { signal: ac.signal });
    const it = stream[Symbol.asyncIterator]();
    assert.deepEqual((await it.next()).value?.choices[0]?.delta, { role: 'assistant', content: '' });
    const next = it.next();
    const abortedAt = Date.now();
    ac.abort(new Error('cancelled by client'));
    await assert.rejects(next, /cancelled by client/);
    assert.ok((await fake.waitForAbort(0, 1_000)) - abortedAt < 100);
  });

  test('anthropic - a consumer that stops reading early releases the upstream connection', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'stream', deltas: Array.from({ length: 50 }, (_, i) => `t${i} `), eventDelayMs: 10 });
    const stream = await adapter.chatStream(req(), target(fake), opts());
    for await (const c of stream) if (c.choices[0]?.delta.content === 't1 ') break;
    assert.ok((await fake.waitForAbort(0, 1_000)) > 0);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
