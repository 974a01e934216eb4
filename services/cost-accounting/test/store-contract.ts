// The Store contract: one suite, run against every adapter (PGlite and PostgreSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '@ai-gateway/kit';
import type { Store } from '../src/store/port.ts';
import type { SqlExecutor } from '../src/store/sql.ts';
import { createLedger } from '../src/domain/ledger.ts';
import { hashKey, keyPrefix, generateKey } from '../src/domain/keys.ts';
import { minuteStart } from '../src/domain/reservation.ts';
import { createMemoryAuthority } from '../src/domain/memory-authority.ts';
import { seedMemoryAuthority } from '../src/store/seed.ts';
import { completedEvent, limits, amount } from './fixtures.ts';

export interface StoreHarness {
  store: Store;
  /** Raw access for tampering tests (owner connection). */
  sql: SqlExecutor;
}

const T0 = Date.UTC(2026, 10, 26, 12, 0, 10);
const key = { kind: 'key' as const, id: 'k1' };
const team = { kind: 'team' as const, id: 't1' };
const tenant = { keyId: 'k1', teamId: 't1', userId: 'u1' };

export function storeContract(name: string, open: () => Promise<StoreHarness>): void {
  async function withStore(fn: (h: StoreHarness) => Promise<void>): Promise<void> {
    const h = await open();
    try {
      await h.store.migrate();
      await fn(h);
    } finally {
      await h.store.close();
    }
  }
  const ledgerOver = (store: Store, now: () => number) => createLedger({ deps: { authority: store.authority(), now } });

  test(`${name} - migrations are versioned and a second run applies nothing`, () =>
    withStore(async ({ store, sql }) => {
      assert.deepEqual(await store.migrate(), []);
      const rows = await sql.query('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => r['version']), [1, 2, 3, 4, 5, 6]);
    }));

  test(`${name} - keys are stored by sha256 hash with a display prefix, alias unique`, () =>
    withStore(async ({ store }) => {
      await store.createTeam({ teamId: 't1', teamAlias: 'research' });
      await store.createUser({ userId: 'u1', userEmail: 'a@example.com' });
      await store.addTeamMember('t1', 'u1', 'admin');
      const secret = generateKey();
      await store.createKey({ keyId: 'k1', keyHash: hashKey(secret), keyPrefix: keyPrefix(secret), keyAlias: 'ci-bot', teamId: 't1', userId: 'u1', models: ['gpt-4o'], metadata: { env: 'ci' }, expiresAtMs: T0 + 86_400_000 });
      const found = await store.findKeyByHash(hashKey(secret));
      assert.equal(found?.keyAlias, 'ci-bot');
      assert.deepEqual(found?.models, ['gpt-4o']);
      assert.deepEqual(found?.metadata, { env: 'ci' });
      assert.equal(found?.expiresAtMs, T0 + 86_400_000);
      assert.ok(!found?.keyPrefix.includes(secret.slice(7, 20)));
      assert.equal(await store.findKeyByHash(hashKey('sk-other')), null);
      await assert.rejects(store.createKey({ keyId: 'k2', keyHash: hashKey(generateKey()), keyPrefix: 'x', keyAlias: 'ci-bot' }));
      assert.deepEqual(await store.teamMembers('t1'), [{ userId: 'u1', role: 'admin' }]);
    }));

  test(`${name} - limits round-trip and a changed budget_duration starts a new period`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ label: 'ci-bot', maxBudgetUsd: 10, budgetDuration: '1d', rpmLimit: 5 }), T0);
      let b = await store.getBudget(key);
      assert.equal(b?.limits.maxBudgetUsd, 10);
      assert.equal(b?.counters.budgetResetAtMs, T0 + 86_400_000);
      await store.setLimits(key, limits({ label: 'ci-bot', maxBudgetUsd: 20, budgetDuration: '1d' }), T0 + 1000);
      b = await store.getBudget(key);
      assert.equal(b?.counters.budgetResetAtMs, T0 + 86_400_000);
      assert.equal(b?.limits.rpmLimit, null);
      await store.setLimits(key, limits({ maxBudgetUsd: 20, budgetDuration: '1mo' }), T0 + 2000);
      b = await store.getBudget(key);
      assert.equal(b?.counters.budgetResetAtMs, Date.UTC(2026, 11, 26, 12, 0, 12));
      assert.equal((await store.listBudgets()).length, 1);
    }));

  test(`${name} - reserve admits within max_budget and refuses the hold that would cross it`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ label: 'ci-bot', maxBudgetUsd: 1, budgetDuration: '1d' }), T0);
      const ledger = ledgerOver(store, () => T0);
      await ledger.reserve({ id: 'r1', tenant, amount: amount(0.6) });
      await assert.rejects(ledger.reserve({ id: 'r2', tenant, amount: amount(0.5) }), (e: unknown) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.code, 'budget_exceeded');
        assert.match(e.message, /key ci-bot/);
        assert.match(e.message, /2026-11-27T12:00:10.000Z/);
        return true;
      });
      assert.equal((await store.getBudget(key))?.counters.reservedUsd, 0.6);
      assert.equal(await ledger.release('r1'), true);
      assert.equal(await ledger.release('r1'), false);
      await ledger.reserve({ id: 'r2', tenant, amount: amount(0.5) });
      assert.equal(await store.reservationCount(), 1);
    }));

  test(`${name} - a repeated reserve with the same id holds once`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ maxBudgetUsd: 1 }), T0);
      const ledger = ledgerOver(store, () => T0);
      await ledger.reserve({ id: 'r1', tenant, amount: amount(0.6) });
      await ledger.reserve({ id: 'r1', tenant, amount: amount(0.6) });
      assert.equal((await store.getBudget(key))?.counters.reservedUsd, 0.6);
    }));

  test(`${name} - rpm, tpm and max_parallel_requests refuse with rate_limited and retry-after`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ label: 'ci-bot', rpmLimit: 2 }), T0);
      await store.setLimits(team, limits({ label: 'research', tpmLimit: 250, maxParallelRequests: 3 }), T0);
      const ledger = ledgerOver(store, () => T0);
      await ledger.reserve({ id: 'a', tenant, amount: amount(0, 100) });
      await ledger.reserve({ id: 'b', tenant, amount: amount(0, 100) });
      await assert.rejects(ledger.reserve({ id: 'c', tenant, amount: amount(0, 10) }), (e: unknown) =>
        e instanceof GatewayError && e.code === 'rate_limited' && /key ci-bot: rpm_limit 2/.test(e.message) && e.headers['retry-after'] === '50');
      // next minute: rpm window is fresh, tpm too; parallel still counts a and b
      const later = createLedger({ deps: { authority: store.authority(), now: () => T0 + 60_000 } });
      await later.reserve({ id: 'd', tenant, amount: amount(0, 200) });
      await assert.rejects(later.reserve({ id: 'e', tenant, amount: amount(0, 100) }), (e: unknown) =>
        e instanceof GatewayError && e.code === 'rate_limited' && /team research/.test(e.message));
      await store.setLimits(team, limits({ label: 'research', maxParallelRequests: 3 }), T0);
      await assert.rejects(later.reserve({ id: 'f', tenant, amount: amount(0, 1) }), /max_parallel_requests 3/);
      await later.settle('a', { costUsd: 0, tokens: 90 });
      await later.reserve({ id: 'f', tenant, amount: amount(0, 1) });
    }));

  test(`${name} - settle corrects the minute's tokens and release gives the request back`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ rpmLimit: 10, tpmLimit: 1000 }), T0);
      const ledger = ledgerOver(store, () => T0);
      await ledger.reserve({ id: 'a', tenant, amount: amount(0, 500) });
      await ledger.reserve({ id: 'b', tenant, amount: amount(0, 300) });
      await ledger.settle('a', { costUsd: 0, tokens: 120 });
      await ledger.release('b');
      const c = (await store.getBudget(key))?.counters;
      assert.equal(c?.windowTokens, 120);
      assert.equal(c?.windowRequests, 1);
      assert.equal(c?.inFlight, 0);
      assert.equal(c?.windowStartMs, minuteStart(T0));
    }));

  test(`${name} - expired reservations of a crashed replica are freed by any sweeper`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ maxBudgetUsd: 1, maxParallelRequests: 1 }), T0);
      const crashed = createLedger({ deps: { authority: store.authority({ holder: 'replica-a' }), now: () => T0 }, options: { slackMs: 1000 } });
      await crashed.reserve({ id: 'r1', tenant, amount: amount(0.9), deadlineMs: T0 + 5000 });
      const other = createLedger({ deps: { authority: store.authority({ holder: 'replica-b' }), now: () => T0 + 5_500 } });
      await assert.rejects(other.reserve({ id: 'r2', tenant, amount: amount(0.5) }));
      assert.equal(await other.expire(), 0);
      const afterTtl = createLedger({ deps: { authority: store.authority(), now: () => T0 + 6_001 } });
      assert.equal(await afterTtl.expire(), 1);
      await afterTtl.reserve({ id: 'r2', tenant, amount: amount(0.5) });
    }));

  test(`${name} - a budget period that has ended rolls over and admits again`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ maxBudgetUsd: 1, budgetDuration: '1h' }), T0);
      await store.recordCompleted(completedEvent({ requestId: 'q1', costUsd: 1 }), T0 + 10);
      const ledger = ledgerOver(store, () => T0 + 3_600_000 + 5);
      await assert.rejects(createLedger({ deps: { authority: store.authority(), now: () => T0 + 20 } }).reserve({ id: 'x', tenant, amount: amount(0.1) }), /resets at/);
      await ledger.reserve({ id: 'r1', tenant, amount: amount(0.5) });
      const c = (await store.getBudget(key))?.counters;
      assert.equal(c?.spendUsd, 0);
      assert.equal(c?.budgetResetAtMs, T0 + 7_200_000);
      assert.equal(await store.rollDueBudgets(T0 + 7_200_000), 1);
    }));

  test(`${name} - recordCompleted writes the spend log, counters, billing and audit outbox rows once`, () =>
    withStore(async ({ store, sql }) => {
      await store.setLimits(key, limits({ maxBudgetUsd: 5 }), T0);
      await store.setLimits(team, limits({ maxBudgetUsd: 50 }), T0);
      const ledger = ledgerOver(store, () => T0);
      await ledger.reserve({ id: 'req-1', tenant, amount: amount(0.2, 400) });
      const ev = completedEvent({ requestId: 'req-1', costUsd: 0.05 });
      const first = await store.recordCompleted(ev, T0 + 1000);
      assert.equal(first.recorded, true);
      const again = await store.recordCompleted(ev, T0 + 2000);
      assert.deepEqual(again, { recorded: false });
      const k = (await store.getBudget(key))?.counters;
      assert.equal(k?.spendUsd, 0.05);
      assert.equal(k?.reservedUsd, 0);
      assert.equal(k?.inFlight, 0);
      assert.equal((await store.getBudget(team))?.counters.spendUsd, 0.05);
      assert.equal(await store.reservationCount(), 0);
      const log = await store.getSpendLog('req-1');
      assert.deepEqual(log, { requestId: 'req-1', keyId: 'k1', teamId: 't1', userId: 'u1', model: 'gpt-4o', costUsd: 0.05, totalTokens: 150, cacheStatus: 'miss', outcome: 'success' });
      const outbox = await store.pendingOutbox(10);
      assert.deepEqual(outbox.map((o) => [o.topic, o.key, o.idempotencyKey]), [
        ['ai-gateway.billing.v1', 'k1', 'billing:req-1'],
        ['ai-gateway.audit.v1', 'k1', 'audit:req-1'],
      ]);
      const billing: unknown = JSON.parse(new TextDecoder().decode(outbox[0]?.payload));
      assert.equal((billing as { costUsd: number }).costUsd, 0.05);
      const n = await sql.query('SELECT (SELECT count(*)::int FROM spend_logs) AS s, (SELECT count(*)::int FROM audit_log) AS a');
      assert.deepEqual(n[0], { s: 1, a: 1 });
      await store.markPublished([outbox[0]!.id], T0 + 3000);
      assert.deepEqual((await store.pendingOutbox(10)).map((o) => o.idempotencyKey), ['audit:req-1']);
    }));

  test(`${name} - a spend log keeps the client's own x-request-id and is found by either id`, () =>
    withStore(async ({ store }) => {
      await store.recordCompletedBatch([
        completedEvent({ requestId: 'gw-1', metadata: { 'x-request-id': 'client-7' } }),
        completedEvent({ requestId: 'gw-2', metadata: { 'x-request-id': 'client-7' } }),
        completedEvent({ requestId: 'gw-3' }),
      ], T0);
      const byClient = await store.querySpendLogs({ requestId: 'client-7', limit: 10 });
      assert.deepEqual(byClient.map((e) => [e.requestId, e.clientRequestId]).sort(), [['gw-1', 'client-7'], ['gw-2', 'client-7']]);
      assert.deepEqual((await store.querySpendLogs({ requestId: 'gw-3', limit: 10 })).map((e) => [e.requestId, e.clientRequestId]), [['gw-3', null]]);
    }));

  test(`${name} - retention deletes old spend logs in chunks and published outbox rows, never pending ones nor the audit chain`, () =>
    withStore(async ({ store, sql }) => {
      const day = 86_400_000;
      // Twelve requests that finished ten days ago, three that finished an hour ago.
      const old = Array.from({ length: 12 }, (_, i) => completedEvent({ requestId: `old-${i}`, receivedAtMs: T0 - 10 * day, finishedAtMs: T0 - 10 * day + i }));
      const recent = Array.from({ length: 3 }, (_, i) => completedEvent({ requestId: `new-${i}`, receivedAtMs: T0 - 3_600_000, finishedAtMs: T0 - 3_600_000 + i }));
      await store.recordCompletedBatch([...old, ...recent], T0);
      const cutoff = T0 - 7 * day;
      assert.equal(await store.pruneSpendLogs(cutoff, 5), 5, 'at most the limit per call');
      assert.equal(await store.pruneSpendLogs(cutoff, 5), 5);
      assert.equal(await store.pruneSpendLogs(cutoff, 5), 2);
      assert.equal(await store.pruneSpendLogs(cutoff, 5), 0);
      const left = await sql.query('SELECT request_id FROM spend_logs ORDER BY request_id');
      assert.deepEqual(left.map((r) => r['request_id']), ['new-0', 'new-1', 'new-2']);
      assert.equal(await store.getSpendLog('old-3'), null);
      // The audit chain is append-only: all fifteen links stay and still verify.
      assert.equal((await sql.query('SELECT count(*)::int AS n FROM audit_log'))[0]?.['n'], 15);
      assert.equal((await store.verifyAuditChain()).ok, true);

      // Outbox: published long ago goes, published recently stays, pending stays whatever its age.
      const pending = await store.pendingOutbox(100);
      assert.equal(pending.length, 30, 'billing + audit rows per request');
      await store.markPublished(pending.slice(0, 10).map((o) => o.id), T0 - 2 * day);
      await store.markPublished(pending.slice(10, 20).map((o) => o.id), T0 - 60_000);
      assert.equal(await store.prunePublishedOutbox(T0 - day, 100), 10);
      assert.equal(await store.prunePublishedOutbox(T0 - day, 100), 0);
      assert.deepEqual((await store.pendingOutbox(100)).map((o) => o.id), pending.slice(20).map((o) => o.id));
      assert.equal((await sql.query('SELECT count(*)::int AS n FROM outbox'))[0]?.['n'], 20);
      await store.reclaimSpace();
      // Recording goes on after a prune and a vacuum.
      assert.equal((await store.recordCompleted(completedEvent({ requestId: 'after', finishedAtMs: T0 }), T0)).recorded, true);
    }));

  test(`${name} - a malformed completed event is recorded with clamped numbers and cannot poison spend`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ maxBudgetUsd: 5 }), T0);
      const bad = completedEvent({ requestId: 'bad-1', costUsd: Number.NaN, latencyMs: 12.7, usage: { promptTokens: 10.4, completionTokens: -3, cachedTokens: 0, totalTokens: Number.POSITIVE_INFINITY } });
      assert.equal((await store.recordCompleted(bad, T0)).recorded, true);
      const log = await store.getSpendLog('bad-1');
      assert.deepEqual([log?.costUsd, log?.totalTokens], [0, 0]);
      assert.equal((await store.getBudget(key))?.counters.spendUsd, 0);
      assert.equal((await store.verifyAuditChain()).ok, true);
    }));

  test(`${name} - the audit log refuses UPDATE and DELETE`, () =>
    withStore(async ({ store, sql }) => {
      await store.recordCompleted(completedEvent({ requestId: 'a1' }), T0);
      await assert.rejects(sql.query(`UPDATE audit_log SET model = 'x' WHERE seq = 1`), /append-only/);
      await assert.rejects(sql.query('DELETE FROM audit_log WHERE seq = 1'), /append-only/);
      await assert.rejects(sql.query('TRUNCATE audit_log'), /append-only/);
      assert.equal((await store.verifyAuditChain()).ok, true);
    }));

  test(`${name} - embedded mode seeds the memory authority with limits and current spend`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ label: 'ci-bot', maxBudgetUsd: 1, budgetDuration: '1d' }), T0);
      await store.recordCompleted(completedEvent({ requestId: 'p1', costUsd: 0.7 }), T0 + 5);
      const authority = createMemoryAuthority();
      assert.equal(await seedMemoryAuthority({ deps: { store, authority }, nowMs: T0 + 10 }), 1);
      const ledger = createLedger({ deps: { authority, now: () => T0 + 10 } });
      await assert.rejects(ledger.reserve({ id: 'm1', tenant, amount: amount(0.5) }), /key ci-bot: spent \$0.700000/);
      await ledger.reserve({ id: 'm2', tenant, amount: amount(0.3) });
    }));

  async function chainOf5(h: StoreHarness): Promise<void> {
    for (let i = 1; i <= 5; i++) await h.store.recordCompleted(completedEvent({ requestId: `a${i}`, finishedAtMs: T0 + i }), T0 + i);
    const ok = await h.store.verifyAuditChain();
    assert.deepEqual(ok.ok && ok.count, 5);
    await h.sql.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
  }

  test(`${name} - the audit chain detects a changed row`, () =>
    withStore(async (h) => {
      await chainOf5(h);
      await h.sql.query(`UPDATE audit_log SET outcome = 'error' WHERE seq = 3`);
      assert.deepEqual(pick(await h.store.verifyAuditChain()), { ok: false, firstBrokenSeq: 3 });
    }));

  test(`${name} - the audit chain detects a deleted row`, () =>
    withStore(async (h) => {
      await chainOf5(h);
      await h.sql.query('DELETE FROM audit_log WHERE seq = 2');
      assert.deepEqual(pick(await h.store.verifyAuditChain()), { ok: false, firstBrokenSeq: 2 });
      await h.sql.query('DELETE FROM audit_log WHERE seq = 5');
      await h.sql.query('DELETE FROM audit_log WHERE seq <> 5 AND seq > 1');
      assert.deepEqual(pick(await h.store.verifyAuditChain()), { ok: false, firstBrokenSeq: 2 });
    }));

  test(`${name} - the audit chain detects a truncated tail`, () =>
    withStore(async (h) => {
      await chainOf5(h);
      await h.sql.query('DELETE FROM audit_log WHERE seq = 5');
      assert.deepEqual(pick(await h.store.verifyAuditChain()), { ok: false, firstBrokenSeq: 5 });
    }));

  test(`${name} - the audit chain detects reordered rows`, () =>
    withStore(async (h) => {
      await chainOf5(h);
      await h.sql.query('UPDATE audit_log SET seq = -seq WHERE seq IN (2, 3)');
      await h.sql.query('UPDATE audit_log SET seq = CASE WHEN seq = -2 THEN 3 ELSE 2 END WHERE seq IN (-2, -3)');
      assert.deepEqual(pick(await h.store.verifyAuditChain()), { ok: false, firstBrokenSeq: 2 });
    }));

  test(`${name} - concurrent reserves never hold more than max_budget`, () =>
    withStore(async ({ store }) => {
      await store.setLimits(key, limits({ maxBudgetUsd: 1 }), T0);
      await store.setLimits(team, limits({ maxBudgetUsd: 100 }), T0);
      const ledger = ledgerOver(store, () => T0);
      const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => ledger.reserve({ id: `c${i}`, tenant, amount: amount(0.1) })));
      const admitted = results.filter((r) => r.status === 'fulfilled').length;
      assert.equal(admitted, 10);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as GatewayError).code, 'budget_exceeded');
      const c = (await store.getBudget(key))?.counters;
      assert.ok(Math.abs((c?.reservedUsd ?? 0) - 1) < 1e-9);
      assert.equal(c?.inFlight, 10);
      assert.equal((await store.getBudget(team))?.counters.inFlight, 10);
    }));
}

function pick(v: { ok: boolean; firstBrokenSeq?: number }) {
  return { ok: v.ok, firstBrokenSeq: v.firstBrokenSeq };
}
