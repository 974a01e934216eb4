// Circuit breaker per deployment (LiteLLM cooldowns plus a one-probe half-open state); pure, time passed in.
import { ProviderError } from '../providers/types.ts';

export interface BreakerConfig {
  /** Failures tolerated inside `windowMs`; one more opens the breaker (LiteLLM: fails > allowed_fails). */
  allowedFails: number;
  /** Window over which failures are counted (LiteLLM counts per minute). */
  windowMs: number;
  /** cooldown_time: how long an opened breaker stays open before one probe is let through. */
  cooldownMs: number;
  /** Upper bound for a cooldown stretched by a provider's Retry-After. */
  maxCooldownMs: number;
  /** A probe that never reports back frees the half-open slot after this long. */
  probeTimeoutMs: number;
}

export function defaultBreakerConfig(): BreakerConfig {
  return { allowedFails: 3, windowMs: 60_000, cooldownMs: 5_000, maxCooldownMs: 60_000, probeTimeoutMs: 60_000 };
}

export type BreakerState =
  | { kind: 'closed'; failures: readonly number[] }
  | { kind: 'open'; openedAt: number; until: number }
  | { kind: 'half-open'; since: number; probeStartedAt: number | null };

export interface BreakerEventDetail {
  type: 'success' | 'failure';
  /** The result belongs to the half-open probe. */
  probe?: boolean;
  /** Open at once instead of counting (e.g. 429 with Retry-After, 401, 404). */
  openNow?: boolean;
  /** Cooldown asked for by the provider (Retry-After), stretched within [cooldownMs, maxCooldownMs]. */
  cooldownMs?: number;
}

/** 'success' / 'failure' are results of ordinary (non-probe) requests. */
export type BreakerEvent = 'success' | 'failure' | BreakerEventDetail;

export function closed(): BreakerState {
  return { kind: 'closed', failures: [] };
}

function detail(e: BreakerEvent): BreakerEventDetail {
  return typeof e === 'string' ? { type: e } : e;
}

function open(now: number, cfg: BreakerConfig, askedMs?: number): BreakerState {
  const ms = Math.min(cfg.maxCooldownMs, Math.max(cfg.cooldownMs, askedMs ?? 0));
  return { kind: 'open', openedAt: now, until: now + ms };
}

/** Applies the passage of time: open → half-open after the cooldown; a lost probe frees its slot. */
export function advance(s: BreakerState, now: number, cfg: BreakerConfig): BreakerState {
  if (s.kind === 'open' && now >= s.until) return { kind: 'half-open', since: s.until, probeStartedAt: null };
  if (s.kind === 'half-open' && s.probeStartedAt !== null && now - s.probeStartedAt >= cfg.probeTimeoutMs) {
    return { kind: 'half-open', since: s.since, probeStartedAt: null };
  }
  return s;
}

/**
 * The breaker's transition function. Closed counts failures in a sliding window and opens when they
 * exceed allowedFails (or at once for `openNow`). Open ignores results of requests admitted before it
 * opened. Half-open closes on any success, re-opens only when the probe fails; other failures are
 * stale (started before the breaker opened) and ignored.
 */
export function nextState(s: BreakerState, event: BreakerEvent, now: number, cfg: BreakerConfig): BreakerState {
  const cur = advance(s, now, cfg);
  const e = detail(event);
  switch (cur.kind) {
    case 'closed': {
      if (e.type === 'success') return cur;
      if (e.openNow) return open(now, cfg, e.cooldownMs);
      const failures = [...cur.failures.filter((t) => now - t < cfg.windowMs), now];
      return failures.length > cfg.allowedFails ? open(now, cfg, e.cooldownMs) : { kind: 'closed', failures };
    }
    case 'open':
      return cur;
    case 'half-open':
      if (e.type === 'success') return closed();
      return e.probe ? open(now, cfg, e.cooldownMs) : cur;
  }
}

/** Error kinds caused by the request, not the deployment: they never trip the breaker. */
const REQUEST_FAULTS = new Set<string>(['bad_request', 'context_window', 'content_policy']);

