// Billing and audit reach Kafka at least once: the outbox relay runs as a child process, is killed with SIGKILL in
// the middle of a burst and restarted; a Kafka consumer must then see every record of both topics, duplicates only
// under the same idempotency key, each tenant on one partition and in order. Needs DATABASE_URL and KAFKA_BROKERS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import type { Consumer } from 'kafkajs';
import { avroCodec, schemaFingerprint, type CompletedEvent } from '@ai-gateway/kit';
import { AUDIT_TOPIC, BILLING_TOPIC, createPostgresExecutor, createSqlStore, type Store } from '@ai-gateway/cost-accounting';
import { dropSchema, MASTER_KEY, MODES } from '../support/gateway.ts';
import { BROKERS, DATABASE_URL, kafkaUp, startKafkaGateway, startRecordConsumer, until } from '../support/kafka.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const RELAY = resolve(ROOT, 'services/cost-accounting/src/relay/main.ts');
const N = Number(process.env['BILLING_KILL_N'] ?? 2_000);
const TENANTS = 24;

function event(runId: string, i: number): CompletedEvent {
  const t = i % TENANTS;
  const now = Date.now();
  return {
    requestId: `${runId}-${i}`, tenant: { keyId: `${runId}-key-${t}`, keyAlias: null, teamId: `${runId}-team-${t % 6}`, userId: null, projectId: null },
    callType: 'chat', inboundApi: 'openai', stream: false, requestedModel: 'gpt-4o', modelGroup: 'gpt-4o', deploymentId: 'd1', provider: 'openai',
    providerModel: 'gpt-4o', outcome: 'success', httpStatus: 200, errorCode: null,
    usage: { promptTokens: 10 + (i % 7), completionTokens: 5, cachedTokens: 0, totalTokens: 15 + (i % 7) }, usageEstimated: false,
    costUsd: 0.0001, receivedAtMs: now - 5, finishedAtMs: now, latencyMs: 5, ttftMs: null, attempts: 1, fallbacks: [], cacheStatus: 'miss',
    cacheSimilarity: null, savedUsd: 0, verdicts: [], promptDigest: `sha256:${i}`, response: null, metadata: {},
  };
}

interface Seen {
  topic: string;
  partition: number;
  key: string;
  idempotencyKey: string;
  fingerprint: string;
  requestId: string;
  seq: number | null;
  /** Billing records: the client's own x-request-id. */
  clientRequestId: string | null;
}

function startRelay(schema: string, onLine: (e: { event: string; total?: number }) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', RELAY], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL, KAFKA_BROKERS: BROKERS.join(','), RELAY_DB_SCHEMA: schema, RELAY_BATCH_SIZE: '40', RELAY_SHARDS: '4' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      onLine(JSON.parse(line) as { event: string; total?: number });
    } catch {
      /* not ours */
    }
  });
  child.stderr!.resume();
  return child;
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

/**
 * The records of this run, with partition, key and headers: by default those whose request ids start with `runId-`;
 * `ours` decides instead (requests through a gateway get the gateway's ids, known only once answered).
 */
function startConsumer(runId: string, seen: Seen[], ours: (requestId: string) => boolean = (id) => id.startsWith(`${runId}-`)): Promise<Consumer> {
  return startRecordConsumer(`billing-e2e-${runId}`, ({ topic, partition, message, header }) => {
    const value = message.value ?? Buffer.alloc(0);
    const fp = header('schema-fingerprint') ?? '';
    const rec = topic === BILLING_TOPIC ? { ...avroCodec.decodeBilling(value, fp), seq: null } : { ...avroCodec.decodeAudit(value, fp), clientRequestId: null };
    if (!ours(rec.requestId)) return;
    seen.push({ topic, partition, key: message.key?.toString() ?? '', idempotencyKey: header('idempotency-key') ?? '', fingerprint: fp, requestId: rec.requestId, seq: rec.seq, clientRequestId: rec.clientRequestId });
  });
}

