// Store contract for recordCompletedBatch, run against every adapter: a batch ends where single records would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletedEvent } from '@ai-gateway/kit';
import { createLedger } from '../src/domain/ledger.ts';
import type { StoreHarness } from './store-contract.ts';
import { amount, completedEvent, limits } from './fixtures.ts';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 10);
const tenantA = { keyId: 'k1', keyAlias: 'ci-bot', teamId: 't1', userId: 'u1', projectId: null };
const tenantB = { keyId: 'k2', keyAlias: null, teamId: 't1', userId: null, projectId: 'p1' };
const teamOnly = { keyId: null, keyAlias: null, teamId: 't1', userId: null, projectId: null };

/** Everything recordCompleted writes, in a comparable form (no wall-clock columns). */
async function snapshot(h: StoreHarness): Promise<Record<string, unknown>> {
  const q = (text: string) => h.sql.query(text);
  return {
    spendLogs: await q('SELECT * FROM spend_logs ORDER BY request_id'),
    budgets: await q(`SELECT scope, scope_id, spend, reserved, in_flight, period_start, budget_reset_at, window_start, window_requests, window_tokens
      FROM budgets ORDER BY scope, scope_id`),
    reservations: await q('SELECT id FROM reservations ORDER BY id'),
    outbox: (await q('SELECT topic, msg_key, payload, idempotency_key FROM outbox ORDER BY id')).map((r) => ({ ...r, payload: Buffer.from(r['payload'] as Uint8Array).toString('hex') })),
    audit: await q('SELECT * FROM audit_log ORDER BY seq'),
  };
}

/** Limits on every scope and holds for some of the requests, one of them from an earlier rate minute. */
async function prepare(h: StoreHarness): Promise<void> {
  const { store } = h;
  await store.setLimits({ kind: 'key', id: 'k1' }, limits({ maxBudgetUsd: 100, budgetDuration: '1d', rpmLimit: 1000, tpmLimit: 1_000_000 }), T0);
  await store.setLimits({ kind: 'key', id: 'k2' }, limits({ maxBudgetUsd: 100, tpmLimit: 1_000_000 }), T0);
  await store.setLimits({ kind: 'team', id: 't1' }, limits({ maxBudgetUsd: 1000, maxParallelRequests: 100 }), T0);
  await store.setLimits({ kind: 'user', id: 'u1' }, limits({ maxBudgetUsd: 1000 }), T0);
  const early = createLedger({ deps: { authority: h.store.authority(), now: () => T0 } });
  await early.reserve({ id: 'old-minute', tenant: tenantA, amount: amount(0.5, 700) });
  const ledger = createLedger({ deps: { authority: h.store.authority(), now: () => T0 + 60_000 } });
  for (let i = 0; i < 8; i++) {
    await ledger.reserve({ id: `e${i}`, tenant: i % 3 === 0 ? tenantB : tenantA, amount: amount(0.25, 400 + i) });
  }
}

function events(): CompletedEvent[] {
  const out: CompletedEvent[] = [completedEvent({ requestId: 'old-minute', tenant: tenantA, costUsd: 0.3 })];
  for (let i = 0; i < 12; i++) {
    out.push(completedEvent({
      requestId: `e${i}`, tenant: i % 3 === 0 ? tenantB : i === 11 ? teamOnly : tenantA, costUsd: 0.1 * (i + 1), finishedAtMs: T0 + 60_000 + i,
      usage: { promptTokens: 100 + i, completionTokens: 7 * i, cachedTokens: 0, totalTokens: 100 + 8 * i },
    }));
  }
  out.push(completedEvent({ requestId: 'bad', costUsd: Number.NaN, latencyMs: 3.6, usage: { promptTokens: -1, completionTokens: 2.5, cachedTokens: 0, totalTokens: Number.NaN } }));
  return out;
}

