// Attempt planner for one request: pick, retry within the group, then fall back; the caller does the I/O.
import { ProviderError } from '../providers/types.ts';
import { type Admission, type BreakerBoard } from './breaker.ts';
import type { RoutingStateView } from './deployment-state.ts';
import { DEFAULT_MAX_FALLBACKS, fallbackGroups, type FallbackSettings } from './fallbacks.ts';
import { backoffDelayMs, retryAfterOf, RetriesExhaustedError, shouldRetry, type AttemptRecord, type RetryBudgets, type RetryConfig } from './retry.ts';
import { selectDeployment, type SelectOptions } from './strategies.ts';
import type { DeploymentRef, Rand, RoutingStrategy } from './types.ts';

export interface PlannerDeps<D extends DeploymentRef> {
  /** The deployments of a model group (empty for an unknown group). */
  deploymentsOf(modelGroup: string): readonly D[];
  state: RoutingStateView;
  breakers: BreakerBoard;
  budgets: RetryBudgets;
  rand: Rand;
}

export interface PlannerOptions {
  strategy: RoutingStrategy;
  retry: RetryConfig;
  fallbacks: FallbackSettings;
  select?: SelectOptions;
}

export type PlanStep<D extends DeploymentRef> =
  | {
      kind: 'attempt';
      deployment: D;
      modelGroup: string;
      /** Wait this long before calling (0 when the retry moved to another deployment). */
      delayMs: number;
      /** 'probe' when this call is the half-open breaker's single probe. */
      admission: Admission;
      /** 1-based number of this call within the request. */
      attempt: number;
      isFallback: boolean;
    }
  | {
      /**
       * Nothing in the group can take the retry yet, but its cooldown ends within maxRetryAfterMs and
       * no fallback is left: wait `delayMs`, then call `resume`.
       */
      kind: 'wait';
      delayMs: number;
    }
  | {
      kind: 'give-up';
      /** RetriesExhaustedError (cause = last error) when something was tried; null when nothing could be. */
      error: RetriesExhaustedError | null;
      /** 'no_deployment': every deployment was cooling or at its limit; 'failed': attempts ran out. */
      reason: 'no_deployment' | 'failed';
      /** When nothing could be tried: the shortest remaining cooldown, for a Retry-After. */
      retryAfterMs: number | null;
      attempts: readonly AttemptRecord[];
    };

type Attempt<D extends DeploymentRef> = Extract<PlanStep<D>, { kind: 'attempt' }>;

/**
 * Plans the calls of one request. `start` gives the first call; after each failure `onFailure`
 * gives the next call or the verdict; `onSuccess` ends the plan. Records breaker results itself;
 * live stats (in flight, usage, latency) stay with the caller, who has the timings.
 */
export class AttemptPlan<D extends DeploymentRef> {
  private readonly deps: PlannerDeps<D>;
  private readonly options: PlannerOptions;
  private readonly tried = new Set<string>();
  private readonly visited = new Set<string>();
  private readonly pending: string[] = [];
  private readonly attempts: AttemptRecord[] = [];
  private current: Attempt<D> | null = null;
  private group: string;
  private retriesInGroup = 0;
  private fallbacksUsed = 0;
  private lastError: unknown = null;

  constructor({ deps, options }: { deps: PlannerDeps<D>; options: PlannerOptions }, modelGroup: string) {
    this.deps = deps;
    this.options = options;
    this.group = modelGroup;
  }

  start(now: number): PlanStep<D> {
    this.visited.add(this.group);
    const step = this.pick(this.group, now, false, false);
    return step ?? this.nextGroup(null, now, false);
  }

  onSuccess(now: number): void {
    if (this.current) this.deps.breakers.recordSuccess(this.current.deployment.id, now, this.current.admission);
    this.current = null;
  }

  onFailure(err: unknown, now: number): PlanStep<D> {
    const last = this.current;
    if (!last) throw new Error('AttemptPlan.onFailure called without an attempt in progress');
    this.current = null;
    this.attempts.push({
      modelGroup: last.modelGroup,
      deploymentId: last.deployment.id,
      errorKind: err instanceof ProviderError ? err.kind : 'internal',
      message: err instanceof Error ? err.message : String(err),
    });
    this.deps.breakers.recordError(last.deployment.id, err, now, last.admission);
    this.lastError = err;
    if (!(err instanceof ProviderError)) return this.giveUp(err, 'failed', null);

    const retry = this.tryRetry(err, last, now);
    if (retry) return retry;
    for (const g of fallbackGroups(this.group, err.kind, this.options.fallbacks, this.visited).reverse()) this.pending.unshift(g);
    if (this.pending.every((g) => this.visited.has(g))) {
      const wait = this.tryWait(err, last, now);
      if (wait) return wait;
    }
    return this.nextGroup(err, now, true);
  }

