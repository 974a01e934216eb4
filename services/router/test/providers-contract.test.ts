// Port contract: one suite run against every built-in ProviderAdapter (upstreams are the fakes, demo is local).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { openai } from '@ai-gateway/kit';
import { startFakeOpenAI } from '../../../test/support/fake-openai.ts';
import { startFakeGemini } from '../../../test/support/fake-gemini.ts';
import { startFakeAnthropic } from '../../../test/support/fake-anthropic.ts';
import { createProviderRegistry } from '../src/providers/registry.ts';
import type { ProviderName, ProviderTarget } from '../src/providers/types.ts';

interface Case {
  provider: ProviderName;
  fake: (() => Promise<{ url: string; close(): Promise<void> }>) | null;
  target: (url: string) => Omit<ProviderTarget, 'provider'>;
}

const base = { apiKey: 'k', apiVersion: null, headers: {} };
const CASES: Case[] = [
  { provider: 'openai', fake: startFakeOpenAI, target: (url) => ({ ...base, model: 'gpt-4o-mini', apiBase: `${url}/v1` }) },
  { provider: 'openai-compatible', fake: startFakeOpenAI, target: (url) => ({ ...base, model: 'llama-3.1-8b', apiBase: url }) },
  { provider: 'azure', fake: startFakeOpenAI, target: (url) => ({ ...base, model: 'gpt4o-deploy', apiBase: url }) },
  { provider: 'gemini', fake: startFakeGemini, target: (url) => ({ ...base, model: 'gemini-2.5-flash', apiBase: url }) },
  { provider: 'anthropic', fake: () => startFakeAnthropic(), target: (url) => ({ ...base, model: 'claude-sonnet-4-5', apiBase: url }) },
  { provider: 'demo', fake: null, target: () => ({ ...base, model: 'demo', apiBase: null }) },
];

const request: openai.ChatCompletionRequest = { model: 'alias', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Hello?' }] };
const get = createProviderRegistry();

for (const c of CASES) {
  describe(`contract - ${c.provider}`, () => {
    async function withTarget(fn: (t: ProviderTarget) => Promise<void>): Promise<void> {
      const fake = c.fake ? await c.fake() : null;
      try {
        await fn({ provider: c.provider, ...c.target(fake?.url ?? '') });
      } finally {
        await fake?.close();
      }
    }
    const adapter = get(c.provider);

    test(`contract - ${c.provider} chat returns an assistant chat.completion with usage`, () => withTarget(async (t) => {
      const res = await adapter!.chat(request, t, { signal: AbortSignal.timeout(5_000) });
      assert.equal(res.object, 'chat.completion');
      assert.equal(res.choices[0]?.message.role, 'assistant');
      assert.ok((res.choices[0]?.message.content ?? '').length > 0);
      assert.equal(res.choices[0]?.finish_reason, 'stop');
      assert.ok((res.usage?.total_tokens ?? 0) > 0);
    }));

    test(`contract - ${c.provider} stream yields one id, text deltas, a finish reason, then a usage-only chunk`, () => withTarget(async (t) => {
      const chunks: openai.ChatCompletionChunk[] = [];
      for await (const ch of await adapter!.chatStream({ ...request, stream: true }, t, { signal: AbortSignal.timeout(5_000) })) chunks.push(ch);
      assert.ok(chunks.every((ch) => ch.object === 'chat.completion.chunk'));
      assert.equal(new Set(chunks.map((ch) => ch.id)).size, 1);
      assert.ok(chunks.map((ch) => ch.choices[0]?.delta.content ?? '').join('').length > 0);
      assert.equal(chunks.filter((ch) => ch.choices[0]?.finish_reason).length, 1);
      const last = chunks.at(-1);
      assert.deepEqual(last?.choices, []);
      assert.ok((last?.usage?.total_tokens ?? 0) > 0);
    }));

    test(`contract - ${c.provider} embeddings return one vector per input`, { skip: !adapter?.embeddings && 'provider has no embeddings' }, () => withTarget(async (t) => {
      const res = await adapter!.embeddings!({ model: 'alias', input: ['a', 'b'] }, t, { signal: AbortSignal.timeout(5_000) });
      assert.deepEqual(res.data.map((d) => d.index), [0, 1]);
      assert.ok(Array.isArray(res.data[0]?.embedding) && res.data[0].embedding.length > 0);
    }));

    test(`contract - ${c.provider} an already-aborted signal rejects with its reason`, () => withTarget(async (t) => {
      const ac = new AbortController();
      const reason = new Error('cancelled before start');
      ac.abort(reason);
      await assert.rejects(adapter!.chat(request, t, { signal: ac.signal }), (e) => e === reason);
    }));
  });
}
