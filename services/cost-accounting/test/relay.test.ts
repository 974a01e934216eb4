// Outbox relay against PGlite (and PostgreSQL when DATABASE_URL is set) with an in-memory sink.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { avroCodec, previousContracts, schemaFingerprint } from '@ai-gateway/kit';
import { avroEncoders } from '../src/store/spend-sql.ts';
import { createSqlStore } from '../src/store/store.ts';
import type { Store } from '../src/store/port.ts';
import { backoffDelay, createOutboxRelay, type RecordSink } from '../src/relay/relay.ts';
import type { RelayMessage } from '../src/relay/messages.ts';
import { completedEvent } from './fixtures.ts';
import { sharedPglite } from './pglite-harness.ts';
import { DATABASE_URL, dropSchema, openPgStore } from './pg-harness.ts';


function memorySink(): RecordSink & { got: RelayMessage[]; failNext: number } {
  const sink = {
    got: [] as RelayMessage[],
    failNext: 0,
    async send(messages: readonly RelayMessage[]) {
      if (sink.failNext > 0) {
        sink.failNext--;
        throw new Error('broker down');
      }
      sink.got.push(...messages);
    },
    async close() {},
  };
  return sink;
}

const tenants = ['k1', 'k2', 'k3', 'k4', 'k5'];
async function burst(store: Store, n: number, prefix = 'r'): Promise<void> {
  for (let i = 0; i < n; i++) {
    const keyId = tenants[i % tenants.length]!;
    await store.recordCompleted(completedEvent({ requestId: `${prefix}-${i}`, tenant: { keyId, keyAlias: null, teamId: 't1', userId: null, projectId: null } }));
  }
}

