import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  keptOnly,
  DeploymentStateStore,
  seededRand,
  selectDeployment,
  hasCapacity,
  type DeploymentRef,
  type RoutingStrategy,
} from '../src/domain/index.ts';

function dep(id: string, over: Partial<DeploymentRef> = {}): DeploymentRef {
  return { id, modelGroup: 'gpt-4o', weight: null, order: null, rpm: null, tpm: null, inputCostPerToken: null, outputCostPerToken: null, ...over };
}

function counts(strategy: RoutingStrategy, ds: DeploymentRef[], n: number, store = new DeploymentStateStore(), seed = 42): Map<string, number> {
  const rand = seededRand(seed);
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const d = selectDeployment(ds, strategy, store, 1_000, rand);
    assert.ok(d);
    out.set(d.id, (out.get(d.id) ?? 0) + 1);
  }
  return out;
}

describe('strategies - simple-shuffle', () => {
  test('spreads picks in proportion to weight over 10k picks (within 2%)', () => {
    const c = counts('simple-shuffle', [dep('a', { weight: 1 }), dep('b', { weight: 3 }), dep('c', { weight: 6 })], 10_000);
    assert.ok(Math.abs((c.get('a') ?? 0) / 10_000 - 0.1) < 0.02, `a=${c.get('a')}`);
    assert.ok(Math.abs((c.get('b') ?? 0) / 10_000 - 0.3) < 0.02, `b=${c.get('b')}`);
    assert.ok(Math.abs((c.get('c') ?? 0) / 10_000 - 0.6) < 0.02, `c=${c.get('c')}`);
  });

  test('weighs by rpm when no deployment sets a weight', () => {
    const c = counts('simple-shuffle', [dep('a', { rpm: 100 }), dep('b', { rpm: 300 })], 10_000);
    assert.ok(Math.abs((c.get('b') ?? 0) / 10_000 - 0.75) < 0.02, `b=${c.get('b')}`);
  });

  test('weighs by tpm when neither weight nor rpm is set', () => {
    const c = counts('simple-shuffle', [dep('a', { tpm: 1_000 }), dep('b', { tpm: 9_000 })], 10_000);
    assert.ok(Math.abs((c.get('b') ?? 0) / 10_000 - 0.9) < 0.02, `b=${c.get('b')}`);
  });

  test('a deployment without weight gets no traffic when others are weighted (LiteLLM: unset = 0)', () => {
    const c = counts('simple-shuffle', [dep('a', { weight: 2 }), dep('b')], 2_000);
    assert.equal(c.get('b') ?? 0, 0);
  });

  test('is uniform without weight, rpm or tpm', () => {
    const c = counts('simple-shuffle', [dep('a'), dep('b'), dep('c'), dep('d')], 10_000);
    for (const id of ['a', 'b', 'c', 'd']) assert.ok(Math.abs((c.get(id) ?? 0) / 10_000 - 0.25) < 0.02, `${id}=${c.get(id)}`);
  });

  test('the same seed gives the same sequence', () => {
    const ds = [dep('a', { weight: 1 }), dep('b', { weight: 1 })];
    const run = (): (string | undefined)[] => {
      const r = seededRand(7);
      return Array.from({ length: 50 }, () => selectDeployment(ds, 'simple-shuffle', new DeploymentStateStore(), 0, r)?.id);
    };
    assert.deepEqual(run(), run());
  });
});

