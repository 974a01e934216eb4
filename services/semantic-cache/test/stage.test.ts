// Unit: the cache stage with a fake embedder and the embedded index: hits, isolation, TTL, bypass, store rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError, RequestCancel, contextWith, baseCompletedEvent, createLogger, type CompletedEvent, type ReplyFilterFactory, type RequestEnvelope, type StageContext, type Tenant } from '@ai-gateway/kit';
import {
  createCacheStage, createEmbeddedIndex, createPendingStores, createSemanticCache, handleCompleted, type Embedder, type VectorIndex,
} from '@ai-gateway/semantic-cache';

/** Bag-of-letters vectors: deterministic, and paraphrases with the same letters land close together. */
const fakeEmbedder = (delayMs = 0): Embedder => ({
  id: 'fake', dimensions: 26,
  async embed(texts) {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return texts.map((t) => {
      const v = new Float32Array(26);
      for (const ch of t.toLowerCase()) { const i = ch.charCodeAt(0) - 97; if (i >= 0 && i < 26) v[i] = (v[i] ?? 0) + 1; }
      const n = Math.hypot(...v) || 1;
      return v.map((x) => x / n);
    });
  },
});

const tenant = (teamId: string | null, keyId = 'k'): Tenant => ({ keyId, keyAlias: null, teamId, userId: null, projectId: null });
let seq = 0;
function envOf(q: string, o: Partial<RequestEnvelope> = {}, extra: Record<string, unknown> = {}): RequestEnvelope {
  const body = { model: o.model ?? 'gpt-4o', messages: [{ role: 'user', content: q }], ...extra };
  return {
    requestId: `r${++seq}`, tenant: tenant('team-a'), model: 'gpt-4o', callType: 'chat', inboundApi: 'openai', stream: false, slip: ['router'], replyTo: '',
    trace: { traceparent: null, tracestate: null }, receivedAtMs: 0, deadlineMs: 0, metadata: {}, verdicts: [], body: JSON.stringify(body), ...o,
  };
}

interface Run { forwarded: RequestEnvelope | null; chunks: Array<{ kind: string; headers: Record<string, string> | null; data: string | null }>; events: CompletedEvent[] }
function ctxOf(run: Run): StageContext {
  return contextWith(new RequestCancel(), { forward: (e: RequestEnvelope) => { run.forwarded = e; }, reply: { send: (kind: string, _s: number, headers: Record<string, string> | null, data: string | null) => run.chunks.push({ kind, headers, data }) }, complete: (e: CompletedEvent) => run.events.push(e) });
}

function setup(o: { embedder?: Embedder | null; index?: VectorIndex; timeoutMs?: number; now?: () => number; replyFilter?: ReplyFilterFactory } = {}) {
  const logger = createLogger({ name: 'cache-test', level: 'silent' });
  const now = o.now ?? (() => 1_000);
  const cache = createSemanticCache({
    deps: { index: o.index ?? createEmbeddedIndex(), embedder: o.embedder === undefined ? fakeEmbedder() : o.embedder, logger, now },
    options: { semantic: true, threshold: 0.9, ttlSeconds: 60, namespace: undefined, maxStoreTemperature: 1, callTypes: new Set(['chat']) },
  });
  const pending = createPendingStores({ now });
  const stage = createCacheStage({ deps: { cache, pending, logger, now, ...(o.replyFilter ? { replyFilter: o.replyFilter } : {}) }, options: { timeoutMs: o.timeoutMs ?? 1_000, mode: 'default_on' } });
  const run = async (env: RequestEnvelope): Promise<Run> => {
    const r: Run = { forwarded: null, chunks: [], events: [] };
    await stage.handle(env, ctxOf(r));
    return r;
  };
  /** A miss, answered by a pretend router, then written by the writer. */
  const answer = async (env: RequestEnvelope, content = 'Paris.', outcome: CompletedEvent['outcome'] = 'success') => {
    const r = await run(env);
    assert.ok(r.forwarded, 'a miss is forwarded');
    const evt = baseCompletedEvent(r.forwarded, now());
    evt.outcome = outcome;
    evt.httpStatus = outcome === 'success' ? 200 : 502;
    evt.costUsd = 0.002;
    evt.response = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
    await handleCompleted(cache, pending, evt, logger);
    return r;
  };
  return { cache, run, answer };
}

