// Gemini adapter: OpenAI → Gemini translation, recorded payloads, and calls against the fake Gemini server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { openai } from '@ai-gateway/kit';
import { startFakeGemini } from '../../../test/support/fake-gemini.ts';
import { createGeminiAdapter } from '../src/providers/gemini/index.ts';
import { geminiUrl } from '../src/providers/gemini/api.ts';
import { toGeminiRequest } from '../src/providers/gemini/request.ts';
import { decodeGeminiResponse, toChatCompletion } from '../src/providers/gemini/response.ts';
import { geminiChunks } from '../src/providers/gemini/stream.ts';
import { decodeBatchEmbedResponse, toEmbeddingResponse } from '../src/providers/gemini/embeddings.ts';
import { sseEvents } from '../src/providers/shared/sse.ts';
import { ProviderError, type ProviderTarget } from '../src/providers/types.ts';

const fixture = (p: string) => readFileSync(new URL(`./fixtures/gemini/${p}`, import.meta.url));
const json = (p: string): unknown => JSON.parse(fixture(p).toString('utf8'));
const target = (apiBase: string | null, over: Partial<ProviderTarget> = {}): ProviderTarget => ({
  provider: 'gemini', model: 'gemini-2.5-flash', apiBase, apiKey: 'AIza-test', apiVersion: null, headers: {}, ...over,
});
const req = (over: Partial<openai.ChatCompletionRequest> = {}): openai.ChatCompletionRequest => ({
  model: 'alias', messages: [{ role: 'user', content: 'Say hello' }], ...over,
});
const opts = () => ({ signal: AbortSignal.timeout(5_000) });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* bytes(b: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += 11) yield b.subarray(i, i + 11);
}

const WEATHER_TOOL: openai.ToolDefinition = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', strict: true, parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false, properties: { location: { type: 'string' }, days: { type: 'array', items: { type: 'integer', additionalProperties: false } } }, required: ['location'] } },
};

describe('gemini - translation', () => {
  test('gemini - system → systemInstruction, assistant → model, params → generationConfig', () => {
    const g = toGeminiRequest(req({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
      ],
      temperature: 0.2, top_p: 0.9, max_tokens: 64, stop: 'END', seed: 7, n: 2, response_format: { type: 'json_object' },
    }));
    assert.deepEqual(g.systemInstruction, { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] });
    assert.deepEqual(g.contents.map((c) => c.role), ['user', 'model', 'user']);
    assert.deepEqual(g.contents[2]?.parts[1], { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } });
    assert.deepEqual(g.generationConfig, { temperature: 0.2, topP: 0.9, maxOutputTokens: 64, stopSequences: ['END'], candidateCount: 2, seed: 7, responseMimeType: 'application/json' });
  });

  test('gemini - tools → functionDeclarations with JSON-Schema-only keywords removed, tool_choice → toolConfig', () => {
    const g = toGeminiRequest(req({ tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } } }));
    assert.deepEqual(g.tools, [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { location: { type: 'string' }, days: { type: 'array', items: { type: 'integer' } } }, required: ['location'] } }] }]);
    assert.deepEqual(g.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    assert.equal(toGeminiRequest(req({ tool_choice: 'none' })).toolConfig?.functionCallingConfig.mode, 'NONE');
    assert.equal(toGeminiRequest(req({ tool_choice: 'required' })).toolConfig?.functionCallingConfig.mode, 'ANY');
    assert.equal(toGeminiRequest(req({ tool_choice: 'auto' })).toolConfig?.functionCallingConfig.mode, 'AUTO');
  });

  test('gemini - assistant tool_calls → functionCall parts, tool results → one user turn of functionResponse parts', () => {
    const g = toGeminiRequest(req({
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        { role: 'assistant', content: null, tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":"Asia/Tokyo"}' } },
        ] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":18}' },
        { role: 'tool', tool_call_id: 'call_2', content: '09:00' },
      ],
    }));
    assert.deepEqual(g.contents[1], { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } } }, { functionCall: { name: 'get_time', args: { tz: 'Asia/Tokyo' } } }] });
    assert.deepEqual(g.contents[2], { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 18 } } }, { functionResponse: { name: 'get_time', response: { content: '09:00' } } }] });
  });

  test('gemini - reasoning_effort → thinkingConfig, safety_settings pass through', () => {
    const safety = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }];
    const g = toGeminiRequest(req({ reasoning_effort: 'low', safety_settings: safety }));
    assert.deepEqual(g.generationConfig, { thinkingConfig: { thinkingBudget: 1024 } });
    assert.deepEqual(g.safetySettings, safety);
  });

  test('gemini - json_schema response_format → responseSchema', () => {
    const g = toGeminiRequest(req({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } } } } }));
    assert.deepEqual(g.generationConfig, { responseMimeType: 'application/json', responseSchema: { type: 'object', properties: { a: { type: 'string' } } } });
  });

  test('gemini - URLs: v1beta by default, api_base with its own version kept, streaming uses alt=sse', () => {
    assert.equal(geminiUrl('generateContent', target(null)), 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(geminiUrl('streamGenerateContent', target('http://h:1/', { model: 'models/gemini-2.0-flash' })), 'http://h:1/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
    assert.equal(geminiUrl('batchEmbedContents', target('http://h:1/v1')), 'http://h:1/v1/models/gemini-2.5-flash:batchEmbedContents');
  });
});

