// createSqlStore: the Store over any SQL executor (PGlite or PostgreSQL run the same SQL).
import type { CompletedEvent } from '@ai-gateway/kit';
import type { SqlExecutor } from './sql.ts';
import { num, str, strOrNull } from './sql.ts';
import type { Store } from './port.ts';
import { migrate } from './migrations.ts';
import { listBudgetRows, readBudgetRow, rollDueBudgets, upsertLimits } from './budgets-sql.ts';
import { createSqlAuthority } from './holds-sql.ts';
import { jsonEncoders, outboxEncodingOf, verifyAuditChainSql, type RecordEncoders, type RecordResult } from './spend-sql.ts';
import { recordCompletedBatchTx } from './spend-batch-sql.ts';
import { outboxBacklogSql, pendingOutboxSql, publishOutboxShard } from './outbox-sql.ts';
import { selectSpendLogs, selectSpendTotals } from './reports-sql.ts';
import { insertKey, insertTeam, insertTeamMember, insertUser, selectKeyByHash, selectTeamMembers } from './tenants-sql.ts';

/**
 * Deletes up to $2 rows of `table` whose `column` is before $1 (rows named by `key`) and answers how many. A LIMIT'ed
 * sub-select, so one statement never holds a long transaction; SKIP LOCKED lets replicas share the work.
 */
const pruneSql = (table: string, key: string, column: string): string => `WITH gone AS (DELETE FROM ${table} WHERE ${key} IN (
    SELECT ${key} FROM ${table} WHERE ${column} < $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;
// No index serves finished_at alone (one more index per spend row would cost every request): rows are appended in
// time order and never updated, so the old ones are found at the start of the table.
const PRUNE_SPEND_LOGS = pruneSql('spend_logs', 'request_id', 'finished_at');
/** published_at is null while pending: never before anything, so pending rows are never pruned. */
const PRUNE_PUBLISHED_OUTBOX = pruneSql('outbox', 'id', 'published_at');

const RETRIABLE_SQLSTATES = new Set(['40P01', '40001']); // deadlock detected, serialization failure

function isRetriable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRIABLE_SQLSTATES.has(code);
}

async function withRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isRetriable(err)) throw err;
      await new Promise((r) => setTimeout(r, 2 * i + Math.random() * 5));
    }
  }
}

/** `encoders` null: recorded events get no outbox rows (nothing relays them). Default: JSON payloads. */
export function createSqlStore(input: { deps: { sql: SqlExecutor; encoders?: RecordEncoders | null; now?: () => number } }): Store {
  const { sql } = input.deps;
  const enc = input.deps.encoders === undefined ? jsonEncoders : input.deps.encoders;
  const now = input.deps.now ?? Date.now;
  const encoding = outboxEncodingOf(enc);
  const prune = async (text: string, beforeMs: number, limit: number): Promise<number> => {
    const rows = await sql.query(text, [new Date(beforeMs), limit]);
    return rows[0] ? num(rows[0], 'n') : 0;
  };
  const onThread = sql.recordCompletedBatch?.bind(sql);
  const recordBatch = async (events: readonly CompletedEvent[], nowMs: number): Promise<RecordResult[]> => {
    if (events.length === 0) return [];
    if (onThread && encoding !== undefined) return withRetry(() => onThread(events, nowMs, encoding));
    return withRetry(() => sql.transaction((tx) => recordCompletedBatchTx(tx, events, nowMs, enc)));
  };
  return {
    dialect: sql.dialect,
    migrate: () => migrate(sql),

    createTeam: (t) => insertTeam(sql, t),
    createUser: (u) => insertUser(sql, u),
    addTeamMember: (teamId, userId, role = 'user') => insertTeamMember(sql, teamId, userId, role),
    teamMembers: (teamId) => selectTeamMembers(sql, teamId),
    createKey: (k) => insertKey(sql, k),
    findKeyByHash: (h) => selectKeyByHash(sql, h),

    setLimits: (scope, limits, nowMs = now()) => upsertLimits(sql, scope, limits, nowMs),
    getBudget: (scope) => readBudgetRow(sql, scope),
    listBudgets: () => listBudgetRows(sql),
    rollDueBudgets: (nowMs = now()) => withRetry(() => sql.transaction((tx) => rollDueBudgets(tx, nowMs))),

    authority(options) {
      const inner = createSqlAuthority({ deps: { sql }, options: options ?? {} });
      return {
        acquire: (hold, nowMs) => withRetry(() => inner.acquire(hold, nowMs)),
        settle: (id, actual, nowMs) => withRetry(() => inner.settle(id, actual, nowMs)),
        release: (id, nowMs) => withRetry(() => inner.release(id, nowMs)),
        expire: (nowMs) => withRetry(() => inner.expire(nowMs)),
      };
    },
    async reservationCount() {
      const rows = await sql.query('SELECT count(*)::int AS n FROM reservations');
      return rows[0] ? num(rows[0], 'n') : 0;
    },

    // One code path: a single event is a batch of one.
    recordCompleted: async (event, nowMs = now()) => (await recordBatch([event], nowMs))[0] ?? { recorded: false },
    recordCompletedBatch: (events, nowMs = now()) => recordBatch(events, nowMs),
    async getSpendLog(requestId) {
      const r = (await sql.query('SELECT * FROM spend_logs WHERE request_id = $1', [requestId]))[0];
      if (!r) return null;
      return {
        requestId: str(r, 'request_id'), keyId: strOrNull(r, 'key_id'), teamId: strOrNull(r, 'team_id'), userId: strOrNull(r, 'user_id'),
        model: str(r, 'requested_model'), costUsd: num(r, 'cost_usd'), totalTokens: num(r, 'total_tokens'),
        cacheStatus: str(r, 'cache_status'), outcome: str(r, 'outcome'),
      };
    },

    pendingOutbox: (limit) => pendingOutboxSql(sql, limit),
    async markPublished(ids, nowMs = now()) {
      if (ids.length === 0) return;
      await sql.query('UPDATE outbox SET published_at = $2 WHERE id = ANY($1::bigint[]) AND published_at IS NULL', [ids, new Date(nowMs)]);
    },
    publishOutbox: (claim, publish) => publishOutboxShard(sql, claim, publish, now),
    outboxBacklog: () => outboxBacklogSql(sql),
    querySpendLogs: (filter) => selectSpendLogs(sql, filter),
    spendTotals: (range) => selectSpendTotals(sql, range),

    verifyAuditChain: () => verifyAuditChainSql(sql),
    pruneSpendLogs: (beforeMs, limit) => prune(PRUNE_SPEND_LOGS, beforeMs, limit),
    prunePublishedOutbox: (beforeMs, limit) => prune(PRUNE_PUBLISHED_OUTBOX, beforeMs, limit),
    async reclaimSpace() {
      // Postgres' autovacuum does this; PGlite (single user, no background workers) needs it asked.
      if (sql.dialect === 'pglite') await sql.exec('VACUUM spend_logs, outbox');
    },
    close: () => sql.close(),
  };
}
