// GET /spend/logs: spend log rows in LiteLLM's field names, or (with a date range, summarize≠false) per-day sums.
import { GatewayError } from '@ai-gateway/kit';
import type { SpendLogEntry, SpendLogFilter, SpendTotalsRow } from '../store/port.ts';
import { parseBound } from './period.ts';

/** One row as LiteLLM's LiteLLM_SpendLogs returns it (prompts are never stored, so messages/response are empty). */
export function litellmSpendLog(e: SpendLogEntry, keyAlias: string | null = null): Record<string, unknown> {
  return {
    request_id: e.requestId,
    call_type: 'acompletion',
    api_key: e.keyId ?? '',
    spend: e.costUsd,
    total_tokens: e.totalTokens,
    prompt_tokens: e.promptTokens,
    completion_tokens: e.completionTokens,
    startTime: new Date(e.startedAtMs).toISOString(),
    endTime: new Date(e.finishedAtMs).toISOString(),
    completionStartTime: e.ttftMs === null ? null : new Date(e.startedAtMs + e.ttftMs).toISOString(),
    model: e.providerModel ?? e.modelGroup ?? e.requestedModel,
    model_id: e.deploymentId,
    model_group: e.modelGroup,
    custom_llm_provider: e.provider,
    user: e.userId ?? '',
    team_id: e.teamId,
    end_user: '',
    cache_hit: e.cacheStatus === 'exact_hit' || e.cacheStatus === 'semantic_hit' ? 'True' : 'False',
    status: e.outcome === 'success' ? 'success' : 'failure',
    request_tags: [],
    messages: {},
    response: {},
    metadata: {
      user_api_key_alias: keyAlias,
      client_request_id: e.clientRequestId,
      project_id: e.projectId,
      requested_model: e.requestedModel,
      outcome: e.outcome,
      http_status: e.httpStatus,
      error_code: e.errorCode,
      cache_status: e.cacheStatus,
      cached_tokens: e.cachedTokens,
      saved_usd: e.savedUsd,
      latency_ms: e.latencyMs,
      ttft_ms: e.ttftMs,
      attempts: e.attempts,
    },
  };
}

export interface DaySummary {
  startTime: string;
  spend: number;
  models: Record<string, number>;
  users: Record<string, number>;
  api_keys: Record<string, number>;
}

/** LiteLLM's summarized shape: one entry per day with spend per model, user and key (exact: from SQL sums). */
export function summarizeByDay(rows: readonly SpendTotalsRow[], f: Pick<SpendLogFilter, 'keyId' | 'teamId' | 'userId' | 'model'>): DaySummary[] {
  const days = new Map<string, DaySummary>();
  const bump = (m: Record<string, number>, k: string | null, v: number) => {
    if (k) m[k] = (m[k] ?? 0) + v;
  };
  for (const r of rows) {
    if ((f.keyId !== undefined && r.keyId !== f.keyId) || (f.teamId !== undefined && r.teamId !== f.teamId)) continue;
    if ((f.userId !== undefined && r.userId !== f.userId) || (f.model !== undefined && r.requestedModel !== f.model)) continue;
    let d = days.get(r.day);
    if (!d) days.set(r.day, (d = { startTime: r.day, spend: 0, models: {}, users: {}, api_keys: {} }));
    d.spend += r.costUsd;
    bump(d.models, r.requestedModel, r.costUsd);
    bump(d.users, r.userId, r.costUsd);
    bump(d.api_keys, r.keyId, r.costUsd);
  }
  return [...days.values()].sort((a, b) => a.startTime.localeCompare(b.startTime));
}

const text = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** Query → filter. `api_key` may be a raw `sk-` key (resolved by `keyIdOf`) or a key id. */
export async function spendLogFilter(
  q: Record<string, string | undefined>,
  keyIdOf: (apiKey: string) => Promise<string | null>,
  maxRows: number,
): Promise<{ filter: SpendLogFilter; summarize: boolean }> {
  const filter: SpendLogFilter = { limit: maxRows };
  const requestId = text(q['request_id']);
  if (requestId) filter.requestId = requestId;
  const apiKey = text(q['api_key']) ?? text(q['key_id']);
  if (apiKey) filter.keyId = (await keyIdOf(apiKey)) ?? apiKey;
  const teamId = text(q['team_id']);
  if (teamId) filter.teamId = teamId;
  const userId = text(q['user_id']);
  if (userId) filter.userId = userId;
  const model = text(q['model']);
  if (model) filter.model = model;
  const start = text(q['start_date']);
  const end = text(q['end_date']);
  if (start) filter.fromMs = parseBound(start, 'start_date', false);
  if (end) filter.toMs = parseBound(end, 'end_date', true);
  if (filter.fromMs !== undefined && filter.toMs !== undefined && filter.toMs <= filter.fromMs) {
    throw new GatewayError('invalid_request', { params: { detail: 'end_date must not be before start_date' } });
  }
  const summarizeParam = text(q['summarize'])?.toLowerCase();
  if (summarizeParam !== undefined && !['true', 'false'].includes(summarizeParam)) {
    throw new GatewayError('invalid_request', { params: { detail: 'summarize must be true or false' } });
  }
  // LiteLLM summarizes date-range queries by default; single-request and unbounded queries list rows.
  const summarize = start !== undefined && end !== undefined && !requestId && summarizeParam !== 'false';
  return { filter, summarize };
}
