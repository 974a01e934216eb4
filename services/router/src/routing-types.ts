// What the router stage needs from configuration and from the routing policy (domain-backed).
import type { DeploymentRef } from './domain/types.ts';
import type { ProviderError, ProviderName } from './providers/types.ts';

/** A deployment as the router uses it: the config loader's Deployment fits this shape. */
export interface RouterDeployment extends DeploymentRef {
  provider: ProviderName;
  providerModel: string;
  apiBase: string | null;
  apiKey: string | null;
  apiVersion: string | null;
  headers: Record<string, string>;
  timeoutMs: number | null;
  streamTimeoutMs: number | null;
  maxRetries: number | null;
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  mode: string | null;
  requestDefaults: Record<string, unknown>;
  supported: boolean;
  unsupportedReason: string | null;
  wildcard: boolean;
  cachedInputCostPerToken: number | null;
}

export type Pick =
  | { kind: 'deployment'; deployment: RouterDeployment }
  | { kind: 'none'; reason: 'cooling' | 'unsupported' | 'empty'; retryAfterMs: number; detail: string };

/** Decisions the attempt loop asks for; implemented over the pure domain (strategies, breaker, retry, fallbacks). */
export interface RoutingPolicy {
  pick(group: string, deployments: readonly RouterDeployment[], tried: ReadonlySet<string>, stream: boolean, now: number): Pick;
  /** `retry` is true for every attempt after the first of a request. */
  onStart(d: RouterDeployment, now: number, retry: boolean): void;
  onSuccess(d: RouterDeployment, sample: { latencyMs: number; ttftMs: number | null; tokens: number }, now: number): void;
  onFailure(d: RouterDeployment, err: ProviderError, now: number, startedAt: number): void;
  /** Releases in-flight accounting when an attempt ends without success or failure (cancelled). */
  onAbandon(d: RouterDeployment, now: number, startedAt: number): void;
  /** Whether one more retry on this group is allowed (num_retries, retry budget); spends budget when true. */
  allowRetry(d: RouterDeployment, err: ProviderError, retryIndex: number, now: number): boolean;
  /**
   * Wait before retry `retryIndex` (0 = first). A provider's Retry-After only binds when the retry goes
   * to the same deployment; another deployment is tried after the jittered backoff alone.
   */
  retryDelayMs(err: ProviderError, retryIndex: number, sameDeployment: boolean): number;
  /** Model groups to try after `group` failed with `err`, in order. */
  fallbacksFor(group: string, err: ProviderError): string[];
}

export interface TimeoutSettings {
  /** Whole attempt, non-stream. */
  timeoutMs: number;
  /** Stream: until the first chunk. */
  ttftTimeoutMs: number;
  /** Stream: longest silence between chunks. */
  streamIdleTimeoutMs: number;
}
