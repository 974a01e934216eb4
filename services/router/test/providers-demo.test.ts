// Demo provider and provider registry: deterministic offline answers, every provider name resolvable.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { openai } from '@ai-gateway/kit';
import { createDemoAdapter, DEMO_EMBEDDING_DIMS } from '../src/providers/demo/index.ts';
import { createProviderRegistry } from '../src/providers/registry.ts';
import type { ProviderAdapter, ProviderTarget } from '../src/providers/types.ts';

const target: ProviderTarget = { provider: 'demo', model: 'demo', apiBase: null, apiKey: null, apiVersion: null, headers: {} };
const opts = () => ({ signal: new AbortController().signal });
const req = (content: string): openai.ChatCompletionRequest => ({ model: 'demo', messages: [{ role: 'system', content: 'be nice' }, { role: 'user', content }] });

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe('demo provider', () => {
  const demo = createDemoAdapter({ options: { now: () => 1_764_115_200_000 } });

  test('demo - chat answers "Demo reply to: <last user message>" with usage', async () => {
    const res = await demo.chat(req('What is the capital of France?'), target, opts());
    assert.match(res.choices[0]?.message.content ?? '', /^Demo reply to: What is the capital of France\?/);
    assert.equal(res.choices[0]?.finish_reason, 'stop');
    assert.ok((res.usage?.prompt_tokens ?? 0) > 0 && (res.usage?.completion_tokens ?? 0) > 0);
    assert.equal(res.usage?.total_tokens, (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0));
  });

  test('demo - long messages are truncated in the echo', async () => {
    const res = await demo.chat(req('x'.repeat(500)), target, opts());
    assert.ok((res.choices[0]?.message.content ?? '').length < 300);
  });

  test('demo - stream: several chunks that concatenate to the non-stream answer, finish, then usage', async () => {
    const full = (await demo.chat(req('hello there'), target, opts())).choices[0]?.message.content;
    const chunks: openai.ChatCompletionChunk[] = [];
    for await (const c of await demo.chatStream(req('hello there'), target, opts())) chunks.push(c);
    assert.ok(chunks.length > 4);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), full);
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.ok(chunks.at(-1)?.usage);
  });

  test('demo - aborted stream stops with the abort reason', async () => {
    const ac = new AbortController();
    const it = await demo.chatStream(req('hello there friend'), target, { signal: ac.signal });
    const iter = it[Symbol.asyncIterator]();
    await iter.next();
    ac.abort(new Error('gone'));
    await assert.rejects(async () => { while (!(await iter.next()).done); }, /gone/);
  });

  test('demo - embeddings are deterministic, 384-dim, unit length, and similar texts are closer', async () => {
    const r = await demo.embeddings!({ model: 'demo', input: ['the cat sat on the mat', 'the cat sat on a mat', 'quarterly revenue report'] }, target, opts());
    const [a, b, c] = r.data.map((d) => d.embedding as number[]);
    assert.equal(a?.length, DEMO_EMBEDDING_DIMS);
    assert.ok(Math.abs(cosine(a!, a!) - 1) < 1e-9);
    assert.ok(cosine(a!, b!) > cosine(a!, c!));
    const again = await demo.embeddings!({ model: 'demo', input: 'the cat sat on the mat' }, target, opts());
    assert.deepEqual(again.data[0]?.embedding, a);
  });

  test('demo - legacy completion answers too', async () => {
    const r = await demo.completion!({ model: 'demo', prompt: 'Once upon a time' }, target, opts());
    assert.match(r.choices[0]?.text ?? '', /Once upon a time/);
  });
});

describe('provider registry', () => {
  test('registry - resolves every built-in provider by name', () => {
    const get = createProviderRegistry();
    for (const name of ['openai', 'azure', 'openai-compatible', 'gemini', 'anthropic', 'demo'] as const) assert.equal(get(name)?.name, name);
  });

  test('registry - extra adapters replace built-ins by name', () => {
    const fake: ProviderAdapter = { name: 'openai', chat: async () => { throw new Error('unused'); }, chatStream: async () => { throw new Error('unused'); } };
    const get = createProviderRegistry({ deps: { extra: { openai: fake } } });
    assert.equal(get('openai'), fake);
    assert.equal(get('gemini')?.name, 'gemini');
  });
});
