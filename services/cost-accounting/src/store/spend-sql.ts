// recordCompleted: spend log + budget counters + billing/audit outbox rows + audit chain link, in ONE
// transaction, idempotent on request id; and the audit chain verifier.
import type { AuditRecord, BillingRecord, CompletedEvent } from '@ai-gateway/kit';
import { scopesOf } from '../domain/ledger.ts';
import { auditHash, type ChainVerdict } from './audit.ts';
import { rollDueBudgets } from './budgets-sql.ts';
import { dropHoldSql, lockOrder } from './holds-sql.ts';
import { GENESIS_HASH } from './migrations.ts';
import { num, str, strOrNull, type SqlRunner } from './sql.ts';

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

export type RecordResult = { recorded: true; billing: BillingRecord; audit: AuditRecord } | { recorded: false };

export function billingRecordOf(e: CompletedEvent): BillingRecord {
  return {
    requestId: e.requestId, occurredAtMs: e.finishedAtMs, keyId: e.tenant.keyId, teamId: e.tenant.teamId,
    userId: e.tenant.userId, projectId: e.tenant.projectId, requestedModel: e.requestedModel, modelGroup: e.modelGroup,
    deploymentId: e.deploymentId, provider: e.provider, outcome: e.outcome, promptTokens: e.usage.promptTokens,
    completionTokens: e.usage.completionTokens, cachedTokens: e.usage.cachedTokens, costUsd: e.costUsd,
    savedUsd: e.savedUsd, cacheStatus: e.cacheStatus, latencyMs: e.latencyMs,
  };
}

/** Kafka message key: one tenant's records stay in order on one partition. */
export const tenantKey = (e: Pick<CompletedEvent, 'tenant'>): string => e.tenant.keyId ?? e.tenant.teamId ?? e.tenant.userId ?? 'anonymous';

async function insertSpendLog(tx: SqlRunner, e: CompletedEvent): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO spend_logs (request_id, key_id, team_id, user_id, project_id, requested_model, model_group, deployment_id,
       provider, provider_model, prompt_tokens, completion_tokens, cached_tokens, total_tokens, usage_estimated, cost_usd,
       saved_usd, cache_status, outcome, http_status, error_code, latency_ms, ttft_ms, attempts, started_at, finished_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26)
     ON CONFLICT (request_id) DO NOTHING RETURNING 1 AS ok`,
    [e.requestId, e.tenant.keyId, e.tenant.teamId, e.tenant.userId, e.tenant.projectId, e.requestedModel, e.modelGroup,
      e.deploymentId, e.provider, e.providerModel, e.usage.promptTokens, e.usage.completionTokens, e.usage.cachedTokens,
      e.usage.totalTokens, e.usageEstimated, e.costUsd, e.savedUsd, e.cacheStatus, e.outcome, e.httpStatus, e.errorCode,
      Math.round(e.latencyMs), e.ttftMs === null ? null : Math.round(e.ttftMs), e.attempts, new Date(e.receivedAtMs), new Date(e.finishedAtMs)],
  );
  return rows.length > 0;
}

async function insertOutbox(tx: SqlRunner, topic: string, key: string, payload: Uint8Array, idempotencyKey: string): Promise<void> {
  await tx.query(
    'INSERT INTO outbox (topic, msg_key, payload, idempotency_key) VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING',
    [topic, key, payload, idempotencyKey],
  );
}

/** Appends one link to the chain; the head row lock orders concurrent appends from every replica. */
async function appendAudit(tx: SqlRunner, e: CompletedEvent): Promise<AuditRecord> {
  const head = (await tx.query('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE'))[0];
  if (!head) throw new Error('audit_head row missing: run migrations');
  const body: Omit<AuditRecord, 'hash'> = {
    seq: num(head, 'seq') + 1, requestId: e.requestId, occurredAtMs: Math.round(e.finishedAtMs), keyId: e.tenant.keyId,
    teamId: e.tenant.teamId, userId: e.tenant.userId, action: e.callType, model: e.modelGroup ?? e.requestedModel,
    outcome: e.outcome, verdicts: e.verdicts, promptDigest: e.promptDigest, prevHash: str(head, 'hash'),
  };
  const record: AuditRecord = { ...body, hash: auditHash(body) };
  await tx.query(
    `INSERT INTO audit_log (seq, request_id, occurred_at_ms, key_id, team_id, user_id, action, model, outcome, verdicts, prompt_digest, prev_hash, hash)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
    [record.seq, record.requestId, record.occurredAtMs, record.keyId, record.teamId, record.userId, record.action, record.model,
      record.outcome, JSON.stringify(record.verdicts), record.promptDigest, record.prevHash, record.hash],
  );
  await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [record.seq, record.hash]);
  return record;
}

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

export async function recordCompletedTx(tx: SqlRunner, raw: CompletedEvent, nowMs: number, enc: RecordEncoders): Promise<RecordResult> {
  const e = sanitizeCompleted(raw, nowMs);
  if (!(await insertSpendLog(tx, e))) return { recorded: false }; // redelivery: everything below was written the first time
  const scopes = lockOrder(scopesOf(e.tenant));
  await rollDueBudgets(tx, nowMs, scopes);
  // Settles the reservation made under this request id (if it is still held) with the actual usage.
  await dropHoldSql(tx, e.requestId, { costUsd: e.costUsd, tokens: e.usage.totalTokens });
  for (const ref of scopes) {
    await tx.query('UPDATE budgets SET spend = spend + $3, updated_at = now() WHERE scope = $1 AND scope_id = $2', [ref.kind, ref.id, e.costUsd]);
  }
  const billing = billingRecordOf(e);
  await insertOutbox(tx, BILLING_TOPIC, tenantKey(e), enc.billing(billing), `billing:${e.requestId}`);
  const audit = await appendAudit(tx, e);
  await insertOutbox(tx, AUDIT_TOPIC, tenantKey(e), enc.audit(audit), `audit:${e.requestId}`);
  return { recorded: true, billing, audit };
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
