import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '@ai-gateway/kit';
import { parseBudgetDuration, nextResetAt, rollWindow, openWindow, checkBudget, budgetExceededError } from '../src/domain/budget.ts';

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0);

describe('budget', () => {
  test('budget - parses LiteLLM budget_duration strings', () => {
    assert.deepEqual(parseBudgetDuration('30s'), { unit: 'seconds', seconds: 30 });
    assert.deepEqual(parseBudgetDuration('30m'), { unit: 'seconds', seconds: 1800 });
    assert.deepEqual(parseBudgetDuration('1h'), { unit: 'seconds', seconds: 3600 });
    assert.deepEqual(parseBudgetDuration('1d'), { unit: 'seconds', seconds: 86_400 });
    assert.deepEqual(parseBudgetDuration('7d'), { unit: 'seconds', seconds: 604_800 });
    assert.deepEqual(parseBudgetDuration('2w'), { unit: 'seconds', seconds: 1_209_600 });
    assert.deepEqual(parseBudgetDuration('1mo'), { unit: 'months', months: 1 });
  });

  test('budget - rejects malformed durations with an invalid_request error', () => {
    for (const bad of ['', '0d', '10', 'd', '1y', '-1d', '1.5h', 'monthly']) {
      assert.throws(() => parseBudgetDuration(bad), (e: unknown) => e instanceof GatewayError && e.code === 'invalid_request' && e.param === 'budget_duration', bad);
    }
  });

  test('budget - next reset adds seconds, or calendar months clamped to the month end', () => {
    assert.equal(nextResetAt(T0, '30s'), T0 + 30_000);
    assert.equal(nextResetAt(T0, '7d'), T0 + 7 * 86_400_000);
    assert.equal(nextResetAt(T0, '1mo'), Date.UTC(2026, 1, 28, 12)); // Jan 31 → Feb 28
    assert.equal(nextResetAt(Date.UTC(2028, 0, 31), '1mo'), Date.UTC(2028, 1, 29)); // leap year
    assert.equal(nextResetAt(Date.UTC(2026, 11, 15), '1mo'), Date.UTC(2027, 0, 15)); // year wrap
    assert.equal(nextResetAt(Date.UTC(2026, 10, 15), '3mo'), Date.UTC(2027, 1, 15));
  });

  test('budget - a window rolls over after its reset time and keeps its alignment', () => {
    const w = { ...openWindow(T0, '1h'), spendUsd: 5 };
    assert.equal(rollWindow(w, '1h', T0 + 3_599_999), w);
    const rolled = rollWindow(w, '1h', T0 + 3 * 3_600_000 + 10);
    assert.deepEqual(rolled, { spendUsd: 0, periodStartMs: T0 + 3 * 3_600_000, resetAtMs: T0 + 4 * 3_600_000 });
    const monthly = rollWindow({ spendUsd: 1, periodStartMs: Date.UTC(2026, 0, 1), resetAtMs: Date.UTC(2026, 1, 1) }, '1mo', Date.UTC(2026, 3, 10));
    assert.deepEqual(monthly, { spendUsd: 0, periodStartMs: Date.UTC(2026, 3, 1), resetAtMs: Date.UTC(2026, 4, 1) });
    const lifetime = { ...openWindow(T0, null), spendUsd: 9 };
    assert.equal(rollWindow(lifetime, null, T0 + 1e12), lifetime);
  });

  test('budget - check names the first exceeded budget in key, team, user order', () => {
    const budgets = [
      { scope: 'user' as const, id: 'u1', maxBudgetUsd: 1, spendUsd: 2, reservedUsd: 0, resetAtMs: null },
      { scope: 'team' as const, id: 't1', label: 'research', maxBudgetUsd: 10, spendUsd: 9.5, reservedUsd: 0.4, resetAtMs: T0 },
      { scope: 'key' as const, id: 'k1', maxBudgetUsd: null, spendUsd: 100, reservedUsd: 0, resetAtMs: null },
    ];
    const hit = checkBudget(budgets, 0.2);
    assert.equal(hit?.scope, 'team');
    assert.equal(hit?.label, 'research');
    assert.equal(checkBudget(budgets.slice(2), 5), null);
    assert.equal(checkBudget([{ ...budgets[1]!, spendUsd: 9.6 }], 0)?.scope, 'team'); // exactly at max blocks new work
  });

  test('budget - the error names the budget and its reset time', () => {
    const e = budgetExceededError({ scope: 'key', id: 'k1', label: 'ci-bot', maxBudgetUsd: 10, spendUsd: 10.5, reservedUsd: 0, resetAtMs: Date.UTC(2026, 1, 1) });
    assert.equal(e.code, 'budget_exceeded');
    assert.equal(e.status, 400);
    assert.match(e.message, /key ci-bot/);
    assert.match(e.message, /2026-02-01T00:00:00.000Z/);
    assert.equal(e.toOpenAI().error.type, 'budget_exceeded');
    assert.match(budgetExceededError({ scope: 'user', id: 'u', label: 'u', maxBudgetUsd: 1, spendUsd: 1, reservedUsd: 0, resetAtMs: null }).message, /does not reset/);
  });
});
