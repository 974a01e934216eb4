// Stream dialect: the encoder's SSE is accepted by the official Anthropic SDK; the decoder rebuilds OpenAI chunks.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import { anthropic, GatewayError, type openai } from '@ai-gateway/kit';

function chunk(delta: openai.ChatCompletionChunkChoice['delta'], finish: openai.FinishReason | null = null): openai.ChatCompletionChunk {
  return { id: 'chatcmpl-s1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] };
}
const usageChunk = (prompt: number, completion: number, cached = 0): openai.ChatCompletionChunk => ({
  id: 'chatcmpl-s1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } },
});

/** Text, then two tool calls streamed OpenAI-style (id+name first, arguments in pieces), then usage. */
const toolChunks: openai.ChatCompletionChunk[] = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Checking ' }),
  chunk({ content: 'both.' }),
  chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"SF"}' } }] }),
  chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"PST"}' } }] }),
  chunk({}, 'tool_calls'),
  usageChunk(50, 30, 20),
];

function encodeAll(chunks: openai.ChatCompletionChunk[], model = 'claude-alias'): anthropic.SseEvent[] {
  const enc = anthropic.createAnthropicStreamEncoder(model);
  return [...chunks.flatMap((c) => enc.push(c)), ...enc.end()];
}

async function serve(body: string, fn: (baseURL: string) => Promise<void>): Promise<void> {
  const server: Server = createServer((_req, res) => {
    _req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('createAnthropicStreamEncoder', () => {
  test('emits message_start, ping, one block per text run and per tool call, message_delta and message_stop in order', () => {
    const events = encodeAll(toolChunks);
    assert.deepEqual(events.map((e) => e.event), [
      'message_start', 'ping',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    const delta = JSON.parse(events.at(-2)?.data ?? '{}') as anthropic.MessageDeltaEvent;
    assert.deepEqual(delta.delta, { stop_reason: 'tool_use', stop_sequence: null });
    assert.deepEqual(delta.usage, { input_tokens: 30, output_tokens: 30, cache_read_input_tokens: 20, cache_creation_input_tokens: 0 });
    assert.match(anthropic.formatSse(events[0] as anthropic.SseEvent), /^event: message_start\ndata: \{"type":"message_start".*\n\n$/);
  });

  test('puts a caller-supplied input token estimate in message_start until real usage arrives', () => {
    const [start] = anthropic.createAnthropicStreamEncoder('m', { inputTokens: 321 }).push(chunk({ content: 'x' }));
    assert.equal((JSON.parse(start?.data ?? '{}') as anthropic.MessageStartEvent).message.usage.input_tokens, 321);
  });

  test('marks a content_filter finish as a refusal with stop_details', () => {
    const enc = anthropic.createAnthropicStreamEncoder('m');
    enc.push(chunk({ content: 'I can' }, 'content_filter'));
    const delta = JSON.parse(enc.end().at(-2)?.data ?? '{}') as anthropic.MessageDeltaEvent;
    assert.deepEqual(delta.delta, { stop_reason: 'refusal', stop_sequence: null, stop_details: { type: 'refusal', category: null, explanation: null } });
  });

  test('still produces a complete message when the upstream sent no chunks', () => {
    const events = anthropic.createAnthropicStreamEncoder('m').end();
    assert.deepEqual(events.map((e) => e.event), ['message_start', 'ping', 'message_delta', 'message_stop']);
  });

  test('is accepted by the official SDK: messages.stream() final message has the text, tool inputs and usage', async () => {
    await serve(encodeAll(toolChunks).map(anthropic.formatSse).join(''), async (baseURL) => {
      const client = new Anthropic({ baseURL, apiKey: 'sk-test', maxRetries: 0 });
      const stream = client.messages.stream({ model: 'claude-alias', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      stream.on('text', (t) => { text += t; });
      const msg = await stream.finalMessage();
      assert.equal(text, 'Checking both.');
      assert.equal(msg.model, 'claude-alias');
      assert.match(msg.id, /^msg_/);
      assert.equal(msg.stop_reason, 'tool_use');
      assert.deepEqual(msg.content.map((b) => b.type), ['text', 'tool_use', 'tool_use']);
      const [, a, b] = msg.content;
      assert.ok(a?.type === 'tool_use' && b?.type === 'tool_use');
      assert.deepEqual([a.id, a.name, a.input], ['call_a', 'get_weather', { location: 'SF' }]);
      assert.deepEqual([b.id, b.name, b.input], ['call_b', 'get_time', { tz: 'PST' }]);
      assert.equal(msg.usage.input_tokens, 30);
      assert.equal(msg.usage.output_tokens, 30);
      assert.equal(msg.usage.cache_read_input_tokens, 20);
    });
  });

  test('is accepted by the official SDK: create({stream:true}) yields the raw events without ping', async () => {
    const chunks = [chunk({ role: 'assistant', content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'length'), usageChunk(9, 2)];
    await serve(encodeAll(chunks).map(anthropic.formatSse).join(''), async (baseURL) => {
      const client = new Anthropic({ baseURL, apiKey: 'sk-test', maxRetries: 0 });
      const stream = await client.messages.create({ model: 'm', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }], stream: true });
      const types: string[] = [];
      let stop: string | null = null;
      for await (const ev of stream) {
        types.push(ev.type);
        if (ev.type === 'message_delta') stop = ev.delta.stop_reason;
      }
      assert.deepEqual(types, ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
      assert.equal(stop, 'max_tokens');
    });
  });

  test('errorEvent mid-stream makes the official SDK throw an APIError with the Anthropic error type', async () => {
    const enc = anthropic.createAnthropicStreamEncoder('m');
    const events = [...enc.push(chunk({ role: 'assistant', content: 'partial' })),
      anthropic.errorEvent(new GatewayError('service_unavailable', { params: { detail: 'upstream overloaded' } }))];
    assert.equal(events.at(-1)?.event, 'error');
    await serve(events.map(anthropic.formatSse).join(''), async (baseURL) => {
      const client = new Anthropic({ baseURL, apiKey: 'sk-test', maxRetries: 0 });
      const stream = client.messages.stream({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
      await assert.rejects(stream.finalMessage(), (err: unknown) => {
        assert.ok(err instanceof Anthropic.APIError);
        assert.equal((err.error as { error?: { type?: string } }).error?.type, 'overloaded_error');
        assert.match(err.message, /upstream overloaded/);
        return true;
      });
    });
  });

  test('errorEvent hides the message of errors that are not GatewayErrors', () => {
    const ev = anthropic.errorEvent(new Error('db password is hunter2'));
    assert.deepEqual(JSON.parse(ev.data), { type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
  });
});

describe('createOpenAIChunkDecoder', () => {
  function accumulate(chunks: openai.ChatCompletionChunk[]) {
    let content = '';
    const tools: Array<{ id: string; name: string; args: string }> = [];
    let finish: string | null = null;
    let usage: openai.CompletionUsage | null | undefined;
    for (const c of chunks) {
      if (c.usage) usage = c.usage;
      for (const ch of c.choices) {
        content += ch.delta.content ?? '';
        for (const t of ch.delta.tool_calls ?? []) {
          tools[t.index] ??= { id: '', name: '', args: '' };
          const slot = tools[t.index] as { id: string; name: string; args: string };
          if (t.id) slot.id = t.id;
          if (t.function?.name) slot.name = t.function.name;
          slot.args += t.function?.arguments ?? '';
        }
        if (ch.finish_reason) finish = ch.finish_reason;
      }
    }
    return { content, tools, finish, usage };
  }

  function decode(events: anthropic.SseEvent[]): openai.ChatCompletionChunk[] {
    const dec = anthropic.createOpenAIChunkDecoder({ created: 7 });
    return events.flatMap((e) => dec.push(JSON.parse(e.data) as anthropic.StreamEvent));
  }

  test('turns text and tool_use blocks into content and indexed tool-call deltas, then a finish chunk and a usage chunk', () => {
    const out = decode(encodeAll(toolChunks));
    assert.deepEqual(out[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    const acc = accumulate(out);
    assert.equal(acc.content, 'Checking both.');
    assert.deepEqual(acc.tools, [
      { id: 'call_a', name: 'get_weather', args: '{"location":"SF"}' },
      { id: 'call_b', name: 'get_time', args: '{"tz":"PST"}' },
    ]);
    assert.equal(acc.finish, 'tool_calls');
    assert.deepEqual(acc.usage, { prompt_tokens: 50, completion_tokens: 30, total_tokens: 80, prompt_tokens_details: { cached_tokens: 20 } });
    assert.deepEqual(out.at(-1)?.choices, []);
  });

  test('throws a GatewayError on an error event', () => {
    const dec = anthropic.createOpenAIChunkDecoder();
    assert.throws(() => dec.push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }), GatewayError);
  });

  test('property: any split of text and tool JSON survives OpenAI → Anthropic → OpenAI unchanged', () => {
    fc.assert(fc.property(
      fc.array(fc.string({ minLength: 1 }), { maxLength: 6 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
      fc.array(fc.nat(), { maxLength: 5 }),
      (texts, input, cuts) => {
        const json = JSON.stringify(input);
        const points = [...new Set(cuts.map((c) => c % (json.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...points, json.length].slice(1).map((end, i, arr) => json.slice(i === 0 ? 0 : arr[i - 1], end)).filter((p) => p !== '');
        const chunks = [
          ...texts.map((t) => chunk({ content: t })),
          chunk({ tool_calls: [{ index: 0, id: 'call_x', type: 'function', function: { name: 'f', arguments: '' } }] }),
          ...pieces.map((p) => chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] })),
          chunk({}, 'tool_calls'), usageChunk(3, 4),
        ];
        const acc = accumulate(decode(encodeAll(chunks)));
        assert.equal(acc.content, texts.join(''));
        assert.deepEqual(JSON.parse(acc.tools[0]?.args || '{}'), JSON.parse(json));
        assert.equal(acc.finish, 'tool_calls');
      },
    ), { numRuns: 200 });
  });
});