test('billing kafka - relay SIGKILLed mid-burst and restarted: consumer sees every billing and audit record, duplicates only under the same idempotency key', { timeout: 240_000 }, async (t) => {
  if (!DATABASE_URL) return t.skip('DATABASE_URL is not set');
  if (!(await kafkaUp())) return t.skip(`Kafka at ${BROKERS.join(',')} is not reachable or lacks the topics`);
  const runId = `bk${Date.now().toString(36)}${process.pid}`;
  const schema = `billing_e2e_${runId}`;
  const sql = await createPostgresExecutor({ options: { connectionString: DATABASE_URL, schema, maxConnections: 8 } });
  const store: Store = createSqlStore({ deps: { sql } });
  const seen: Seen[] = [];
  let consumer: Consumer | null = null;
  const children: ChildProcess[] = [];
  try {
    await store.migrate();
    consumer = await startConsumer(runId, seen);

    let firstTotal = 0;
    let firstReady = false;
    const first = startRelay(schema, (e) => {
      if (e.event === 'ready') firstReady = true;
      if (e.event === 'published' && typeof e.total === 'number') firstTotal = e.total;
    });
    children.push(first);
    await until('relay ready', () => firstReady, 30_000);

    // The burst: 8 concurrent writers; the relay is killed once it has relayed about a fifth of the records.
    let written = 0;
    let killedAt: { published: number; written: number } | null = null;
    const writer = async (w: number) => {
      for (let i = w; i < N; i += 8) {
        await store.recordCompleted(event(runId, i));
        written++;
        if (!killedAt && firstTotal >= (2 * N) / 5) {
          killedAt = { published: firstTotal, written };
          first.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    if (!killedAt) {
      killedAt = { published: firstTotal, written };
      first.kill('SIGKILL');
    }
    await exited(first);
    assert.equal(first.signalCode, 'SIGKILL');
    const kill = killedAt as { published: number; written: number };
    const pendingAfterKill = (await store.outboxBacklog()).pending;

    const t0 = Date.now();
    let secondTotal = 0;
    let readyMs = 0;
    const second = startRelay(schema, (e) => {
      if (e.event === 'ready') readyMs = Date.now() - t0;
      if (e.event === 'published' && typeof e.total === 'number') secondTotal = e.total;
    });
    children.push(second);
    await until('outbox drained', async () => (await store.outboxBacklog()).pending === 0, 120_000);
    const drainedMs = Date.now() - t0;
    const unique = () => new Set(seen.map((s) => `${s.topic}|${s.requestId}`)).size;
    await until('consumer saw every record', () => unique() >= 2 * N, 60_000);
    const drainMs = Date.now() - t0;

    // Every request on both topics.
    for (const topic of [BILLING_TOPIC, AUDIT_TOPIC]) {
      const ids = new Set(seen.filter((s) => s.topic === topic).map((s) => s.requestId));
      assert.equal(ids.size, N, `${topic}: ${ids.size} of ${N}`);
    }
    // Duplicates only under the same idempotency key (the request id), and every message carries the fingerprint.
    const copies = new Map<string, number>();
    for (const s of seen) {
      assert.equal(s.idempotencyKey, s.requestId);
      assert.equal(s.fingerprint, schemaFingerprint(s.topic === BILLING_TOPIC ? 'BillingRecord' : 'AuditRecord'));
      const k = `${s.topic}|${s.idempotencyKey}`;
      copies.set(k, (copies.get(k) ?? 0) + 1);
    }
    const duplicates = seen.length - copies.size;
    // One tenant, one partition, in order: audit seq of first deliveries rises per key.
    const partitionOf = new Map<string, number>();
    const lastSeq = new Map<string, number>();
    const firstSeen = new Set<string>();
    for (const s of seen) {
      const pk = `${s.topic}|${s.key}`;
      assert.equal(partitionOf.get(pk) ?? s.partition, s.partition, `${pk} stays on one partition`);
      partitionOf.set(pk, s.partition);
      if (s.seq === null || firstSeen.has(s.requestId)) continue;
      firstSeen.add(s.requestId);
      assert.ok(s.seq > (lastSeq.get(s.key) ?? 0), `tenant ${s.key} in order at seq ${s.seq}`);
      lastSeq.set(s.key, s.seq);
    }
    assert.equal((await store.verifyAuditChain()).ok, true);
    const figures = { records: 2 * N, relayedBeforeKill: kill.published, writtenAtKill: kill.written, pendingAfterKill, relayedAfterRestart: secondTotal, delivered: seen.length, duplicates, restartReadyMs: readyMs, outboxDrainedMs: drainedMs, consumerCompleteMs: drainMs };
    t.diagnostic(`kill test: ${JSON.stringify(figures)}`);
    assert.ok(kill.published > 0 && kill.published < 2 * N, `the kill landed mid-burst (${kill.published} of ${2 * N} relayed)`);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await consumer?.disconnect().catch(() => {});
    await store.close();
    await dropSchema(schema);
  }
});

for (const mode of MODES) {
  test(`billing kafka - ${mode}: with kafka_brokers set, each request's billing and audit records reach Kafka and the spend reports show it`, { timeout: 90_000 }, async (t) => {
    if (!(await kafkaUp())) return t.skip('Kafka is not reachable');
    if (mode === 'distributed' && !DATABASE_URL) return t.skip('DATABASE_URL is not set');
    const runId = `bm${mode[0]}${Date.now().toString(36)}${process.pid}`;
    const schema = `billing_mode_${runId}`;
    const seen: Seen[] = [];
    const ids: string[] = [];
    // The records arrive after their requests are answered (and their ids known): accounting, then the outbox relay.
    const consumer = await startConsumer(runId, seen, (id) => ids.includes(id));
    const { gw, close } = await startKafkaGateway(mode, schema);
    try {
      const auth = { authorization: `Bearer ${MASTER_KEY}` };
      // The clients' own ids are echoed; the records are keyed by the gateway's (x-gateway-request-id).
      const clientIds = [0, 1, 2].map((i) => `${runId}-req-${i}`);
      for (const clientId of clientIds) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'x-request-id': clientId },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'bill me' }] }),
        });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-request-id'), clientId);
        ids.push(res.headers.get('x-gateway-request-id') ?? '');
        await res.arrayBuffer();
      }
      const got = () => new Set(seen.map((s) => `${s.topic}|${s.requestId}`));
      await until('billing and audit records on Kafka', () => ids.every((id) => got().has(`${BILLING_TOPIC}|${id}`) && got().has(`${AUDIT_TOPIC}|${id}`)), 30_000);
      for (const s of seen) assert.equal(s.idempotencyKey, s.requestId);
      for (const [i, id] of ids.entries()) {
        assert.equal(seen.find((s) => s.topic === BILLING_TOPIC && s.requestId === id)?.clientRequestId, clientIds[i], 'the billing record keeps the client id');
      }

      const day = new Date().toISOString().slice(0, 10);
      for (const asked of [ids[0], clientIds[0]]) {
        const logs = await fetch(`${gw.url}/spend/logs?request_id=${asked}`, { headers: auth });
        assert.equal(logs.status, 200);
        const rows = (await logs.json()) as { request_id: string; metadata: { client_request_id: string | null } }[];
        assert.deepEqual(rows.map((r) => [r.request_id, r.metadata.client_request_id]), [[ids[0], clientIds[0]]], 'found by either id');
      }
      const report = await fetch(`${gw.url}/global/spend/report?start_date=${day}&end_date=${day}&group_by=model`, { headers: auth });
      assert.equal(report.status, 200);
      const byModel = (await report.json()) as { model: string; total_requests: number }[];
      assert.equal(byModel.find((m) => m.model === 'gpt-4o')?.total_requests, 3);
      const savings = await fetch(`${gw.url}/global/spend/savings?start_date=${day}&end_date=${day}`, { headers: auth });
      assert.equal(((await savings.json()) as { totals: { requests: number } }).totals.requests, 3);
      assert.equal((await fetch(`${gw.url}/global/spend/report?start_date=${day}&end_date=${day}`)).status, 401);
    } finally {
      await consumer.disconnect().catch(() => {});
      await close();
    }
  });
}
