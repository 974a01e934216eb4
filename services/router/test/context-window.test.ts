// Context-window policies decided before the call: error with counts, trim, middle-out, fallback, per-attempt checks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError, type ContextWindowPolicy, type RequestEnvelope, type Tenant, type openai } from '@ai-gateway/kit';
import { ProviderError, createContextWindow, createModelGroups, inputLimitOf, type RouterDeployment } from '@ai-gateway/router';

function deployment(id: string, group: string, providerModel: string, maxInputTokens: number | null, provider: RouterDeployment['provider'] = 'openai'): RouterDeployment {
  return {
    id, modelGroup: group, provider, providerModel, weight: 1, order: null, rpm: null, tpm: null, inputCostPerToken: null, outputCostPerToken: null,
    apiBase: null, apiKey: 'k', apiVersion: null, headers: {}, timeoutMs: null, streamTimeoutMs: null, maxRetries: null, maxInputTokens,
    maxOutputTokens: null, mode: 'chat', requestDefaults: {}, supported: true, unsupportedReason: null, wildcard: false, cachedInputCostPerToken: null,
  };
}

const small = deployment('s', 'small', 'gpt-4o-mini', 200);
const medium = deployment('m', 'medium', 'gpt-4o', 600);
const large = deployment('l', 'large', 'gpt-4.1', null); // built-in table: ~1M
const claudeSmall = deployment('c', 'claude-small', 'claude-3-5-haiku', 200, 'anthropic');
const groups = createModelGroups([small, medium, large, claudeSmall]);
const fallbacks: Record<string, string[]> = { small: ['medium', 'large'], medium: ['large'] };
const policy = { fallbacksFor: (g: string) => fallbacks[g] ?? [] };

function make(defaultPolicy: ContextWindowPolicy, o: { groupPolicies?: Record<string, ContextWindowPolicy>; tenantPolicy?: (t: Tenant) => ContextWindowPolicy | null } = {}) {
  return createContextWindow({ deps: { groups, policy, ...(o.tenantPolicy ? { tenantPolicy: o.tenantPolicy } : {}) }, options: { defaultPolicy, ...(o.groupPolicies ? { groupPolicies: o.groupPolicies } : {}) } });
}

function conversation(turns: number): openai.ChatMessage[] {
  const msgs: openai.ChatMessage[] = [{ role: 'system', content: 'You are terse.' }];
  for (let i = 0; i < turns; i++) msgs.push({ role: 'user', content: `question ${i} about the weather in a long sentence` }, { role: 'assistant', content: `answer ${i} is sunny with light winds today` });
  msgs.push({ role: 'user', content: 'and tomorrow?' });
  return msgs;
}

function env(model: string, metadata: Record<string, string> = {}, body?: Record<string, unknown>): { env: RequestEnvelope; body: Record<string, unknown> } {
  const b = body ?? { model, messages: conversation(20) };
  return {
    body: b,
    env: {
      requestId: 'r', tenant: { keyId: null, keyAlias: 'k1', teamId: null, userId: null, projectId: null }, model, callType: 'chat', inboundApi: 'openai', stream: false,
      slip: ['router'], replyTo: '', trace: { traceparent: null, tracestate: null }, receivedAtMs: 0, deadlineMs: 0, metadata, verdicts: [], body: JSON.stringify(b),
    },
  };
}

