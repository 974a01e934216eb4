// Several accounting replicas (one pool each) sharing one PostgreSQL: budgets hold across them.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '@ai-gateway/kit';
import { createLedger, type Ledger } from '../src/domain/ledger.ts';
import { createSliceAuthority } from '../src/domain/slices.ts';
import { createMemoryAuthority } from '../src/domain/memory-authority.ts';
import { MIGRATIONS } from '../src/store/migrations.ts';
import type { Store } from '../src/store/port.ts';
import { DATABASE_URL, dropSchema, openPgStore } from './pg-harness.ts';
import { completedEvent, limits, amount } from './fixtures.ts';

const key = { kind: 'key' as const, id: 'k1' };
const team = { kind: 'team' as const, id: 't1' };
const tenant = { keyId: 'k1', teamId: 't1', userId: null };
const schemas: string[] = [];

async function replicas(n: number): Promise<Store[]> {
  const first = await openPgStore({ maxConnections: 8 });
  schemas.push(first.schema);
  const rest = await Promise.all(Array.from({ length: n - 1 }, () => openPgStore({ schema: first.schema, maxConnections: 8 })));
  const stores = [first.store, ...rest.map((r) => r.store)];
  // Replicas boot together: the advisory lock lets exactly one apply each migration.
  const applied = await Promise.all(stores.map((s) => s.migrate()));
  assert.deepEqual(applied.flat().sort((a, b) => a - b), MIGRATIONS.map((m) => m.version));
  return stores;
}

