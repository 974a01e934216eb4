// Builds the router stage of one process from the validated config.
import type { GatewayConfig, Logger } from '@ai-gateway/kit';
import {
  createModelGroups,
  createProviderRegistry,
  createRouterStage,
  createRoutingPolicy,
  defaultRetryConfig,
  type LiveRoutingPolicy,
  type ModelGroups,
  type ProviderRegistry,
  type TimeoutSettings,
} from '@ai-gateway/router';
import type { ReplyFilterFactory, Stage } from '@ai-gateway/kit';

export interface BuiltRouter {
  stage: Stage;
  groups: ModelGroups;
  policy: LiveRoutingPolicy;
}

const s = (seconds: number): number => Math.round(seconds * 1000);

export function timeoutsFrom(config: GatewayConfig): TimeoutSettings {
  const rs = config.router_settings;
  return {
    timeoutMs: s(rs.timeout),
    ttftTimeoutMs: s(rs.ttft_timeout ?? rs.stream_timeout ?? Math.min(rs.timeout, 60)),
    streamIdleTimeoutMs: s(rs.stream_idle_timeout ?? 60),
  };
}

export function aliasesFrom(config: GatewayConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [alias, target] of Object.entries(config.router_settings.model_group_alias)) {
    out[alias] = typeof target === 'string' ? target : target.model;
  }
  return out;
}

export interface BuildRouterOptions {
  config: GatewayConfig;
  logger: Logger;
  providers?: ProviderRegistry;
  /** Distributed mode: share breaker openings with the other router replicas. */
  onCooldown?: (deploymentId: string, cooldownMs: number) => void;
  /** Post-call guardrails applied to every answer. */
  replyFilter?: ReplyFilterFactory;
}

export function buildRouter({ config, logger, providers, onCooldown, replyFilter }: BuildRouterOptions): BuiltRouter {
  const rs = config.router_settings;
  const groups = createModelGroups(config.deployments, aliasesFrom(config));
  const policy = createRoutingPolicy({
    ...(onCooldown ? { deps: { onCooldown } } : {}),
    options: {
      strategy: rs.routing_strategy,
      retry: { ...defaultRetryConfig(), numRetries: config.litellm_settings.num_retries ?? rs.num_retries },
      minRetryDelayMs: s(rs.retry_after),
      budget: { ratio: rs.retry_budget },
      breaker: { allowedFails: rs.allowed_fails, cooldownMs: s(rs.cooldown_time) },
      fallbacks: {
        fallbacks: [rs.fallbacks],
        context_window_fallbacks: [rs.context_window_fallbacks],
        content_policy_fallbacks: [rs.content_policy_fallbacks],
        default_fallbacks: rs.default_fallbacks,
      },
    },
  });
  const stage = createRouterStage({
    deps: { groups, providers: providers ?? createProviderRegistry(), policy, logger: logger.child({ stage: 'router' }), ...(replyFilter ? { replyFilter } : {}) },
    options: { timeouts: timeoutsFrom(config) },
  });
  return { stage, groups, policy };
}
