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
  onStart(d: RouterDeployment, now: number): void;
  onSuccess(d: RouterDeployment, sample: { latencyMs: number; ttftMs: number | null; tokens: number }, now: number): void;
  onFailure(d: RouterDeployment, err: ProviderError, now: number, startedAt: number): void;
  /** Releases in-flight accounting when an attempt ends without success or failure (cancelled). */
  onAbandon(d: RouterDeployment, now: number): void;
  /** Delay before the next retry on this group, or null when no retry is allowed. */
  retryDelayMs(d: RouterDeployment, err: ProviderError, retryIndex: number, now: number): number | null;
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
