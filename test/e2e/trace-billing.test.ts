// End to end: one request's trace reaches past the answer — the accounting consumer of its completed event (over
// JetStream in distributed mode) and the relay's Kafka produce join it, and the Kafka records carry its trace id.
// Needs KAFKA_BROKERS (and DATABASE_URL for distributed mode).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Consumer } from 'kafkajs';
import { avroCodec, startTracing } from '@ai-gateway/kit';
import { AUDIT_TOPIC, BILLING_TOPIC } from '@ai-gateway/cost-accounting';
import { MASTER_KEY, MODES } from '../support/gateway.ts';
import { BROKERS, DATABASE_URL, kafkaUp, startKafkaGateway, startRecordConsumer, until } from '../support/kafka.ts';

const spans = new InMemorySpanExporter();
const tracing = startTracing({ options: { serviceName: 'trace-billing-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] } });
after(() => tracing?.shutdown());

interface KafkaRecord {
  topic: string;
  requestId: string;
  traceparent: string | null;
}

/** Every record with its traceparent header (the test picks its request's by the gateway's id once answered). */
function startConsumer(runId: string, seen: KafkaRecord[]): Promise<Consumer> {
  return startRecordConsumer(`trace-billing-${runId}`, ({ topic, message, header }) => {
    const value = message.value ?? Buffer.alloc(0);
    const fp = header('schema-fingerprint') ?? '';
    const requestId = topic === BILLING_TOPIC ? avroCodec.decodeBilling(value, fp).requestId : avroCodec.decodeAudit(value, fp).requestId;
    seen.push({ topic, requestId, traceparent: header('traceparent') });
  });
}

const traceIdOf = (traceparent: string | null): string | undefined => traceparent?.split('-')[1];

for (const mode of MODES) {
  test(`trace billing - ${mode}: the accounting consumer span, the relay's Kafka produce spans and the Kafka records' traceparent share the ingress span's trace id`, { timeout: 90_000 }, async (t) => {
    if (!(await kafkaUp())) return t.skip(`Kafka at ${BROKERS.join(',')} is not reachable or lacks the topics`);
    if (mode === 'distributed' && !DATABASE_URL) return t.skip('DATABASE_URL is not set');
    const runId = `tb${mode[0]}${Date.now().toString(36)}${process.pid}`;
    const schema = `trace_billing_${runId}`;
    const seen: KafkaRecord[] = [];
    const consumer = await startConsumer(runId, seen);
    const { gw, close } = await startKafkaGateway(mode, schema);
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-request-id': `${runId}-req` },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'trace my bill' }] }),
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      // Spans and records carry the gateway's request id; the client's own is only echoed.
      const requestId = res.headers.get('x-gateway-request-id') ?? '';

      const finished = (): ReadableSpan[] => spans.getFinishedSpans();
      const ingress = await until('ingress span', () => finished().find((s) => s.kind === SpanKind.SERVER && s.attributes['gateway.request_id'] === requestId), 10_000);
      const traceId = ingress.spanContext().traceId;
      const record = await until('accounting.record span', () => finished().find((s) => s.name === 'accounting.record' && s.attributes['gateway.request_id'] === requestId), 15_000);
      assert.equal(record.spanContext().traceId, traceId, 'accounting.record joins the request trace');
      assert.equal(record.kind, SpanKind.CONSUMER);
      const router = finished().find((s) => s.name === 'stage router' && s.spanContext().traceId === traceId);
      assert.ok(router, 'the router stage span is in the trace');
      assert.equal(record.parentSpanContext?.spanId, router.spanContext().spanId, 'the completed event continues the stage span that published it');

      const produced = await until('relay produce spans', () => {
        const p = finished().filter((s) => s.kind === SpanKind.PRODUCER && s.spanContext().traceId === traceId);
        return p.length >= 2 && p;
      }, 30_000);
      assert.deepEqual(produced.map((s) => s.name).sort(), [`publish ${AUDIT_TOPIC}`, `publish ${BILLING_TOPIC}`]);
      for (const s of produced) assert.equal(s.parentSpanContext?.spanId, record.spanContext().spanId);

      const records = await until('billing and audit records on Kafka', () => {
        const mine = seen.filter((r) => r.requestId === requestId);
        return mine.some((r) => r.topic === BILLING_TOPIC) && mine.some((r) => r.topic === AUDIT_TOPIC) && mine;
      }, 30_000);
      for (const r of records) assert.equal(traceIdOf(r.traceparent), traceId, `${r.topic} record's traceparent header carries the request's trace id`);
    } finally {
      await consumer.disconnect().catch(() => {});
      await close();
    }
  });
}
