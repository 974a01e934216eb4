// Counters of the cache (read by /cache/stats and, later, by the metrics exporter).
import type { CacheStatus } from '@ai-gateway/kit';

export type LookupResult = Extract<CacheStatus, 'exact_hit' | 'semantic_hit' | 'miss' | 'bypass'>;

export interface GroupStats {
  requests: number;
  hits: number;
  savedUsd: number;
}

export interface LatencyStats {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface CacheStats {
  requests: Record<LookupResult, number>;
  /** Why lookups were bypassed: timeout, error. */
  bypassReasons: Record<string, number>;
  /** Semantic candidates rejected by a near-miss guard, by reason. */
  guardRejections: Record<string, number>;
  /** Lookups that stayed exact-only, by reason (too_long: the prompt exceeds the embedding model's window). */
  semanticSkipped: Record<string, number>;
  /** Misses known without embedding (no semantic entry in their bucket); the vector is made when storing. */
  embedsDeferred: number;
  stores: number;
  storeErrors: number;
  storesSkipped: number;
  savedUsd: number;
  /** Keyed `team|model` (team '-' when the key has none). */
  byTeamModel: Map<string, GroupStats>;
  embedMs: LatencyStats;
  lookupMs: LatencyStats;
}

export function createStats(): CacheStats {
  return {
    requests: { exact_hit: 0, semantic_hit: 0, miss: 0, bypass: 0 },
    bypassReasons: {},
    guardRejections: {},
    semanticSkipped: {},
    embedsDeferred: 0,
    stores: 0,
    storeErrors: 0,
    storesSkipped: 0,
    savedUsd: 0,
    byTeamModel: new Map(),
    embedMs: { count: 0, totalMs: 0, maxMs: 0 },
    lookupMs: { count: 0, totalMs: 0, maxMs: 0 },
  };
}

export function observe(l: LatencyStats, ms: number): void {
  l.count++;
  l.totalMs += ms;
  if (ms > l.maxMs) l.maxMs = ms;
}

export function countLookup(s: CacheStats, result: LookupResult, team: string | null, model: string, savedUsd: number): void {
  s.requests[result]++;
  const key = `${team ?? '-'}|${model}`;
  const g = s.byTeamModel.get(key) ?? { requests: 0, hits: 0, savedUsd: 0 };
  g.requests++;
  if (result === 'exact_hit' || result === 'semantic_hit') {
    g.hits++;
    g.savedUsd += savedUsd;
    s.savedUsd += savedUsd;
  }
  s.byTeamModel.set(key, g);
}

/** JSON view for GET /cache/stats. */
export function statsReport(s: CacheStats): Record<string, unknown> {
  const lookups = s.requests.exact_hit + s.requests.semantic_hit + s.requests.miss + s.requests.bypass;
  const hits = s.requests.exact_hit + s.requests.semantic_hit;
  const avg = (l: LatencyStats) => ({ count: l.count, avg_ms: l.count ? +(l.totalMs / l.count).toFixed(3) : 0, max_ms: +l.maxMs.toFixed(3) });
  return {
    requests: { ...s.requests, total: lookups },
    hit_rate: lookups ? +(hits / lookups).toFixed(4) : 0,
    saved_usd: +s.savedUsd.toFixed(8),
    bypass_reasons: s.bypassReasons,
    guard_rejections: s.guardRejections,
    semantic_skipped: s.semanticSkipped,
    embeds_deferred: s.embedsDeferred,
    stores: s.stores,
    store_errors: s.storeErrors,
    stores_skipped: s.storesSkipped,
    embed_latency: avg(s.embedMs),
    lookup_latency: avg(s.lookupMs),
    by_team_model: [...s.byTeamModel].map(([k, g]) => {
      const [team, model] = k.split('|');
      return { team: team === '-' ? null : team, model, requests: g.requests, hits: g.hits, hit_rate: g.requests ? +(g.hits / g.requests).toFixed(4) : 0, saved_usd: +g.savedUsd.toFixed(8) };
    }),
  };
}
