// Reservation authority on Postgres: every replica shares the counters in `budgets`; holds are rows in
// `reservations`. Admission is one statement that locks the scopes' rows, checks every limit and applies
// the hold only if all fit, so two replicas can never both take the last dollar.
import { GatewayError } from '@ai-gateway/kit';
import type { Hold, ReservationAuthority } from '../domain/ledger.ts';
import { admit, rollCounters, type Actual, type Denial, type ScopeKind, type ScopeRef } from '../domain/reservation.ts';
import { readBudgetRow, rollDueBudgets } from './budgets-sql.ts';
import { num, str, type SqlExecutor, type SqlRunner } from './sql.ts';

// One statement, one round trip: lock the scopes' rows (in a fixed order), decide, and only if every
// scope fits insert the hold and apply it. Under READ COMMITTED the row locks make later statements
// re-read the newest row versions, so the check and the increment see the same counters.
const ACQUIRE_SQL = `
  WITH want AS (
    SELECT w.scope, w.scope_id FROM unnest($1::text[], $2::text[]) AS w(scope, scope_id)
  ), locked AS (
    SELECT b.scope, b.scope_id,
      (b.max_budget IS NULL OR (CASE WHEN $4::float8 > 0 THEN b.spend + b.reserved + $4::float8 <= b.max_budget + 1e-12
                                     ELSE b.spend + b.reserved < b.max_budget END))
      AND (b.max_parallel_requests IS NULL OR b.in_flight + $7::int <= b.max_parallel_requests)
      AND (b.rpm_limit IS NULL OR CASE WHEN b.window_start = $8::timestamptz THEN b.window_requests ELSE 0 END + $5::int <= b.rpm_limit)
      AND (b.tpm_limit IS NULL OR CASE WHEN b.window_start = $8::timestamptz THEN b.window_tokens ELSE 0 END + $6::int <= b.tpm_limit) AS fits
    FROM budgets b JOIN want w ON b.scope = w.scope AND b.scope_id = w.scope_id
    ORDER BY b.scope, b.scope_id
    FOR UPDATE OF b
  ), verdict AS (
    SELECT coalesce(bool_and(fits), true) AS fits, EXISTS (SELECT 1 FROM reservations WHERE id = $3) AS held FROM locked
  ), ins AS (
    INSERT INTO reservations (id, scopes, cost, requests, tokens, parallel, held_minute, expires_at, holder)
    SELECT $3, $11::text[], $4::float8, $5::int, $6::int, $7::int, $8::timestamptz, $9::timestamptz, $10 FROM verdict WHERE fits AND NOT held
    ON CONFLICT (id) DO NOTHING
    RETURNING 1
  ), upd AS (
    UPDATE budgets b SET
      reserved        = b.reserved + $4::float8,
      in_flight       = b.in_flight + $7::int,
      window_requests = CASE WHEN b.window_start = $8::timestamptz THEN b.window_requests ELSE 0 END + $5::int,
      window_tokens   = CASE WHEN b.window_start = $8::timestamptz THEN b.window_tokens ELSE 0 END + $6::int,
      window_start    = $8::timestamptz,
      updated_at      = now()
    FROM locked l
    WHERE b.scope = l.scope AND b.scope_id = l.scope_id AND EXISTS (SELECT 1 FROM ins)
    RETURNING 1
  )
  SELECT (SELECT fits OR held FROM verdict) AS pass, (SELECT count(*) FROM upd)::int AS applied`;

// Deletes a hold and takes it out of its scopes, in one statement. Spend is NOT touched here.
// $2 null = release (requests/tokens given back); else the minute keeps $2 requests and $3 tokens.
const DROP_SQL = `
  WITH d AS (
    DELETE FROM reservations WHERE id = $1 RETURNING scopes, cost, requests, tokens, parallel, held_minute
  ), s AS (
    SELECT split_part(x, ':', 1) AS scope, substr(x, strpos(x, ':') + 1) AS scope_id, d.*
    FROM d, unnest(d.scopes) AS x
  ), u AS (
    UPDATE budgets b SET
      reserved        = GREATEST(0, b.reserved - s.cost),
      in_flight       = GREATEST(0, b.in_flight - s.parallel),
      window_requests = CASE WHEN b.window_start = s.held_minute
                          THEN GREATEST(0, b.window_requests - s.requests + coalesce($2::int, s.requests) * ($2::int IS NOT NULL OR $4::boolean)::int) ELSE b.window_requests END,
      window_tokens   = CASE WHEN b.window_start = s.held_minute
                          THEN GREATEST(0, b.window_tokens - s.tokens + coalesce($3::int, 0)) ELSE b.window_tokens END,
      updated_at      = now()
    FROM s WHERE b.scope = s.scope AND b.scope_id = s.scope_id
    RETURNING 1
  )
  SELECT count(*)::int AS dropped FROM d`;

