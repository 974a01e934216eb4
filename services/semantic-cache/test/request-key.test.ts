// Unit: request normalisation into exact key, context hash, params hash and scope; per-request controls.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEnvelope, Tenant } from '@ai-gateway/kit';
import { cacheControlsOf, requestKeys, supportedCallTypes } from '@ai-gateway/semantic-cache';

const tenant = (t: Partial<Tenant> = {}): Tenant => ({ keyId: 'k1', keyAlias: null, teamId: 'team-a', userId: null, projectId: null, ...t });
export function envOf(body: Record<string, unknown>, o: Partial<RequestEnvelope> = {}): RequestEnvelope {
  return {
    requestId: 'r1', tenant: tenant(), model: String(body['model'] ?? 'gpt-4o'), callType: 'chat', inboundApi: 'openai', stream: false, slip: ['cache', 'router'],
    replyTo: '', trace: { traceparent: null, tracestate: null }, receivedAtMs: 0, deadlineMs: 0, metadata: {}, verdicts: [], body: JSON.stringify(body), ...o,
  };
}
const keys = (body: Record<string, unknown>, o: Partial<RequestEnvelope> = {}, ns?: string) =>
  requestKeys(envOf(body, o), body, String(body['model'] ?? 'gpt-4o'), { namespace: undefined, requestNamespace: ns });
const msgs = (q: string) => [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: q }];

describe('request keys', () => {
  test('ignores field order, whitespace, text-part wrapping and transport fields', () => {
    const a = keys({ model: 'gpt-4o', messages: msgs('Hello  world'), temperature: 0 });
    const b = keys({ temperature: 0, stream: true, stream_options: { include_usage: true }, user: 'u', metadata: { x: 1 }, cache: { ttl: 5 }, model: 'gpt-4o', messages: [{ content: 'Be brief.', role: 'system' }, { role: 'user', content: [{ type: 'text', text: 'Hello world ' }] }] });
    assert.equal(a.exactKey, b.exactKey);
    assert.equal(a.query, 'Hello world');
  });

  test('changes with sampling parameters, tools, model group, tenant and namespace', () => {
    const base = keys({ model: 'gpt-4o', messages: msgs('Hi'), temperature: 0 });
    const variants = [
      keys({ model: 'gpt-4o', messages: msgs('Hi'), temperature: 0.7 }),
      keys({ model: 'gpt-4o', messages: msgs('Hi'), temperature: 0, max_tokens: 10 }),
      keys({ model: 'gpt-4o', messages: msgs('Hi'), temperature: 0, tools: [{ type: 'function', function: { name: 'f' } }] }),
      keys({ model: 'gpt-4o-mini', messages: msgs('Hi'), temperature: 0 }),
      keys({ model: 'gpt-4o', messages: msgs('Hi'), temperature: 0 }, { tenant: tenant({ teamId: 'team-b' }) }),
      keys({ model: 'gpt-4o', messages: msgs('Hi'), temperature: 0 }, {}, 'ns-2'),
    ];
    for (const v of variants) assert.notEqual(v.exactKey, base.exactKey);
    assert.notEqual(variants[0]?.paramsHash, base.paramsHash);
    assert.notEqual(variants[4]?.scope, base.scope);
    assert.equal(variants[3]?.contextHash, base.contextHash);
  });

  test('scopes by team, else by key, so two keys of one team share answers', () => {
    const a = keys({ messages: msgs('Hi') }, { tenant: tenant({ keyId: 'k1' }) });
    const b = keys({ messages: msgs('Hi') }, { tenant: tenant({ keyId: 'k2' }) });
    const c = keys({ messages: msgs('Hi') }, { tenant: tenant({ keyId: 'k2', teamId: null }) });
    assert.equal(a.scope, b.scope);
    assert.notEqual(a.scope, c.scope);
  });

  test('hashes the earlier conversation as context and embeds only the last user turn', () => {
    const one = keys({ messages: [{ role: 'user', content: 'A' }, { role: 'assistant', content: 'B' }, { role: 'user', content: 'Why?' }] });
    const two = keys({ messages: [{ role: 'user', content: 'X' }, { role: 'assistant', content: 'B' }, { role: 'user', content: 'Why?' }] });
    assert.equal(one.query, 'Why?');
    assert.notEqual(one.contextHash, two.contextHash);
    assert.equal(one.paramsHash, two.paramsHash);
  });
});

describe('cache controls', () => {
  test('reads LiteLLM body controls and Cache-Control headers', () => {
    assert.deepEqual(cacheControlsOf({ cache: { 'no-cache': true, ttl: 30, namespace: 'n' } }, {}), { noCache: true, noStore: false, ttlSeconds: 30, namespace: 'n', optIn: false });
    const h = cacheControlsOf({}, { 'cache-control': 'no-store, max-age=60', 'x-gateway-cache-namespace': 'h' });
    assert.equal(h.noStore, true);
    assert.equal(h.ttlSeconds, 60);
    assert.equal(h.namespace, 'h');
  });

  test('maps LiteLLM call types, defaulting to chat and text completions', () => {
    assert.deepEqual([...supportedCallTypes(undefined)].sort(), ['chat', 'completion']);
    assert.deepEqual([...supportedCallTypes(['acompletion', 'aembedding'])].sort(), ['chat', 'embedding']);
  });
});