describe('gemini - recorded payloads', () => {
  test('gemini - response → chat.completion with usage incl. cached and thought tokens', () => {
    const c = toChatCompletion(decodeGeminiResponse(json('generate-content.v1beta.json')), 'gemini-2.5-flash', 0);
    assert.equal(c.choices[0]?.message.content, 'The capital of France is **Paris**.');
    assert.equal(c.choices[0]?.finish_reason, 'stop');
    assert.equal(c.id, 'chatcmpl-mWwmaMK3LvGrnvgPkMmO4QM');
    assert.deepEqual(c.usage, { prompt_tokens: 2061, completion_tokens: 49, total_tokens: 2110, prompt_tokens_details: { cached_tokens: 2048 }, completion_tokens_details: { reasoning_tokens: 40 } });
  });

  test('gemini - functionCall parts → tool_calls with generated ids and finish_reason tool_calls', () => {
    const c = toChatCompletion(decodeGeminiResponse(json('generate-content-tools.v1beta.json')), 'g');
    const calls = c.choices[0]?.message.tool_calls ?? [];
    assert.equal(calls.length, 2);
    assert.match(calls[0]?.id ?? '', /^call_[0-9a-f]{24}$/);
    assert.notEqual(calls[0]?.id, calls[1]?.id);
    assert.deepEqual(JSON.parse(calls[1]?.function.arguments ?? ''), { location: 'Tokyo, Japan', unit: 'celsius' });
    assert.equal(c.choices[0]?.message.content, null);
    assert.equal(c.choices[0]?.finish_reason, 'tool_calls');
  });

  test('gemini - a prompt blocked for SAFETY is a content_policy error', () => {
    assert.throws(() => toChatCompletion(decodeGeminiResponse(json('blocked-prompt.v1beta.json')), 'g'), (e) => e instanceof ProviderError && e.kind === 'content_policy' && !e.retriable);
  });

  test('gemini - finishReason map: MAX_TOKENS → length, SAFETY → content_filter', () => {
    const base = json('generate-content.v1beta.json') as { candidates: { finishReason: string }[] };
    for (const [reason, expected] of [['MAX_TOKENS', 'length'], ['SAFETY', 'content_filter'], ['RECITATION', 'content_filter'], ['OTHER', 'stop']] as const) {
      const res = structuredClone(base);
      res.candidates[0]!.finishReason = reason;
      assert.equal(toChatCompletion(decodeGeminiResponse(res), 'g').choices[0]?.finish_reason, expected);
    }
  });

  test('gemini - recorded CRLF stream → chunks with role first, finish, then a usage-only chunk', async () => {
    const chunks = await collect(geminiChunks(sseEvents(bytes(fixture('stream.v1beta.sse'))), 'g'));
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Paris is the capital of France — ünïcødé ✓.');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 8, completion_tokens: 35, total_tokens: 43, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 24 } });
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  });

  test('gemini - batchEmbedContents response → embeddings list', () => {
    const r = toEmbeddingResponse(decodeBatchEmbedResponse(json('batch-embed.v1beta.json')), { model: 'x', input: ['a', 'b'] }, 'text-embedding-004');
    assert.equal(r.data.length, 2);
    assert.equal(r.data[1]?.index, 1);
  });
});

