// End to end: Prometheus metrics and the request log move with traffic (success, error, retry, fallback, cache, stream,
// guardrail) and the health paths answer, in both modes. Tracing: tracing.test.ts.
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { connectBus, startIngressService, startStageService } from '@ai-gateway/gateway';
import { loadConfig, subjectsFor } from '@ai-gateway/kit';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { MASTER_KEY, MODES, NATS_URL, dropSchema, memoryLogger, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { scrape, scrapeUntil, type Exposition } from '../support/prom-text.ts';

const user = (content: string) => [{ role: 'user' as const, content }];

for (const mode of MODES) {
  describe(`observability (${mode})`, () => {
    let ok: FakeServer;
    let pairA: FakeServer;
    let pairB: FakeServer;
    let gw: TestGateway;
    let client: OpenAI;
    // A fresh accounting schema (with DATABASE_URL): teams left by earlier runs must not fill the team label bound.
    const schema = `obs${randomBytes(4).toString('hex')}`;

    before(async () => {
      ok = await startFakeOpenAI();
      pairA = await startFakeOpenAI();
      pairB = await startFakeOpenAI();
      gw = await startTestGateway({
        mode,
        schema,
        // One router replica: the exact cache is per process, so a repeat must reach the same one.
        routers: 1,
        yaml: `
model_list:
  - model_name: ok
    litellm_params: { model: openai/gpt-4o, api_base: ${ok.url}/v1, api_key: sk-a }
    model_info: { input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001 }
  - model_name: broken
    litellm_params: { model: openai/fake-error-500, api_base: ${ok.url}/v1, api_key: sk-a, max_retries: 0 }
  - model_name: flaky
    litellm_params: { model: openai/fake-error-503, api_base: ${ok.url}/v1, api_key: sk-a, max_retries: 0 }
  - model_name: pair
    litellm_params: { model: openai/gpt-4o, api_base: ${pairA.url}/v1, api_key: sk-b, order: 1 }
  - model_name: pair
    litellm_params: { model: openai/gpt-4o, api_base: ${pairB.url}/v1, api_key: sk-c, order: 2 }
router_settings:
  num_retries: 2
  allowed_fails: 0
  cooldown_time: 30
  retry_after: 0
  fallbacks: [{ flaky: [ok] }]
guardrails:
  - guardrail_name: pii-mask
    litellm_params:
      guardrail: presidio
      mode: pre_call
      default_on: true
      pii_entities_config: { EMAIL_ADDRESS: MASK }
litellm_settings:
  cache: true
`,
      });
      client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    });
    after(async () => {
      await gw?.close();
      await Promise.all([ok?.close(), pairA?.close(), pairB?.close()]);
      await dropSchema(schema);
    });

    const requests = (e: Exposition, model: string, status?: string) => e.sum('ai_gateway_request_total', { model, ...(status ? { status } : {}) });
    const settle = (base: Exposition, model: string, n: number) => scrapeUntil(gw.url, (e) => requests(e, model) >= requests(base, model) + n);

    test('a successful call counts the request, its tokens, cost, latency and the gateway overhead', async () => {
      const base = await scrape(gw.url);
      const r = await client.chat.completions.create({ model: 'ok', messages: user('hello there') });
      assert.ok(r.usage && r.usage.prompt_tokens > 0);
      const e = await settle(base, 'ok', 1);
      assert.equal(requests(e, 'ok', '200') - requests(base, 'ok', '200'), 1);
      assert.equal(e.sum('ai_gateway_request_total', { model: 'ok', status: '200', team: 'none' }) - base.sum('ai_gateway_request_total', { model: 'ok', status: '200', team: 'none' }), 1);
      const tokens = (x: Exposition, type: string) => x.sum('ai_gateway_tokens_total', { model: 'ok', type, team: 'none' });
      assert.equal(tokens(e, 'input') - tokens(base, 'input'), r.usage.prompt_tokens);
      assert.equal(tokens(e, 'output') - tokens(base, 'output'), r.usage.completion_tokens);
      assert.ok(e.sum('ai_gateway_cost_usd_total', { model: 'ok', team: 'none' }) > base.sum('ai_gateway_cost_usd_total', { model: 'ok', team: 'none' }));
      assert.equal(e.sum('ai_gateway_request_duration_seconds_count', { model: 'ok' }) - base.sum('ai_gateway_request_duration_seconds_count', { model: 'ok' }), 1);
      assert.ok(e.sum('ai_gateway_request_duration_seconds_bucket', { model: 'ok', le: '120' }) >= 1);
      assert.equal(e.sum('ai_gateway_overhead_seconds_count') - base.sum('ai_gateway_overhead_seconds_count'), 1);
      assert.ok(e.sum('ai_gateway_bus_lag_seconds_count') > base.sum('ai_gateway_bus_lag_seconds_count'));
    });

    test('one structured log line per request with ids, model, deployment, status, tokens, cost, latency, cache and fallbacks', async () => {
      const { response } = await client.chat.completions.create({ model: 'flaky', messages: user('log me please') }).withResponse();
      const requestId = response.headers.get('x-request-id') ?? '';
      assert.ok(requestId);
      let lines: Array<Record<string, unknown>> = [];
      for (let i = 0; i < 100 && lines.length === 0; i++) {
        lines = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'request completed' && l['requestId'] === requestId);
        if (lines.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(lines.length, 1);
      const line = lines[0] as Record<string, unknown>;
      assert.equal(line['model'], 'flaky');
      assert.equal(line['modelGroup'], 'ok');
      assert.equal(line['status'], 200);
      assert.equal(line['outcome'], 'success');
      assert.equal(typeof line['deployment'], 'string');
      assert.ok(Number(line['promptTokens']) > 0 && Number(line['completionTokens']) > 0);
      assert.ok(Number(line['costUsd']) > 0);
      assert.equal(typeof line['latencyMs'], 'number');
      assert.ok('ttftMs' in line && 'cache' in line);
      assert.equal((line['fallbacks'] as string[]).length, 1);
      assert.match((line['fallbacks'] as string[])[0] ?? '', /^flaky->ok:/);
      assert.ok(!JSON.stringify(line).includes('log me please'), 'no prompt text in the log line');
    });

    test('a client that leaves mid-stream is counted as 499 and logged once, after its reply closed', async () => {
      ok.script({ type: 'stream', chunks: 100, chunkDelayMs: 20 });
      const base = await scrape(gw.url);
      const ac = new AbortController();
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'ok', stream: true, messages: user('leave early') }, { signal: ac.signal })
        .withResponse();
      const requestId = response.headers.get('x-request-id') ?? '';
      let seen = 0;
      try {
        for await (const _c of stream) if (++seen === 2) ac.abort();
      } catch {
        // the SDK may raise APIUserAbortError or just end the iteration
      }
      const e = await scrapeUntil(gw.url, (x) => requests(x, 'ok', '499') >= requests(base, 'ok', '499') + 1);
      assert.equal(requests(e, 'ok', '499') - requests(base, 'ok', '499'), 1);
      const lines = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'request completed' && l['requestId'] === requestId);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]?.['outcome'], 'cancelled');
    });

    test('a stream records time to first token and its usage', async () => {
      const base = await scrape(gw.url);
      const stream = await client.chat.completions.create({ model: 'ok', messages: user('stream please'), stream: true, stream_options: { include_usage: true } });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
      assert.ok(text.length > 0);
      const e = await settle(base, 'ok', 1);
      assert.equal(e.sum('ai_gateway_time_to_first_token_seconds_count', { model: 'ok' }) - base.sum('ai_gateway_time_to_first_token_seconds_count', { model: 'ok' }), 1);
      assert.ok(e.sum('ai_gateway_tokens_total', { model: 'ok', type: 'output' }) > base.sum('ai_gateway_tokens_total', { model: 'ok', type: 'output' }));
      assert.equal(e.sum('ai_gateway_overhead_seconds_count') - base.sum('ai_gateway_overhead_seconds_count'), 1);
    });

    test('a provider error counts under its status and cools the deployment (gauge and /health)', async () => {
      const base = await scrape(gw.url);
      const err = await client.chat.completions.create({ model: 'broken', messages: user('hi') }).catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError);
      const status = String(err.status);
      const e = await settle(base, 'broken', 1);
      assert.equal(requests(e, 'broken', status) - requests(base, 'broken', status), 1);
      assert.ok(Number(status) >= 500);
      const id = gw.config.deployments.find((d) => d.modelGroup === 'broken')?.id ?? '';
      const cooled = await scrapeUntil(gw.url, (x) => x.sum('ai_gateway_deployment_cooldown', { deployment: id }) === 1);
      assert.equal(cooled.sum('ai_gateway_deployment_cooldown', { deployment: id }), 1);
      const okId = gw.config.deployments.find((d) => d.modelGroup === 'ok')?.id ?? '';
      assert.equal(cooled.sum('ai_gateway_deployment_cooldown', { deployment: okId }), 0);
      const health = (await (await fetch(`${gw.url}/health`)).json()) as { unhealthy_endpoints: Array<{ model_id: string; status: string; cooldown_remaining_s: number }>; healthy_endpoints: Array<{ model_id: string }> };
      const entry = health.unhealthy_endpoints.find((d) => d.model_id === id);
      assert.equal(entry?.status, 'cooling');
      assert.ok((entry?.cooldown_remaining_s ?? 0) > 0 && (entry?.cooldown_remaining_s ?? 0) <= 30);
      assert.ok(health.healthy_endpoints.some((d) => d.model_id === okId));
    });

    test('a fallback counts from and to, and the retry inside a group counts as a retry', async () => {
      const base = await scrape(gw.url);
      const r = await client.chat.completions.create({ model: 'flaky', messages: user('fall back') });
      assert.ok(r.choices[0]?.message.content);
      const e = await settle(base, 'flaky', 1);
      assert.equal(e.sum('ai_gateway_fallback_total', { from: 'flaky', to: 'ok' }) - base.sum('ai_gateway_fallback_total', { from: 'flaky', to: 'ok' }), 1);
      assert.equal(requests(e, 'flaky', '200') - requests(base, 'flaky', '200'), 1);

      pairA.script({ type: 'error', status: 500, message: 'boom' });
      const before = await scrape(gw.url);
      await client.chat.completions.create({ model: 'pair', messages: user('retry me') });
      const after = await settle(before, 'pair', 1);
      assert.equal(after.sum('ai_gateway_retry_total') - before.sum('ai_gateway_retry_total'), 1);
      assert.equal(after.sum('ai_gateway_fallback_total') - before.sum('ai_gateway_fallback_total'), 0);
    });

    test('a cache miss then a hit count by result, and the hit counts its saving', async () => {
      const base = await scrape(gw.url);
      const prompt = `cache me ${mode} ${Date.now()}`;
      await client.chat.completions.create({ model: 'ok', messages: user(prompt) });
      const misses = await settle(base, 'ok', 1);
      assert.equal(misses.sum('ai_gateway_cache_requests_total', { result: 'miss' }) - base.sum('ai_gateway_cache_requests_total', { result: 'miss' }), 1);
      let hit = false;
      for (let i = 0; i < 40 && !hit; i++) {
        // The cache writer stores the answer from the completed event, shortly after the reply.
        await new Promise((r) => setTimeout(r, 50));
        const { response } = await client.chat.completions.create({ model: 'ok', messages: user(prompt) }).withResponse();
        hit = response.headers.get('x-gateway-cache') === 'hit' || (response.headers.get('x-gateway-cache') ?? '').includes('hit');
      }
      assert.ok(hit, 'the repeat was answered from the cache');
      const e = await scrapeUntil(gw.url, (x) => x.sum('ai_gateway_cache_requests_total', { result: 'exact_hit' }) > base.sum('ai_gateway_cache_requests_total', { result: 'exact_hit' }));
      assert.equal(e.sum('ai_gateway_cache_requests_total', { result: 'exact_hit' }) - base.sum('ai_gateway_cache_requests_total', { result: 'exact_hit' }), 1);
      assert.ok(e.sum('ai_gateway_cost_saved_usd_total') > base.sum('ai_gateway_cost_saved_usd_total'));
    });

    test('a guardrail verdict counts by guardrail and action', async () => {
      const base = await scrape(gw.url);
      await client.chat.completions.create({ model: 'ok', messages: user('write to jane.doe@example.com today') });
      const e = await settle(base, 'ok', 1);
      const masked = (x: Exposition) => x.sum('ai_gateway_guardrail_total', { guardrail: 'pii-mask' });
      assert.ok(masked(e) - masked(base) >= 1, 'pii-mask verdict counted');
      assert.ok([...(e.families.get('ai_gateway_guardrail_total')?.samples ?? [])].every((s) => ['pass', 'flag', 'block', 'mask'].includes(s.labels['action'] ?? '')));
    });

    test('every metric of the issue is exported with its labels', async () => {
      const e = await scrape(gw.url);
      const expected: Record<string, string> = {
        ai_gateway_request_total: 'counter',
        ai_gateway_tokens_total: 'counter',
        ai_gateway_cost_usd_total: 'counter',
        ai_gateway_request_duration_seconds: 'histogram',
        ai_gateway_time_to_first_token_seconds: 'histogram',
        ai_gateway_fallback_total: 'counter',
        ai_gateway_retry_total: 'counter',
        ai_gateway_deployment_cooldown: 'gauge',
        ai_gateway_cache_requests_total: 'counter',
        ai_gateway_cost_saved_usd_total: 'counter',
        ai_gateway_guardrail_total: 'counter',
        ai_gateway_budget_remaining_usd: 'gauge',
        ai_gateway_rate_limited_total: 'counter',
        ai_gateway_overhead_seconds: 'histogram',
        ai_gateway_bus_lag_seconds: 'histogram',
        ai_gateway_kafka_relay_lag_seconds: 'gauge',
      };
      for (const [name, type] of Object.entries(expected)) assert.equal(e.families.get(name)?.type, type, name);
      assert.deepEqual([...e.labelsOf('ai_gateway_request_total')].sort(), ['model', 'status', 'team']);
      assert.deepEqual([...e.labelsOf('ai_gateway_tokens_total')].sort(), ['model', 'team', 'type']);
      assert.deepEqual([...e.labelsOf('ai_gateway_cost_usd_total')].sort(), ['model', 'team']);
      assert.deepEqual([...e.labelsOf('ai_gateway_request_duration_seconds')].sort(), ['le', 'model']);
      assert.deepEqual([...e.labelsOf('ai_gateway_fallback_total')].sort(), ['from', 'to']);
      assert.deepEqual([...e.labelsOf('ai_gateway_deployment_cooldown')].sort(), ['deployment']);
      const types = new Set(e.families.get('ai_gateway_tokens_total')?.samples.map((s) => s.labels['type']));
      assert.ok([...types].every((t) => t === 'input' || t === 'output' || t === 'cached'));
      const buckets = e.families.get('ai_gateway_request_duration_seconds')?.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels['le']);
      assert.ok(buckets?.includes('0.05') && buckets.includes('120'), 'duration buckets span 0.05 s … 120 s');
    });

    test('a team key labels its requests by team and its budget left is exported (distributed: by the accounting process)', async (t) => {
      const budgetsUrl = gw.budgetsUrl;
      if (!budgetsUrl) return t.skip('no accounting process: DATABASE_URL is not set');
      const admin = async (path: string, body: unknown) => {
        const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        assert.equal(res.status, 200, `${path}: ${res.status}`);
        return (await res.json()) as Record<string, unknown>;
      };
      const team = `obs-${randomBytes(3).toString('hex')}`;
      await admin('/team/new', { team_id: team, team_alias: team, max_budget: 10 });
      const key = String((await admin('/key/generate', { team_id: team }))['key']);
      const base = await scrape(gw.url);
      const teamClient = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
      await teamClient.chat.completions.create({ model: 'ok', messages: user('team traffic') });
      const e = await scrapeUntil(gw.url, (x) => x.sum('ai_gateway_request_total', { team }) >= 1 && x.sum('ai_gateway_cost_usd_total', { team }) > 0);
      assert.equal(e.sum('ai_gateway_request_total', { model: 'ok', status: '200', team }) - base.sum('ai_gateway_request_total', { model: 'ok', status: '200', team }), 1);
      const spent = e.sum('ai_gateway_cost_usd_total', { team });
      assert.ok(spent > 0);
      const b = await scrapeUntil(budgetsUrl, (x) => x.sum('ai_gateway_budget_remaining_usd', { team }) < 10);
      assert.ok(Math.abs(b.sum('ai_gateway_budget_remaining_usd', { team }) - (10 - spent)) < 1e-6, 'remaining = max budget - spend');
    });

    test('health: liveliness answers alive, readiness checks the bus', async () => {
      const live = await fetch(`${gw.url}/health/liveliness`);
      assert.equal(live.status, 200);
      assert.equal(await live.json(), "I'm alive!");
      const ready = await fetch(`${gw.url}/health/readiness`);
      assert.equal(ready.status, 200);
      const body = (await ready.json()) as { status: string; checks: Record<string, string> };
      assert.equal(body.status, 'healthy');
      assert.equal(body.checks['bus'], 'connected');
      if (mode === 'distributed') assert.equal(body.checks['stages'], 'connected', 'every remote stage of the slip has a consumer');
      else assert.equal(body.checks['store'], 'connected', 'embedded: the accounting store answers');
      const metrics = await fetch(`${gw.url}/metrics`);
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    });
  });
}