describe('context window - policies before the call', () => {
  test('a prompt that fits is left alone (no header)', () => {
    const { env: e, body } = env('large');
    const p = make('error').plan(e, 'large', body);
    assert.equal(p.action, null);
    assert.equal(p.body, body);
  });

  test('error: 400 context_length_exceeded with the token count and the limit', () => {
    const { env: e, body } = env('small');
    assert.throws(() => make('error').plan(e, 'small', body), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'context_length_exceeded');
      assert.match(err.message, /needs \d+ input tokens but model group small accepts at most 200/);
      assert.equal(err.headers['x-gateway-context-limit'], '200');
      assert.ok(Number(err.headers['x-gateway-context-tokens']) > 200);
      return true;
    });
  });

  test('trim: oldest turns dropped to fit, header trimmed:N', () => {
    const { env: e, body } = env('small');
    const p = make('trim').plan(e, 'small', body);
    const msgs = p.body['messages'] as openai.ChatMessage[];
    const dropped = (body['messages'] as unknown[]).length - msgs.length;
    assert.ok(dropped > 0);
    assert.equal(p.action, `trimmed:${dropped}`);
    assert.equal(msgs[0]?.role, 'system');
    assert.equal(msgs.at(-1)?.content, 'and tomorrow?');
    assert.equal(p.group, 'small');
  });

  test('middle-out: header middle-out:N and the first exchange survives', () => {
    const { env: e, body } = env('small');
    const p = make('middle-out').plan(e, 'small', body);
    assert.match(p.action ?? '', /^middle-out:\d+$/);
    assert.ok((p.body['messages'] as openai.ChatMessage[]).some((m) => m.content === 'question 0 about the weather in a long sentence'));
  });

  test('fallback: the first context_window_fallbacks group that fits serves, recorded as a fallback step', () => {
    const { env: e, body } = env('small');
    const p = make('fallback').plan(e, 'small', body);
    assert.equal(p.group, 'medium');
    assert.equal(p.action, 'fallback:medium');
    assert.deepEqual(p.fallbacks, [{ from: 'small', to: 'medium', reason: 'context_window' }]);
    const { env: e2, body: b2 } = env('small', {}, { model: 'small', messages: conversation(60) });
    const p2 = make('fallback').plan(e2, 'small', b2);
    assert.equal(p2.group, 'large');
  });

  test('fallback without a large-enough group is a 400 naming the missing fallback', () => {
    const { env: e, body } = env('claude-small');
    assert.throws(() => make('fallback').plan(e, 'claude-small', body), /No context_window_fallbacks group is large enough/);
  });

  test('policy precedence: request header, then tenant, then model group, then default (aliases accepted)', () => {
    const tenantPolicy = (t: Tenant) => (t.keyAlias === 'k1' ? ('trim' as const) : null);
    const cw = make('error', { groupPolicies: { small: 'fallback' }, tenantPolicy });
    const viaHeader = env('small', { 'x-gateway-context-policy': 'truncate' });
    assert.match(cw.plan(viaHeader.env, 'small', viaHeader.body).action ?? '', /^trimmed:/);
    const viaTenant = env('small');
    assert.match(cw.plan(viaTenant.env, 'small', viaTenant.body).action ?? '', /^trimmed:/);
    const viaGroup = make('error', { groupPolicies: { small: 'fallback' } });
    assert.equal(viaGroup.plan(viaTenant.env, 'small', viaTenant.body).action, 'fallback:medium');
  });

  test('approximate tokenizers (non-OpenAI families) keep 10% headroom', () => {
    assert.equal(inputLimitOf(claudeSmall), 200);
    const { env: e, body } = env('claude-small');
    assert.throws(() => make('error').plan(e, 'claude-small', body), /accepts at most 181 \(200 less headroom/);
  });

  test('per attempt: a deployment smaller than the plan assumed is trimmed again or refused without a call', () => {
    const { env: e, body } = env('large');
    const plan = make('trim').plan(e, 'large', body);
    const fitted = make('trim').fitAttempt(small, plan, body);
    assert.ok((fitted['messages'] as unknown[]).length < (body['messages'] as unknown[]).length);
    assert.match(plan.action ?? '', /^trimmed:/);
    const strict = make('error').plan(e, 'large', body);
    assert.throws(() => make('error').fitAttempt(small, strict, body), (err: unknown) => err instanceof ProviderError && err.kind === 'context_window' && !err.retriable);
  });

  test('embeddings and bodies without messages are never counted', () => {
    const { env: e } = env('small');
    const p = make('error').plan({ ...e, callType: 'embedding' }, 'small', { model: 'small', input: 'x'.repeat(5000) });
    assert.equal(p.action, null);
  });
});