describe('outbox relay on PGlite', () => {
  const pglite = sharedPglite('relay');
  const open = async (json = false) => {
    const sql = await pglite.executor();
    const store = createSqlStore({ deps: { sql, ...(json ? {} : { encoders: avroEncoders }) } });
    await store.migrate();
    return store;
  };

  test('relay - publishes every pending row once as Avro with fingerprint and request-id headers, then marks it published', async () => {
    const store = await open();
    await burst(store, 12);
    const sink = memorySink();
    const relay = createOutboxRelay({ deps: { store, sink }, options: { batchSize: 5, shards: 3 } });
    let published = 0;
    for (let i = 0; i < 10 && published < 24; i++) published += await relay.passOnce();
    assert.equal(published, 24);
    assert.equal(sink.got.length, 24);
    assert.equal(await relay.passOnce(), 0);
    assert.deepEqual(await relay.lag(), { pending: 0, lagSeconds: 0 });
    const billing = sink.got.filter((m) => m.topic === 'ai-gateway.billing.v1');
    assert.equal(billing.length, 12);
    for (const m of billing) {
      assert.equal(m.headers['schema-fingerprint'], schemaFingerprint('BillingRecord'));
      const rec = avroCodec.decodeBilling(m.value, m.headers['schema-fingerprint']);
      assert.equal(m.headers['idempotency-key'], rec.requestId);
      assert.equal(m.key, rec.keyId);
    }
    const audit = sink.got.filter((m) => m.topic === 'ai-gateway.audit.v1').map((m) => avroCodec.decodeAudit(m.value));
    assert.deepEqual(audit.map((a) => a.seq).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1));
    await store.close();
  });

  test('relay - keeps each tenant in outbox order across shards and batches', async () => {
    const store = await open();
    await burst(store, 40);
    const sink = memorySink();
    const relay = createOutboxRelay({ deps: { store, sink }, options: { batchSize: 3, shards: 4 } });
    for (let i = 0; i < 50; i++) if ((await relay.passOnce()) === 0) break;
    const seqByKey = new Map<string, number[]>();
    for (const m of sink.got.filter((x) => x.topic === 'ai-gateway.audit.v1')) {
      const list = seqByKey.get(m.key) ?? [];
      list.push(avroCodec.decodeAudit(m.value).seq);
      seqByKey.set(m.key, list);
    }
    assert.equal(seqByKey.size, 5);
    for (const seqs of seqByKey.values()) assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    await store.close();
  });

  test('relay - transcodes JSON payloads from older writers to Avro', async () => {
    const store = await open(true);
    await burst(store, 2);
    const sink = memorySink();
    await createOutboxRelay({ deps: { store, sink }, options: { shards: 1 } }).passOnce();
    assert.equal(sink.got.length, 4);
    for (const m of sink.got) assert.equal(m.headers['content-type'], 'avro/binary');
    const b = sink.got.find((m) => m.topic === 'ai-gateway.billing.v1')!;
    assert.equal(avroCodec.decodeBilling(b.value).costUsd, 0.01);
    await store.close();
  });

  test('relay - an Avro row written under the previous schema goes out in the current one, with its fingerprint', async () => {
    const sql = await pglite.executor();
    const store = createSqlStore({ deps: { sql, encoders: avroEncoders } });
    await store.migrate();
    // What a gateway on the previous contract version left pending before an upgrade.
    const previous = previousContracts().BillingRecord;
    const old = { requestId: 'old-1', occurredAtMs: 1_795_000_000_000, keyId: 'k1', teamId: null, userId: null, projectId: null, requestedModel: 'gpt-4o',
      modelGroup: 'gpt-4o', deploymentId: 'd1', provider: 'openai', outcome: 'success', promptTokens: 10, completionTokens: 5, cachedTokens: 0,
      costUsd: 0.02, cacheStatus: 'miss', latencyMs: 120 };
    await sql.query('INSERT INTO outbox (topic, msg_key, payload, idempotency_key, schema_fingerprint) VALUES ($1, $2, $3, $4, $5)',
      ['ai-gateway.billing.v1', 'k1', previous.type.toBuffer(old), 'billing:old-1', previous.fingerprint]);
    await burst(store, 1); // and a row written now
    const sink = memorySink();
    await createOutboxRelay({ deps: { store, sink }, options: { shards: 1 } }).passOnce();
    const billing = sink.got.filter((m) => m.topic === 'ai-gateway.billing.v1');
    assert.equal(billing.length, 2);
    for (const m of billing) assert.equal(m.headers['schema-fingerprint'], schemaFingerprint('BillingRecord'), 'every record is labelled with the schema its bytes follow');
    const decoded = billing.map((m) => avroCodec.decodeBilling(m.value, m.headers['schema-fingerprint']));
    assert.deepEqual(decoded.find((d) => d.requestId === 'old-1'), { ...old, savedUsd: 0, clientRequestId: null }, 'new fields take their defaults');
    await store.close();
  });

  test('relay - a failing sink leaves rows pending, the relay backs off and publishes them once the sink recovers', async () => {
    const store = await open();
    await burst(store, 3);
    const sink = memorySink();
    sink.failNext = 3;
    const relay = createOutboxRelay({ deps: { store, sink }, options: { shards: 1, idleMs: 5, backoffMinMs: 5, backoffMaxMs: 20 } });
    relay.start();
    const deadline = Date.now() + 5_000;
    while (sink.got.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await relay.stop();
    assert.equal(sink.got.length, 6);
    assert.equal(relay.stats().failures, 3);
    assert.equal(relay.stats().consecutiveFailures, 0);
    assert.equal((await relay.lag()).pending, 0);
    await store.close();
  });

  test('relay - rows that trickle in after a small pass go out together after fillMs, not a produce call each', async () => {
    const store = await open();
    await burst(store, 1, 'first');
    const sink = memorySink();
    let batches = 0;
    const relay = createOutboxRelay({ deps: { store, sink, onBatch: () => void batches++ }, options: { shards: 1, idleMs: 5, fillMs: 1_000 } });
    relay.start();
    const waitFor = async (records: number): Promise<void> => {
      const deadline = Date.now() + 5_000;
      while (sink.got.length < records && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    await waitFor(2);
    // Ten requests recorded 20 ms apart while the relay waits for more than its first small pass.
    for (let i = 0; i < 10; i++) {
      await burst(store, 1, `trickle${i}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(22);
    await relay.stop();
    assert.equal(sink.got.length, 22);
    assert.equal(batches, 2, 'the first row alone, then the ten that arrived during the wait in one batch');
    await store.close();
  });

  test('relay - stop() returns within stopTimeoutMs while a send hangs, and the unacked rows stay pending', async () => {
    const store = await open();
    await burst(store, 2);
    let sent = 0;
    const hanging: RecordSink = { send: () => ((sent++), new Promise<void>(() => {})), close: async () => {} };
    const relay = createOutboxRelay({ deps: { store, sink: hanging }, options: { shards: 1, stopTimeoutMs: 100 } });
    relay.start();
    const deadline = Date.now() + 5_000;
    while (sent === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await relay.stop();
    assert.ok(Date.now() - t0 < 1_000);
    assert.equal((await relay.lag()).pending, 4);
    await store.close();
  });
});

test('relay - backoff doubles from the minimum and stops at the maximum', () => {
  const o = { backoffMinMs: 100, backoffMaxMs: 1_000 };
  assert.deepEqual([1, 2, 3, 4, 5, 30].map((f) => backoffDelay(f, o, () => 1)), [100, 200, 400, 800, 1_000, 1_000]);
  assert.equal(backoffDelay(1, o, () => 0), 50);
});

describe('outbox relay on PostgreSQL', { skip: DATABASE_URL ? false : 'DATABASE_URL is not set' }, () => {
  test('relay - two relays share the shards: every row published exactly once when no batch fails, tenants in order', async () => {
    const h = await openPgStore();
    try {
      await h.store.migrate();
      await burst(h.store, 200);
      const sink = memorySink();
      const a = createOutboxRelay({ deps: { store: h.store, sink }, options: { batchSize: 7, shards: 4 } });
      const b = createOutboxRelay({ deps: { store: h.store, sink }, options: { batchSize: 7, shards: 4 } });
      // A pass that finds every shard locked by the other relay publishes nothing, so "both returned 0" does
      // not mean done: run passes until the outbox is empty (bounded).
      for (let i = 0; i < 200; i++) {
        await Promise.all([a.passOnce(), b.passOnce()]);
        if ((await h.store.outboxBacklog()).pending === 0) break;
      }
      assert.equal(sink.got.length, 400);
      assert.equal(new Set(sink.got.map((m) => `${m.topic}|${m.headers['idempotency-key']}`)).size, 400);
      assert.ok(a.stats().published > 0 && b.stats().published > 0, `both relays worked (${a.stats().published}/${b.stats().published})`);
      const last = new Map<string, number>();
      for (const m of sink.got.filter((x) => x.topic === 'ai-gateway.audit.v1')) {
        const seq = avroCodec.decodeAudit(m.value);
        assert.ok(seq.seq > (last.get(m.key) ?? 0), `tenant ${m.key} in order`);
        last.set(m.key, seq.seq);
      }
    } finally {
      await h.store.close();
      await dropSchema(h.schema);
    }
  });
});