export function storeBatchContract(name: string, open: () => Promise<StoreHarness>): void {
  // One store at a time: the PGlite harness shares one database whose search_path picks the store's schema.
  async function withStore<T>(fn: (h: StoreHarness) => Promise<T>): Promise<T> {
    const h = await open();
    try {
      await h.store.migrate();
      return await fn(h);
    } finally {
      await h.store.close();
    }
  }

  test(`${name} - a batch of events leaves the same rows, counters, holds and audit chain as recording them one by one`, async () => {
    const evs = events();
    const single = await withStore(async (h) => {
      await prepare(h);
      const results = [];
      for (const e of evs) results.push(await h.store.recordCompleted(e, T0 + 61_000));
      return { results, rows: await snapshot(h) };
    });
    const batch = await withStore(async (h) => {
      await prepare(h);
      const results = await h.store.recordCompletedBatch(evs, T0 + 61_000);
      const chain = await h.store.verifyAuditChain();
      assert.deepEqual(chain.ok && chain.count, evs.length);
      // Absolute figures too (both runs share the code path): holds settled to actual tokens in their own minute
      // only (the old-minute hold leaves the current window alone), spend added per event in order.
      const counters = async (kind: 'key' | 'team', id: string) => {
        const c = (await h.store.getBudget({ kind, id }))?.counters;
        return [c?.windowRequests, c?.windowTokens, c?.inFlight, c?.reservedUsd];
      };
      assert.deepEqual(await counters('key', 'k1'), [5, 108 + 116 + 132 + 140 + 156, 0, 0]);
      assert.deepEqual(await counters('key', 'k2'), [3, 100 + 124 + 148, 0, 0]);
      assert.deepEqual(await counters('team', 't1'), [8, 100 + 108 + 116 + 124 + 132 + 140 + 148 + 156, 0, 0]);
      const spendOf = (keyId: string) => evs.filter((e) => e.tenant.keyId === keyId).reduce((s, e) => s + (Number.isFinite(e.costUsd) ? e.costUsd : 0), 0);
      assert.equal((await h.store.getBudget({ kind: 'key', id: 'k1' }))?.counters.spendUsd, spendOf('k1'));
      assert.equal((await h.store.getBudget({ kind: 'key', id: 'k2' }))?.counters.spendUsd, spendOf('k2'));
      return { results, rows: await snapshot(h) };
    });
    assert.ok(batch.results.every((r) => r.recorded));
    assert.deepEqual(batch.results, single.results);
    assert.deepEqual(batch.rows, single.rows);
    assert.deepEqual(batch.rows['reservations'], []);
  });

  test(`${name} - text with quotes, commas, line breaks and non-ASCII is stored as sent, empty text apart from none`, () =>
    withStore(async (h) => {
      const tricky = 'gpt "4o", mini\nline two\r\n\\ ünïcødé ✓ 👋';
      const evt = completedEvent({
        requestId: 'csv-1', requestedModel: tricky, modelGroup: '', errorCode: 'a,b', tenant: { keyId: 'k,1', keyAlias: null, teamId: '"t"', userId: null, projectId: '' },
        verdicts: [{ guardrail: 'pii "x", y', action: 'mask', categories: ['line\nbreak', 'a,b'], score: 0.5 }],
      });
      assert.equal((await h.store.recordCompletedBatch([evt], T0))[0]?.recorded, true);
      const row = (await h.sql.query('SELECT * FROM spend_logs WHERE request_id = $1', ['csv-1']))[0];
      assert.equal(row?.['requested_model'], tricky);
      assert.equal(row?.['model_group'], '', 'an empty string stays empty, not NULL');
      assert.equal(row?.['user_id'], null, 'no value stays NULL');
      assert.equal(row?.['key_id'], 'k,1');
      assert.equal(row?.['team_id'], '"t"');
      assert.equal(row?.['project_id'], '');
      assert.equal(row?.['error_code'], 'a,b');
      const audit = (await h.sql.query('SELECT model, verdicts FROM audit_log WHERE request_id = $1', ['csv-1']))[0];
      assert.equal(audit?.['model'], '');
      assert.deepEqual(audit?.['verdicts'], evt.verdicts);
      const chain = await h.store.verifyAuditChain();
      assert.ok(chain.ok, 'the chain re-hashes from what was stored');
    }));

  test(`${name} - a batch with repeated and already recorded request ids writes each request once`, () =>
    withStore(async (h) => {
      const { store } = h;
      await store.setLimits({ kind: 'key', id: 'k1' }, limits({ maxBudgetUsd: 10 }), T0);
      const e = (id: string, costUsd: number) => completedEvent({ requestId: id, costUsd });
      assert.equal((await store.recordCompleted(e('d1', 0.5), T0)).recorded, true);
      const results = await store.recordCompletedBatch([e('d1', 0.5), e('d2', 0.25), e('d2', 0.25), e('d3', 0.125), e('d1', 0.5)], T0 + 1);
      assert.deepEqual(results.map((r) => r.recorded), [false, true, false, true, false]);
      const again = await store.recordCompletedBatch([e('d3', 0.125), e('d2', 0.25), e('d1', 0.5)], T0 + 2);
      assert.deepEqual(again, [{ recorded: false }, { recorded: false }, { recorded: false }]);
      assert.deepEqual(await store.recordCompletedBatch([], T0 + 3), []);
      const n = await h.sql.query(`SELECT (SELECT count(*)::int FROM spend_logs) AS s, (SELECT count(*)::int FROM outbox) AS o,
        (SELECT count(*)::int FROM audit_log) AS a`);
      assert.deepEqual(n[0], { s: 3, o: 6, a: 3 });
      assert.equal((await store.getBudget({ kind: 'key', id: 'k1' }))?.counters.spendUsd, 0.875);
      const chain = await store.verifyAuditChain();
      assert.deepEqual(chain.ok && chain.count, 3);
      assert.deepEqual((await store.pendingOutbox(10)).map((o) => o.idempotencyKey), ['billing:d1', 'audit:d1', 'billing:d2', 'audit:d2', 'billing:d3', 'audit:d3']);
    }));

  test(`${name} - a batch after a budget period ended rolls the period once before adding its spend`, () =>
    withStore(async (h) => {
      const { store } = h;
      await store.setLimits({ kind: 'key', id: 'k1' }, limits({ maxBudgetUsd: 1, budgetDuration: '1h' }), T0);
      await store.setLimits({ kind: 'team', id: 't1' }, limits({ maxBudgetUsd: 100 }), T0);
      await store.recordCompletedBatch([completedEvent({ requestId: 'p1', costUsd: 0.5 }), completedEvent({ requestId: 'p2', costUsd: 0.25 })], T0 + 10);
      assert.equal((await store.getBudget({ kind: 'key', id: 'k1' }))?.counters.spendUsd, 0.75);
      const later = T0 + 3_600_000 + 5;
      await store.recordCompletedBatch([completedEvent({ requestId: 'p3', costUsd: 0.125 }), completedEvent({ requestId: 'p4', costUsd: 0.0625 })], later);
      const k = (await store.getBudget({ kind: 'key', id: 'k1' }))?.counters;
      assert.deepEqual([k?.spendUsd, k?.periodStartMs, k?.budgetResetAtMs], [0.1875, T0 + 3_600_000, T0 + 7_200_000]);
      assert.equal((await store.getBudget({ kind: 'team', id: 't1' }))?.counters.spendUsd, 0.9375);
      assert.equal(await store.rollDueBudgets(later), 0);
    }));
}
