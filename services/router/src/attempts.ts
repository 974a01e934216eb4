// The attempt loop: pick a deployment, call it under a deadline, retry with backoff, fall back to other groups.
import { GatewayError, type CancelSource, type FallbackStep } from '@ai-gateway/kit';
import type { ModelGroups } from './groups.ts';
import { ProviderError } from './providers/types.ts';
import type { RouterDeployment, RoutingPolicy } from './routing-types.ts';

export class CancelledError extends Error {
  constructor() {
    super('request cancelled by the client');
    this.name = 'CancelledError';
  }
}

/** Controls one attempt's abort: client cancel, or our own timer (which the caller may re-arm). */
export class AttemptGuard {
  readonly controller = new AbortController();
  timedOut: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly unlink: () => void;

  constructor(parent: CancelSource) {
    this.unlink = parent.onCancel(() => this.controller.abort(new CancelledError()));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** (Re)arms the timer: when it fires the attempt is aborted as a timeout with `what` as the reason. */
  arm(ms: number, what: string): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timedOut = what;
      this.controller.abort(new ProviderError('timeout', what, { status: 408 }));
    }, ms);
  }

  /** Cheap re-arm with the same duration (per stream chunk). */
  refresh(): void {
    this.timer?.refresh();
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.disarm();
    this.unlink();
  }
}

export interface AttemptContext {
  groups: ModelGroups;
  policy: RoutingPolicy;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The request's cancellation (its AbortSignal only for a backoff sleep). */
  cancel: CancelSource;
  stream: boolean;
}

export interface Attempted<T> {
  value: T;
  deployment: RouterDeployment;
  group: string;
  guard: AttemptGuard;
  attempts: number;
  fallbacks: FallbackStep[];
  startedAt: number;
}

export interface AttemptFailure {
  error: GatewayError | ProviderError | CancelledError;
  attempts: number;
  fallbacks: FallbackStep[];
  deployment: RouterDeployment | null;
}

export class AttemptsFailed extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.error.message, { cause: failure.error });
    this.name = 'AttemptsFailed';
  }
}

/** Normalises whatever an attempt threw. Programming errors are rethrown untouched: never retried. */
function classify(raw: unknown, guard: AttemptGuard, parent: CancelSource): ProviderError | CancelledError {
  if (parent.cancelled) return new CancelledError();
  if (guard.timedOut) return new ProviderError('timeout', guard.timedOut, { status: 408 });
  if (raw instanceof ProviderError) return raw;
  if (raw instanceof CancelledError) return raw;
  throw raw;
}

function noneError(pick: Extract<ReturnType<RoutingPolicy['pick']>, { kind: 'none' }>, model: string): GatewayError {
  if (pick.reason === 'unsupported') {
    return new GatewayError('service_unavailable', { params: { detail: pick.detail } });
  }
  return new GatewayError('all_deployments_cooling', {
    params: { model, retryAfterS: Math.ceil(pick.retryAfterMs / 1000) },
    retryAfterS: pick.retryAfterMs / 1000,
  });
}

/**
 * Runs `call` against deployments of `model` (and its fallbacks) until one succeeds. `call` must resolve
 * only once the attempt is committed (for streams: the first chunk arrived); it may re-arm the guard.
 */
export async function runAttempts<T>(
  ax: AttemptContext,
  model: string,
  call: (d: RouterDeployment, guard: AttemptGuard) => Promise<T>,
  firstTimeout: (d: RouterDeployment) => { ms: number; what: string },
): Promise<Attempted<T>> {
  let group = model;
  const visited = new Set<string>([group]);
  const fallbacks: FallbackStep[] = [];
  let attempts = 0;
  let lastDeployment: RouterDeployment | null = null;
  for (;;) {
    const deployments = ax.groups.resolve(group) ?? [];
    const tried = new Set<string>();
    let retryIndex = 0;
    let lastErr: GatewayError | ProviderError | null = null;
    let pending: { from: RouterDeployment; err: ProviderError } | null = null;
    for (;;) {
      if (ax.cancel.cancelled) throw new AttemptsFailed({ error: new CancelledError(), attempts, fallbacks, deployment: lastDeployment });
      const pick = ax.policy.pick(group, deployments, tried, ax.stream, ax.now());
      if (pick.kind === 'none') {
        lastErr ??= noneError(pick, group);
        break;
      }
      const d = pick.deployment;
      if (pending) {
        const delay = ax.policy.retryDelayMs(pending.err, retryIndex - 1, pending.from.id === d.id);
        pending = null;
        if (delay > 0) {
          try {
            await ax.sleep(delay, ax.cancel.signal);
          } catch {
            throw new AttemptsFailed({ error: new CancelledError(), attempts, fallbacks, deployment: d });
          }
        }
      }
      lastDeployment = d;
      tried.add(d.id);
      attempts++;
      const startedAt = ax.now();
      ax.policy.onStart(d, startedAt, attempts > 1);
      const guard = new AttemptGuard(ax.cancel);
      const t = firstTimeout(d);
      guard.arm(t.ms, t.what);
      try {
        const value = await call(d, guard);
        return { value, deployment: d, group, guard, attempts, fallbacks, startedAt };
      } catch (raw) {
        guard.dispose();
        let err: ProviderError | CancelledError;
        try {
          err = classify(raw, guard, ax.cancel);
        } catch (programming) {
          ax.policy.onAbandon(d, ax.now(), startedAt);
          throw programming;
        }
        if (err instanceof CancelledError) {
          ax.policy.onAbandon(d, ax.now(), startedAt);
          throw new AttemptsFailed({ error: err, attempts, fallbacks, deployment: d });
        }
        ax.policy.onFailure(d, err, ax.now(), startedAt);
        lastErr = err;
        if (!err.retriable || !ax.policy.allowRetry(d, err, retryIndex, ax.now())) break;
        retryIndex++;
        pending = { from: d, err };
      }
    }
    const next = nextGroup(ax, group, lastErr, visited);
    if (next === null) throw new AttemptsFailed({ error: lastErr, attempts, fallbacks, deployment: lastDeployment });
    fallbacks.push({ from: group, to: next, reason: lastErr instanceof ProviderError ? lastErr.kind : lastErr.code });
    visited.add(next);
    group = next;
  }
}

function nextGroup(ax: AttemptContext, group: string, err: GatewayError | ProviderError, visited: Set<string>): string | null {
  // Cooling groups fall back like failing ones; other gateway errors (unsupported provider) do too.
  const asProvider = err instanceof ProviderError ? err : new ProviderError('server', err.message, { status: err.status });
  const fallbackWorthy = asProvider.retriable || asProvider.kind === 'context_window' || asProvider.kind === 'content_policy';
  if (!fallbackWorthy) return null;
  for (const candidate of ax.policy.fallbacksFor(group, asProvider)) {
    if (!visited.has(candidate) && ax.groups.has(candidate)) return candidate;
  }
  return null;
}

export function sleepWithSignal(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