describe('strategies - round-robin', () => {
  test('cycles through the deployments of a group in order', () => {
    const store = new DeploymentStateStore();
    const ds = [dep('a'), dep('b'), dep('c')];
    const picks = Array.from({ length: 7 }, () => selectDeployment(ds, 'round-robin', store, 0, seededRand(1))?.id);
    assert.deepEqual(picks, ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  test('keeps one counter per model group', () => {
    const store = new DeploymentStateStore();
    const g1 = [dep('a'), dep('b')];
    const g2 = [dep('x', { modelGroup: 'claude' }), dep('y', { modelGroup: 'claude' })];
    const r = seededRand(1);
    assert.equal(selectDeployment(g1, 'round-robin', store, 0, r)?.id, 'a');
    assert.equal(selectDeployment(g2, 'round-robin', store, 0, r)?.id, 'x');
    assert.equal(selectDeployment(g1, 'round-robin', store, 0, r)?.id, 'b');
    assert.equal(selectDeployment(g2, 'round-robin', store, 0, r)?.id, 'y');
  });
});

describe('strategies - least-busy', () => {
  test('picks the deployment with the fewest requests in flight', () => {
    const store = new DeploymentStateStore();
    for (let i = 0; i < 3; i++) store.onStart('a', 0);
    store.onStart('b', 0);
    for (let i = 0; i < 2; i++) store.onStart('c', 0);
    assert.equal(selectDeployment([dep('a'), dep('b'), dep('c')], 'least-busy', store, 0, seededRand(3))?.id, 'b');
  });

  test('a finished request no longer counts as in flight', () => {
    const store = new DeploymentStateStore();
    store.onStart('a', 0);
    store.onStart('b', 0);
    store.onStart('b', 0);
    store.onSuccess('b', 10, { startedAt: 0 });
    store.onFailure('b', 10, { startedAt: 0 });
    assert.equal(store.load('b', 10).inFlight, 0);
    assert.equal(selectDeployment([dep('a'), dep('b')], 'least-busy', store, 10, seededRand(3))?.id, 'b');
  });
});

describe('strategies - latency-based-routing', () => {
  function withLatency(samples: Record<string, number>): DeploymentStateStore {
    const store = new DeploymentStateStore();
    for (const [id, ms] of Object.entries(samples)) {
      store.onStart(id, 0);
      store.onSuccess(id, ms, { startedAt: 0 });
    }
    return store;
  }

  test('picks the deployment with the lowest recent latency', () => {
    const store = withLatency({ a: 900, b: 200, c: 500 });
    const c = counts('latency-based-routing', [dep('a'), dep('b'), dep('c')], 100, store);
    assert.equal(c.get('b'), 100);
  });

  test('explores a deployment that has no latency sample yet before the measured ones', () => {
    const store = withLatency({ a: 100, b: 200 });
    assert.equal(selectDeployment([dep('a'), dep('b'), dep('new')], 'latency-based-routing', store, 1_000, seededRand(5))?.id, 'new');
  });

  test('ranks streams by time to first token, not whole latency', () => {
    const store = new DeploymentStateStore();
    store.onStart('a', 0);
    store.onSuccess('a', 5_000, { startedAt: 0, ttftMs: 100 });
    store.onStart('b', 0);
    store.onSuccess('b', 1_000, { startedAt: 0, ttftMs: 600 });
    const ds = [dep('a'), dep('b')];
    assert.equal(selectDeployment(ds, 'latency-based-routing', store, 6_000, seededRand(1), { streaming: true })?.id, 'a');
    assert.equal(selectDeployment(ds, 'latency-based-routing', store, 6_000, seededRand(1), { streaming: false })?.id, 'b');
  });

  test('a buffer spreads traffic over deployments within (1 + buffer) of the fastest', () => {
    const store = withLatency({ a: 100, b: 140, c: 400 });
    const rand = seededRand(9);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(selectDeployment([dep('a'), dep('b'), dep('c')], 'latency-based-routing', store, 1_000, rand, { latencyBuffer: 0.5 })?.id ?? '');
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  });

  test('a timed-out call counts as a slow sample', () => {
    const store = withLatency({ a: 100, b: 300 });
    store.onStart('a', 1_000);
    store.onFailure('a', 31_000, { startedAt: 1_000, timedOut: true });
    assert.equal(selectDeployment([dep('a'), dep('b')], 'latency-based-routing', store, 31_000, seededRand(1))?.id, 'b');
  });
});

describe('strategies - usage-based-routing', () => {
  for (const strategy of ['usage-based-routing', 'usage-based-routing-v2'] as const) {
    test(`${strategy} picks the deployment with the lowest tpm used this minute`, () => {
      const store = new DeploymentStateStore();
      store.onStart('a', 0);
      store.onSuccess('a', 10, { startedAt: 0, totalTokens: 5_000 });
      store.onStart('b', 0);
      store.onSuccess('b', 10, { startedAt: 0, totalTokens: 800 });
      assert.equal(selectDeployment([dep('a', { tpm: 100_000 }), dep('b', { tpm: 1_000 })], strategy, store, 20, seededRand(1))?.id, 'b');
    });

    test(`${strategy} skips a deployment whose tpm this request would exceed`, () => {
      const store = new DeploymentStateStore();
      store.onStart('b', 0);
      store.onSuccess('b', 10, { startedAt: 0, totalTokens: 800 });
      store.onStart('a', 0);
      store.onSuccess('a', 10, { startedAt: 0, totalTokens: 5_000 });
      const ds = [dep('a', { tpm: 100_000 }), dep('b', { tpm: 1_000 })];
      assert.equal(selectDeployment(ds, strategy, store, 20, seededRand(1), { estimatedTokens: 300 })?.id, 'a');
    });
  }
});

describe('strategies - cost-based-routing', () => {
  test('picks the cheapest deployment by input + output cost per token', () => {
    const ds = [dep('a', { inputCostPerToken: 5e-6, outputCostPerToken: 15e-6 }), dep('b', { inputCostPerToken: 1e-6, outputCostPerToken: 2e-6 }), dep('c')];
    assert.equal(counts('cost-based-routing', ds, 50).get('b'), 50);
  });

  test('breaks cost ties by weight, then by latency', () => {
    const store = new DeploymentStateStore();
    store.onStart('a', 0);
    store.onSuccess('a', 500, { startedAt: 0 });
    store.onStart('b', 0);
    store.onSuccess('b', 100, { startedAt: 0 });
    const price = { inputCostPerToken: 1e-6, outputCostPerToken: 1e-6 };
    assert.equal(selectDeployment([dep('a', { ...price, weight: 5 }), dep('b', { ...price, weight: 1 })], 'cost-based-routing', store, 1_000, seededRand(1))?.id, 'a');
    assert.equal(selectDeployment([dep('a', price), dep('b', price)], 'cost-based-routing', store, 1_000, seededRand(1))?.id, 'b');
  });

  test('deployments without a known cost rank last', () => {
    assert.equal(counts('cost-based-routing', [dep('unknown'), dep('known', { inputCostPerToken: 1, outputCostPerToken: 1 })], 20).get('known'), 20);
  });
});

describe('strategies - order priorities and limits', () => {
  const all: RoutingStrategy[] = ['simple-shuffle', 'round-robin', 'least-busy', 'latency-based-routing', 'usage-based-routing', 'usage-based-routing-v2', 'cost-based-routing'];

  for (const strategy of all) {
    test(`${strategy} only uses the lowest order while it is available`, () => {
      const ds = [dep('primary', { order: 1 }), dep('backup', { order: 2 }), dep('unordered')];
      assert.deepEqual([...counts(strategy, ds, 100).keys()], ['primary']);
    });

    test(`${strategy} never picks a deployment at its rpm limit while another is available`, () => {
      const store = new DeploymentStateStore();
      for (let i = 0; i < 10; i++) store.onStart('full', 0);
      const ds = [dep('full', { rpm: 10, order: 1, weight: 100, inputCostPerToken: 0, outputCostPerToken: 0 }), dep('free', { rpm: 10, order: 2, weight: 1 })];
      assert.deepEqual([...counts(strategy, ds, 50, store).keys()], ['free']);
    });
  }

  test('moves to the next order when every lower-order deployment is at its limit', () => {
    const store = new DeploymentStateStore();
    store.onStart('p1', 0);
    store.onStart('p2', 0);
    const ds = [dep('p1', { order: 1, rpm: 1 }), dep('p2', { order: 1, rpm: 1 }), dep('b1', { order: 2 }), dep('c1', { order: 3 })];
    assert.equal(selectDeployment(ds, 'simple-shuffle', store, 10, seededRand(1))?.id, 'b1');
  });

  test('returns to the lower order once its minute has passed', () => {
    const store = new DeploymentStateStore();
    store.onStart('p1', 0);
    const ds = [dep('p1', { order: 1, rpm: 1 }), dep('b1', { order: 2 })];
    assert.equal(selectDeployment(ds, 'simple-shuffle', store, 30_000, seededRand(1))?.id, 'b1');
    assert.equal(selectDeployment(ds, 'simple-shuffle', store, 61_000, seededRand(1))?.id, 'p1');
  });

  test('returns null when every deployment is at its limit', () => {
    const store = new DeploymentStateStore();
    store.onStart('a', 0);
    store.onStart('b', 0);
    store.onSuccess('b', 1, { startedAt: 0, totalTokens: 100 });
    assert.equal(selectDeployment([dep('a', { rpm: 1 }), dep('b', { tpm: 100 })], 'least-busy', store, 2, seededRand(1)), null);
  });

  test('hasCapacity counts the estimated tokens of this request against tpm', () => {
    const load = { inFlight: 0, rpmUsed: 0, tpmUsed: 900, latencyMs: null, ttftMs: null };
    assert.equal(hasCapacity(dep('a', { tpm: 1_000 }), load, 100), true);
    assert.equal(hasCapacity(dep('a', { tpm: 1_000 }), load, 101), false);
  });
});

describe('strategies - keptOnly', () => {
  test('keeps the order, asks each item once, and hands back the list itself when nothing is dropped', () => {
    const items = ['a', 'b', 'c', 'd'];
    const asked: string[] = [];
    assert.equal(keptOnly(items, (x) => (asked.push(x), true)), items, 'no copy when all are kept');
    assert.deepEqual(asked, items);
    asked.length = 0;
    assert.deepEqual(keptOnly(items, (x) => (asked.push(x), x !== 'b' && x !== 'd')), ['a', 'c']);
    assert.deepEqual(asked, items, 'each item asked once');
    assert.deepEqual(keptOnly(items, () => false), []);
    assert.deepEqual(keptOnly([], () => true), []);
  });
});
