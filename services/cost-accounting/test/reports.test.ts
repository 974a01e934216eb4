// Spend reports over PGlite: /spend/logs filters and LiteLLM fields, /global/spend/report groupings, savings.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import type { CompletedEvent } from '@ai-gateway/kit';
import { createPgliteExecutor } from '../src/store/pglite.ts';
import { createSqlStore } from '../src/store/store.ts';
import type { Store } from '../src/store/port.ts';
import { createSpendReports, type SpendReports } from '../src/reports/api.ts';
import { completedEvent } from './fixtures.ts';

const DAY1 = Date.parse('2026-11-20T10:00:00Z');
const DAY2 = Date.parse('2026-11-21T10:00:00Z');
const usage = (p: number, c: number) => ({ promptTokens: p, completionTokens: c, cachedTokens: 0, totalTokens: p + c });
const tenant = (keyId: string, teamId: string | null, userId: string | null = null) => ({ keyId, keyAlias: null, teamId, userId, projectId: null });

/** Six requests over two days: plain, cache hit, routed gpt-4o → gpt-4o-mini, an error, another team. */
const EVENTS: CompletedEvent[] = [
  completedEvent({ requestId: 'a1', tenant: tenant('ka', 'team-a', 'alice'), finishedAtMs: DAY1, costUsd: 0.0035, usage: usage(1000, 100) }),
  completedEvent({ requestId: 'a2', tenant: tenant('ka', 'team-a', 'alice'), finishedAtMs: DAY1 + 1000, costUsd: 0, savedUsd: 0.0035, cacheStatus: 'exact_hit', usage: usage(1000, 100) }),
  completedEvent({
    requestId: 'a3', tenant: tenant('ka', 'team-a', 'bob'), finishedAtMs: DAY2, requestedModel: 'gpt-4o', modelGroup: 'gpt-4o-mini',
    providerModel: 'gpt-4o-mini', costUsd: 0.00021, usage: usage(1000, 100), fallbacks: [{ from: 'gpt-4o', to: 'gpt-4o-mini', reason: 'rate_limited' }],
  }),
  completedEvent({ requestId: 'a4', tenant: tenant('ka2', 'team-a'), finishedAtMs: DAY2 + 1000, outcome: 'error', httpStatus: 502, costUsd: 0, usage: usage(0, 0) }),
  completedEvent({ requestId: 'b1', tenant: tenant('kb', 'team-b'), finishedAtMs: DAY2 + 2000, requestedModel: 'claude-3-5-sonnet', modelGroup: 'claude-3-5-sonnet', providerModel: 'claude-3-5-sonnet-20241022', costUsd: 0.0045, usage: usage(1000, 100) }),
  completedEvent({ requestId: 'late', tenant: tenant('kb', 'team-b'), finishedAtMs: Date.parse('2026-12-05T00:00:00Z'), costUsd: 9 }),
];

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

