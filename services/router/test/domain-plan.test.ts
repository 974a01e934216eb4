import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttemptPlan,
  BreakerBoard,
  DeploymentStateStore,
  RetriesExhaustedError,
  RetryBudgets,
  seededRand,
  type DeploymentRef,
  type PlannerOptions,
  type PlanStep,
} from '../src/domain/index.ts';
import { ProviderError } from '../src/providers/types.ts';

function dep(id: string, modelGroup: string, over: Partial<DeploymentRef> = {}): DeploymentRef {
  return { id, modelGroup, weight: null, order: null, rpm: null, tpm: null, inputCostPerToken: null, outputCostPerToken: null, ...over };
}

const groups: Record<string, DeploymentRef[]> = {
  'gpt-4o': [dep('oa-1', 'gpt-4o', { order: 1 }), dep('oa-2', 'gpt-4o', { order: 2 })],
  claude: [dep('an-1', 'claude')],
  big: [dep('big-1', 'big')],
};

function setup(over: Partial<PlannerOptions> = {}, budget = { ratio: 1, minPerSecond: 10, windowMs: 10_000 }) {
  const breakers = new BreakerBoard({ options: { allowedFails: 0, cooldownMs: 5_000 } });
  const deps = {
    deploymentsOf: (g: string) => groups[g] ?? [],
    state: new DeploymentStateStore(),
    breakers,
    budgets: new RetryBudgets({ options: budget }),
    rand: seededRand(1),
  };
  const options: PlannerOptions = {
    strategy: 'simple-shuffle',
    retry: { numRetries: 2, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 },
    fallbacks: { fallbacks: [{ 'gpt-4o': ['claude'] }], context_window_fallbacks: [{ 'gpt-4o': ['big'] }] },
    ...over,
  };
  return { deps, options, plan: (g: string) => new AttemptPlan({ deps, options }, g) };
}

function attempt(step: PlanStep<DeploymentRef>): { id: string; delayMs: number; group: string; fallback: boolean } {
  assert.equal(step.kind, 'attempt');
  if (step.kind !== 'attempt') throw new Error('unreachable');
  return { id: step.deployment.id, delayMs: step.delayMs, group: step.modelGroup, fallback: step.isFallback };
}

const e429 = () => new ProviderError('rate_limit', '429', { status: 429 });
const e500 = () => new ProviderError('server', '500', { status: 500 });

describe('plan - retries and fallbacks', () => {
  test('retries on another deployment of the group at once, then falls back to the next group', () => {
    const { plan } = setup();
    const p = plan('gpt-4o');
    assert.deepEqual(attempt(p.start(0)), { id: 'oa-1', delayMs: 0, group: 'gpt-4o', fallback: false });
    assert.deepEqual(attempt(p.onFailure(e429(), 10)), { id: 'oa-2', delayMs: 0, group: 'gpt-4o', fallback: false });
    assert.deepEqual(attempt(p.onFailure(e429(), 20)), { id: 'an-1', delayMs: 0, group: 'claude', fallback: true });
    p.onSuccess(30);
  });

  test('retries the same deployment with backoff when the group has only one', () => {
    const { plan, deps } = setup();
    deps.breakers = new BreakerBoard({ options: { allowedFails: 10 } });
    const p = plan('claude');
    attempt(p.start(0));
    const r = attempt(p.onFailure(e500(), 10));
    assert.equal(r.id, 'an-1');
    assert.ok(r.delayMs >= 0 && r.delayMs < 100);
  });

  test('waits out a Retry-After cooldown and probes again when the group has no other deployment', () => {
    const { plan, deps } = setup({ fallbacks: {} });
    deps.breakers = new BreakerBoard({ options: { allowedFails: 10, cooldownMs: 1_000 } });
    const p = plan('claude');
    attempt(p.start(0));
    const wait = p.onFailure(new ProviderError('rate_limit', '429', { status: 429, retryAfterMs: 2_000 }), 20);
    assert.deepEqual(wait, { kind: 'wait', delayMs: 2_000 });
    assert.equal(plan('claude').start(1_000).kind, 'give-up', 'other requests see the deployment cooling');
    const again = p.resume(2_020);
    assert.equal(again.kind === 'attempt' && again.admission, 'probe');
  });

  test('does not wait for a cooldown longer than maxRetryAfterMs', () => {
    const { plan, deps } = setup({ fallbacks: {} });
    deps.breakers = new BreakerBoard({ options: { allowedFails: 10, maxCooldownMs: 600_000 } });
    const p = plan('claude');
    p.start(0);
    assert.equal(p.onFailure(new ProviderError('rate_limit', '429', { status: 429, retryAfterMs: 60_000 }), 1).kind, 'give-up');
  });

  test('gives up with RetriesExhaustedError listing every attempt when all groups fail', () => {
    const { plan } = setup();
    const p = plan('gpt-4o');
    let now = 0;
    let step = p.start(now);
    let last: ProviderError = e500();
    for (let guard = 0; guard < 20 && step.kind !== 'give-up'; guard++) {
      if (step.kind === 'wait') {
        now += step.delayMs;
        step = p.resume(now);
        continue;
      }
      last = e500();
      step = p.onFailure(last, ++now);
    }
    assert.equal(step.kind, 'give-up');
    if (step.kind !== 'give-up') return;
    assert.equal(step.reason, 'failed');
    assert.ok(step.error instanceof RetriesExhaustedError);
    assert.equal(step.error.cause, last);
    // two deployments of gpt-4o, then claude's single deployment: first try plus two probes after its cooldowns
    assert.deepEqual(step.attempts.map((a) => a.deploymentId), ['oa-1', 'oa-2', 'an-1', 'an-1', 'an-1']);
  });

  test('a context window error skips retries and goes to context_window_fallbacks', () => {
    const { plan } = setup();
    const p = plan('gpt-4o');
    p.start(0);
    assert.deepEqual(attempt(p.onFailure(new ProviderError('context_window', 'too long', { status: 400 }), 1)), { id: 'big-1', delayMs: 0, group: 'big', fallback: true });
  });

  test('an error that is not a ProviderError ends the plan at once', () => {
    const { plan } = setup();
    const p = plan('gpt-4o');
    p.start(0);
    const end = p.onFailure(new TypeError('bug'), 1);
    assert.equal(end.kind, 'give-up');
    assert.equal(end.attempts.length, 1);
  });

  test('a cycle in fallbacks cannot loop: each group is tried once', () => {
    const { plan } = setup({ fallbacks: { fallbacks: [{ 'gpt-4o': ['claude'] }, { claude: ['gpt-4o'] }] }, retry: { numRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } });
    const p = plan('gpt-4o');
    p.start(0);
    assert.equal(attempt(p.onFailure(e500(), 1)).group, 'claude');
    assert.equal(p.onFailure(e500(), 2).kind, 'give-up');
  });

  test('max_fallbacks bounds how many fallback groups are tried', () => {
    const { plan } = setup({ fallbacks: { fallbacks: [{ 'gpt-4o': ['claude', 'big'] }], max_fallbacks: 1 }, retry: { numRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } });
    const p = plan('gpt-4o');
    p.start(0);
    assert.equal(attempt(p.onFailure(e500(), 1)).group, 'claude');
    assert.equal(p.onFailure(e500(), 2).kind, 'give-up');
  });
});

