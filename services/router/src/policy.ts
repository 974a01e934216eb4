// The routing policy of one process: strategies, breakers, retry budgets and fallbacks over live deployment state.
import {
  BreakerBoard,
  DeploymentStateStore,
  RetryBudgets,
  backoffDelayMs,
  fallbackGroups,
  keptOnly,
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
  /** Opens a deployment's breaker because another replica saw it fail. */
  applyCooldown(deploymentId: string, cooldownMs: number, now: number): void;
}

export interface RoutingPolicyDeps {
  rand?: Rand;
  /** Told when this replica opens a breaker, so other replicas can cool the deployment too. */
  onCooldown?: (deploymentId: string, cooldownMs: number) => void;
}

export function createRoutingPolicy({ options, deps = {} }: { options: RoutingPolicyOptions; deps?: RoutingPolicyDeps }): LiveRoutingPolicy {
  const rand = deps.rand ?? Math.random;
  const board = new BreakerBoard({ options: options.breaker });
  const state = new DeploymentStateStore();
  const budgets = new RetryBudgets({ options: options.budget });


  function pick(group: string, deployments: readonly RouterDeployment[], tried: ReadonlySet<string>, stream: boolean, now: number): Pick {
    if (deployments.length === 0) return { kind: 'none', reason: 'empty', retryAfterMs: 1000, detail: `no deployments serve ${group}` };
    // The usual group is all supported, available and untried: each step copies only when it drops something.
    const supported = keptOnly(deployments, (d) => d.supported);
    if (supported.length === 0) {
      const reason = deployments[0]?.unsupportedReason ?? 'its provider is not supported';
      return { kind: 'none', reason: 'unsupported', retryAfterMs: 0, detail: `Model ${group} is unavailable: ${reason}` };
    }
    const available = keptOnly(supported, (d) => board.isAvailable(d.id, now));
    if (available.length === 0) {
      const wait = Math.min(...supported.map((d) => board.cooldownRemainingMs(d.id, now) || 1000));
      return { kind: 'none', reason: 'cooling', retryAfterMs: Math.max(1000, wait), detail: `all deployments of ${group} are cooling down` };
    }
    const untried = keptOnly(available, (d) => !tried.has(d.id));
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
    onStart(d, now, retry) {
      state.onStart(d.id, now);
      // The budget is a ratio of first attempts; counting retries too would loosen it.
      if (!retry) budgets.for(d.id).onRequest(now);
    },
    onSuccess(d, sample, now) {
      const adm = board.admissionOf(d.id, now - sample.latencyMs, now);
      state.onSuccess(d.id, now, { startedAt: now - sample.latencyMs, totalTokens: sample.tokens, ...(sample.ttftMs === null ? {} : { ttftMs: sample.ttftMs }) });
      board.recordSuccess(d.id, now, adm);
    },
    onFailure(d, err: ProviderError, now, startedAt) {
      const adm = board.admissionOf(d.id, startedAt, now);
      state.onFailure(d.id, now, { startedAt, timedOut: err.kind === 'timeout' });
      const wasOpen = board.state(d.id, now).kind === 'open';
      const after = board.recordError(d.id, err, now, adm);
      if (!wasOpen && after.kind === 'open') deps.onCooldown?.(d.id, after.until - now);
    },
    applyCooldown(deploymentId, cooldownMs, now) {
      if (board.state(deploymentId, now).kind === 'open') return;
      board.record(deploymentId, { type: 'failure', openNow: true, cooldownMs }, now);
    },
    onAbandon(d, now, startedAt) {
      const adm = board.admissionOf(d.id, startedAt, now);
      state.onFailure(d.id, now, { startedAt });
      board.recordError(d.id, new Error('abandoned'), now, adm);
    },
    allowRetry(d, err, retryIndex, now) {
      const retry = d.maxRetries === null ? options.retry : { ...options.retry, numRetries: d.maxRetries };
      return shouldRetry(err, retryIndex, retry) && budgets.for(d.id).tryAcquire(now);
    },
    retryDelayMs(err, retryIndex, sameDeployment) {
      return Math.max(options.minRetryDelayMs, backoffDelayMs(retryIndex + 1, options.retry, rand, sameDeployment ? err : undefined));
    },
    fallbacksFor(group, err) {
      return fallbackGroups(group, err.kind, options.fallbacks);
    },
  };
}
