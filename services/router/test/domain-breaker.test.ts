import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BreakerBoard, breakerEventFor, closed, defaultBreakerConfig, nextState, type BreakerConfig } from '../src/domain/index.ts';
import { ProviderError } from '../src/providers/types.ts';

const cfg: BreakerConfig = { ...defaultBreakerConfig(), allowedFails: 2, windowMs: 60_000, cooldownMs: 5_000, maxCooldownMs: 30_000, probeTimeoutMs: 20_000 };

describe('breaker - nextState', () => {
  test('opens after allowed_fails failures inside the window and half-opens after cooldown', () => {
    // STYLE.md's example; with allowedFails 1 the second failure (t=1001) opens it until 6001.
    const c = { ...cfg, allowedFails: 1 };
    let s = closed();
    for (let i = 0; i < 3; i++) s = nextState(s, 'failure', 1_000 + i, c);
    assert.equal(s.kind, 'open');
    assert.equal(nextState(s, 'failure', 1_000 + c.cooldownMs + 1, c).kind, 'half-open');
  });

  test('tolerates allowed_fails failures: one more is needed to open', () => {
    let s = closed();
    for (let i = 0; i < cfg.allowedFails; i++) s = nextState(s, 'failure', i, cfg);
    assert.equal(s.kind, 'closed');
    assert.equal(nextState(s, 'failure', 10, cfg).kind, 'open');
  });

  test('failures older than the window do not count', () => {
    let s = closed();
    s = nextState(s, 'failure', 0, cfg);
    s = nextState(s, 'failure', 1_000, cfg);
    s = nextState(s, 'failure', 61_000, cfg);
    assert.equal(s.kind, 'closed');
  });

  test('stays open until the cooldown has passed, ignoring late results', () => {
    let s = nextState(closed(), { type: 'failure', openNow: true }, 0, cfg);
    s = nextState(s, 'success', 4_999, cfg);
    assert.equal(s.kind, 'open');
    s = nextState(s, 'failure', 4_999, cfg);
    assert.deepEqual(s, { kind: 'open', openedAt: 0, until: 5_000 });
  });

  test('a successful probe closes the breaker and clears its failures', () => {
    const open = nextState(closed(), { type: 'failure', openNow: true }, 0, cfg);
    const s = nextState(open, { type: 'success', probe: true }, 6_000, cfg);
    assert.deepEqual(s, closed());
  });

  test('a failed probe re-opens the breaker for another cooldown', () => {
    const open = nextState(closed(), { type: 'failure', openNow: true }, 0, cfg);
    const s = nextState(open, { type: 'failure', probe: true }, 6_000, cfg);
    assert.deepEqual(s, { kind: 'open', openedAt: 6_000, until: 11_000 });
  });

  test('a Retry-After stretches the cooldown, capped at maxCooldownMs, never below cooldown_time', () => {
    assert.deepEqual(nextState(closed(), { type: 'failure', openNow: true, cooldownMs: 12_000 }, 0, cfg), { kind: 'open', openedAt: 0, until: 12_000 });
    assert.deepEqual(nextState(closed(), { type: 'failure', openNow: true, cooldownMs: 600_000 }, 0, cfg), { kind: 'open', openedAt: 0, until: 30_000 });
    assert.deepEqual(nextState(closed(), { type: 'failure', openNow: true, cooldownMs: 10 }, 0, cfg), { kind: 'open', openedAt: 0, until: 5_000 });
  });
});

describe('breaker - which errors count', () => {
  test('client errors (bad_request, context_window, content_policy) never count', () => {
    for (const kind of ['bad_request', 'context_window', 'content_policy'] as const) {
      assert.equal(breakerEventFor(new ProviderError(kind, 'x', { status: 400 })), null, kind);
    }
  });

  test('errors that are not ProviderErrors never count', () => {
    assert.equal(breakerEventFor(new TypeError('bug')), null);
  });

  test('a 429 with Retry-After opens at once for that long; a bare 429 only counts', () => {
    assert.deepEqual(breakerEventFor(new ProviderError('rate_limit', 'slow down', { status: 429, retryAfterMs: 20_000 })), {
      type: 'failure',
      probe: false,
      openNow: true,
      cooldownMs: 20_000,
    });
    assert.deepEqual(breakerEventFor(new ProviderError('rate_limit', 'slow down', { status: 429 })), { type: 'failure', probe: false });
  });

  test('auth and not_found open at once; 5xx, timeouts and connection errors count', () => {
    assert.equal(breakerEventFor(new ProviderError('auth', 'x', { status: 401 }))?.openNow, true);
    assert.equal(breakerEventFor(new ProviderError('not_found', 'x', { status: 404 }))?.openNow, true);
    for (const kind of ['server', 'timeout', 'connection', 'malformed'] as const) {
      assert.deepEqual(breakerEventFor(new ProviderError(kind, 'x', { status: 500 })), { type: 'failure', probe: false }, kind);
    }
  });
});

