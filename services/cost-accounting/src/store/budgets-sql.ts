// Budget rows: limits (LiteLLM fields) and counters per key/team/user; period roll-over.
import { nextResetAt, rollWindow } from '../domain/budget.ts';
import type { ScopeCounters, ScopeLimits, ScopeRef } from '../domain/reservation.ts';
import { ms, msOrNull, num, numOrNull, str, strOrNull, type SqlRunner } from './sql.ts';

export interface BudgetRow {
  scope: ScopeRef;
  limits: ScopeLimits;
  counters: ScopeCounters;
}

const COLUMNS = `scope, scope_id, label, max_budget, budget_duration, rpm_limit, tpm_limit, max_parallel_requests,
  spend, reserved, in_flight, period_start, budget_reset_at, window_start, window_requests, window_tokens`;

function toBudgetRow(r: Record<string, unknown>): BudgetRow {
  return {
    scope: { kind: str(r, 'scope') as ScopeRef['kind'], id: str(r, 'scope_id') },
    limits: {
      label: strOrNull(r, 'label'),
      maxBudgetUsd: numOrNull(r, 'max_budget'),
      budgetDuration: strOrNull(r, 'budget_duration'),
      rpmLimit: numOrNull(r, 'rpm_limit'),
      tpmLimit: numOrNull(r, 'tpm_limit'),
      maxParallelRequests: numOrNull(r, 'max_parallel_requests'),
    },
    counters: {
      spendUsd: num(r, 'spend'),
      reservedUsd: num(r, 'reserved'),
      inFlight: num(r, 'in_flight'),
      periodStartMs: ms(r, 'period_start'),
      budgetResetAtMs: msOrNull(r, 'budget_reset_at'),
      windowStartMs: ms(r, 'window_start'),
      windowRequests: num(r, 'window_requests'),
      windowTokens: num(r, 'window_tokens'),
    },
  };
}

export async function readBudgetRow(tx: SqlRunner, ref: ScopeRef, forUpdate = false): Promise<BudgetRow | null> {
  const rows = await tx.query(`SELECT ${COLUMNS} FROM budgets WHERE scope = $1 AND scope_id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [ref.kind, ref.id]);
  return rows[0] ? toBudgetRow(rows[0]) : null;
}

export async function listBudgetRows(tx: SqlRunner): Promise<BudgetRow[]> {
  return (await tx.query(`SELECT ${COLUMNS} FROM budgets ORDER BY scope, scope_id`)).map(toBudgetRow);
}

/** Creates or changes a scope's limits. A changed budget_duration starts a new period now; spend is kept. */
export async function upsertLimits(tx: SqlRunner, ref: ScopeRef, limits: ScopeLimits, nowMs: number): Promise<void> {
  const resetAt = limits.budgetDuration ? new Date(nextResetAt(nowMs, limits.budgetDuration)) : null;
  await tx.query(
    `INSERT INTO budgets (scope, scope_id, label, max_budget, budget_duration, rpm_limit, tpm_limit, max_parallel_requests, period_start, budget_reset_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (scope, scope_id) DO UPDATE SET
       label = EXCLUDED.label, max_budget = EXCLUDED.max_budget, rpm_limit = EXCLUDED.rpm_limit,
       tpm_limit = EXCLUDED.tpm_limit, max_parallel_requests = EXCLUDED.max_parallel_requests,
       period_start = CASE WHEN budgets.budget_duration IS DISTINCT FROM EXCLUDED.budget_duration THEN EXCLUDED.period_start ELSE budgets.period_start END,
       budget_reset_at = CASE WHEN budgets.budget_duration IS DISTINCT FROM EXCLUDED.budget_duration THEN EXCLUDED.budget_reset_at ELSE budgets.budget_reset_at END,
       budget_duration = EXCLUDED.budget_duration, updated_at = now()`,
    [ref.kind, ref.id, limits.label, limits.maxBudgetUsd, limits.budgetDuration, limits.rpmLimit, limits.tpmLimit,
      limits.maxParallelRequests, new Date(nowMs), resetAt],
  );
}

/** Zeroes spend of budgets whose period ended (all, or only `scopes`); idempotent across replicas. Returns rows rolled. */
export async function rollDueBudgets(tx: SqlRunner, nowMs: number, scopes?: readonly ScopeRef[]): Promise<number> {
  const filter = scopes ? ` AND (scope || ':' || scope_id) = ANY($2)` : '';
  const params: unknown[] = [new Date(nowMs)];
  if (scopes) params.push(scopes.map((s) => `${s.kind}:${s.id}`));
  const due = await tx.query(
    `SELECT scope, scope_id, budget_duration, period_start, budget_reset_at, spend FROM budgets
     WHERE budget_reset_at IS NOT NULL AND budget_reset_at <= $1${filter}`,
    params,
  );
  let n = 0;
  for (const r of due) {
    const oldReset = msOrNull(r, 'budget_reset_at');
    const w = rollWindow({ spendUsd: num(r, 'spend'), periodStartMs: ms(r, 'period_start'), resetAtMs: oldReset }, strOrNull(r, 'budget_duration'), nowMs);
    if (w.resetAtMs === oldReset) continue;
    // Conditional on the old reset time: a concurrent roll by another replica makes this a no-op.
    const updated = await tx.query(
      `UPDATE budgets SET spend = 0, period_start = $3, budget_reset_at = $4, updated_at = now()
       WHERE scope = $1 AND scope_id = $2 AND budget_reset_at = $5 RETURNING 1 AS ok`,
      [str(r, 'scope'), str(r, 'scope_id'), new Date(w.periodStartMs), w.resetAtMs === null ? null : new Date(w.resetAtMs), oldReset === null ? null : new Date(oldReset)],
    );
    n += updated.length;
  }
  return n;
}
