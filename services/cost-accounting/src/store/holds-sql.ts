// Reservation authority on Postgres: every replica shares the counters in `budgets`; holds are rows in
// `reservations`. Admission is one conditional UPDATE per scope inside one transaction, so two replicas can
// never both take the last dollar: the row lock serialises them and the WHERE clause re-checks the limits.
import type { Hold, ReservationAuthority } from '../domain/ledger.ts';
import { admit, rollCounters, type Actual, type Denial, type ScopeKind, type ScopeRef } from '../domain/reservation.ts';
import { readBudgetRow, rollDueBudgets } from './budgets-sql.ts';
import { ms, num, strArray, type SqlExecutor, type SqlRunner } from './sql.ts';

class Denied extends Error {
  constructor(readonly denial: Denial) {
    super('denied');
  }
}

const ADMIT_SQL = `
  UPDATE budgets SET
    reserved        = reserved + $3::float8,
    in_flight       = in_flight + $4::int,
    window_requests = CASE WHEN window_start = $6::timestamptz THEN window_requests ELSE 0 END + $5::int,
    window_tokens   = CASE WHEN window_start = $6::timestamptz THEN window_tokens ELSE 0 END + $7::int,
    window_start    = $6::timestamptz,
    updated_at      = now()
  WHERE scope = $1 AND scope_id = $2
    AND (max_budget IS NULL OR (CASE WHEN $3::float8 > 0 THEN spend + reserved + $3::float8 <= max_budget + 1e-12 ELSE spend + reserved < max_budget END))
    AND (max_parallel_requests IS NULL OR in_flight + $4::int <= max_parallel_requests)
    AND (rpm_limit IS NULL OR CASE WHEN window_start = $6::timestamptz THEN window_requests ELSE 0 END + $5::int <= rpm_limit)
    AND (tpm_limit IS NULL OR CASE WHEN window_start = $6::timestamptz THEN window_tokens ELSE 0 END + $7::int <= tpm_limit)
  RETURNING 1 AS ok`;

// Drops a hold from one scope; spend is NOT touched here (see dropHoldSql).
const DROP_SQL = `
  UPDATE budgets SET
    reserved        = GREATEST(0, reserved - $3::float8),
    in_flight       = GREATEST(0, in_flight - $4::int),
    window_requests = CASE WHEN window_start = $5::timestamptz THEN GREATEST(0, window_requests - $6::int + $8::int) ELSE window_requests END,
    window_tokens   = CASE WHEN window_start = $5::timestamptz THEN GREATEST(0, window_tokens - $7::int + $9::int) ELSE window_tokens END,
    updated_at      = now()
  WHERE scope = $1 AND scope_id = $2`;

export const encodeScope = (s: ScopeRef): string => `${s.kind}:${s.id}`;
export function decodeScope(text: string): ScopeRef {
  const i = text.indexOf(':');
  return { kind: text.slice(0, i) as ScopeKind, id: text.slice(i + 1) };
}
/** Fixed lock order (sorted scope keys) so concurrent multi-scope transactions cannot deadlock. */
export const lockOrder = (scopes: readonly ScopeRef[]): ScopeRef[] => [...scopes].sort((a, b) => (encodeScope(a) < encodeScope(b) ? -1 : 1));

async function admitOne(tx: SqlRunner, ref: ScopeRef, hold: Hold, nowMs: number): Promise<Denial | null> {
  const a = hold.amount;
  const params = [ref.kind, ref.id, a.costUsd, a.parallel, a.requests, new Date(hold.heldInMinuteMs), a.tokens];
  if ((await tx.query(ADMIT_SQL, params)).length > 0) return null;
  const row = await readBudgetRow(tx, ref, true);
  if (!row) return null; // no limits configured for this scope: unlimited and untracked
  return admit(ref, row.limits, rollCounters(row.counters, row.limits, nowMs), a, nowMs) ?? {
    // The UPDATE refused but a fresh read admits: only possible on float edges; refuse conservatively.
    scope: ref.kind, id: ref.id, label: row.limits.label ?? ref.id, limit: 'budget', limitValue: row.limits.maxBudgetUsd ?? 0,
    current: row.counters.spendUsd + row.counters.reservedUsd, retryAtMs: row.counters.budgetResetAtMs,
    spendUsd: row.counters.spendUsd, reservedUsd: row.counters.reservedUsd,
  };
}

