import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createLedger } from '../src/domain/ledger.ts';
import { createMemoryAuthority } from '../src/domain/memory-authority.ts';
import { createSliceAuthority } from '../src/domain/slices.ts';
import { limits, amount } from './fixtures.ts';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 10);
const key = { kind: 'key' as const, id: 'k1' };
const tenant = { keyId: 'k1', teamId: null, userId: null };
const slice = { costUsd: 0.5, requests: 20, tokens: 1_000_000, parallel: 50 };

function replica(upstream: ReturnType<typeof createMemoryAuthority>, id: string, now: { t: number }, sliceSize = slice) {
  const authority = createSliceAuthority({ deps: { upstream }, options: { replicaId: id, slice: sliceSize, maxRequestTtlMs: 120_000 } });
  return { authority, ledger: createLedger({ deps: { authority, now: () => now.t }, options: { defaultTtlMs: 60_000, slackMs: 5_000 } }) };
}

describe('reservation slices', () => {
  test('slices - most reserves are served locally: 100 reserves take 5 slice grants', async () => {
    const upstream = createMemoryAuthority();
    upstream.loadScope(key, limits({ maxBudgetUsd: 100 }), T0);
    const now = { t: T0 };
    const r = replica(upstream, 'a', now);
    for (let i = 0; i < 100; i++) await r.ledger.reserve({ id: `q${i}`, tenant, amount: amount(0.01) });
    assert.equal(r.authority.upstreamCalls, 5); // exhausted slices with running members are returned later
  });

  test('slices - replicas sharing one budget never admit more than max_budget', async () => {
    const upstream = createMemoryAuthority();
    upstream.loadScope(key, limits({ maxBudgetUsd: 1 }), T0);
    const now = { t: T0 };
    const replicas = ['a', 'b', 'c'].map((id) => replica(upstream, id, now));
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => replicas[i % 3]!.ledger.reserve({ id: `q${i}`, tenant, amount: amount(0.1) })),
    );
    const admitted = results.filter((x) => x.status === 'fulfilled').length;
    assert.ok(admitted <= 10, `admitted ${admitted}`);
    assert.ok(admitted >= 5, `admitted ${admitted}`);
    const c = upstream.counters(key, T0);
    assert.ok((c?.reservedUsd ?? 0) <= 1 + 1e-9);
  });

  test('slices - a refused full slice falls back to exactly what the request needs', async () => {
    const upstream = createMemoryAuthority();
    upstream.loadScope(key, limits({ maxParallelRequests: 1 }), T0);
    const r = replica(upstream, 'a', { t: T0 });
    await r.ledger.reserve({ id: 'q1', tenant, amount: amount(0.1) });
    await assert.rejects(r.ledger.reserve({ id: 'q2', tenant, amount: amount(0.1) }), /max_parallel_requests 1/);
    assert.equal(upstream.counters(key, T0)?.inFlight, 1);
  });

  test('slices - released members give room back; finished slices return to the shared budget', async () => {
    const upstream = createMemoryAuthority();
    upstream.loadScope(key, limits({ maxBudgetUsd: 1, rpmLimit: 100 }), T0);
    const now = { t: T0 };
    const r = replica(upstream, 'a', now);
    await r.ledger.reserve({ id: 'q1', tenant, amount: amount(0.3) });
    await r.ledger.reserve({ id: 'q2', tenant, amount: amount(0.2) });
    assert.equal(upstream.counters(key, T0)?.reservedUsd, 0.5);
    await r.ledger.release('q2');
    await r.ledger.reserve({ id: 'q3', tenant, amount: amount(0.2) }); // fits the same slice again
    assert.equal(upstream.counters(key, T0)?.reservedUsd, 0.5);
    await r.ledger.settle('q1', { costUsd: 0.25, tokens: 40 });
    await r.ledger.settle('q3', { costUsd: 0.1, tokens: 60 });
    now.t = T0 + 60_000;
    await r.ledger.expire();
    const c = upstream.counters(key, T0 + 60_000);
    assert.equal(c?.reservedUsd, 0);
    assert.equal(c?.inFlight, 0);
  });

  test('slices - a slice retired while members run stays held until the last one finishes', async () => {
    const upstream = createMemoryAuthority();
    upstream.loadScope(key, limits({ maxBudgetUsd: 10 }), T0);
    const now = { t: T0 };
    const r = replica(upstream, 'a', now, { costUsd: 0.5, requests: 2, tokens: 1_000_000, parallel: 10 });
    await r.ledger.reserve({ id: 'q1', tenant, amount: amount(0.1) });
    await r.ledger.reserve({ id: 'q2', tenant, amount: amount(0.1) });
    await r.ledger.reserve({ id: 'q3', tenant, amount: amount(0.1) }); // new slice; first one retired with 2 members
    assert.equal(upstream.counters(key, T0)?.reservedUsd, 1);
    await r.ledger.settle('q1', { costUsd: 0, tokens: 1 });
    assert.equal(upstream.counters(key, T0)?.reservedUsd, 1);
    await r.ledger.settle('q2', { costUsd: 0, tokens: 1 });
    assert.equal(upstream.counters(key, T0)?.reservedUsd, 0.5);
  });
});