const statusOf = (r: Run) => r.chunks[0]?.headers?.['x-gateway-cache'] ?? r.forwarded?.metadata['x-gateway-cache'];

describe('cache stage', () => {
  test('answers the exact repeat and a paraphrase, and reports the saving', async () => {
    const s = setup();
    assert.equal(statusOf(await s.answer(envOf('what is the capital of france'))), 'miss');
    const exact = await s.run(envOf('what is the capital of france'));
    assert.equal(statusOf(exact), 'exact-hit');
    assert.equal(exact.events[0]?.cacheStatus, 'exact_hit');
    assert.equal(exact.events[0]?.savedUsd, 0.002);
    const para = await s.run(envOf('the capital of france is what'));
    assert.equal(statusOf(para), 'semantic-hit');
    assert.ok(Number(para.chunks[0]?.headers?.['x-gateway-cache-similarity']) > 0.9);
  });

  test('never crosses tenants or model groups', async () => {
    const s = setup();
    await s.answer(envOf('what is the capital of france'));
    assert.equal(statusOf(await s.run(envOf('what is the capital of france', { tenant: tenant('team-b') }))), 'miss');
    assert.equal(statusOf(await s.run(envOf('what is the capital of france', { tenant: tenant(null, 'other-key') }))), 'miss');
    assert.equal(statusOf(await s.run(envOf('what is the capital of france', { model: 'gpt-4o-mini' }, { model: 'gpt-4o-mini' }))), 'miss');
  });

  test('expires entries after their ttl (per-request ttl wins)', async () => {
    let t = 1_000;
    const s = setup({ now: () => t });
    await s.answer(envOf('short lived', {}, { cache: { ttl: 5 } }));
    t = 5_999;
    assert.equal(statusOf(await s.run(envOf('short lived', {}, { cache: { ttl: 5 } }))), 'exact-hit');
    t = 6_001;
    assert.equal(statusOf(await s.run(envOf('short lived', {}, { cache: { ttl: 5 } }))), 'miss');
  });

  test('passes through and counts a bypass when the lookup is slower than its budget', async () => {
    const s = setup({ embedder: fakeEmbedder(200), timeoutMs: 20 });
    await s.answer(envOf('an entry to compare with')); // an empty bucket would need no embedding at all
    const started = performance.now();
    const r = await s.run(envOf('slow embedder'));
    assert.ok(performance.now() - started < 150);
    assert.equal(statusOf(r), 'bypass');
    assert.equal(s.cache.stats.requests.bypass, 1);
    assert.equal(s.cache.stats.bypassReasons['timeout'], 1);
  });

  test('passes through when the index fails', async () => {
    const broken = { ...createEmbeddedIndex(), get: () => Promise.reject(new Error('down')) } as VectorIndex;
    const s = setup({ index: broken });
    const r = await s.run(envOf('anything'));
    assert.equal(statusOf(r), 'bypass');
    assert.equal(s.cache.stats.bypassReasons['error'], 1);
  });

  test('does not store errored answers, no-store requests or hot samples', async () => {
    const s = setup();
    await s.answer(envOf('failed one'), 'x', 'error');
    assert.equal(statusOf(await s.run(envOf('failed one'))), 'miss');
    const noStore = await s.run(envOf('private', {}, { cache: { 'no-store': true } }));
    assert.equal(noStore.forwarded?.metadata['x-gateway-cache-store'], undefined);
    const hot = await s.run(envOf('creative', {}, { temperature: 1.5 }));
    assert.equal(hot.forwarded?.metadata['x-gateway-cache-store'], undefined);
    const askedHot = await s.run(envOf('creative', {}, { temperature: 1.5, cache: { 'use-cache': true } }));
    assert.equal(askedHot.forwarded?.metadata['x-gateway-cache-store'], '1');
  });

  test('replays a hit on a stream as head, chunks and end', async () => {
    const s = setup();
    await s.answer(envOf('stream me'), 'A long answer that spans more than one replayed chunk of text, surely.');
    const r = await s.run(envOf('stream me', { stream: true }, { stream: true, stream_options: { include_usage: true } }));
    assert.deepEqual([r.chunks[0]?.kind, r.chunks.at(-1)?.kind], ['head', 'end']);
    const data = r.chunks.filter((c) => c.kind === 'data').map((c) => JSON.parse(c.data ?? '{}') as { object: string; choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: unknown });
    assert.ok(data.every((d) => d.object === 'chat.completion.chunk'));
    assert.equal(data.map((d) => d.choices[0]?.delta.content ?? '').join(''), 'A long answer that spans more than one replayed chunk of text, surely.');
    assert.equal(data.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.ok(data.at(-1)?.usage);
  });

  test('a prompt longer than the embedding window is cached exactly only, without embedding it', async () => {
    const embedded: string[] = [];
    const base = fakeEmbedder();
    const windowed: Embedder = { ...base, fits: (t) => t.length <= 40, embed: async (texts) => (embedded.push(...texts), base.embed(texts)) };
    const s = setup({ embedder: windowed });
    const long = `summarise this report: ${'quarterly revenue grew in every region '.repeat(3)}`;
    await s.answer(envOf(long));
    assert.deepEqual(embedded, []);
    assert.equal(statusOf(await s.run(envOf(long))), 'exact-hit');
    assert.equal(statusOf(await s.run(envOf(`${long} `.replace('summarise', 'summarize')))), 'miss');
    assert.equal(s.cache.stats.semanticSkipped['too_long'], 2);
    await s.answer(envOf('what is the capital of france'));
    assert.deepEqual(embedded, ['what is the capital of france']);
  });

  test('a miss with nothing to compare with is answered without embedding; the vector is made when storing', async () => {
    const embedded: string[] = [];
    const base = fakeEmbedder();
    const s = setup({ embedder: { ...base, embed: async (texts) => (embedded.push(...texts), base.embed(texts)) } });
    const first = await s.run(envOf('what is the capital of france'));
    assert.equal(statusOf(first), 'miss');
    assert.deepEqual(embedded, [], 'no lookup embedding in an empty bucket');
    await s.answer(envOf('what is the capital of france'));
    assert.deepEqual(embedded, ['what is the capital of france'], 'embedded once, when stored');
    assert.equal(statusOf(await s.run(envOf('the capital of france is what'))), 'semantic-hit');
    assert.equal(statusOf(await s.run(envOf('the capital of france is what', { tenant: tenant('team-b') }))), 'miss');
    assert.equal(embedded.length, 2, 'the other tenant\'s empty bucket needs no embedding');
    assert.equal(s.cache.stats.embedsDeferred, 3);
  });

  test('works exact-only without an embedder', async () => {
    const s = setup({ embedder: null });
    await s.answer(envOf('exact only'));
    assert.equal(statusOf(await s.run(envOf('exact only'))), 'exact-hit');
    assert.equal(statusOf(await s.run(envOf('only exact'))), 'miss');
  });

  test('a replayed answer passes this request\'s post-call guardrails: rewritten, or blocked and reported', async () => {
    let deny = 'nothing';
    const replyFilter: ReplyFilterFactory = () => ({
      text: (_i, text) =>
        text.includes(deny)
          ? { ok: false, error: new GatewayError('guardrail_violation', { params: { detail: `output contains ${deny}` } }), verdict: { guardrail: 'output_filter', action: 'block', categories: ['deny_list'], score: 1 } }
          : { ok: true, value: text.replace('Paris', 'P***s') },
      delta: (_i, text) => ({ ok: true, value: text }),
      flush: () => ({ ok: true, value: '' }),
      verdicts: () => [],
    });
    const s = setup({ replyFilter });
    await s.answer(envOf('capital of france please'), 'Paris.');
    const rewritten = await s.run(envOf('capital of france please'));
    assert.equal(statusOf(rewritten), 'exact-hit');
    const body = JSON.parse(rewritten.chunks[0]?.data ?? '{}') as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0]?.message.content, 'P***s.');
    deny = 'Paris';
    const blocked = await s.run(envOf('capital of france please'));
    assert.equal(blocked.chunks[0]?.kind, 'error');
    assert.equal(blocked.events[0]?.outcome, 'blocked');
    assert.equal(blocked.events[0]?.verdicts.at(-1)?.guardrail, 'output_filter');
  });
});
