// Relaying a provider stream: chunks the gateway passes on unchanged go out as the provider wrote them; a reply
// filter or a dropped usage field makes the gateway serialise its own version.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCancel, type ReplyFilter, type openai } from '@ai-gateway/kit';
import { AttemptGuard } from '../src/attempts.ts';
import { chatChunks } from '../src/providers/openai/stream.ts';
import { sseEvents } from '../src/providers/shared/sse.ts';
import { relayStream, type StreamTally } from '../src/stream-relay.ts';

// Spacing and key order no serialiser of ours would produce: proof of which text went out.
const CHUNKS = [
  '{ "id":"c1", "object":"chat.completion.chunk", "created":1, "model":"gpt-4o", "choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}] }',
  '{ "id":"c1", "object":"chat.completion.chunk", "created":1, "model":"gpt-4o", "choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}] }',
  '{ "id":"c1", "object":"chat.completion.chunk", "created":1, "model":"gpt-4o", "choices":[], "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5} }',
];

async function* body(): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(`${CHUNKS.map((c) => `data: ${c}\n\n`).join('')}data: [DONE]\n\n`);
}

async function* bodyOf(chunks: readonly string[]): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(`${chunks.map((c) => `data: ${c}\n\n`).join('')}data: [DONE]\n\n`);
}

async function relay(o: { filter: ReplyFilter | null; includeUsage: boolean; chunks?: readonly string[] }): Promise<{ sent: string[]; tally: StreamTally }> {
  const iter = chatChunks(sseEvents(o.chunks ? bodyOf(o.chunks) : body()))[Symbol.asyncIterator]();
  const first = (await iter.next()).value as openai.ChatCompletionChunk;
  const sent: string[] = [];
  const tally: StreamTally = { usage: null, completionChars: 0, completionText: '', firstTokenAt: null, chunks: 0, assembled: null };
  const guard = new AttemptGuard(new RequestCancel());
  await relayStream(first, iter, guard, { send: (_kind, _status, _headers, data) => sent.push(data ?? '') }, tally, { filter: o.filter, includeUsage: o.includeUsage, assemble: false, idleTimeoutMs: 5_000, now: () => 1 });
  return { sent, tally };
}

const upper: ReplyFilter = {
  text: (_i, t) => ({ ok: true, value: t.toUpperCase() }),
  delta: (_i, t) => ({ ok: true, value: t.toUpperCase() }),
  flush: () => ({ ok: true, value: '' }),
  verdicts: () => [],
};

describe('stream relay', () => {
  test('unfiltered chunks go out byte for byte as the provider sent them, usage included when asked', async () => {
    const { sent, tally } = await relay({ filter: null, includeUsage: true });
    assert.deepEqual(sent, CHUNKS);
    assert.equal(tally.completionText, 'Hello');
    assert.deepEqual(tally.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  test('without include_usage the usage chunk is dropped and the rest still goes out as received', async () => {
    const { sent, tally } = await relay({ filter: null, includeUsage: false });
    assert.deepEqual(sent, CHUNKS.slice(0, 2));
    assert.equal(tally.usage?.total_tokens, 5, 'billing still sees the usage');
  });

  test('OpenAI\'s null usage on every chunk is cut from the received text for a client that did not ask for usage', async () => {
    // As OpenAI sends a stream asked with include_usage (the gateway always asks): "usage":null last on each chunk.
    const chunks = [
      '{"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt-4o",  "choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}',
      '{"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt-4o",  "choices":[{"index":0,"delta":{"content":" \\"usage\\":null}"},"finish_reason":null}],"usage":null}',
      '{"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}], "usage": null}',
      '{"id":"c3","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
    ];
    const { sent, tally } = await relay({ filter: null, includeUsage: false, chunks });
    assert.equal(sent.length, 3, 'the usage-only chunk is dropped');
    // Cut from the text as received (the unusual spacing survives) ...
    assert.equal(sent[0], chunks[0]?.replace(',"usage":null}', '}'));
    assert.equal(sent[1], chunks[1]?.slice(0, -',"usage":null}'.length) + '}');
    assert.equal((JSON.parse(sent[1] as string) as openai.ChatCompletionChunk).choices[0]?.delta.content, ' "usage":null}', 'content that looks like the tail is kept');
    // ... and a spelling the cut does not know is serialised again, still without usage.
    assert.deepEqual(JSON.parse(sent[2] as string), { id: 'c3', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    for (const text of sent) assert.equal('usage' in (JSON.parse(text) as object), false);
    assert.equal(tally.usage?.total_tokens, 5, 'billing still sees the usage');
    assert.equal(tally.completionText, 'Hi "usage":null}');
  });

  test('a chunk the provider spread over several data lines is re-serialised, so the relayed event stays one line', async () => {
    async function* split(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode(`data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m",\ndata: "choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`);
    }
    const iter = chatChunks(sseEvents(split()))[Symbol.asyncIterator]();
    const first = (await iter.next()).value as openai.ChatCompletionChunk;
    const sent: string[] = [];
    const tally: StreamTally = { usage: null, completionChars: 0, completionText: '', firstTokenAt: null, chunks: 0, assembled: null };
    await relayStream(first, iter, new AttemptGuard(new RequestCancel()), { send: (_k, _s, _h, d) => sent.push(d ?? '') }, tally, { filter: null, includeUsage: true, assemble: false, idleTimeoutMs: 5_000, now: () => 1 });
    assert.equal(sent.length, 1);
    assert.ok(!sent[0]?.includes('\n'), sent[0]);
    assert.equal((JSON.parse(sent[0] as string) as openai.ChatCompletionChunk).choices[0]?.delta.content, 'x');
  });

  test('a reply filter changes the content, so the gateway sends its own serialisation', async () => {
    const { sent } = await relay({ filter: upper, includeUsage: true });
    assert.equal(sent.length, 3);
    assert.deepEqual(sent.map((s) => (JSON.parse(s) as openai.ChatCompletionChunk).choices[0]?.delta.content), ['HEL', 'LO', undefined]);
    assert.ok(!sent.includes(CHUNKS[0] as string), 'the provider text of a filtered chunk is not reused');
  });
});
