// End to end: one request's trace reaches past the answer — the accounting consumer of its completed event (over
// JetStream in distributed mode) and the relay's Kafka produce join it, and the Kafka records carry its trace id.
// Needs KAFKA_BROKERS (and DATABASE_URL for distributed mode).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pg from 'pg';
import { avroCodec, startTracing } from '@ai-gateway/kit';
import { AUDIT_TOPIC, BILLING_TOPIC } from '@ai-gateway/cost-accounting';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { MASTER_KEY, MODES, startTestGateway } from '../support/gateway.ts';

const spans = new InMemorySpanExporter();
const tracing = startTracing({ options: { serviceName: 'trace-billing-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] } });
after(() => tracing?.shutdown());

const DATABASE_URL = process.env['DATABASE_URL'];
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

interface KafkaRecord {
  topic: string;
  requestId: string;
  traceparent: string | null;
}

async function until<T>(what: string, get: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function kafkaUp(): Promise<boolean> {
  const admin = new Kafka({ clientId: 'trace-billing-probe', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2_000 }).admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    return topics.includes(BILLING_TOPIC) && topics.includes(AUDIT_TOPIC);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** A consumer reading both topics from their current ends, keeping the records of this run. */
async function startConsumer(runId: string, seen: KafkaRecord[]): Promise<Consumer> {
  const kafka = new Kafka({ clientId: `trace-billing-${runId}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const start = new Map<string, { partition: number; offset: string }[]>();
  for (const topic of [BILLING_TOPIC, AUDIT_TOPIC]) start.set(topic, (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.offset })));
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `trace-billing-${runId}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [BILLING_TOPIC, AUDIT_TOPIC], fromBeginning: false });
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const h = (name: string) => message.headers?.[name]?.toString() ?? null;
      const value = message.value ?? Buffer.alloc(0);
      const fp = h('schema-fingerprint') ?? '';
      const requestId = topic === BILLING_TOPIC ? avroCodec.decodeBilling(value, fp).requestId : avroCodec.decodeAudit(value, fp).requestId;
      if (requestId.startsWith(`${runId}-`)) seen.push({ topic, requestId, traceparent: h('traceparent') });
    },
  });
  await until('consumer group join', () => assigned, 30_000);
  for (const [topic, parts] of start) for (const p of parts) consumer.seek({ topic, partition: p.partition, offset: p.offset });
  return consumer;
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
    const fake = await startFakeOpenAI();
    const savedSchema = process.env['GATEWAY_DB_SCHEMA'];
    process.env['GATEWAY_DB_SCHEMA'] = schema;
    const gw = await startTestGateway({
      mode,
      ...(mode === 'embedded' ? { env: { DATABASE_URL: undefined } } : {}),
      yaml: `model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-fake }
general_settings:
  kafka_brokers: [${BROKERS.join(', ')}]
${mode === 'distributed' ? `  database_url: ${DATABASE_URL}\n` : ''}`,
    });
    try {
      const requestId = `${runId}-req`;
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'trace my bill' }] }),
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();

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
      await gw.close();
      await fake.close();
      await consumer.disconnect().catch(() => {});
      if (savedSchema === undefined) delete process.env['GATEWAY_DB_SCHEMA'];
      else process.env['GATEWAY_DB_SCHEMA'] = savedSchema;
      if (mode === 'distributed' && DATABASE_URL) {
        const c = new pg.Client({ connectionString: DATABASE_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => c.end());
      }
    }
  });
}