describe('replicas on PostgreSQL', { skip: DATABASE_URL ? false : 'DATABASE_URL is not set (run scripts/stack up)' }, () => {
  after(async () => {
    for (const s of schemas) await dropSchema(s);
  });

  test('replicas - 400 concurrent reserves from 4 replicas admit exactly what max_budget allows', async () => {
    const stores = await replicas(4);
    try {
      await stores[0]!.setLimits(key, limits({ maxBudgetUsd: 1 }));
      await stores[0]!.setLimits(team, limits({ maxBudgetUsd: 1000, maxParallelRequests: 1000 }));
      const ledgers = stores.map((s) => createLedger({ deps: { authority: s.authority() } }));
      const results = await Promise.allSettled(Array.from({ length: 400 }, (_, i) => ledgers[i % 4]!.reserve({ id: `q${i}`, tenant, amount: amount(0.01) })));
      const admitted = results.filter((r) => r.status === 'fulfilled').length;
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as GatewayError).code, 'budget_exceeded');
      assert.equal(admitted, 100);
      const k = (await stores[0]!.getBudget(key))!.counters;
      assert.ok(k.reservedUsd <= 1 + 1e-9, `reserved ${k.reservedUsd}`);
      assert.equal((await stores[0]!.getBudget(team))!.counters.inFlight, 100);
      // Completed events recorded by any replica settle the holds and move cost into spend, once.
      await Promise.all(results.map((r, i) => (r.status === 'fulfilled' ? stores[(i + 1) % 4]!.recordCompleted(completedEvent({ requestId: `q${i}`, costUsd: 0.005, tenant: { ...completedEvent({ requestId: 'x' }).tenant, userId: null } })) : null)));
      const after = (await stores[0]!.getBudget(key))!.counters;
      assert.ok(Math.abs(after.reservedUsd) < 1e-9 && after.inFlight === 0);
      assert.ok(Math.abs(after.spendUsd - 0.5) < 1e-9, `spend ${after.spendUsd}`);
      const chain = await stores[3]!.verifyAuditChain();
      assert.deepEqual(chain.ok && chain.count, 100);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('replicas - concurrent reserves from 3 replicas respect rpm_limit and max_parallel_requests exactly', async () => {
    const stores = await replicas(3);
    try {
      await stores[0]!.setLimits(key, limits({ label: 'ci-bot', rpmLimit: 30 }));
      await stores[0]!.setLimits(team, limits({ label: 'research', maxParallelRequests: 20 }));
      const now = Date.UTC(2026, 10, 26, 12, 0, 10);
      const ledgers = stores.map((s) => createLedger({ deps: { authority: s.authority(), now: () => now } }));
      const results = await Promise.allSettled(Array.from({ length: 90 }, (_, i) => ledgers[i % 3]!.reserve({ id: `p${i}`, tenant, amount: amount(0, 10) })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 20);
      const k = (await stores[0]!.getBudget(key))!.counters;
      const tm = (await stores[0]!.getBudget(team))!.counters;
      assert.deepEqual([k.windowRequests, tm.inFlight], [20, 20]);
      // Finish 15: parallel room for 15 more, but only 10 left under rpm 30 this minute.
      const admittedIds = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`p${i}`] : []));
      await Promise.all(admittedIds.slice(0, 15).map((id) => ledgers[0]!.settle(id, { costUsd: 0, tokens: 10 })));
      const more = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => ledgers[i % 3]!.reserve({ id: `m${i}`, tenant, amount: amount(0, 10) })));
      assert.equal(more.filter((r) => r.status === 'fulfilled').length, 10);
      for (const r of more) if (r.status === 'rejected') assert.equal((r.reason as GatewayError).code, 'rate_limited');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('replicas - sliced replicas stay within max_budget with far fewer round trips', async (t) => {
    const stores = await replicas(4);
    try {
      await stores[0]!.setLimits(key, limits({ maxBudgetUsd: 1 }));
      const auths = stores.map((s, i) =>
        createSliceAuthority({ deps: { upstream: s.authority({ holder: `r${i}` }) }, options: { replicaId: `r${i}`, slice: { costUsd: 0.1, requests: 50, tokens: 1_000_000, parallel: 50 }, maxRequestTtlMs: 120_000 } }));
      const ledgers = auths.map((authority) => createLedger({ deps: { authority }, options: { defaultTtlMs: 60_000, slackMs: 5_000 } }));
      const results = await Promise.allSettled(Array.from({ length: 400 }, (_, i) => ledgers[i % 4]!.reserve({ id: `s${i}`, tenant, amount: amount(0.01) })));
      const admitted = results.filter((r) => r.status === 'fulfilled').length;
      const calls = auths.reduce((n, a) => n + a.upstreamCalls, 0);
      const k = (await stores[0]!.getBudget(key))!.counters;
      assert.ok(admitted <= 100 && admitted >= 60, `admitted ${admitted}`);
      assert.ok(k.reservedUsd <= 1 + 1e-9, `reserved ${k.reservedUsd}`);
      t.diagnostic(`sliced: ${admitted} admitted of 400, ${calls} upstream calls, reserved ${k.reservedUsd.toFixed(3)} of 1.000`);
      // Admitted requests cost about one round trip per slice; each refused one costs one (it must ask).
      assert.ok(calls < 400 - admitted + 40, `upstream calls ${calls}`);
      // Settle everything; idle slices go back at the next sweep.
      await Promise.all(results.map((r, i) => (r.status === 'fulfilled' ? ledgers[i % 4]!.settle(`s${i}`, { costUsd: 0.01, tokens: 10 }) : null)));
      const later = Date.now() + 61_000;
      await Promise.all(auths.map((a) => a.expire(later)));
      const end = (await stores[0]!.getBudget(key))!.counters;
      assert.ok(Math.abs(end.reservedUsd) < 1e-9, `reserved after sweep ${end.reservedUsd}`);
      assert.equal(await stores[0]!.reservationCount(), 0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('replicas - measured cost of one reserve+settle: Postgres direct, sliced, in memory', async (t) => {
    const [store] = await replicas(1);
    try {
      await store!.setLimits(key, limits({ maxBudgetUsd: 1e9, rpmLimit: 1e9 }));
      await store!.setLimits(team, limits({ maxBudgetUsd: 1e9 }));
      const memory = createMemoryAuthority();
      memory.loadScope(key, limits({ maxBudgetUsd: 1e9 }), Date.now());
      memory.loadScope(team, limits({ maxBudgetUsd: 1e9 }), Date.now());
      const sliced = createSliceAuthority({ deps: { upstream: store!.authority() }, options: { replicaId: 'm', slice: { costUsd: 10, requests: 1000, tokens: 1e8, parallel: 1000 }, maxRequestTtlMs: 120_000 } });
      const measure = async (name: string, ledger: Ledger, n: number) => {
        const start = performance.now();
        for (let i = 0; i < n; i++) {
          await ledger.reserve({ id: `${name}${i}`, tenant, amount: amount(0.001) });
          await ledger.settle(`${name}${i}`, { costUsd: 0.001, tokens: 100 });
        }
        return ((performance.now() - start) / n) * 1000;
      };
      const direct = await measure('d', createLedger({ deps: { authority: store!.authority() } }), 300);
      const slice = await measure('s', createLedger({ deps: { authority: sliced }, options: { defaultTtlMs: 60_000, slackMs: 5_000 } }), 3000);
      const mem = await measure('m', createLedger({ deps: { authority: memory } }), 3000);
      t.diagnostic(`reserve+settle per request (2 scopes): postgres direct ${direct.toFixed(0)} µs, sliced ${slice.toFixed(1)} µs, memory ${mem.toFixed(1)} µs; slice upstream calls ${sliced.upstreamCalls} for 3000 requests`);
      assert.ok(slice < direct);
    } finally {
      await store!.close();
    }
  });
});