describe('plan - breakers and budgets', () => {
  test('skips deployments whose breaker is open and reports the cooldown when none is left', () => {
    const { plan, deps } = setup({ fallbacks: {} });
    deps.breakers.record('oa-1', { type: 'failure', openNow: true }, 0);
    deps.breakers.record('oa-2', { type: 'failure', openNow: true }, 1_000);
    const end = plan('gpt-4o').start(2_000);
    assert.equal(end.kind, 'give-up');
    if (end.kind !== 'give-up') return;
    assert.equal(end.reason, 'no_deployment');
    assert.equal(end.error, null);
    assert.equal(end.retryAfterMs, 3_000);
  });

  test('a failed attempt opens that deployment for other requests', () => {
    const { plan, deps } = setup();
    const p = plan('gpt-4o');
    p.start(0);
    p.onFailure(e500(), 1);
    assert.equal(deps.breakers.isAvailable('oa-1', 2), false);
    assert.equal(attempt(plan('gpt-4o').start(2)).id, 'oa-2');
  });

  test('a half-open deployment gets the probe from one request only', () => {
    const { plan, deps } = setup({ fallbacks: {} });
    deps.breakers.record('an-1', { type: 'failure', openNow: true }, 0);
    const first = plan('claude').start(5_000);
    assert.equal(first.kind === 'attempt' && first.admission, 'probe');
    assert.equal(plan('claude').start(5_001).kind, 'give-up');
  });

  test('an exhausted retry budget sends the request to its fallback instead of retrying', () => {
    const { plan } = setup({}, { ratio: 0, minPerSecond: 0, windowMs: 10_000 });
    const p = plan('gpt-4o');
    p.start(0);
    assert.equal(attempt(p.onFailure(e500(), 1)).group, 'claude');
  });

  test('1000 failing requests to one deployment make at most ratio × 1000 + min retries', () => {
    const { plan, deps } = setup({ fallbacks: {} }, { ratio: 0.2, minPerSecond: 1, windowMs: 10_000 });
    deps.breakers = new BreakerBoard({ options: { allowedFails: 1e9 } });
    let calls = 0;
    for (let i = 0; i < 1_000; i++) {
      const p = plan('claude');
      let step = p.start(i);
      while (step.kind === 'attempt') {
        calls++;
        step = p.onFailure(e500(), i);
      }
    }
    assert.ok(calls - 1_000 <= 0.2 * 1_000 + 10, `retries ${calls - 1_000}`);
  });
});
