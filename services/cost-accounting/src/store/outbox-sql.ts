// Outbox claims for relays: one shard (hash of the message key) at a time under an advisory lock, so several
// relays share the work while each tenant's rows leave in order; a crashed relay's claim ends with its session.
import type { OutboxRow } from './port.ts';
import { bytes, ms, num, str, strOrNull, type SqlExecutor, type SqlRunner } from './sql.ts';

/** Advisory lock class for outbox shards (two-int form, apart from the migration lock). */
const SHARD_LOCK_CLASS = 7263542;

export interface OutboxClaim {
  /** Rows per batch at most. */
  limit: number;
  /** This batch's shard, 0 ≤ shard < shards. */
  shard: number;
  /** Number of shards; every relay must use the same value. */
  shards: number;
}

export interface OutboxBacklog {
  pending: number;
  oldestCreatedAtMs: number | null;
}

const ROW_COLUMNS = 'id::text AS id, topic, msg_key, payload, idempotency_key, created_at, traceparent, schema_fingerprint';

/** The oldest pending rows, all shards. */
export async function pendingOutboxSql(sql: SqlRunner, limit: number): Promise<OutboxRow[]> {
  return (await sql.query(`SELECT ${ROW_COLUMNS} FROM outbox WHERE published_at IS NULL ORDER BY outbox.id LIMIT $1`, [limit])).map(toRow);
}

const SELECT_SHARD = `SELECT ${ROW_COLUMNS} FROM outbox
  WHERE published_at IS NULL AND mod(abs(hashtext(msg_key)::bigint), $2) = $3
  ORDER BY outbox.id LIMIT $1`;

/** An outbox row as selected by SELECT_SHARD or pendingOutboxSql. */
export function toRow(r: Record<string, unknown>): OutboxRow {
  return { id: str(r, 'id'), topic: str(r, 'topic'), key: str(r, 'msg_key'), payload: bytes(r, 'payload'),
    idempotencyKey: str(r, 'idempotency_key'), createdAtMs: ms(r, 'created_at'), traceparent: strOrNull(r, 'traceparent'),
    schemaFingerprint: strOrNull(r, 'schema_fingerprint') };
}

async function markRows(q: SqlRunner, ids: readonly string[], nowMs: number): Promise<void> {
  if (ids.length > 0) await q.query('UPDATE outbox SET published_at = $2 WHERE id = ANY($1::bigint[]) AND published_at IS NULL', [ids, new Date(nowMs)]);
}

/**
 * Hands the shard's oldest pending rows to `publish` and marks them published once it resolves.
 * PostgreSQL: inside one transaction holding the shard's advisory lock (another relay skips the shard; a
 * relay that dies mid-batch loses the lock with its connection and the rows stay pending). PGlite is one
 * process, so no lock is needed and no transaction is held while publishing (that would stall writers).
 * Returns rows published, or null when another relay holds the shard.
 */
export async function publishOutboxShard(sql: SqlExecutor, claim: OutboxClaim, publish: (rows: readonly OutboxRow[]) => Promise<void>, now: () => number): Promise<number | null> {
  const params = [claim.limit, claim.shards, claim.shard];
  if (sql.dialect === 'pglite') {
    const rows = (await sql.query(SELECT_SHARD, params)).map(toRow);
    if (rows.length === 0) return 0;
    await publish(rows);
    await markRows(sql, rows.map((r) => r.id), now());
    return rows.length;
  }
  return sql.transaction(async (tx) => {
    const lock = (await tx.query('SELECT pg_try_advisory_xact_lock($1, $2) AS ok', [SHARD_LOCK_CLASS, claim.shard]))[0];
    if (lock?.['ok'] !== true) return null;
    const rows = (await tx.query(`${SELECT_SHARD} FOR UPDATE SKIP LOCKED`, params)).map(toRow);
    if (rows.length === 0) return 0;
    await publish(rows);
    await markRows(tx, rows.map((r) => r.id), now());
    return rows.length;
  });
}

export async function outboxBacklogSql(sql: SqlRunner): Promise<OutboxBacklog> {
  const r = (await sql.query('SELECT count(*)::int AS n, min(created_at) AS oldest FROM outbox WHERE published_at IS NULL'))[0];
  if (!r) return { pending: 0, oldestCreatedAtMs: null };
  const oldest = r['oldest'];
  return { pending: num(r, 'n'), oldestCreatedAtMs: oldest === null || oldest === undefined ? null : ms(r, 'oldest') };
}