describe('breaker - BreakerBoard', () => {
  const server = () => new ProviderError('server', 'boom', { status: 500 });

  test('a deployment becomes unavailable when its breaker opens and reports the remaining cooldown', () => {
    const board = new BreakerBoard({ options: cfg });
    for (let i = 0; i < 3; i++) board.recordError('d1', server(), 1_000);
    assert.equal(board.isAvailable('d1', 1_000), false);
    assert.equal(board.cooldownRemainingMs('d1', 2_000), 4_000);
    assert.equal(board.isAvailable('d2', 1_000), true);
    assert.equal(board.cooldownRemainingMs('d2', 1_000), 0);
  });

  test('bad requests do not open the breaker however many there are', () => {
    const board = new BreakerBoard({ options: cfg });
    for (let i = 0; i < 50; i++) board.recordError('d1', new ProviderError('context_window', 'too long', { status: 400 }), i);
    assert.equal(board.state('d1', 100).kind, 'closed');
  });

  test('half-open lets exactly one probe through at a time', () => {
    const board = new BreakerBoard({ options: cfg });
    board.record('d1', { type: 'failure', openNow: true }, 0);
    assert.equal(board.acquireProbe('d1', 4_000), false, 'still open');
    assert.equal(board.isAvailable('d1', 5_000), true);
    assert.equal(board.acquireProbe('d1', 5_000), true);
    assert.equal(board.acquireProbe('d1', 5_001), false);
    assert.equal(board.admit('d1', 5_002), null);
    assert.equal(board.isAvailable('d1', 5_002), false);
  });

  test('the probe succeeding closes the breaker for everyone', () => {
    const board = new BreakerBoard({ options: cfg });
    board.record('d1', { type: 'failure', openNow: true }, 0);
    assert.equal(board.admit('d1', 5_000), 'probe');
    board.recordSuccess('d1', 5_100, 'probe');
    assert.equal(board.state('d1', 5_100).kind, 'closed');
    assert.equal(board.admit('d1', 5_100), 'normal');
  });

  test('the probe failing re-opens the breaker', () => {
    const board = new BreakerBoard({ options: cfg });
    board.record('d1', { type: 'failure', openNow: true }, 0);
    assert.equal(board.admit('d1', 5_000), 'probe');
    board.recordError('d1', server(), 5_100, 'probe');
    assert.equal(board.state('d1', 5_100).kind, 'open');
    assert.equal(board.cooldownRemainingMs('d1', 5_100), 5_000);
  });

  test('a stale failure from before the breaker opened does not re-open a half-open breaker', () => {
    const board = new BreakerBoard({ options: cfg });
    board.record('d1', { type: 'failure', openNow: true }, 0);
    assert.equal(board.acquireProbe('d1', 5_000), true);
    board.recordError('d1', server(), 5_050, 'normal');
    assert.equal(board.state('d1', 5_050).kind, 'half-open');
  });

  test('a probe that never reports frees its slot after probeTimeoutMs', () => {
    const board = new BreakerBoard({ options: cfg });
    board.record('d1', { type: 'failure', openNow: true }, 0);
    assert.equal(board.acquireProbe('d1', 5_000), true);
    assert.equal(board.acquireProbe('d1', 24_999), false);
    assert.equal(board.acquireProbe('d1', 25_000), true);
  });

  test('a probe ending in a client error releases the slot without deciding', () => {
    const board = new BreakerBoard({ options: cfg });
    board.record('d1', { type: 'failure', openNow: true }, 0);
    assert.equal(board.admit('d1', 5_000), 'probe');
    board.recordError('d1', new ProviderError('bad_request', 'x', { status: 400 }), 5_010, 'probe');
    assert.equal(board.admit('d1', 5_020), 'probe');
  });

  test('a 429 with Retry-After takes the deployment out for the Retry-After', () => {
    const board = new BreakerBoard({ options: cfg });
    board.recordError('d1', new ProviderError('rate_limit', 'x', { status: 429, retryAfterMs: 20_000 }), 0);
    assert.equal(board.isAvailable('d1', 19_999), false);
    assert.equal(board.isAvailable('d1', 20_000), true);
  });

  test('admissionOf tells the probe from a request admitted before the breaker opened', () => {
    const board = new BreakerBoard({ options: cfg });
    board.record('d1', { type: 'failure', openNow: true }, 1_000);
    assert.equal(board.acquireProbe('d1', 6_000), true);
    assert.equal(board.admissionOf('d1', 6_000, 6_500), 'probe');
    assert.equal(board.admissionOf('d1', 900, 6_500), 'normal');
    assert.equal(board.admissionOf('d2', 6_000, 6_500), 'normal');
  });
});