describe('spend reports', () => {
  let db: PGlite;
  let store: Store;
  let reports: SpendReports;
  const get = async (path: string, query: Record<string, string> = {}) => reports.handle({ method: 'GET', path, query });
  before(async () => {
    db = new PGlite();
    await db.waitReady;
    store = createSqlStore({ deps: { sql: await createPgliteExecutor({ deps: { db } }) } });
    await store.migrate();
    for (const e of EVENTS) await store.recordCompleted(e);
    reports = createSpendReports({ deps: { store } });
  });
  after(() => db.close());

  test('reports - /spend/logs?request_id returns that request in LiteLLM field names, without prompt text', async () => {
    const res = await get('/spend/logs', { request_id: 'a3' });
    assert.equal(res.status, 200);
    const rows = res.body as Record<string, unknown>[];
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row['request_id'], 'a3');
    assert.equal(row['api_key'], 'ka');
    assert.equal(row['team_id'], 'team-a');
    assert.equal(row['user'], 'bob');
    assert.equal(row['model'], 'gpt-4o-mini');
    assert.equal(row['model_group'], 'gpt-4o-mini');
    assert.equal(row['spend'], 0.00021);
    assert.equal(row['total_tokens'], 1100);
    assert.equal(row['cache_hit'], 'False');
    assert.equal(row['status'], 'success');
    assert.equal((row['metadata'] as Record<string, unknown>)['requested_model'], 'gpt-4o');
    assert.deepEqual([row['messages'], row['response']], [{}, {}]);
  });

  test('reports - /spend/logs filters by key, team, user and date range (end date inclusive), newest first', async () => {
    const ids = async (q: Record<string, string>) => ((await get('/spend/logs', { ...q, summarize: 'false' })).body as { request_id: string }[]).map((r) => r.request_id);
    assert.deepEqual(await ids({ api_key: 'ka' }), ['a3', 'a2', 'a1']);
    assert.deepEqual(await ids({ team_id: 'team-b' }), ['late', 'b1']);
    assert.deepEqual(await ids({ user_id: 'alice' }), ['a2', 'a1']);
    assert.deepEqual(await ids({ start_date: '2026-11-21', end_date: '2026-11-21' }), ['b1', 'a4', 'a3']);
    assert.deepEqual(await ids({ team_id: 'team-a', start_date: '2026-11-20', end_date: '2026-11-20' }), ['a2', 'a1']);
  });

  test('reports - /spend/logs with a date range summarizes per day like LiteLLM', async () => {
    const res = await get('/spend/logs', { start_date: '2026-11-20', end_date: '2026-11-21' });
    const days = res.body as { startTime: string; spend: number; models: Record<string, number>; users: Record<string, number> }[];
    assert.deepEqual(days.map((d) => d.startTime), ['2026-11-20', '2026-11-21']);
    assert.ok(close(days[0]!.spend, 0.0035));
    assert.ok(close(days[1]!.spend, 0.00021 + 0.0045));
    assert.ok(close(days[1]!.models['claude-3-5-sonnet']!, 0.0045));
    assert.ok(close(days[1]!.users['bob']!, 0.00021));
  });

  test('reports - bad dates and unknown group_by are 400s in OpenAI shape', async () => {
    const bad: Record<string, string>[] = [{ start_date: '2026-13-01', end_date: '2026-11-21' }, { start_date: '2026-11-21', end_date: '2026-11-20' }, { start_date: '2026-11-20' }];
    for (const q of bad) {
      const res = await get('/global/spend/report', q);
      assert.equal(res.status, 400, JSON.stringify(q));
      assert.equal((res.body as { error: { type: string } }).error.type, 'invalid_request_error');
    }
    const res = await get('/global/spend/report', { start_date: '2026-11-20', end_date: '2026-11-21', group_by: 'planet' });
    assert.equal(res.status, 400);
    assert.equal((await get('/spend/logs', { start_date: 'yesterday' })).status, 400);
    assert.equal((await get('/global/nothing')).status, 404);
  });

  test('reports - /global/spend/report group_by=team lists teams per day with models, spend and savings', async () => {
    const res = await get('/global/spend/report', { start_date: '2026-11-20', end_date: '2026-11-21', group_by: 'team' });
    assert.equal(res.status, 200);
    const days = res.body as { group_by_day: string; teams: { team_name: string; total_spend: number; cache_savings: number; routing_savings: number; metadata: { model: string; spend: number }[] }[] }[];
    assert.deepEqual(days.map((d) => d.group_by_day), ['2026-11-20', '2026-11-21']);
    const d1a = days[0]!.teams.find((t) => t.team_name === 'team-a')!;
    assert.ok(close(d1a.total_spend, 0.0035));
    assert.ok(close(d1a.cache_savings, 0.0035));
    assert.deepEqual(days[1]!.teams.map((t) => t.team_name), ['team-b', 'team-a']);
    const d2a = days[1]!.teams.find((t) => t.team_name === 'team-a')!;
    // 1000 prompt + 100 completion tokens at gpt-4o prices ($2.5/$10 per M) = 0.0035; served by gpt-4o-mini for 0.00021.
    assert.ok(close(d2a.routing_savings, 0.0035 - 0.00021), String(d2a.routing_savings));
  });

  test('reports - /global/spend/report groups by key, model and day; api_key and team_id filter', async () => {
    const q = { start_date: '2026-11-20', end_date: '2026-11-21' };
    const keys = (await get('/global/spend/report', { ...q, group_by: 'api_key' })).body as { api_key: string; total_cost: number; model_details: { model: string }[] }[];
    assert.deepEqual(keys.map((k) => k.api_key), ['kb', 'ka', 'ka2']);
    assert.ok(close(keys[1]!.total_cost, 0.0035 + 0.00021));
    const models = (await get('/global/spend/report', { ...q, group_by: 'model' })).body as { model: string; total_spend: number; total_requests: number }[];
    assert.deepEqual(models.map((m) => [m.model, m.total_requests]), [['claude-3-5-sonnet', 1], ['gpt-4o', 4]]);
    const days = (await get('/global/spend/report', { ...q, group_by: 'day' })).body as { group_by_day: string; total_spend: number }[];
    assert.equal(days.length, 2);
    const onlyB = (await get('/global/spend/report', { ...q, group_by: 'key', team_id: 'team-b' })).body as { api_key: string }[];
    assert.deepEqual(onlyB.map((k) => k.api_key), ['kb']);
    const onlyKa = (await get('/global/spend/report', { ...q, group_by: 'model', api_key: 'ka' })).body as { total_requests: number }[];
    assert.deepEqual(onlyKa.map((m) => m.total_requests), [3]);
  });

  test('reports - savings report totals spend, cache savings and routing savings by team and model', async () => {
    const s = await reports.savings({ start_date: '2026-11-01', end_date: '2026-11-30' });
    assert.equal(s.totals.requests, 5);
    assert.ok(close(s.totals.spend, 0.0035 + 0.00021 + 0.0045));
    assert.equal(s.totals.cache_hits, 1);
    assert.ok(close(s.totals.cache_savings, 0.0035));
    assert.ok(close(s.totals.routing_savings, 0.0035 - 0.00021));
    assert.ok(close(s.totals.spend_without_gateway, s.totals.spend + s.totals.total_savings));
    assert.deepEqual(s.by_team.map((t) => t.team_id), ['team-b', 'team-a']);
    assert.deepEqual(s.by_model.map((m) => m.model), ['claude-3-5-sonnet', 'gpt-4o']);
    assert.equal(s.by_team_model.length, 2);
  });
});
