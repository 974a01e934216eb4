// Retry policy: which errors to retry, how long to wait (full jitter, Retry-After), and a retry budget.
import { ProviderError } from '../providers/types.ts';
import { SlidingWindowCounter } from './deployment-state.ts';
import type { Rand } from './types.ts';

export interface RetryConfig {
  /** num_retries: retries after the first attempt, within one model group. */
  numRetries: number;
  /** Ceiling of the first retry's jitter window (LiteLLM's retry_after acts as a minimum wait). */
  baseDelayMs: number;
  /** Cap of the exponential ceiling. */
  maxDelayMs: number;
  /** A provider's Retry-After is honoured up to this; longer waits are not worth holding a request. */
  maxRetryAfterMs: number;
}

export function defaultRetryConfig(): RetryConfig {
  return { numRetries: 2, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };
}

/** The Retry-After a provider sent with this error, if any. */
export function retryAfterOf(err: unknown): number | null {
  return err instanceof ProviderError && err.retryAfterMs !== null && err.retryAfterMs >= 0 ? err.retryAfterMs : null;
}

/**
 * Wait before retry number `attempt` (1 = first retry): full jitter, uniform in
 * [0, min(maxDelayMs, baseDelayMs × 2^(attempt-1))). A Retry-After on `err` is a floor,
 * itself capped at maxRetryAfterMs.
 */
export function backoffDelayMs(attempt: number, cfg: RetryConfig, rand: Rand, err?: unknown): number {
  const exp = Math.max(0, attempt - 1);
  const ceiling = Math.min(cfg.maxDelayMs, cfg.baseDelayMs * 2 ** Math.min(exp, 52));
  const jittered = Math.floor(rand() * ceiling);
  const floor = Math.min(retryAfterOf(err) ?? 0, cfg.maxRetryAfterMs);
  return Math.max(jittered, floor);
}

/**
 * Whether to retry after `retriesDone` retries. Reads only `retriable` of a ProviderError;
 * anything else (our own bugs, aborts) is never retried.
 */
export function shouldRetry(err: unknown, retriesDone: number, cfg: RetryConfig): boolean {
  return err instanceof ProviderError && err.retriable && retriesDone < cfg.numRetries;
}

export interface RetryBudgetConfig {
  /** Retries may be at most this fraction of the requests seen in the window (e.g. 0.2). */
  ratio: number;
  /** Retries always allowed per second on top of the ratio, so low traffic can still retry. */
  minPerSecond: number;
  /** Window over which requests and retries are counted. */
  windowMs: number;
}

export function defaultRetryBudgetConfig(): RetryBudgetConfig {
  return { ratio: 0.2, minPerSecond: 1, windowMs: 10_000 };
}

/**
 * A ratio retry budget (as in Finagle / gRPC / Envoy): in any window, retries ≤ ratio × requests +
 * minPerSecond × window. A failing provider then sees at most (1 + ratio) × its offered load,
 * never a retry storm.
 */
export class RetryBudget {
  private readonly requests: SlidingWindowCounter;
  private readonly retries: SlidingWindowCounter;
  readonly config: RetryBudgetConfig;

  constructor({ options = {} }: { options?: Partial<RetryBudgetConfig> } = {}) {
    this.config = { ...defaultRetryBudgetConfig(), ...options };
    this.requests = new SlidingWindowCounter(this.config.windowMs, 10);
    this.retries = new SlidingWindowCounter(this.config.windowMs, 10);
  }

  /** Counts one first attempt (not a retry). */
  onRequest(now: number): void {
    this.requests.add(now, 1);
  }

  /** Retries still allowed in the current window. */
  available(now: number): number {
    const allowance = this.config.ratio * this.requests.total(now) + (this.config.minPerSecond * this.config.windowMs) / 1000;
    return Math.max(0, Math.floor(allowance - this.retries.total(now)));
  }

  /** Spends one retry if the budget allows it. */
  tryAcquire(now: number): boolean {
    if (this.available(now) < 1) return false;
    this.retries.add(now, 1);
    return true;
  }
}

/** One retry budget per deployment, created on first use. */
export class RetryBudgets {
  private readonly budgets = new Map<string, RetryBudget>();
  private readonly options: Partial<RetryBudgetConfig>;

  constructor({ options = {} }: { options?: Partial<RetryBudgetConfig> } = {}) {
    this.options = options;
  }

  for(deploymentId: string): RetryBudget {
    let b = this.budgets.get(deploymentId);
    if (!b) {
      b = new RetryBudget({ options: this.options });
      this.budgets.set(deploymentId, b);
    }
    return b;
  }
}

/** One attempt of a request, as the planner and the error report describe it. */
export interface AttemptRecord {
  modelGroup: string;
  deploymentId: string;
  /** Kind of the error (ProviderError kind, or 'internal' for anything else). */
  errorKind: string;
  message: string;
}

/** Every attempt failed; `cause` is the last error, `attempts` lists them all in order. */
export class RetriesExhaustedError extends Error {
  readonly attempts: readonly AttemptRecord[];

  constructor(lastError: unknown, attempts: readonly AttemptRecord[]) {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    super(`All ${attempts.length} attempt(s) failed; last error: ${last}`, { cause: lastError });
    this.name = 'RetriesExhaustedError';
    this.attempts = attempts;
  }
}