describe('gemini - adapter against the fake', () => {
  const adapter = createGeminiAdapter();

  test('gemini - non-stream chat: path, x-goog-api-key, translated body', async () => {
    await using fake = await startFakeGemini();
    const res = await adapter.chat(req({ messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hi' }] }), target(fake.url), opts());
    assert.equal(res.choices[0]?.message.content, 'Hello from the fake provider.');
    const rec = fake.requests[0];
    assert.equal(rec?.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(rec?.headers['x-goog-api-key'], 'AIza-test');
    assert.deepEqual((rec?.body as { systemInstruction: unknown }).systemInstruction, { parts: [{ text: 'sys' }] });
  });

  test('gemini - stream via alt=sse yields content chunks then usage', async () => {
    await using fake = await startFakeGemini();
    fake.script({ type: 'stream', content: 'alpha beta gamma', chunks: 3 });
    const chunks = await collect(await adapter.chatStream(req({ stream: true }), target(fake.url), opts()));
    assert.equal(fake.requests[0]?.query.get('alt'), 'sse');
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'alpha beta gamma');
    assert.ok((chunks.at(-1)?.usage?.completion_tokens ?? 0) > 0);
  });

  test('gemini - streamed function call → one tool_call delta with id, finish tool_calls', async () => {
    await using fake = await startFakeGemini();
    fake.script({ type: 'stream', toolCalls: [{ name: 'get_weather', arguments: '{"location":"Paris"}' }] });
    const chunks = await collect(await adapter.chatStream(req({ stream: true, tools: [WEATHER_TOOL] }), target(fake.url), opts()));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.index, 0);
    assert.equal(calls[0]?.function?.arguments, '{"location":"Paris"}');
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'tool_calls');
  });

  test('gemini - 429 RESOURCE_EXHAUSTED with RetryInfo → rate_limit with retryAfterMs', async () => {
    await using fake = await startFakeGemini();
    fake.script({ type: 'error', status: 429, body: json('error-rate-limit.v1beta.json') });
    await assert.rejects(adapter.chatStream(req({ stream: true }), target(fake.url), opts()), (e) => e instanceof ProviderError && e.kind === 'rate_limit' && e.retryAfterMs === 46_000);
  });

  test('gemini - blocked prompt in a 200 stream throws content_policy from the call', async () => {
    await using fake = await startFakeGemini();
    fake.script({ type: 'raw', status: 200, contentType: 'text/event-stream', body: `data: ${JSON.stringify(json('blocked-prompt.v1beta.json'))}\r\n\r\n` });
    await assert.rejects(adapter.chatStream(req({ stream: true }), target(fake.url), opts()), (e) => e instanceof ProviderError && e.kind === 'content_policy');
  });

  test('gemini - mid-stream kill, malformed event and error event throw ProviderError from the iterator', async () => {
    await using fake = await startFakeGemini();
    fake.script({ type: 'stream', chunks: 5, killAfter: 2 }, { type: 'stream', chunks: 5, malformedAfter: 2 }, { type: 'stream', chunks: 5, errorAfter: 2 });
    for (const kind of ['connection', 'malformed', 'server']) {
      const it = await adapter.chatStream(req({ stream: true }), target(fake.url), opts());
      const got: unknown[] = [];
      await assert.rejects(async () => { for await (const c of it) got.push(c); }, (e) => e instanceof ProviderError && e.kind === kind);
      assert.equal(got.length, 2, kind);
    }
  });

  test('gemini - a wrong key gets Gemini\'s 400 API_KEY_INVALID, mapped to auth', async () => {
    await using fake = await startFakeGemini({ apiKey: 'right' });
    await assert.rejects(adapter.chat(req(), target(fake.url, { apiKey: 'wrong' }), opts()), (e) => e instanceof ProviderError && e.kind === 'auth' && e.status === 400);
    assert.ok(await adapter.chat(req(), target(fake.url, { apiKey: 'right' }), opts()));
  });

  test('gemini - embeddings via batchEmbedContents', async () => {
    await using fake = await startFakeGemini();
    const r = await adapter.embeddings?.({ model: 'x', input: ['a', 'b', 'c'], dimensions: 16 }, target(fake.url, { model: 'text-embedding-004' }), opts());
    assert.equal(r?.data.length, 3);
    assert.equal((r?.data[0]?.embedding as number[]).length, 16);
    assert.equal(fake.requests[0]?.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
  });

  test('gemini - aborting a hanging stream reaches the upstream within 100 ms', async () => {
    await using fake = await startFakeGemini();
    fake.script({ type: 'hang' });
    const ac = new AbortController();
    const call = adapter.chatStream(req({ stream: true }), target(fake.url), { signal: ac.signal });
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const abortAt = performance.now();
    ac.abort(new Error('cancelled'));
    await assert.rejects(call, /cancelled/);
    assert.ok((await fake.waitForAbort(0, 1_000)) - abortAt < 100);
  });
});
