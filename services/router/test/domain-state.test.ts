import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DeploymentStateStore, SampleRing, SlidingWindowCounter } from '../src/domain/index.ts';

describe('deployment state - sliding minute usage', () => {
  test('counts requests at dispatch and forgets them after a minute', () => {
    const s = new DeploymentStateStore();
    s.onStart('a', 0);
    s.onStart('a', 30_000);
    assert.equal(s.load('a', 59_000).rpmUsed, 2);
    assert.equal(s.load('a', 61_000).rpmUsed, 1);
    assert.equal(s.load('a', 91_000).rpmUsed, 0);
  });

  test('replaces the token estimate with the real usage on success', () => {
    const s = new DeploymentStateStore();
    s.onStart('a', 0, { estimatedTokens: 1_000 });
    assert.equal(s.load('a', 1).tpmUsed, 1_000);
    s.onSuccess('a', 500, { startedAt: 0, estimatedTokens: 1_000, totalTokens: 1_400 });
    assert.equal(s.load('a', 600).tpmUsed, 1_400);
  });

  test('an unknown deployment has an empty load', () => {
    assert.deepEqual(new DeploymentStateStore().load('x', 0), { inFlight: 0, rpmUsed: 0, tpmUsed: 0, latencyMs: null, ttftMs: null });
  });

  test('SlidingWindowCounter reuses buckets so memory stays bounded over long runs', () => {
    const c = new SlidingWindowCounter(60_000, 60);
    for (let t = 0; t < 3_600_000; t += 500) c.add(t, 1);
    assert.equal(c.total(3_600_000 - 500), 120);
  });
});

describe('deployment state - latency samples', () => {
  test('averages the most recent samples only (bounded ring)', () => {
    const s = new DeploymentStateStore({ maxSamples: 3 });
    for (const ms of [1_000, 1_000, 100, 100, 100]) {
      s.onStart('a', 0);
      s.onSuccess('a', ms, { startedAt: 0 });
    }
    assert.equal(s.load('a', 2_000).latencyMs, 100);
  });

  test('forgets samples older than sampleMaxAgeMs so a recovered deployment is explored again', () => {
    const s = new DeploymentStateStore({ sampleMaxAgeMs: 60_000 });
    s.onStart('a', 0);
    s.onSuccess('a', 9_000, { startedAt: 0 });
    assert.equal(s.load('a', 10_000).latencyMs, 9_000);
    assert.equal(s.load('a', 70_000).latencyMs, null);
  });

  test('records time to first token from onFirstToken or the success info', () => {
    const s = new DeploymentStateStore();
    s.onStart('a', 0);
    s.onFirstToken('a', 300, 0);
    s.onStart('a', 1_000);
    s.onSuccess('a', 2_000, { startedAt: 1_000, ttftMs: 100 });
    assert.equal(s.load('a', 2_000).ttftMs, 200);
  });

  test('SampleRing keeps at most its capacity', () => {
    const r = new SampleRing(4);
    for (let i = 0; i < 100; i++) r.push(i, i);
    assert.equal(r.size, 4);
    assert.equal(r.mean(100, 1_000), (96 + 97 + 98 + 99) / 4);
  });

  test('in flight never goes negative on unmatched completions', () => {
    const s = new DeploymentStateStore();
    s.onFailure('a', 0, { startedAt: 0 });
    assert.equal(s.load('a', 0).inFlight, 0);
  });
});
