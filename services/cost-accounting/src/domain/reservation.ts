// Reservation ledger rules: what a request holds (cost, 1 request, tokens, 1 parallel slot) per key/team/user,
// when a hold is admitted, and how holds are applied and dropped. Pure: time is passed in.
import { GatewayError } from '@ai-gateway/kit';
import { budgetExceededError, nextResetAt, rollWindow, type ScopeKind } from './budget.ts';

export type { ScopeKind } from './budget.ts';

export interface ScopeRef {
  kind: ScopeKind;
  id: string;
}

/** LiteLLM-style limits of one key, team or user; null means "no limit". */
export interface ScopeLimits {
  label: string | null;
  maxBudgetUsd: number | null;
  budgetDuration: string | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  maxParallelRequests: number | null;
}

export interface ScopeCounters {
  spendUsd: number;
  reservedUsd: number;
  inFlight: number;
  periodStartMs: number;
  budgetResetAtMs: number | null;
  /** Start of the current rate-limit minute; requests/tokens count against that minute. */
  windowStartMs: number;
  windowRequests: number;
  windowTokens: number;
}

/** What one reservation holds in each of its scopes. */
export interface Amount {
  costUsd: number;
  requests: number;
  tokens: number;
  parallel: number;
}

export type LimitName = 'budget' | 'rpm' | 'tpm' | 'parallel';

export interface Denial {
  scope: ScopeKind;
  id: string;
  label: string;
  limit: LimitName;
  limitValue: number;
  /** Spend+reserved (budget), requests or tokens this minute, or in-flight count. */
  current: number;
  /** When trying again can succeed; null when only a settle/release can free room. */
  retryAtMs: number | null;
  spendUsd: number;
  reservedUsd: number;
}

export const MINUTE_MS = 60_000;
export const minuteStart = (nowMs: number): number => nowMs - (nowMs % MINUTE_MS);
export const scopeKey = (s: ScopeRef): string => `${s.kind}:${s.id}`;

export function emptyCounters(nowMs: number, limits: ScopeLimits): ScopeCounters {
  return {
    spendUsd: 0,
    reservedUsd: 0,
    inFlight: 0,
    periodStartMs: nowMs,
    budgetResetAtMs: limits.budgetDuration ? nextResetAt(nowMs, limits.budgetDuration) : null,
    windowStartMs: minuteStart(nowMs),
    windowRequests: 0,
    windowTokens: 0,
  };
}

/** Zeroes spend when the budget period is over and the rate counters when the minute is over. */
export function rollCounters(c: ScopeCounters, limits: ScopeLimits, nowMs: number): ScopeCounters {
  const w = rollWindow({ spendUsd: c.spendUsd, periodStartMs: c.periodStartMs, resetAtMs: c.budgetResetAtMs }, limits.budgetDuration, nowMs);
  const minute = minuteStart(nowMs);
  const sameMinute = c.windowStartMs === minute;
  return {
    ...c,
    spendUsd: w.spendUsd,
    periodStartMs: w.periodStartMs,
    budgetResetAtMs: w.resetAtMs,
    windowStartMs: minute,
    windowRequests: sameMinute ? c.windowRequests : 0,
    windowTokens: sameMinute ? c.windowTokens : 0,
  };
}