  /** After a `wait` step: picks again in the same group (the cooled deployment now takes the probe). */
  resume(now: number): PlanStep<D> {
    return this.pick(this.group, now, true, this.fallbacksUsed > 0) ?? this.nextGroup(this.lastError, now, true);
  }

  private tryWait(err: ProviderError, last: Attempt<D>, now: number): PlanStep<D> | null {
    const cfg = this.options.retry;
    if (!shouldRetry(err, this.retriesInGroup, cfg)) return null;
    let remaining = Number.POSITIVE_INFINITY;
    for (const d of this.deps.deploymentsOf(this.group)) remaining = Math.min(remaining, this.deps.breakers.cooldownRemainingMs(d.id, now));
    if (remaining <= 0 || remaining > cfg.maxRetryAfterMs) return null;
    if (!this.deps.budgets.for(last.deployment.id).tryAcquire(now)) return null;
    this.retriesInGroup++;
    return { kind: 'wait', delayMs: remaining };
  }

  private tryRetry(err: ProviderError, last: Attempt<D>, now: number): PlanStep<D> | null {
    const cfg = this.options.retry;
    if (!shouldRetry(err, this.retriesInGroup, cfg)) return null;
    const budget = this.deps.budgets.for(last.deployment.id);
    if (budget.available(now) < 1) return null;
    const step = this.pick(this.group, now, true, last.isFallback);
    if (!step) return null;
    const same = step.deployment.id === last.deployment.id;
    const retryAfter = retryAfterOf(err);
    if (same && retryAfter !== null && retryAfter > cfg.maxRetryAfterMs) {
      this.current = null; // the provider wants a longer pause than a request can wait: fall back instead
      if (step.admission === 'probe') this.deps.breakers.recordError(step.deployment.id, null, now, 'probe');
      return null;
    }
    budget.tryAcquire(now);
    this.retriesInGroup++;
    // Like LiteLLM: a retry on another deployment goes at once; the same one waits out the backoff.
    return { ...step, delayMs: same ? backoffDelayMs(this.retriesInGroup, cfg, this.deps.rand, err) : 0 };
  }

  /** Moves to the next pending fallback group that has a deployment to try. */
  private nextGroup(lastErr: unknown, now: number, anyTried: boolean): PlanStep<D> {
    const max = this.options.fallbacks.max_fallbacks ?? DEFAULT_MAX_FALLBACKS;
    while (this.pending.length > 0 && this.fallbacksUsed < max) {
      const g = this.pending.shift();
      if (g === undefined || this.visited.has(g)) continue;
      this.visited.add(g);
      this.fallbacksUsed++;
      this.group = g;
      this.retriesInGroup = 0;
      const step = this.pick(g, now, false, true);
      if (step) return step;
    }
    if (anyTried || this.attempts.length > 0) return this.giveUp(lastErr, 'failed', null);
    return this.giveUp(null, 'no_deployment', this.shortestCooldown(now));
  }

  private pick(group: string, now: number, isRetry: boolean, isFallback: boolean): Attempt<D> | null {
    const { deps, options } = this;
    const all = deps.deploymentsOf(group);
    const fresh = all.filter((d) => !this.tried.has(d.id));
    // A retry may reuse a tried deployment only when the group has no untried one left.
    let pool = (isRetry && fresh.length === 0 ? all : fresh).filter((d) => deps.breakers.isAvailable(d.id, now));
    while (pool.length > 0) {
      const d = selectDeployment(pool, options.strategy, deps.state, now, deps.rand, options.select);
      if (!d) return null;
      const admission = deps.breakers.admit(d.id, now);
      if (admission === null) {
        pool = pool.filter((x) => x.id !== d.id);
        continue;
      }
      if (!isRetry) deps.budgets.for(d.id).onRequest(now);
      this.tried.add(d.id);
      const step: Attempt<D> = { kind: 'attempt', deployment: d, modelGroup: group, delayMs: 0, admission, attempt: this.attempts.length + 1, isFallback };
      this.current = step;
      return step;
    }
    return null;
  }

  private shortestCooldown(now: number): number | null {
    let min: number | null = null;
    for (const g of this.visited) {
      for (const d of this.deps.deploymentsOf(g)) {
        const ms = this.deps.breakers.cooldownRemainingMs(d.id, now);
        if (ms > 0 && (min === null || ms < min)) min = ms;
      }
    }
    return min;
  }

  private giveUp(lastErr: unknown, reason: 'no_deployment' | 'failed', retryAfterMs: number | null): PlanStep<D> {
    const error = this.attempts.length > 0 ? new RetriesExhaustedError(lastErr, [...this.attempts]) : null;
    return { kind: 'give-up', error, reason, retryAfterMs, attempts: [...this.attempts] };
  }
}
