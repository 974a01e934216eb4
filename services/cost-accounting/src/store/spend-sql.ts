// Completed-event records: billing record, Kafka key and clamping of bad numbers (the batch writer is
// spend-batch-sql.ts); and the audit chain verifier.
import { CLIENT_REQUEST_ID_METADATA, avroCodec, type AuditRecord, type BillingRecord, type CompletedEvent } from '@ai-gateway/kit';
import { auditHash, type ChainVerdict } from './audit.ts';
import { GENESIS_HASH } from './migrations.ts';
import { num, str, strOrNull, type OutboxEncoding, type SqlRunner } from './sql.ts';

export const BILLING_TOPIC = 'ai-gateway.billing.v1';
export const AUDIT_TOPIC = 'ai-gateway.audit.v1';

export interface RecordEncoders {
  billing(record: BillingRecord): Uint8Array;
  audit(record: AuditRecord): Uint8Array;
}

export const jsonEncoders: RecordEncoders = {
  billing: (r) => new TextEncoder().encode(JSON.stringify(r)),
  audit: (r) => new TextEncoder().encode(JSON.stringify(r)),
};

/** What the relay sends to Kafka, stored as is: Avro is a third of the JSON's size to write and to relay. */
export const avroEncoders: RecordEncoders = {
  billing: (r) => avroCodec.encodeBilling(r),
  audit: (r) => avroCodec.encodeAudit(r),
};

/** The outbox encoders by the name that crosses a thread (functions cannot). */
const NAMED_ENCODERS = { avro: avroEncoders, json: jsonEncoders } as const;

/** The encoders an OutboxEncoding names. */
export function outboxEncoders(name: OutboxEncoding): RecordEncoders | null {
  return name === null ? null : NAMED_ENCODERS[name];
}

/** The name of `enc` (null: no outbox rows); undefined for encoders that have none (a test's own). */
export function outboxEncodingOf(enc: RecordEncoders | null): OutboxEncoding | undefined {
  if (enc === null) return null;
  return (Object.keys(NAMED_ENCODERS) as (keyof typeof NAMED_ENCODERS)[]).find((name) => NAMED_ENCODERS[name] === enc);
}

// An Avro record on these topics starts with a string length or a positive long: its first byte is an even
// zig-zag varint or has the continuation bit, never '{' (0x7b), so a JSON payload is unambiguous.
export const isJsonPayload = (b: Uint8Array): boolean => b.length > 0 && b[0] === 0x7b;

/**
 * `recorded`: written now (false: recorded before, a redelivery, or a repeat within the batch). Only this flag: the
 * records themselves stay in the store (spend log, audit chain, outbox), and with a database on another thread
 * each result crosses back to the request loop.
 */
export interface RecordResult {
  recorded: boolean;
}

export function billingRecordOf(e: CompletedEvent): BillingRecord {
  return {
    requestId: e.requestId, occurredAtMs: e.finishedAtMs, keyId: e.tenant.keyId, teamId: e.tenant.teamId,
    userId: e.tenant.userId, projectId: e.tenant.projectId, requestedModel: e.requestedModel, modelGroup: e.modelGroup,
    deploymentId: e.deploymentId, provider: e.provider, outcome: e.outcome, promptTokens: e.usage.promptTokens,
    completionTokens: e.usage.completionTokens, cachedTokens: e.usage.cachedTokens, costUsd: e.costUsd,
    savedUsd: e.savedUsd, cacheStatus: e.cacheStatus, latencyMs: e.latencyMs, clientRequestId: e.metadata[CLIENT_REQUEST_ID_METADATA] ?? null,
  };
}

/** Kafka message key: one tenant's records stay in order on one partition. */
export const tenantKey = (e: Pick<CompletedEvent, 'tenant'>): string => e.tenant.keyId ?? e.tenant.teamId ?? e.tenant.userId ?? 'anonymous';

const count = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), 2_000_000_000) : 0);
const usd = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);
const when = (n: number, fallback: number): number => (Number.isFinite(n) && n > 0 ? Math.round(n) : fallback);

/** Clamps numbers a buggy producer may send (NaN, negatives, fractions) so a bad event cannot poison counters. */
export function sanitizeCompleted(e: CompletedEvent, nowMs: number): CompletedEvent {
  const finished = when(e.finishedAtMs, nowMs);
  return {
    ...e,
    usage: { promptTokens: count(e.usage.promptTokens), completionTokens: count(e.usage.completionTokens), cachedTokens: count(e.usage.cachedTokens), totalTokens: count(e.usage.totalTokens) },
    costUsd: usd(e.costUsd),
    savedUsd: usd(e.savedUsd),
    receivedAtMs: when(e.receivedAtMs, finished),
    finishedAtMs: finished,
    latencyMs: count(e.latencyMs),
    ttftMs: e.ttftMs === null ? null : count(e.ttftMs),
    attempts: count(e.attempts),
    httpStatus: count(e.httpStatus),
  };
}

function auditRowToRecord(r: Record<string, unknown>): AuditRecord {
  return {
    seq: num(r, 'seq'), requestId: str(r, 'request_id'), occurredAtMs: num(r, 'occurred_at_ms'), keyId: strOrNull(r, 'key_id'),
    teamId: strOrNull(r, 'team_id'), userId: strOrNull(r, 'user_id'), action: str(r, 'action'), model: str(r, 'model'),
    outcome: str(r, 'outcome') as AuditRecord['outcome'], verdicts: r['verdicts'] as AuditRecord['verdicts'],
    promptDigest: strOrNull(r, 'prompt_digest'), prevHash: str(r, 'prev_hash'), hash: str(r, 'hash'),
  };
}

/** Walks the chain in seq order (pages of 1000); reports the first seq whose link is missing or wrong. */
export async function verifyAuditChainSql(sql: SqlRunner): Promise<ChainVerdict> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for (;;) {
    const rows = await sql.query('SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 1000', [expectedSeq]);
    for (const row of rows) {
      const rec = auditRowToRecord(row);
      const fail = (reason: string): ChainVerdict => ({ ok: false, count: expectedSeq - 1, firstBrokenSeq: expectedSeq, reason });
      if (rec.seq !== expectedSeq) return fail(`seq ${expectedSeq} is missing (next is ${rec.seq})`);
      if (rec.prevHash !== prevHash) return fail(`prev_hash of seq ${rec.seq} does not match the hash of seq ${rec.seq - 1}`);
      const { hash, ...body } = rec;
      if (auditHash(body) !== hash) return fail(`hash of seq ${rec.seq} does not match its content`);
      prevHash = hash;
      expectedSeq++;
    }
    if (rows.length < 1000) break;
  }
  const head = (await sql.query('SELECT seq, hash FROM audit_head WHERE id = 1'))[0];
  if (head && (num(head, 'seq') !== expectedSeq - 1 || str(head, 'hash') !== prevHash)) {
    return { ok: false, count: expectedSeq - 1, firstBrokenSeq: expectedSeq, reason: `rows after seq ${expectedSeq - 1} are missing (head is at ${num(head, 'seq')})` };
  }
  return { ok: true, count: expectedSeq - 1, headHash: prevHash };
}
