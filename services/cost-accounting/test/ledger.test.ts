import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '@ai-gateway/kit';
import { createLedger } from '../src/domain/ledger.ts';
import { createMemoryAuthority } from '../src/domain/memory-authority.ts';
import { admit, emptyCounters, estimateAmount, denialError, dropHold, applyHold, minuteStart } from '../src/domain/reservation.ts';
import { priceFor } from '@ai-gateway/kit';
import { limits, amount } from './fixtures.ts';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 10);
const key = { kind: 'key' as const, id: 'k1' };
const team = { kind: 'team' as const, id: 't1' };
const tenant = { keyId: 'k1', teamId: 't1', userId: null };

function setup(now: { t: number }) {
  const authority = createMemoryAuthority();
  const ledger = createLedger({ deps: { authority, now: () => now.t }, options: { defaultTtlMs: 60_000, slackMs: 5_000 } });
  return { authority, ledger };
}

describe('reservation ledger (memory authority)', () => {
  test('reservation - the estimate prices prompt at the input rate and expected output at the output rate', () => {
    const p = priceFor({ providerModel: 'gpt-4o' });
    const a = estimateAmount({ promptTokens: 1000, completionTokens: 500, inputCostPerToken: p.inputCostPerToken, outputCostPerToken: p.outputCostPerToken });
    assert.ok(Math.abs(a.costUsd - (1000 * 2.5e-6 + 500 * 10e-6)) < 1e-15);
    assert.deepEqual({ ...a, costUsd: 0 }, { costUsd: 0, requests: 1, tokens: 1500, parallel: 1 });
  });

  test('reservation - admit checks budget, then parallel, then rpm, then tpm', () => {
    const l = limits({ maxBudgetUsd: 1, maxParallelRequests: 1, rpmLimit: 1, tpmLimit: 100 });
    const c = emptyCounters(T0, l);
    assert.equal(admit(key, l, c, amount(0.5, 50), T0), null);
    assert.equal(admit(key, l, { ...c, spendUsd: 0.8 }, amount(0.5, 50), T0)?.limit, 'budget');
    assert.equal(admit(key, l, { ...c, inFlight: 1 }, amount(0.5, 50), T0)?.limit, 'parallel');
    assert.equal(admit(key, l, { ...c, windowRequests: 1 }, amount(0.5, 50), T0)?.limit, 'rpm');
    assert.equal(admit(key, l, c, amount(0.5, 101), T0)?.limit, 'tpm');
    assert.equal(admit(key, l, { ...c, spendUsd: 1 }, amount(0, 1), T0)?.limit, 'budget'); // free request on a spent budget
  });

  test('reservation - settle books actual spend and corrects tokens; release gives requests back', () => {
    const l = limits();
    const held = applyHold(emptyCounters(T0, l), amount(0.3, 500));
    const settled = dropHold(held, amount(0.3, 500), minuteStart(T0), { costUsd: 0.1, tokens: 200 });
    assert.deepEqual([settled.spendUsd, settled.reservedUsd, settled.inFlight, settled.windowRequests, settled.windowTokens], [0.1, 0, 0, 1, 200]);
    const released = dropHold(held, amount(0.3, 500), minuteStart(T0), null);
    assert.deepEqual([released.spendUsd, released.windowRequests, released.windowTokens], [0, 0, 0]);
  });

  test('reservation - rate denials map to 429 with retry-after at the next minute', () => {
    const e = denialError({ scope: 'team', id: 't1', label: 'research', limit: 'rpm', limitValue: 5, current: 5, retryAtMs: minuteStart(T0) + 60_000, spendUsd: 0, reservedUsd: 0 }, T0);
    assert.equal(e.status, 429);
    assert.equal(e.headers['retry-after'], '50');
    assert.match(e.message, /team research: rpm_limit 5/);
  });

  test('ledger - reserves across key and team atomically: a team refusal leaves the key untouched', async () => {
    const now = { t: T0 };
    const { authority, ledger } = setup(now);
    authority.loadScope(key, limits({ maxBudgetUsd: 10 }), T0);
    authority.loadScope(team, limits({ label: 'research', maxBudgetUsd: 1 }), T0);
    await assert.rejects(ledger.reserve({ id: 'r1', tenant, amount: amount(2) }), (e: unknown) => e instanceof GatewayError && /team research/.test(e.message));
    assert.equal(authority.counters(key, T0)?.reservedUsd, 0);
    assert.equal(authority.holdCount, 0);
  });

  test('ledger - spent + reserved + new never exceeds max_budget; settle frees room for the next request', async () => {
    const now = { t: T0 };
    const { authority, ledger } = setup(now);
    authority.loadScope(key, limits({ maxBudgetUsd: 1, budgetDuration: '1d' }), T0, { spendUsd: 0.5 });
    await ledger.reserve({ id: 'r1', tenant, amount: amount(0.4) });
    await assert.rejects(ledger.reserve({ id: 'r2', tenant, amount: amount(0.2) }), /Budget exceeded for key k1/);
    assert.equal(await ledger.settle('r1', { costUsd: 0.1, tokens: 10 }), true);
    assert.equal(await ledger.settle('r1', { costUsd: 0.1, tokens: 10 }), false);
    await ledger.reserve({ id: 'r2', tenant, amount: amount(0.2) });
    assert.ok(Math.abs((authority.counters(key, T0)?.spendUsd ?? 0) - 0.6) < 1e-12);
  });

  test('ledger - a new budget period starts from zero spend', async () => {
    const now = { t: T0 };
    const { authority, ledger } = setup(now);
    authority.loadScope(key, limits({ maxBudgetUsd: 1, budgetDuration: '1h' }), T0, { spendUsd: 1 });
    await assert.rejects(ledger.reserve({ id: 'r1', tenant, amount: amount(0.1) }), /resets at 2026-11-26T13:00:10.000Z/);
    now.t = T0 + 3_600_000;
    await ledger.reserve({ id: 'r1', tenant, amount: amount(0.1) });
  });

  test('ledger - reservations expire at deadline plus slack; a late settle corrects the booked estimate', async () => {
    const now = { t: T0 };
    const { authority, ledger } = setup(now);
    authority.loadScope(key, limits({ maxBudgetUsd: 1, maxParallelRequests: 1 }), T0);
    const r = await ledger.reserve({ id: 'r1', tenant, amount: amount(0.5), deadlineMs: T0 + 10_000 });
    assert.equal(r.expiresAtMs, T0 + 15_000);
    now.t = T0 + 14_999;
    assert.equal(await ledger.expire(), 0);
    now.t = T0 + 15_000;
    assert.equal(await ledger.expire(), 1);
    assert.deepEqual([authority.counters(key, now.t)?.inFlight, authority.counters(key, now.t)?.spendUsd], [0, 0.5]);
    assert.equal(await ledger.settle('r1', { costUsd: 0.2, tokens: 5 }), true);
    assert.ok(Math.abs((authority.counters(key, now.t)?.spendUsd ?? 0) - 0.2) < 1e-12);
  });

  test('ledger - a tenant without registered limits is unlimited', async () => {
    const { ledger } = setup({ t: T0 });
    for (let i = 0; i < 100; i++) await ledger.reserve({ id: `r${i}`, tenant: { keyId: 'free', teamId: null, userId: null }, amount: amount(1000) });
  });
});
