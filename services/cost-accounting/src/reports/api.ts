// The spend report endpoints as a transport-free port (same call shape as the admin API, so the HTTP edge
// and the bus can serve it): GET /spend/logs, GET /global/spend/report, GET /global/spend/savings.
import { randomUUID } from 'node:crypto';
import { GatewayError, isGatewayError, type Logger } from '@ai-gateway/kit';
import { hashKey } from '../domain/keys.ts';
import type { Store, SpendTotalsRow } from '../store/port.ts';
import { parsePeriod } from './period.ts';
import { builtinRequestedPrice, savingsReport, type RequestedPrice, type SavingsReport } from './savings.ts';
import { litellmSpendLog, spendLogFilter, summarizeByDay } from './spend-logs.ts';
import { parseGroupBy, spendReport } from './spend-report.ts';

export interface ReportCall {
  method: string;
  path: string;
  query: Record<string, string>;
}

export interface SpendReports {
  readonly routes: readonly { method: 'GET'; path: string }[];
  handle(call: ReportCall): Promise<{ status: number; body: unknown }>;
  /** The savings report for a period (also behind GET /global/spend/savings). */
  savings(period: { start_date: string; end_date: string }): Promise<SavingsReport>;
}

export interface SpendReportOptions {
  /** Price of a requested model (config model_list resolves groups); default: the built-in table. */
  requestedPrice?: RequestedPrice;
  /** Rows per /spend/logs answer at most. */
  maxRows?: number;
}

function filterTotals(rows: SpendTotalsRow[], q: Record<string, string>, keyIdOf: (v: string) => string): SpendTotalsRow[] {
  const key = q['api_key']?.trim() ? keyIdOf(q['api_key'].trim()) : undefined;
  const team = q['team_id']?.trim() || undefined;
  const user = q['internal_user_id']?.trim() || q['user_id']?.trim() || undefined;
  if (q['customer_id']?.trim()) throw new GatewayError('invalid_request', { params: { detail: 'customer_id is not supported: this gateway has no end-customer spend' } });
  return rows.filter((r) => (key === undefined || r.keyId === key) && (team === undefined || r.teamId === team) && (user === undefined || r.userId === user));
}

export function createSpendReports(input: { deps: { store: Store; logger?: Logger }; options?: SpendReportOptions }): SpendReports {
  const { store, logger } = input.deps;
  const price = input.options?.requestedPrice ?? builtinRequestedPrice;
  const maxRows = input.options?.maxRows ?? 1_000;
  /** A raw `sk-…` key is looked up by hash; anything else is taken as a key id. */
  const keyIdOf = async (apiKey: string): Promise<string | null> => (apiKey.startsWith('sk-') ? ((await store.findKeyByHash(hashKey(apiKey)))?.keyId ?? null) : null);

  async function savings(q: { start_date: string; end_date: string }): Promise<SavingsReport> {
    const period = parsePeriod(q);
    return savingsReport(await store.spendTotals(period), period, price);
  }

  const table: Record<string, (q: Record<string, string>) => Promise<unknown>> = {
    async '/spend/logs'(q) {
      const { filter, summarize } = await spendLogFilter(q, keyIdOf, maxRows);
      if (summarize && filter.fromMs !== undefined && filter.toMs !== undefined) {
        return summarizeByDay(await store.spendTotals({ fromMs: filter.fromMs, toMs: filter.toMs }), filter);
      }
      return (await store.querySpendLogs(filter)).map((e) => litellmSpendLog(e));
    },
    async '/global/spend/report'(q) {
      const period = parsePeriod(q);
      const groupBy = parseGroupBy(q['group_by']);
      const rawKey = q['api_key']?.trim();
      const resolved = rawKey ? ((await keyIdOf(rawKey)) ?? rawKey) : null;
      const rows = filterTotals(await store.spendTotals(period), q, () => resolved ?? '');
      return spendReport(rows, groupBy, price);
    },
    '/global/spend/savings': (q) => savings({ start_date: q['start_date'] ?? '', end_date: q['end_date'] ?? '' }),
  };

  return {
    routes: Object.keys(table).map((path) => ({ method: 'GET' as const, path })),
    savings,
    async handle(call) {
      try {
        const handler = call.method === 'GET' && Object.hasOwn(table, call.path) ? table[call.path] : undefined;
        if (!handler) throw new GatewayError('not_found', { params: { detail: `Unknown report route ${call.method} ${call.path}` } });
        return { status: 200, body: await handler(call.query) };
      } catch (err) {
        if (isGatewayError(err)) return { status: err.status, body: err.toOpenAI() };
        const errorId = randomUUID();
        logger?.error({ err, errorId, path: call.path }, 'spend report failed');
        const e = new GatewayError('internal_error', { params: { errorId } });
        return { status: e.status, body: e.toOpenAI() };
      }
    },
  };
}
