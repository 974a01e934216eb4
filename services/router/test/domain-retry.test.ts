import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffDelayMs,
  defaultRetryConfig,
  RetriesExhaustedError,
  RetryBudget,
  RetryBudgets,
  seededRand,
  shouldRetry,
  type RetryConfig,
} from '../src/domain/index.ts';
import { ProviderError } from '../src/providers/types.ts';

const cfg: RetryConfig = { numRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 };

describe('retry - backoffDelayMs', () => {
  test('stays within [0, min(cap, base × 2^(attempt-1))) for every attempt', () => {
    const rand = seededRand(11);
    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = Math.min(cfg.maxDelayMs, cfg.baseDelayMs * 2 ** (attempt - 1));
      for (let i = 0; i < 500; i++) {
        const d = backoffDelayMs(attempt, cfg, rand);
        assert.ok(d >= 0 && d < ceiling, `attempt ${attempt}: ${d} not in [0, ${ceiling})`);
      }
    }
  });

  test('uses full jitter: delays cover the whole window, not a fixed value', () => {
    const rand = seededRand(5);
    const ds = Array.from({ length: 2_000 }, () => backoffDelayMs(3, cfg, rand));
    const mean = ds.reduce((a, b) => a + b, 0) / ds.length;
    assert.ok(Math.min(...ds) < 20, `min ${Math.min(...ds)}`);
    assert.ok(Math.max(...ds) > 380, `max ${Math.max(...ds)}`);
    assert.ok(Math.abs(mean - 200) < 15, `mean ${mean}`);
  });

  test('the extremes of rand map to 0 and just under the ceiling', () => {
    assert.equal(backoffDelayMs(2, cfg, () => 0), 0);
    assert.equal(backoffDelayMs(2, cfg, () => 0.999999), 199);
    assert.equal(backoffDelayMs(50, cfg, () => 0.999999), 999);
  });

  test('honours Retry-After as a floor', () => {
    const err = new ProviderError('rate_limit', 'slow down', { status: 429, retryAfterMs: 3_000 });
    assert.equal(backoffDelayMs(1, cfg, () => 0.5, err), 3_000);
    assert.equal(backoffDelayMs(1, cfg, () => 0.5, new ProviderError('rate_limit', 'x', { status: 429, retryAfterMs: 10 })), 50);
  });

  test('caps a long Retry-After at maxRetryAfterMs', () => {
    const err = new ProviderError('rate_limit', 'slow down', { status: 429, retryAfterMs: 3_600_000 });
    assert.equal(backoffDelayMs(1, cfg, () => 0.5, err), 10_000);
  });
});

describe('retry - shouldRetry', () => {
  test('retries retriable provider errors until num_retries is used up', () => {
    const err = new ProviderError('server', 'boom', { status: 503 });
    assert.equal(shouldRetry(err, 0, cfg), true);
    assert.equal(shouldRetry(err, 2, cfg), true);
    assert.equal(shouldRetry(err, 3, cfg), false);
  });

  test('reads only the retriable flag, not the kind', () => {
    assert.equal(shouldRetry(new ProviderError('server', 'x', { status: 500, retriable: false }), 0, cfg), false);
    assert.equal(shouldRetry(new ProviderError('bad_request', 'x', { status: 400, retriable: true }), 0, cfg), true);
    assert.equal(shouldRetry(new ProviderError('context_window', 'x', { status: 400 }), 0, cfg), false);
  });

  test('never retries errors that are not ProviderErrors', () => {
    assert.equal(shouldRetry(new TypeError('undefined is not a function'), 0, cfg), false);
    assert.equal(shouldRetry({ retriable: true }, 0, cfg), false);
  });

  test('num_retries 0 disables retries', () => {
    assert.equal(shouldRetry(new ProviderError('timeout', 'x', { status: 408 }), 0, { ...defaultRetryConfig(), numRetries: 0 }), false);
  });
});

describe('retry - RetryBudget', () => {
  test('1000 failing requests get at most ratio × 1000 + the minimum retries', () => {
    const budget = new RetryBudget({ options: { ratio: 0.2, minPerSecond: 1, windowMs: 10_000 } });
    let retries = 0;
    for (let i = 0; i < 1_000; i++) {
      const now = i * 5; // 1000 requests in 5 s, all inside one window
      budget.onRequest(now);
      for (let r = 0; r < 3; r++) if (budget.tryAcquire(now)) retries++; // each would retry 3 times
    }
    assert.ok(retries <= 0.2 * 1_000 + 10, `retries ${retries}`);
    assert.ok(retries >= 0.2 * 1_000, `budget should still allow the ratio: ${retries}`);
  });

  test('a sustained failing stream never retries more than ratio of its requests per window', () => {
    const budget = new RetryBudget({ options: { ratio: 0.1, minPerSecond: 0, windowMs: 10_000 } });
    let retries = 0;
    for (let i = 0; i < 6_000; i++) {
      const now = i * 10; // 100 req/s for 60 s
      budget.onRequest(now);
      if (budget.tryAcquire(now)) retries++;
    }
    assert.ok(retries <= 0.1 * 6_000 + 100, `retries ${retries}`);
  });

  test('low traffic may still retry thanks to the per-second minimum', () => {
    const budget = new RetryBudget({ options: { ratio: 0.2, minPerSecond: 1, windowMs: 10_000 } });
    budget.onRequest(0);
    assert.equal(budget.tryAcquire(0), true);
    assert.equal(budget.available(0), 9);
  });

  test('the allowance recovers once the window slides past old retries', () => {
    const budget = new RetryBudget({ options: { ratio: 0, minPerSecond: 0.1, windowMs: 10_000 } });
    assert.equal(budget.tryAcquire(0), true);
    assert.equal(budget.tryAcquire(1), false);
    assert.equal(budget.tryAcquire(11_000), true);
  });

  test('budgets are kept per deployment', () => {
    const budgets = new RetryBudgets({ options: { ratio: 0, minPerSecond: 0.1, windowMs: 10_000 } });
    assert.equal(budgets.for('a').tryAcquire(0), true);
    assert.equal(budgets.for('a').tryAcquire(0), false);
    assert.equal(budgets.for('b').tryAcquire(0), true);
  });
});

describe('retry - RetriesExhaustedError', () => {
  test('wraps the last error as cause and lists every attempt', () => {
    const last = new ProviderError('server', 'upstream 503', { status: 503 });
    const attempts = [
      { modelGroup: 'gpt-4o', deploymentId: 'a', errorKind: 'rate_limit', message: '429' },
      { modelGroup: 'gpt-4o', deploymentId: 'b', errorKind: 'server', message: 'upstream 503' },
    ];
    const err = new RetriesExhaustedError(last, attempts);
    assert.equal(err.cause, last);
    assert.deepEqual(err.attempts, attempts);
    assert.equal(err.name, 'RetriesExhaustedError');
    assert.match(err.message, /2 attempt\(s\) failed; last error: upstream 503/);
  });
});