/** Null when `amount` fits every limit of this scope (counters already rolled to `nowMs`). */
export function admit(ref: ScopeRef, limits: ScopeLimits, c: ScopeCounters, amount: Amount, nowMs: number): Denial | null {
  const base = { scope: ref.kind, id: ref.id, label: limits.label ?? ref.id, spendUsd: c.spendUsd, reservedUsd: c.reservedUsd };
  const nextMinute = minuteStart(nowMs) + MINUTE_MS;
  if (limits.maxBudgetUsd !== null) {
    const committed = c.spendUsd + c.reservedUsd;
    if (committed + amount.costUsd > limits.maxBudgetUsd + 1e-12 || (amount.costUsd === 0 && committed >= limits.maxBudgetUsd)) {
      return { ...base, limit: 'budget', limitValue: limits.maxBudgetUsd, current: committed, retryAtMs: c.budgetResetAtMs };
    }
  }
  if (limits.maxParallelRequests !== null && c.inFlight + amount.parallel > limits.maxParallelRequests) {
    return { ...base, limit: 'parallel', limitValue: limits.maxParallelRequests, current: c.inFlight, retryAtMs: null };
  }
  if (limits.rpmLimit !== null && c.windowRequests + amount.requests > limits.rpmLimit) {
    return { ...base, limit: 'rpm', limitValue: limits.rpmLimit, current: c.windowRequests, retryAtMs: nextMinute };
  }
  if (limits.tpmLimit !== null && c.windowTokens + amount.tokens > limits.tpmLimit) {
    return { ...base, limit: 'tpm', limitValue: limits.tpmLimit, current: c.windowTokens, retryAtMs: nextMinute };
  }
  return null;
}

export function applyHold(c: ScopeCounters, a: Amount): ScopeCounters {
  return {
    ...c,
    reservedUsd: c.reservedUsd + a.costUsd,
    inFlight: c.inFlight + a.parallel,
    windowRequests: c.windowRequests + a.requests,
    windowTokens: c.windowTokens + a.tokens,
  };
}

export interface Actual {
  costUsd: number;
  tokens: number;
  /** Requests actually made (slices settle with how many they served); defaults to the held count. */
  requests?: number;
}

/**
 * Drops a hold. `actual` given (settle): spend grows by the actual cost and the minute it was reserved in
 * is corrected to the actual tokens. `actual` null (release: never dispatched): the request and its tokens
 * are given back to that minute. Counters must be rolled to now first; a past minute is left alone.
 */
export function dropHold(c: ScopeCounters, a: Amount, heldInMinuteMs: number, actual: Actual | null): ScopeCounters {
  const sameMinute = c.windowStartMs === heldInMinuteMs;
  const next = {
    ...c,
    reservedUsd: Math.max(0, c.reservedUsd - a.costUsd),
    inFlight: Math.max(0, c.inFlight - a.parallel),
    spendUsd: c.spendUsd + (actual ? actual.costUsd : 0),
  };
  if (sameMinute) {
    next.windowTokens = Math.max(0, c.windowTokens - a.tokens + (actual ? actual.tokens : 0));
    const used = actual ? (actual.requests ?? a.requests) : 0;
    next.windowRequests = Math.max(0, c.windowRequests - a.requests + used);
  }
  return next;
}

/** The client-facing error for a denial: budget_exceeded (400) or rate_limited (429 + Retry-After). */
export function denialError(d: Denial, nowMs: number): GatewayError {
  if (d.limit === 'budget') {
    return budgetExceededError({ scope: d.scope, id: d.id, label: d.label, maxBudgetUsd: d.limitValue, spendUsd: d.spendUsd, reservedUsd: d.reservedUsd, resetAtMs: d.retryAtMs });
  }
  const what = d.limit === 'parallel' ? `max_parallel_requests ${d.limitValue} (${d.current} in flight)` : `${d.limit}_limit ${d.limitValue} (${d.current} used this minute)`;
  const retryAfterS = d.retryAtMs === null ? 1 : Math.max(1, Math.ceil((d.retryAtMs - nowMs) / 1000));
  return new GatewayError('rate_limited', {
    params: { detail: `Rate limit reached for ${d.scope} ${d.label}: ${what}. Retry after ${retryAfterS}s.` },
    retryAfterS,
  });
}

/** Cost/tokens a request holds before dispatch: prompt at the input rate, expected output at the output rate. */
export function estimateAmount(input: { promptTokens: number; completionTokens: number; inputCostPerToken: number; outputCostPerToken: number }): Amount {
  const prompt = Math.max(0, input.promptTokens);
  const completion = Math.max(0, input.completionTokens);
  return {
    costUsd: prompt * input.inputCostPerToken + completion * input.outputCostPerToken,
    requests: 1,
    tokens: prompt + completion,
    parallel: 1,
  };
}
