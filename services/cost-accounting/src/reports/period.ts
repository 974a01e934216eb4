// Report periods from LiteLLM-style query values: `YYYY-MM-DD` (an end date includes its whole UTC day) or ISO timestamps.
import { GatewayError } from '@ai-gateway/kit';

export const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export interface Period {
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  startDate: string;
  endDate: string;
}

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Parses one bound; `end` bounds given as a date cover that whole day. Throws invalid_request naming the param. */
export function parseBound(value: string, param: string, end: boolean): number {
  const v = value.trim();
  const ms = Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00Z` : v);
  if (!Number.isFinite(ms) || (DATE_ONLY.test(v) && dayOf(ms) !== v)) {
    throw new GatewayError('invalid_request', { params: { detail: `${param} must be a date (YYYY-MM-DD) or an ISO timestamp, got "${value}"` } });
  }
  return end && DATE_ONLY.test(v) ? ms + DAY_MS : ms;
}

/** Both bounds required; at most `maxDays` long so one call cannot scan years of logs. */
export function parsePeriod(query: Record<string, string | undefined>, opts: { maxDays?: number } = {}): Period {
  const start = query['start_date'];
  const end = query['end_date'];
  if (!start || !end) throw new GatewayError('invalid_request', { params: { detail: 'start_date and end_date are required (YYYY-MM-DD)' } });
  const fromMs = parseBound(start, 'start_date', false);
  const toMs = parseBound(end, 'end_date', true);
  if (toMs <= fromMs) throw new GatewayError('invalid_request', { params: { detail: 'end_date must not be before start_date' } });
  const maxDays = opts.maxDays ?? 366;
  if (toMs - fromMs > maxDays * DAY_MS) throw new GatewayError('invalid_request', { params: { detail: `the period may span at most ${maxDays} days` } });
  return { fromMs, toMs, startDate: dayOf(fromMs), endDate: dayOf(toMs - 1) };
}
