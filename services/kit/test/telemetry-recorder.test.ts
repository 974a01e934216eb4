// Metrics recorder: completed events become metric updates with bounded labels; trace context round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  baseCompletedEvent,
  contextFromTrace,
  createGatewayMetrics,
  createLabelLimiter,
  createMetricsRecorder,
  traceFromContext,
  type CompletedEvent,
  type RequestEnvelope,
} from '../src/index.ts';

function event(over: Partial<CompletedEvent> = {}, team: string | null = null): CompletedEvent {
  const env: RequestEnvelope = {
    requestId: 'r1', tenant: { keyId: 'k', keyAlias: null, teamId: team, userId: 'u-secret', projectId: null }, model: 'gpt-4o', callType: 'chat',
    inboundApi: 'openai', stream: false, slip: [], replyTo: '', trace: { traceparent: null, tracestate: null }, receivedAtMs: 1_000, deadlineMs: 2_000,
    metadata: {}, verdicts: [], body: '{}',
  };
  return { ...baseCompletedEvent(env, 1_500), outcome: 'success', httpStatus: 200, ...over };
}

async function value(metrics: ReturnType<typeof createGatewayMetrics>, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x) && (!('metricName' in v) || v.metricName === undefined || v.metricName === name)).reduce((a, v) => a + v.value, 0);
}

test('recorder - counts requests, tokens by type and cost under model, status and team', async () => {
  const metrics = createGatewayMetrics({ options: { processMetrics: false } });
  const rec = createMetricsRecorder({ deps: { metrics, now: () => 1_600 } });
  rec.record(event({ usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 2, totalTokens: 15 }, costUsd: 0.25 }, 'team-a'));
  assert.equal(await value(metrics, 'ai_gateway_request_total', { model: 'gpt-4o', status: '200', team: 'team-a' }), 1);
  assert.equal(await value(metrics, 'ai_gateway_tokens_total', { type: 'input' }), 10);
  assert.equal(await value(metrics, 'ai_gateway_tokens_total', { type: 'output' }), 5);
  assert.equal(await value(metrics, 'ai_gateway_tokens_total', { type: 'cached' }), 2);
  assert.equal(await value(metrics, 'ai_gateway_cost_usd_total', { team: 'team-a' }), 0.25);
  const text = await metrics.text();
  assert.doesNotMatch(text, /u-secret/, 'user ids never become label values');
});

test('recorder - derives retries from attempts minus fallbacks, and fallbacks from their steps', async () => {
  const metrics = createGatewayMetrics({ options: { processMetrics: false } });
  const rec = createMetricsRecorder({ deps: { metrics } });
  rec.record(event({ attempts: 4, fallbacks: [{ from: 'gpt-4o', to: 'claude', reason: 'rate_limited' }] }));
  assert.equal(await value(metrics, 'ai_gateway_retry_total'), 2);
  assert.equal(await value(metrics, 'ai_gateway_fallback_total', { from: 'gpt-4o', to: 'claude' }), 1);
  rec.record(event({ attempts: 0, cacheStatus: 'exact_hit', savedUsd: 0.5 }));
  assert.equal(await value(metrics, 'ai_gateway_retry_total'), 2, 'a cache hit makes no attempt and no retry');
  assert.equal(await value(metrics, 'ai_gateway_cache_requests_total', { result: 'exact_hit' }), 1);
  assert.equal(await value(metrics, 'ai_gateway_cost_saved_usd_total'), 0.5);
  rec.record(event({ outcome: 'blocked', httpStatus: 429, errorCode: 'rate_limited' }));
  assert.equal(await value(metrics, 'ai_gateway_rate_limited_total'), 1);
});

test('recorder - past the label budget new teams and models fall into other', async () => {
  const metrics = createGatewayMetrics({ options: { processMetrics: false } });
  const rec = createMetricsRecorder({ deps: { metrics }, options: { maxLabelValues: 2 } });
  for (const t of ['a', 'b', 'c', 'd']) rec.record(event({}, t));
  assert.equal(await value(metrics, 'ai_gateway_request_total', { team: 'other' }), 2);
  assert.equal(await value(metrics, 'ai_gateway_request_total', { team: 'a' }), 1);
  const off = createMetricsRecorder({ deps: { metrics: createGatewayMetrics({ options: { processMetrics: false } }) }, options: { teamLabels: false } });
  off.record(event({}, 'x'));
  assert.equal(await value(off.metrics, 'ai_gateway_request_total', { team: 'none' }), 1);
});

test('labels - a limiter keeps values it has seen and truncates long ones', () => {
  const l = createLabelLimiter({ options: { maxValues: 1 } });
  assert.equal(l.value('x'.repeat(100)).length, 64);
  assert.equal(l.value('y'), 'other');
  assert.equal(l.value('x'.repeat(100)), 'x'.repeat(64));
});

test('cooldown gauge - reads deployment state at scrape time', async () => {
  let cooling = true;
  const metrics = createGatewayMetrics({
    options: {
      processMetrics: false,
      deployments: () => [{ id: 'd1', modelGroup: 'g', provider: 'openai', providerModel: 'm', supported: true, state: cooling ? 'cooling' : 'healthy', cooldownRemainingMs: 1 }],
    },
  });
  assert.match(await metrics.text(), /ai_gateway_deployment_cooldown\{deployment="d1"\} 1/);
  cooling = false;
  assert.match(await metrics.text(), /ai_gateway_deployment_cooldown\{deployment="d1"\} 0/);
});

test('trace context - an invalid traceparent is dropped, a valid one round-trips', () => {
  assert.equal(trace.getSpanContext(contextFromTrace({ traceparent: 'garbage', tracestate: null })), undefined);
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const ctx = contextFromTrace({ traceparent: tp, tracestate: 'a=b' });
  assert.deepEqual(traceFromContext(ctx), { traceparent: tp, tracestate: 'a=b' });
  assert.deepEqual(traceFromContext(ROOT_CONTEXT), { traceparent: null, tracestate: null });
});
