// The routing policy of one process: strategies, breakers, retry budgets and fallbacks over live deployment state.
import {
  BreakerBoard,
  DeploymentStateStore,
  RetryBudgets,
  backoffDelayMs,
  fallbackGroups,
  selectDeployment,
  shouldRetry,
  type BreakerConfig,
  type FallbackSettings,
  type Rand,
  type RetryBudgetConfig,
  type RetryConfig,
  type RoutingStrategy,
} from './domain/index.ts';
import type { ProviderError } from './providers/types.ts';
import type { Pick, RouterDeployment, RoutingPolicy } from './routing-types.ts';

export interface RoutingPolicyOptions {
  strategy: RoutingStrategy;
  retry: RetryConfig;
  /** LiteLLM retry_after: minimum wait before a retry. */
  minRetryDelayMs: number;
  budget: Partial<RetryBudgetConfig>;
  breaker: Partial<BreakerConfig>;
  fallbacks: FallbackSettings;
}

export interface LiveRoutingPolicy extends RoutingPolicy {
  readonly board: BreakerBoard;
  readonly state: DeploymentStateStore;
}

export function createRoutingPolicy({ options, deps = {} }: { options: RoutingPolicyOptions; deps?: { rand?: Rand } }): LiveRoutingPolicy {
  const rand = deps.rand ?? Math.random;
  const board = new BreakerBoard({ options: options.breaker });
  const state = new DeploymentStateStore();
  const budgets = new RetryBudgets({ options: options.budget });

  function admission(d: RouterDeployment, now: number): 'normal' | 'probe' {
    const s = board.state(d.id, now);
    return s.kind === 'half-open' && s.probeStartedAt !== null ? 'probe' : 'normal';
  }

  function pick(group: string, deployments: readonly RouterDeployment[], tried: ReadonlySet<string>, stream: boolean, now: number): Pick {
    if (deployments.length === 0) return { kind: 'none', reason: 'empty', retryAfterMs: 1000, detail: `no deployments serve ${group}` };
    const supported = deployments.filter((d) => d.supported);
    if (supported.length === 0) {
      const reason = deployments[0]?.unsupportedReason ?? 'its provider is not supported';
      return { kind: 'none', reason: 'unsupported', retryAfterMs: 0, detail: `Model ${group} is unavailable: ${reason}` };
    }
    const available = supported.filter((d) => board.isAvailable(d.id, now));
    if (available.length === 0) {
      const wait = Math.min(...supported.map((d) => board.cooldownRemainingMs(d.id, now) || 1000));
      return { kind: 'none', reason: 'cooling', retryAfterMs: Math.max(1000, wait), detail: `all deployments of ${group} are cooling down` };
    }
    const untried = available.filter((d) => !tried.has(d.id));
    const d = selectDeployment(untried.length > 0 ? untried : available, options.strategy, state, now, rand, { streaming: stream });
    if (!d) return { kind: 'none', reason: 'cooling', retryAfterMs: 1000, detail: `all deployments of ${group} are at their rpm/tpm limits` };
    if (board.admit(d.id, now) === null) {
      return { kind: 'none', reason: 'cooling', retryAfterMs: 1000, detail: `all deployments of ${group} are cooling down` };
    }
    return { kind: 'deployment', deployment: d };
  }

  return {
    board,
    state,
    pick,
    onStart(d, now) {
      state.onStart(d.id, now);
      budgets.for(d.id).onRequest(now);
    },
    onSuccess(d, sample, now) {
      const adm = admission(d, now);
      state.onSuccess(d.id, now, { startedAt: now - sample.latencyMs, totalTokens: sample.tokens, ...(sample.ttftMs === null ? {} : { ttftMs: sample.ttftMs }) });
      board.recordSuccess(d.id, now, adm);
    },
    onFailure(d, err: ProviderError, now, startedAt) {
      const adm = admission(d, now);
      state.onFailure(d.id, now, { startedAt, timedOut: err.kind === 'timeout' });
      board.recordError(d.id, err, now, adm);
    },
    onAbandon(d, now) {
      const adm = admission(d, now);
      state.onFailure(d.id, now, { startedAt: now });
      board.recordError(d.id, new Error('abandoned'), now, adm);
    },
    retryDelayMs(d, err, retryIndex, now) {
      const retry = d.maxRetries === null ? options.retry : { ...options.retry, numRetries: d.maxRetries };
      if (!shouldRetry(err, retryIndex, retry)) return null;
      if (!budgets.for(d.id).tryAcquire(now)) return null;
      return Math.max(options.minRetryDelayMs, backoffDelayMs(retryIndex + 1, retry, rand, err));
    },
    fallbacksFor(group, err) {
      return fallbackGroups(group, err.kind, options.fallbacks);
    },
  };
}
