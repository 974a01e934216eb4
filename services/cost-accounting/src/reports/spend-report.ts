// GET /global/spend/report shapes: LiteLLM's per-day teams and per-key layouts, plus per-model and per-day,
// each row with this gateway's cache and routing savings beside the spend.
import { GatewayError } from '@ai-gateway/kit';
import type { SpendTotalsRow } from '../store/port.ts';
import { emptyFigures, addRow, groupFigures, type RequestedPrice, type SpendFigures } from './savings.ts';

export type GroupBy = 'team' | 'key' | 'model' | 'day' | 'user';

const GROUP_ALIASES: Readonly<Record<string, GroupBy>> = {
  team: 'team', key: 'key', api_key: 'key', model: 'model', day: 'day', user: 'user', internal_user: 'user',
};

export function parseGroupBy(v: string | undefined): GroupBy {
  const g = GROUP_ALIASES[(v ?? 'team').trim().toLowerCase()];
  if (!g) throw new GatewayError('invalid_request', { params: { detail: `group_by must be one of team, key (api_key), model, day, user; got "${v}"` } });
  return g;
}

const usd = (n: number): number => Math.round(n * 1e9) / 1e9;

const savings = (f: SpendFigures) => ({
  total_requests: f.requests,
  cache_hits: f.cacheHits,
  cache_savings: usd(f.cacheSavingsUsd),
  routing_savings: usd(f.routingSavingsUsd),
});

function modelBreakdown(rows: readonly SpendTotalsRow[], price: RequestedPrice) {
  return [...groupFigures(rows, (r) => r.requestedModel, price)].map(([model, f]) => ({ model, f }));
}

function partition<T>(rows: readonly SpendTotalsRow[], keyOf: (r: SpendTotalsRow) => T): Map<T, SpendTotalsRow[]> {
  const out = new Map<T, SpendTotalsRow[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

const figuresOf = (rows: readonly SpendTotalsRow[], price: RequestedPrice): SpendFigures => rows.reduce((f, r) => addRow(f, r, price), emptyFigures());

/** Rows of the report for `groupBy`, biggest spenders first within a day. */
export function spendReport(rows: readonly SpendTotalsRow[], groupBy: GroupBy, price: RequestedPrice): unknown[] {
  if (groupBy === 'team') {
    return [...partition(rows, (r) => r.day)].map(([day, dayRows]) => ({
      group_by_day: day,
      teams: [...partition(dayRows, (r) => r.teamId)]
        .map(([teamId, teamRows]) => {
          const f = figuresOf(teamRows, price);
          return {
            team_name: teamId ?? 'Unassigned Team',
            team_id: teamId,
            total_spend: usd(f.spendUsd),
            ...savings(f),
            metadata: modelBreakdown(teamRows, price).map(({ model, f: m }) => ({ model, spend: usd(m.spendUsd), total_tokens: m.promptTokens + m.completionTokens })),
          };
        })
        .sort((a, b) => b.total_spend - a.total_spend),
    }));
  }
  if (groupBy === 'key' || groupBy === 'user') {
    const idOf = groupBy === 'key' ? (r: SpendTotalsRow) => r.keyId : (r: SpendTotalsRow) => r.userId;
    return [...partition(rows, idOf)]
      .map(([id, own]) => {
        const f = figuresOf(own, price);
        return {
          ...(groupBy === 'key' ? { api_key: id } : { user_id: id }),
          total_cost: usd(f.spendUsd),
          total_input_tokens: f.promptTokens,
          total_output_tokens: f.completionTokens,
          ...savings(f),
          model_details: modelBreakdown(own, price).map(({ model, f: m }) => ({
            model, total_cost: usd(m.spendUsd), prompt_tokens: m.promptTokens, completion_tokens: m.completionTokens,
          })),
        };
      })
      .sort((a, b) => b.total_cost - a.total_cost);
  }
  const keyOf = groupBy === 'model' ? (r: SpendTotalsRow) => r.requestedModel : (r: SpendTotalsRow) => r.day;
  const groups = [...groupFigures(rows, keyOf, price)].map(([k, f]) => ({
    ...(groupBy === 'model' ? { model: k } : { group_by_day: k }),
    total_spend: usd(f.spendUsd),
    total_input_tokens: f.promptTokens,
    total_output_tokens: f.completionTokens,
    ...savings(f),
  }));
  return groupBy === 'model' ? groups.sort((a, b) => b.total_spend - a.total_spend) : groups;
}