export const encodeScope = (s: ScopeRef): string => `${s.kind}:${s.id}`;
export function decodeScope(text: string): ScopeRef {
  const i = text.indexOf(':');
  return { kind: text.slice(0, i) as ScopeKind, id: text.slice(i + 1) };
}
/** Fixed lock order (sorted scope keys) so concurrent multi-scope transactions cannot deadlock. */
export const lockOrder = (scopes: readonly ScopeRef[]): ScopeRef[] => [...scopes].sort((a, b) => (encodeScope(a) < encodeScope(b) ? -1 : 1));

type Outcome = Denial | null | 'retry' | 'roll';

/** Why the statement refused: a limit (denial), an ended budget period ('roll'), or a race that freed room ('retry'). */
async function explainRefusal(sql: SqlRunner, hold: Hold, nowMs: number): Promise<Outcome> {
  for (const ref of lockOrder(hold.scopes)) {
    const row = await readBudgetRow(sql, ref);
    if (!row) continue;
    if (row.counters.budgetResetAtMs !== null && row.counters.budgetResetAtMs <= nowMs) return 'roll';
    const denial = admit(ref, row.limits, rollCounters(row.counters, row.limits, nowMs), hold.amount, nowMs);
    if (denial) return denial;
  }
  return 'retry';
}

async function acquireOnce(sql: SqlRunner, hold: Hold, nowMs: number, holder: string | null): Promise<Outcome> {
  const a = hold.amount;
  const rows = await sql.query(ACQUIRE_SQL, [
    hold.scopes.map((s) => s.kind), hold.scopes.map((s) => s.id), hold.id, a.costUsd, a.requests, a.tokens, a.parallel,
    new Date(hold.heldInMinuteMs), new Date(hold.expiresAtMs), holder, hold.scopes.map(encodeScope),
  ]);
  if (rows[0]?.['pass'] === true) return null; // applied now, or already held under this id
  return explainRefusal(sql, hold, nowMs);
}

/**
 * Removes a hold and takes it out of its scopes' counters. `actual` null = release (request and tokens
 * given back); otherwise the rate minute is corrected to actual usage. Spend is added only by
 * recordCompleted, in the same transaction as the spend log and outbox rows.
 */
export async function dropHoldSql(tx: SqlRunner, id: string, actual: Actual | null): Promise<boolean> {
  const params = [id, actual ? (actual.requests ?? null) : 0, actual ? Math.round(actual.tokens) : 0, actual !== null];
  const rows = await tx.query(DROP_SQL, params);
  return rows[0] !== undefined && num(rows[0], 'dropped') > 0;
}

export function createSqlAuthority(input: { deps: { sql: SqlExecutor }; options?: { holder?: string } }): ReservationAuthority {
  const { sql } = input.deps;
  const holder = input.options?.holder ?? null;
  async function acquire(hold: Hold, nowMs: number): Promise<Denial | null> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const outcome = await acquireOnce(sql, hold, nowMs, holder);
      if (outcome === 'retry') continue;
      if (outcome === 'roll') {
        await sql.transaction((tx) => rollDueBudgets(tx, nowMs, hold.scopes));
        continue;
      }
      return outcome;
    }
    // Never admit without having applied the hold: a caller that cannot get a clear answer retries.
    throw new GatewayError('service_unavailable', { params: { detail: 'Budget reservation is contended; retry shortly.' }, retriable: true, retryAfterS: 1 });
  }
  return {
    acquire,
    settle: (id, actual) => dropHoldSql(sql, id, actual),
    release: (id) => dropHoldSql(sql, id, null),
    async expire(nowMs) {
      // SKIP LOCKED: replicas sweeping at once split the work instead of queueing on each other.
      const due = await sql.query(
        'SELECT id, tokens FROM reservations WHERE expires_at <= $1 ORDER BY expires_at LIMIT 500 FOR UPDATE SKIP LOCKED',
        [new Date(nowMs)],
      );
      let n = 0;
      // An expired request probably ran: keep its rate usage, free its money and parallel slot.
      for (const row of due) if (await dropHoldSql(sql, str(row, 'id'), { costUsd: 0, tokens: num(row, 'tokens') })) n++;
      return n;
    },
  };
}
