import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avroCodec } from '@ai-gateway/kit';
import { openAccountingStore } from '../src/service/open-store.ts';
import { messageOf } from '../src/relay/messages.ts';
import { billingRecordOf } from '../src/store/spend-sql.ts';
import { completedEvent } from './fixtures.ts';

test('the opened store writes outbox payloads as the Avro records the relay publishes unchanged', async () => {
  const opened = await openAccountingStore({ dataDir: null });
  try {
    const evt = completedEvent({ requestId: 'req-avro-1' });
    const [result] = await opened.store.recordCompletedBatch([evt]);
    assert.equal(result?.recorded, true);
    const rows = await opened.store.pendingOutbox(10);
    const billing = rows.find((r) => r.topic.includes('billing'));
    const audit = rows.find((r) => r.topic.includes('audit'));
    assert.ok(billing && audit, 'one billing and one audit row');
    assert.deepEqual(avroCodec.decodeBilling(billing.payload), billingRecordOf(evt));
    const auditRecord = avroCodec.decodeAudit(audit.payload);
    assert.equal(auditRecord.requestId, 'req-avro-1');
    assert.match(auditRecord.hash, /^[0-9a-f]{64}$/);
    // Stored bytes go to Kafka as they are: no transcoding on the relay.
    const msg = messageOf(billing);
    assert.deepEqual(new Uint8Array(msg.value), billing.payload);
    assert.equal(msg.headers['content-type'], 'avro/binary');
  } finally {
    await opened.close();
  }
});

test('with the outbox off the store records spend and the audit chain but keeps no outbox rows', async () => {
  const opened = await openAccountingStore({ dataDir: null, outbox: false });
  try {
    const events = [completedEvent({ requestId: 'req-no-outbox-1', costUsd: 0.25 }), completedEvent({ requestId: 'req-no-outbox-2', costUsd: 0.5 })];
    const results = await opened.store.recordCompletedBatch(events);
    assert.deepEqual(results.map((r) => r.recorded), [true, true]);
    assert.deepEqual(await opened.store.pendingOutbox(10), []);
    const spend = await opened.sql.query('SELECT request_id, cost_usd FROM spend_logs ORDER BY request_id');
    assert.deepEqual(spend.map((r) => [r['request_id'], Number(r['cost_usd'])]), [['req-no-outbox-1', 0.25], ['req-no-outbox-2', 0.5]]);
    const chain = await opened.store.verifyAuditChain();
    assert.equal(chain.ok, true);
    assert.equal(chain.count, 2);
    // A redelivered event is still recognised (and writes nothing).
    const [again] = await opened.store.recordCompletedBatch([events[0]!]);
    assert.equal(again?.recorded, false);
  } finally {
    await opened.close();
  }
});
