// End to end, distributed mode: one connected trace per request (ingress → stages over NATS → provider call), in memory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startTracing } from '@ai-gateway/kit';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { MASTER_KEY, startTestGateway, type TestGateway } from '../support/gateway.ts';

// One tracer provider for this file (test files run in their own process): spans land in memory.
const spans = new InMemorySpanExporter();
const tracing = startTracing({ options: { serviceName: 'tracing-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] } });
after(() => tracing?.shutdown());

const user = (content: string) => [{ role: 'user' as const, content }];

describe('tracing (distributed)', () => {
  let fake: FakeServer;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startTestGateway({
      mode: 'distributed',
      yaml: `
model_list:
  - model_name: traced
    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-a }
guardrails:
  - guardrail_name: pii-mask
    litellm_params: { guardrail: presidio, mode: pre_call, default_on: true, pii_entities_config: { EMAIL_ADDRESS: MASK } }
`,
    });
  });
  after(async () => {
    await gw?.close();
    await fake?.close();
  });

  async function call(requestId: string, body: Record<string, unknown>, traceparent?: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-request-id': requestId };
    if (traceparent) headers['traceparent'] = traceparent;
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) });
    await res.text();
    return res;
  }

  /** The spans of one trace once the provider span (the last to end for a non-stream call) is in. */
  async function traceOf(requestId: string): Promise<ReadableSpan[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      // The client chose its own x-request-id: the server span carries it beside the gateway's id.
      const root = spans.getFinishedSpans().find((s) => s.attributes['gateway.client_request_id'] === requestId && s.kind === SpanKind.SERVER);
      const all = root ? spans.getFinishedSpans().filter((s) => s.spanContext().traceId === root.spanContext().traceId) : [];
      if (root && all.some((s) => s.kind === SpanKind.CLIENT) && all.some((s) => s.name === 'stage router')) return all;
      if (Date.now() > deadline) return all;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

  test('one connected trace per request: ingress → pii stage → router stage (over NATS) → provider call', async () => {
    const res = await call('trace-req-1', { model: 'traced', messages: user('hello jane.doe@example.com') });
    assert.equal(res.status, 200);
    const trace = await traceOf('trace-req-1');
    const byName = new Map(trace.map((s) => [s.name, s]));
    const ingress = byName.get('gateway chat');
    const pii = byName.get('stage pii');
    const router = byName.get('stage router');
    const provider = trace.find((s) => s.kind === SpanKind.CLIENT);
    assert.ok(ingress && pii && router && provider, `spans: ${trace.map((s) => s.name).join(', ')}`);
    assert.equal(parentOf(ingress), undefined, 'the ingress span is the root when the client sent no traceparent');
    assert.equal(parentOf(pii), ingress.spanContext().spanId);
    assert.equal(parentOf(router), pii.spanContext().spanId);
    assert.equal(parentOf(provider), router.spanContext().spanId);
    const ids = new Set(trace.map((s) => s.spanContext().spanId));
    for (const s of trace) if (s !== ingress) assert.ok(ids.has(parentOf(s) ?? ''), `${s.name} hangs off a span of the same trace`);
    assert.equal(provider.name, 'chat gpt-4o');
    assert.equal(provider.attributes['gen_ai.system'], 'openai');
    assert.equal(provider.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(provider.attributes['gen_ai.request.model'], 'gpt-4o');
    assert.equal(typeof provider.attributes['gen_ai.response.model'], 'string');
    assert.ok(Number(provider.attributes['gen_ai.usage.input_tokens']) > 0);
    assert.ok(Number(provider.attributes['gen_ai.usage.output_tokens']) > 0);
    assert.equal(router.attributes['gateway.outcome'], 'success');
    assert.equal(ingress.attributes['http.response.status_code'], 200);
  });

  test('a client traceparent is continued: every span joins the caller\'s trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await call('trace-req-2', { model: 'traced', messages: user('hi'), stream: true }, `00-${traceId}-00f067aa0ba902b7-01`);
    assert.equal(res.status, 200);
    const trace = await traceOf('trace-req-2');
    const ingress = trace.find((s) => s.kind === SpanKind.SERVER);
    assert.equal(ingress?.spanContext().traceId, traceId);
    assert.equal(parentOf(ingress as ReadableSpan), '00f067aa0ba902b7');
    const provider = trace.find((s) => s.kind === SpanKind.CLIENT);
    assert.equal(provider?.attributes['gateway.stream'], true);
    assert.ok(trace.every((s) => s.spanContext().traceId === traceId));
    assert.ok(trace.length >= 4);
  });
});
