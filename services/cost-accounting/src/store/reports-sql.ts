// Read queries behind the spend reports: filtered spend log rows, and per-day/key/team/model totals for a period.
import { ms, num, numOrNull, str, strOrNull, type SqlRunner } from './sql.ts';

export interface SpendLogFilter {
  /** The gateway's request id, or the client's own x-request-id. */
  requestId?: string;
  keyId?: string;
  teamId?: string;
  userId?: string;
  model?: string;
  /** finished_at ≥ fromMs (inclusive) */
  fromMs?: number;
  /** finished_at < toMs (exclusive) */
  toMs?: number;
  limit: number;
}

export interface SpendLogEntry {
  requestId: string;
  /** The client's own x-request-id, when it sent one. */
  clientRequestId: string | null;
  keyId: string | null;
  teamId: string | null;
  userId: string | null;
  projectId: string | null;
  requestedModel: string;
  modelGroup: string | null;
  deploymentId: string | null;
  provider: string | null;
  providerModel: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  totalTokens: number;
  costUsd: number;
  savedUsd: number;
  cacheStatus: string;
  outcome: string;
  httpStatus: number;
  errorCode: string | null;
  latencyMs: number;
  ttftMs: number | null;
  attempts: number;
  startedAtMs: number;
  finishedAtMs: number;
}

/** Sums for one (day, key, team, user, requested model, served model, cache hit) cell of a period. */
export interface SpendTotalsRow {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  keyId: string | null;
  teamId: string | null;
  userId: string | null;
  requestedModel: string;
  /** Provider model that answered, else the model group, else the requested model. */
  servedModel: string;
  cacheHit: boolean;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
  savedUsd: number;
}

function entryOf(r: Record<string, unknown>): SpendLogEntry {
  return {
    requestId: str(r, 'request_id'), clientRequestId: strOrNull(r, 'client_request_id'), keyId: strOrNull(r, 'key_id'), teamId: strOrNull(r, 'team_id'), userId: strOrNull(r, 'user_id'),
    projectId: strOrNull(r, 'project_id'), requestedModel: str(r, 'requested_model'), modelGroup: strOrNull(r, 'model_group'),
    deploymentId: strOrNull(r, 'deployment_id'), provider: strOrNull(r, 'provider'), providerModel: strOrNull(r, 'provider_model'),
    promptTokens: num(r, 'prompt_tokens'), completionTokens: num(r, 'completion_tokens'), cachedTokens: num(r, 'cached_tokens'),
    totalTokens: num(r, 'total_tokens'), costUsd: num(r, 'cost_usd'), savedUsd: num(r, 'saved_usd'), cacheStatus: str(r, 'cache_status'),
    outcome: str(r, 'outcome'), httpStatus: num(r, 'http_status'), errorCode: strOrNull(r, 'error_code'), latencyMs: num(r, 'latency_ms'),
    ttftMs: numOrNull(r, 'ttft_ms'), attempts: num(r, 'attempts'), startedAtMs: ms(r, 'started_at'), finishedAtMs: ms(r, 'finished_at'),
  };
}

/** Newest first; every filter optional and ANDed. */
export async function selectSpendLogs(sql: SqlRunner, f: SpendLogFilter): Promise<SpendLogEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (f.requestId !== undefined) add((p) => `(request_id = ${p} OR client_request_id = ${p})`, f.requestId);
  if (f.keyId !== undefined) add((p) => `key_id = ${p}`, f.keyId);
  if (f.teamId !== undefined) add((p) => `team_id = ${p}`, f.teamId);
  if (f.userId !== undefined) add((p) => `user_id = ${p}`, f.userId);
  if (f.model !== undefined) add((p) => `(requested_model = ${p} OR model_group = ${p})`, f.model);
  if (f.fromMs !== undefined) add((p) => `finished_at >= ${p}`, new Date(f.fromMs));
  if (f.toMs !== undefined) add((p) => `finished_at < ${p}`, new Date(f.toMs));
  params.push(Math.max(1, Math.min(Math.trunc(f.limit), 10_000)));
  const rows = await sql.query(
    `SELECT * FROM spend_logs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY finished_at DESC, request_id LIMIT $${params.length}`,
    params,
  );
  return rows.map(entryOf);
}

export async function selectSpendTotals(sql: SqlRunner, range: { fromMs: number; toMs: number }): Promise<SpendTotalsRow[]> {
  const rows = await sql.query(
    `SELECT to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, key_id, team_id, user_id, requested_model,
            coalesce(provider_model, model_group, requested_model) AS served_model,
            cache_status IN ('exact_hit', 'semantic_hit') AS cache_hit,
            count(*)::int AS requests, sum(prompt_tokens)::bigint AS prompt_tokens, sum(completion_tokens)::bigint AS completion_tokens,
            sum(cached_tokens)::bigint AS cached_tokens, sum(cost_usd) AS cost_usd, sum(saved_usd) AS saved_usd
       FROM spend_logs WHERE finished_at >= $1 AND finished_at < $2
      GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
    [new Date(range.fromMs), new Date(range.toMs)],
  );
  return rows.map((r) => ({
    day: str(r, 'day'), keyId: strOrNull(r, 'key_id'), teamId: strOrNull(r, 'team_id'), userId: strOrNull(r, 'user_id'), requestedModel: str(r, 'requested_model'),
    servedModel: str(r, 'served_model'), cacheHit: r['cache_hit'] === true, requests: num(r, 'requests'), promptTokens: num(r, 'prompt_tokens'),
    completionTokens: num(r, 'completion_tokens'), cachedTokens: num(r, 'cached_tokens'), costUsd: num(r, 'cost_usd'), savedUsd: num(r, 'saved_usd'),
  }));
}
