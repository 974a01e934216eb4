// Pure aggregation of spend totals into report rows: spend, tokens, cache savings (saved_usd of cache hits) and
// routing savings (what the tokens would have cost at the requested model's price, minus what they cost).
import { costOf, matchModel, priceFor, type ResolvedPrice } from '@ai-gateway/kit';
import type { SpendTotalsRow } from '../store/port.ts';

/** Price of the model a client asked for (a model group resolves to its primary deployment); null if unknown. */
export type RequestedPrice = (requestedModel: string) => ResolvedPrice | null;

export const builtinRequestedPrice: RequestedPrice = (model) => {
  const p = priceFor({ providerModel: model });
  return p.priced ? p : null;
};

/** What requestedPriceOf needs of a config deployment (kit's Deployment fits). */
export interface PricedDeployment {
  modelGroup: string;
  providerModel: string;
  inputCostPerToken: number | null;
  outputCostPerToken: number | null;
  cachedInputCostPerToken: number | null;
}

/** A requested model group is priced at its first deployment (config order = the operator's primary); aliases resolve. */
export function requestedPriceOf(deployments: readonly PricedDeployment[], aliases: Readonly<Record<string, string>> = {}): RequestedPrice {
  const first = new Map<string, ResolvedPrice>();
  for (const d of deployments) {
    if (first.has(d.modelGroup)) continue;
    const overrides = {
      ...(d.inputCostPerToken !== null ? { input_cost_per_token: d.inputCostPerToken } : {}),
      ...(d.outputCostPerToken !== null ? { output_cost_per_token: d.outputCostPerToken } : {}),
      ...(d.cachedInputCostPerToken !== null ? { cache_read_input_token_cost: d.cachedInputCostPerToken } : {}),
    };
    first.set(d.modelGroup, priceFor({ providerModel: d.providerModel, overrides }));
  }
  return (model) => {
    const p = first.get(model) ?? first.get(aliases[model] ?? '') ?? priceFor({ providerModel: model });
    return p.priced ? p : null;
  };
}

export interface SpendFigures {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  spendUsd: number;
  cacheHits: number;
  cacheSavingsUsd: number;
  /** Net: negative when routing (e.g. a fallback) went to a dearer model. */
  routingSavingsUsd: number;
  /** Requests answered by another model whose requested model has no price (their routing savings are unknown). */
  unpricedReroutes: number;
}

export const emptyFigures = (): SpendFigures => ({
  requests: 0, promptTokens: 0, completionTokens: 0, spendUsd: 0, cacheHits: 0, cacheSavingsUsd: 0, routingSavingsUsd: 0, unpricedReroutes: 0,
});

/** Routing savings of one totals row: 0 for cache hits and for rows served by the model that was asked for. */
export function routingSavings(row: SpendTotalsRow, requestedPrice: RequestedPrice): { usd: number; unpriced: boolean } {
  if (row.cacheHit || row.requestedModel === row.servedModel) return { usd: 0, unpriced: false };
  const asked = matchModel(row.requestedModel);
  if (asked !== null && asked === matchModel(row.servedModel)) return { usd: 0, unpriced: false };
  const price = requestedPrice(row.requestedModel);
  if (!price) return { usd: 0, unpriced: true };
  const baseline = costOf({ promptTokens: row.promptTokens, completionTokens: row.completionTokens, cachedTokens: row.cachedTokens }, price).costUsd;
  return { usd: baseline - row.costUsd, unpriced: false };
}

export function addRow(into: SpendFigures, row: SpendTotalsRow, requestedPrice: RequestedPrice): SpendFigures {
  const r = routingSavings(row, requestedPrice);
  into.requests += row.requests;
  into.promptTokens += row.promptTokens;
  into.completionTokens += row.completionTokens;
  into.spendUsd += row.costUsd;
  if (row.cacheHit) into.cacheHits += row.requests;
  into.cacheSavingsUsd += row.savedUsd;
  into.routingSavingsUsd += r.usd;
  if (r.unpriced) into.unpricedReroutes += row.requests;
  return into;
}

/** Groups rows by `keyOf` (insertion order of first appearance), summing their figures. */
export function groupFigures(rows: readonly SpendTotalsRow[], keyOf: (r: SpendTotalsRow) => string, requestedPrice: RequestedPrice): Map<string, SpendFigures> {
  const out = new Map<string, SpendFigures>();
  for (const row of rows) {
    const k = keyOf(row);
    let f = out.get(k);
    if (!f) out.set(k, (f = emptyFigures()));
    addRow(f, row, requestedPrice);
  }
  return out;
}

export interface SavingsReport {
  start_date: string;
  end_date: string;
  totals: SavingsLine;
  by_team: (SavingsLine & { team_id: string | null })[];
  by_model: (SavingsLine & { model: string })[];
  by_team_model: (SavingsLine & { team_id: string | null; model: string })[];
}

export interface SavingsLine {
  requests: number;
  spend: number;
  cache_hits: number;
  cache_savings: number;
  routing_savings: number;
  total_savings: number;
  /** What the period would have cost without the gateway's cache and routing. */
  spend_without_gateway: number;
  unpriced_reroutes: number;
}

const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;

export function savingsLine(f: SpendFigures): SavingsLine {
  const total = f.cacheSavingsUsd + f.routingSavingsUsd;
  return {
    requests: f.requests, spend: round(f.spendUsd), cache_hits: f.cacheHits, cache_savings: round(f.cacheSavingsUsd),
    routing_savings: round(f.routingSavingsUsd), total_savings: round(total), spend_without_gateway: round(f.spendUsd + total),
    unpriced_reroutes: f.unpricedReroutes,
  };
}

const NO_TEAM = '\u0000';
const bySpend = <T extends { spend: number }>(a: T, b: T) => b.spend - a.spend;

/** Spend and savings for a period by team, by model (the requested model) and by both. */
export function savingsReport(rows: readonly SpendTotalsRow[], period: { startDate: string; endDate: string }, requestedPrice: RequestedPrice): SavingsReport {
  const total = emptyFigures();
  for (const r of rows) addRow(total, r, requestedPrice);
  const teamOf = (k: string) => (k === NO_TEAM ? null : k);
  const teams = groupFigures(rows, (r) => r.teamId ?? NO_TEAM, requestedPrice);
  const models = groupFigures(rows, (r) => r.requestedModel, requestedPrice);
  const pairs = groupFigures(rows, (r) => `${r.teamId ?? NO_TEAM}\u0001${r.requestedModel}`, requestedPrice);
  return {
    start_date: period.startDate,
    end_date: period.endDate,
    totals: savingsLine(total),
    by_team: [...teams].map(([k, f]) => ({ team_id: teamOf(k), ...savingsLine(f) })).sort(bySpend),
    by_model: [...models].map(([k, f]) => ({ model: k, ...savingsLine(f) })).sort(bySpend),
    by_team_model: [...pairs]
      .map(([k, f]) => {
        const [team = NO_TEAM, model = ''] = k.split('\u0001');
        return { team_id: teamOf(team), model, ...savingsLine(f) };
      })
      .sort(bySpend),
  };
}