async function acquireOnce(sql: SqlExecutor, hold: Hold, nowMs: number, holder: string | null): Promise<Denial | null> {
  try {
    return await sql.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO reservations (id, scopes, cost, requests, tokens, parallel, held_minute, expires_at, holder)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING 1 AS ok`,
        [hold.id, hold.scopes.map(encodeScope), hold.amount.costUsd, hold.amount.requests, hold.amount.tokens,
          hold.amount.parallel, new Date(hold.heldInMinuteMs), new Date(hold.expiresAtMs), holder],
      );
      if (inserted.length === 0) return null; // already held: acquire is idempotent
      for (const ref of lockOrder(hold.scopes)) {
        const denial = await admitOne(tx, ref, hold, nowMs);
        if (denial) throw new Denied(denial);
      }
      return null;
    });
  } catch (err) {
    if (err instanceof Denied) return err.denial;
    throw err;
  }
}

/**
 * Removes a hold and takes it out of its scopes' counters. `actual` null = release (request and tokens
 * given back); otherwise the rate minute is corrected to actual usage. Spend is added only by
 * recordCompleted, in the same transaction as the spend log and outbox rows.
 */
export async function dropHoldSql(tx: SqlRunner, id: string, actual: Actual | null): Promise<boolean> {
  const rows = await tx.query('DELETE FROM reservations WHERE id = $1 RETURNING scopes, cost, requests, tokens, parallel, held_minute', [id]);
  const row = rows[0];
  if (!row) return false;
  await dropRowFromScopes(tx, row, actual);
  return true;
}

async function dropRowFromScopes(tx: SqlRunner, row: Record<string, unknown>, actual: Actual | null): Promise<void> {
  const requests = num(row, 'requests');
  const tokens = num(row, 'tokens');
  const usedRequests = actual ? (actual.requests ?? requests) : 0;
  const usedTokens = actual ? actual.tokens : 0;
  for (const ref of lockOrder(strArray(row, 'scopes').map(decodeScope))) {
    await tx.query(DROP_SQL, [ref.kind, ref.id, num(row, 'cost'), num(row, 'parallel'), new Date(ms(row, 'held_minute')),
      requests, tokens, usedRequests, Math.round(usedTokens)]);
  }
}

export function createSqlAuthority(input: { deps: { sql: SqlExecutor }; options?: { holder?: string } }): ReservationAuthority {
  const { sql } = input.deps;
  const holder = input.options?.holder ?? null;
  return {
    async acquire(hold, nowMs) {
      const denial = await acquireOnce(sql, hold, nowMs, holder);
      // A denial may come from a period that has ended: roll due budgets and try once more.
      if (denial?.limit === 'budget' && denial.retryAtMs !== null && denial.retryAtMs <= nowMs) {
        await rollDueBudgets(sql, nowMs, hold.scopes);
        return acquireOnce(sql, hold, nowMs, holder);
      }
      return denial;
    },
    settle: (id, actual) => sql.transaction((tx) => dropHoldSql(tx, id, actual)),
    release: (id) => sql.transaction((tx) => dropHoldSql(tx, id, null)),
    async expire(nowMs) {
      // SKIP LOCKED: replicas sweeping at once split the work instead of queueing on each other.
      return sql.transaction(async (tx) => {
        const rows = await tx.query(
          `DELETE FROM reservations WHERE id IN (
             SELECT id FROM reservations WHERE expires_at <= $1 ORDER BY expires_at LIMIT 500 FOR UPDATE SKIP LOCKED)
           RETURNING scopes, cost, requests, tokens, parallel, held_minute`,
          [new Date(nowMs)],
        );
        // An expired request probably ran: keep its rate usage, free its money and parallel slot.
        for (const row of rows) await dropRowFromScopes(tx, row, { costUsd: 0, tokens: num(row, 'tokens') });
        return rows.length;
      });
    },
  };
}