/**
 * How a failed call counts for its deployment's breaker; null when it does not count. Non-provider
 * errors are our own bugs and never count. A 429 with Retry-After opens at once for that long, as do
 * 401 / 404 (the deployment is misconfigured, as LiteLLM cools them immediately). Other 429s, 5xx,
 * timeouts, connection and malformed answers count toward allowedFails.
 */
export function breakerEventFor(err: unknown, probe = false): BreakerEventDetail | null {
  if (!(err instanceof ProviderError) || REQUEST_FAULTS.has(err.kind)) return null;
  if (err.kind === 'rate_limit' && err.retryAfterMs !== null) {
    return { type: 'failure', probe, openNow: true, cooldownMs: err.retryAfterMs };
  }
  if (err.kind === 'auth' || err.kind === 'not_found') return { type: 'failure', probe, openNow: true };
  return { type: 'failure', probe };
}

export type Admission = 'normal' | 'probe';

/** Breaker states of all deployments of this process. */
export class BreakerBoard {
  private readonly states = new Map<string, BreakerState>();
  readonly config: BreakerConfig;

  constructor({ options = {} }: { options?: Partial<BreakerConfig> } = {}) {
    this.config = { ...defaultBreakerConfig(), ...options };
  }

  state(id: string, now: number): BreakerState {
    return advance(this.states.get(id) ?? closed(), now, this.config);
  }

  /** Closed, or half-open with the probe slot free. */
  isAvailable(id: string, now: number): boolean {
    const s = this.state(id, now);
    return s.kind === 'closed' || (s.kind === 'half-open' && s.probeStartedAt === null);
  }

  /** Time until an open breaker lets a probe through; 0 when not open. */
  cooldownRemainingMs(id: string, now: number): number {
    const s = this.state(id, now);
    return s.kind === 'open' ? Math.max(0, s.until - now) : 0;
  }

  /** Takes the single half-open probe slot; false when not half-open or the slot is taken. */
  acquireProbe(id: string, now: number): boolean {
    const s = this.state(id, now);
    if (s.kind !== 'half-open' || s.probeStartedAt !== null) return false;
    this.states.set(id, { kind: 'half-open', since: s.since, probeStartedAt: now });
    return true;
  }

  /** Admits one request: 'normal' when closed, 'probe' when it took the half-open slot, null otherwise. */
  admit(id: string, now: number): Admission | null {
    const s = this.state(id, now);
    if (s.kind === 'closed') return 'normal';
    return this.acquireProbe(id, now) ? 'probe' : null;
  }

  /**
   * Which admission a request that started at `startedAt` had, for callers that did not keep the
   * value `admit` returned: while the probe is in flight nobody else is admitted, so a request that
   * started at or after the probe did is the probe; anything older was admitted while closed.
   */
  admissionOf(id: string, startedAt: number, now: number): Admission {
    const s = this.state(id, now);
    return s.kind === 'half-open' && s.probeStartedAt !== null && startedAt >= s.probeStartedAt ? 'probe' : 'normal';
  }

  record(id: string, event: BreakerEvent, now: number): BreakerState {
    const next = nextState(this.states.get(id) ?? closed(), event, now, this.config);
    if (next.kind === 'closed' && next.failures.length === 0) this.states.delete(id);
    else this.states.set(id, next);
    return next;
  }

  recordSuccess(id: string, now: number, admission: Admission = 'normal'): BreakerState {
    return this.record(id, { type: 'success', probe: admission === 'probe' }, now);
  }

  /** Records a failed call; errors that do not count still end a probe (the slot is released). */
  recordError(id: string, err: unknown, now: number, admission: Admission = 'normal'): BreakerState {
    const event = breakerEventFor(err, admission === 'probe');
    if (event) return this.record(id, event, now);
    const s = this.state(id, now);
    if (admission === 'probe' && s.kind === 'half-open') this.states.set(id, { kind: 'half-open', since: s.since, probeStartedAt: null });
    return this.state(id, now);
  }
}
