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