test('a router process serves its own /metrics (cooldown gauge) and health paths on its ops port', async () => {
  const { config } = loadConfig({ text: 'model_list:\n  - model_name: m\n    litellm_params: { model: openai/gpt-4o, api_base: http://127.0.0.1:9/v1, api_key: sk-x }\n', env: { NATS_URL } });
  const subjects = subjectsFor(`t${randomBytes(4).toString('hex')}`);
  const bus = await connectBus(config, 'ops-test', subjects);
  const svc = await startStageService({ config, logger: memoryLogger([]), bus, stages: ['router'], subjects, opsPort: 0 });
  try {
    assert.ok(svc.url);
    const e = await scrape(svc.url);
    const id = config.deployments[0]?.id ?? '';
    assert.equal(e.sum('ai_gateway_deployment_cooldown', { deployment: id }), 0);
    assert.ok(e.families.has('process_cpu_seconds_total'));
    assert.equal((await fetch(`${svc.url}/health/readiness`)).status, 200);
    assert.equal((await fetch(`${svc.url}/health/liveliness`)).status, 200);
    const health = (await (await fetch(`${svc.url}/health`)).json()) as { healthy_count: number };
    assert.equal(health.healthy_count, 1);
  } finally {
    await svc.close();
    await bus.close();
  }
});

test('an ingress whose router stage has no consumer is not ready (distributed readiness)', async () => {
  const { config } = loadConfig({ text: 'model_list:\n  - model_name: m\n    litellm_params: { model: openai/gpt-4o, api_base: http://127.0.0.1:9/v1, api_key: sk-x }\n', env: { NATS_URL, LITELLM_MASTER_KEY: MASTER_KEY } });
  const subjects = subjectsFor(`t${randomBytes(4).toString('hex')}`);
  const bus = await connectBus(config, 'readiness-test', subjects);
  const ingress = await startIngressService({ config, logger: memoryLogger([]), bus, port: 0, host: '127.0.0.1', subjects });
  try {
    const res = await fetch(`${ingress.url}/health/readiness`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    assert.equal(body.status, 'unhealthy');
    assert.equal(body.checks['bus'], 'connected');
    assert.match(body.checks['stages'] ?? '', /no consumer for stage router/);
    assert.equal((await fetch(`${ingress.url}/health/liveliness`)).status, 200, 'still alive: only readiness depends on the stages');
  } finally {
    await ingress.close();
    await bus.close();
  }
});
