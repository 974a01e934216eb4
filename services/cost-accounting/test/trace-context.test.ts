// W3C trace context from the completed event's headers to the outbox row and the Kafka record (PGlite, in-memory sink).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { avroCodec, createLogger, startTracing, type DurableMessage } from '@ai-gateway/kit';
import { createPgliteExecutor } from '../src/store/pglite.ts';
import { avroEncoders } from '../src/store/spend-sql.ts';
import { createSqlStore } from '../src/store/store.ts';
import type { Store } from '../src/store/port.ts';
import { createCompletedBatcher } from '../src/service/completed-batcher.ts';
import { createOutboxRelay, type RecordSink } from '../src/relay/relay.ts';
import type { RelayMessage } from '../src/relay/messages.ts';
import { completedEvent } from './fixtures.ts';

const spans = new InMemorySpanExporter();
const tracing = startTracing({ options: { serviceName: 'accounting-trace-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] } });
after(() => tracing?.shutdown());

const logger = createLogger({ name: 'test', level: 'silent' });
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

function message(requestId: string, headers: Record<string, string>): DurableMessage {
  return { subject: 'gw.v1.evt.completed', data: avroCodec.encodeCompleted(completedEvent({ requestId })), headers, deliveries: 1, ack() {}, nak() {} };
}

function memorySink(): RecordSink & { got: RelayMessage[] } {
  const got: RelayMessage[] = [];
  return { got, async send(messages) { got.push(...messages); }, async close() {} };
}

const traceIdOf = (traceparent: string | undefined): string | undefined => traceparent?.split('-')[1];
const spanIdOf = (traceparent: string | undefined): string | undefined => traceparent?.split('-')[2];

describe('trace context through accounting and the outbox relay', () => {
  let db: PGlite;
  let store: Store;
  before(async () => {
    db = new PGlite();
    await db.waitReady;
    const sql = await createPgliteExecutor({ deps: { db }, options: { schema: 'trace1' } });
    store = createSqlStore({ deps: { sql, encoders: avroEncoders } });
    await store.migrate();
  });
  after(() => db.close());

  async function recordAndRelay(msgs: DurableMessage[]): Promise<RelayMessage[]> {
    const batcher = createCompletedBatcher({ deps: { store, logger, afterRecord: async () => {} }, options: { maxBatch: msgs.length, maxDelayMs: 5 } });
    await Promise.all(msgs.map((m) => batcher.handle(m)));
    const sink = memorySink();
    const relay = createOutboxRelay({ deps: { store, sink }, options: { shards: 1 } });
    while ((await relay.passOnce()) > 0);
    return sink.got;
  }

  test('trace - accounting.record continues the event\'s traceparent; its outbox rows go to Kafka with a traceparent of the same trace', async () => {
    spans.reset();
    const got = await recordAndRelay([message('traced-1', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate: 'v=1' })]);
    const finished = spans.getFinishedSpans();
    const record = finished.find((s) => s.name === 'accounting.record');
    assert.ok(record, `spans: ${finished.map((s) => s.name).join(', ')}`);
    assert.equal(record.kind, SpanKind.CONSUMER);
    assert.equal(record.spanContext().traceId, TRACE_ID);
    assert.equal(record.parentSpanContext?.spanId, PARENT_ID);
    assert.equal(record.attributes['gateway.request_id'], 'traced-1');

    const mine = got.filter((m) => m.headers['idempotency-key'] === 'traced-1');
    assert.deepEqual(mine.map((m) => m.topic).sort(), ['ai-gateway.audit.v1', 'ai-gateway.billing.v1']);
    for (const m of mine) {
      assert.equal(traceIdOf(m.headers['traceparent']), TRACE_ID, `${m.topic} carries the request's trace id`);
      const produce = finished.find((s) => s.name === `publish ${m.topic}`);
      assert.ok(produce, `a producer span for ${m.topic}`);
      assert.equal(produce.kind, SpanKind.PRODUCER);
      assert.equal(produce.spanContext().traceId, TRACE_ID);
      assert.equal(produce.parentSpanContext?.spanId, record.spanContext().spanId, 'the relay span hangs off accounting.record');
      assert.equal(spanIdOf(m.headers['traceparent']), produce.spanContext().spanId, 'the record header continues the producer span');
    }
  });

  test('trace - an event without (or with an invalid) traceparent leaves no span and no traceparent header', async () => {
    spans.reset();
    const got = await recordAndRelay([message('untraced-1', {}), message('untraced-2', { traceparent: 'garbage' })]);
    assert.equal(spans.getFinishedSpans().length, 0);
    const mine = got.filter((m) => m.headers['idempotency-key']?.startsWith('untraced-'));
    assert.equal(mine.length, 4);
    for (const m of mine) assert.equal(m.headers['traceparent'], undefined);
  });

  test('trace - the outbox row keeps the traceparent through a failed batch retried one by one', async () => {
    spans.reset();
    const failing: Store = { ...store, recordCompletedBatch: async (events) => (events.length > 1 ? Promise.reject(new Error('batch failed')) : store.recordCompletedBatch(events)) };
    const batcher = createCompletedBatcher({ deps: { store: failing, logger, afterRecord: async () => {} }, options: { maxBatch: 2, maxDelayMs: 5 } });
    const tp = `00-${TRACE_ID}-${PARENT_ID}-01`;
    await Promise.all([batcher.handle(message('retried-1', { traceparent: tp })), batcher.handle(message('retried-2', {}))]);
    const rows = await store.pendingOutbox(1000);
    assert.ok(rows.some((r) => r.idempotencyKey === 'billing:retried-1'));
    const sink = memorySink();
    const relay = createOutboxRelay({ deps: { store, sink }, options: { shards: 1 } });
    while ((await relay.passOnce()) > 0);
    const one = sink.got.find((m) => m.headers['idempotency-key'] === 'retried-1');
    const two = sink.got.find((m) => m.headers['idempotency-key'] === 'retried-2');
    assert.equal(traceIdOf(one?.headers['traceparent']), TRACE_ID);
    assert.equal(two?.headers['traceparent'], undefined);
  });
});
