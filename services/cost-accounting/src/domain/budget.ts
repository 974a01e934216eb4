// Budget periods (LiteLLM budget_duration syntax), window roll-over, and the budget check that names what is exceeded.
import { GatewayError } from '@ai-gateway/kit';

/** A budget period: a fixed number of seconds, or calendar months (`mo`). */
export type BudgetPeriod = { unit: 'seconds'; seconds: number } | { unit: 'months'; months: number };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** Parses `30s`, `30m`, `1h`, `1d`, `7d`, `2w`, `1mo`. Throws invalid_request on anything else. */
export function parseBudgetDuration(text: string): BudgetPeriod {
  const m = /^\s*(\d{1,6})\s*(mo|s|m|h|d|w)\s*$/.exec(text);
  const n = m ? Number(m[1]) : 0;
  if (!m || n <= 0) {
    throw new GatewayError('invalid_request', {
      params: { detail: `Invalid budget_duration "${text}": use a positive number followed by s, m, h, d, w or mo (e.g. 30d, 1mo)` },
      param: 'budget_duration',
    });
  }
  const unit = m[2] as string;
  if (unit === 'mo') return { unit: 'months', months: n };
  return { unit: 'seconds', seconds: n * (UNIT_SECONDS[unit] ?? 1) };
}

/** Adds calendar months in UTC, clamping the day (Jan 31 + 1mo = Feb 28/29). */
function addMonthsUtc(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
  return Date.UTC(y, mo, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** The end of the period that begins at `startMs`. */
export function nextResetAt(startMs: number, duration: string | BudgetPeriod): number {
  const period = typeof duration === 'string' ? parseBudgetDuration(duration) : duration;
  return period.unit === 'months' ? addMonthsUtc(startMs, period.months) : startMs + period.seconds * 1000;
}

/** Spend of one budget in its current period. resetAtMs null = lifetime budget (never resets). */
export interface BudgetWindow {
  spendUsd: number;
  periodStartMs: number;
  resetAtMs: number | null;
}

export function openWindow(nowMs: number, duration: string | null): BudgetWindow {
  return { spendUsd: 0, periodStartMs: nowMs, resetAtMs: duration ? nextResetAt(nowMs, duration) : null };
}

/** Rolls the window forward past `nowMs`, zeroing spend; periods stay aligned to the original start. */
export function rollWindow(w: BudgetWindow, duration: string | null, nowMs: number): BudgetWindow {
  if (!duration || w.resetAtMs === null || nowMs < w.resetAtMs) return w;
  const period = parseBudgetDuration(duration);
  let start = w.resetAtMs;
  if (period.unit === 'seconds') {
    const len = period.seconds * 1000;
    start += Math.floor((nowMs - start) / len) * len;
    return { spendUsd: 0, periodStartMs: start, resetAtMs: start + len };
  }
  let next = nextResetAt(start, period);
  for (let i = 0; i < 10_000 && next <= nowMs; i++) {
    start = next;
    next = nextResetAt(start, period);
  }
  return { spendUsd: 0, periodStartMs: start, resetAtMs: next };
}

export type ScopeKind = 'key' | 'team' | 'user';

export interface BudgetState {
  scope: ScopeKind;
  id: string;
  /** Alias or name shown in messages; falls back to the id. */
  label?: string | null;
  maxBudgetUsd: number | null;
  spendUsd: number;
  reservedUsd: number;
  resetAtMs: number | null;
}

export interface BudgetExceeded {
  scope: ScopeKind;
  id: string;
  label: string;
  maxBudgetUsd: number;
  spendUsd: number;
  reservedUsd: number;
  resetAtMs: number | null;
}

/** First budget (in key, team, user order) that `additionalUsd` more would push past its maximum, or null. */
export function checkBudget(budgets: readonly BudgetState[], additionalUsd = 0): BudgetExceeded | null {
  const order: ScopeKind[] = ['key', 'team', 'user'];
  const sorted = [...budgets].sort((a, b) => order.indexOf(a.scope) - order.indexOf(b.scope));
  for (const b of sorted) {
    if (b.maxBudgetUsd === null) continue;
    const total = b.spendUsd + b.reservedUsd + additionalUsd;
    const over = additionalUsd > 0 ? total > b.maxBudgetUsd + 1e-12 : total >= b.maxBudgetUsd;
    if (over) {
      return { scope: b.scope, id: b.id, label: b.label ?? b.id, maxBudgetUsd: b.maxBudgetUsd, spendUsd: b.spendUsd, reservedUsd: b.reservedUsd, resetAtMs: b.resetAtMs };
    }
  }
  return null;
}

export function budgetExceededError(e: BudgetExceeded): GatewayError {
  const when = e.resetAtMs === null ? 'it does not reset' : `it resets at ${new Date(e.resetAtMs).toISOString()}`;
  const detail =
    `Budget exceeded for ${e.scope} ${e.label}: spent $${e.spendUsd.toFixed(6)}` +
    (e.reservedUsd > 0 ? ` (+$${e.reservedUsd.toFixed(6)} in flight)` : '') +
    ` of max_budget $${e.maxBudgetUsd}; ${when}.`;
  return new GatewayError('budget_exceeded', { params: { detail } });
}
