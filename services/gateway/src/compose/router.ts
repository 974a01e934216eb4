// Builds the router stage of one process from the validated config.
import { contextWindowPolicySchema, countTextTokens, type ContextWindowPolicy, type Embedder, type GatewayConfig, type Logger, type Tenant } from '@ai-gateway/kit';
import { loadLocalEmbedder, modelDirOf } from '@ai-gateway/semantic-cache';
import {
  createContextWindow,
  createRouteSelector,
  virtualModelNames,
  type RouteSelector,
  type TenantRoutingPolicy,
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
  /** Rule/semantic routing of virtual models, when configured. */
  routes: RouteSelector | null;
  /** Resolves when the router can serve (semantic routes embedded); rejects only when a required embedder is missing. */
  ready: Promise<void>;
  /** The embedder semantic routes use (given, e.g. the cache's, or loaded); null without semantic routes. */
  embedder: Embedder | Promise<Embedder | null> | null;
}

/** Virtual model names (`auto`, …) the config defines: the ingress catalog accepts them. */
export function virtualModelsFrom(config: GatewayConfig): string[] {
  return virtualModelNames(config.router_settings.routing_rules, config.router_settings.auto_router);
}

/** The local model directory semantic routes embed with; null when no semantic routes are configured. */
export function routeModelDir(config: GatewayConfig): string | null {
  const sem = config.router_settings.auto_router?.semantic;
  if (!sem || sem.routes.length === 0) return null;
  return modelDirOf(sem.embedding_model_dir ?? config.litellm_settings.cache_params.embedding_model_dir);
}

/**
 * The local embedding model for semantic routes (same adapter as the semantic cache). Missing model:
 * null with a warning (routes then match lexically), or a start-up error when require_embedder is set.
 */
export async function loadRouteEmbedder(config: GatewayConfig, logger: Logger): Promise<Embedder | null> {
  const sem = config.router_settings.auto_router?.semantic;
  const dir = routeModelDir(config);
  if (!sem || dir === null) return null;
  try {
    return await loadLocalEmbedder({ modelDir: dir });
  } catch (err) {
    if (sem.require_embedder) throw new Error(`semantic routing needs the local embedding model: ${(err as Error).message}`, { cause: err });
    logger.warn({ err, modelDir: dir }, 'semantic routing: embedding model unavailable, routes are matched lexically');
    return null;
  }
}

/**
 * Default key policies from config `virtual_keys[].metadata` (matched by key_alias): `route_explicit_models: true`
 * lets routing rules rewrite explicitly named models; `context_window_policy` sets the key's policy. Keys made
 * through the admin API are not covered here: pass tenantRouting / tenantContextPolicy from the key store.
 */
export function keyPoliciesFrom(config: GatewayConfig): {
  routing: (tenant: Tenant) => TenantRoutingPolicy | null;
  context: (tenant: Tenant) => ContextWindowPolicy | null;
} {
  const routing = new Map<string, TenantRoutingPolicy>();
  const context = new Map<string, ContextWindowPolicy>();
  for (const k of config.virtual_keys) {
    if (!k.key_alias) continue;
    if (k.metadata['route_explicit_models'] === true) routing.set(k.key_alias, { routeExplicitModels: true });
    const p = contextWindowPolicySchema.safeParse(k.metadata['context_window_policy']);
    if (p.success) context.set(k.key_alias, p.data);
  }
  return {
    routing: (t) => (t.keyAlias ? (routing.get(t.keyAlias) ?? null) : null),
    context: (t) => (t.keyAlias ? (context.get(t.keyAlias) ?? null) : null),
  };
}

/** Start-up check: every route target must be a model group, so a typo fails here rather than per request. */
function checkRouteTargets(config: GatewayConfig, groups: ModelGroups): void {
  const rs = config.router_settings;
  const targets = [
    ...rs.routing_rules.map((r, i) => [`router_settings.routing_rules[${i}].route_to`, r.route_to] as const),
    ...(rs.auto_router?.semantic?.routes ?? []).map((r, i) => [`router_settings.auto_router.semantic.routes[${i}].route_to`, r.route_to] as const),
    ...(rs.auto_router?.default_model ? [['router_settings.auto_router.default_model', rs.auto_router.default_model] as const] : []),
  ];
  for (const [path, group] of targets) {
    if (!groups.has(group)) throw new Error(`${path}: "${group}" is not a model group in model_list`);
  }
  for (const name of virtualModelsFrom(config)) {
    if (groups.has(name)) throw new Error(`router_settings.auto_router.model_names: "${name}" is also a model group; a virtual model needs its own name`);
  }
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
  /** Embedder for semantic routes (e.g. shared with the cache); default: loaded by loadRouteEmbedder. */
  embedder?: Embedder | Promise<Embedder | null> | null;
  /** Seam for virtual keys: whether a tenant lets rules rewrite explicitly named models. */
  tenantRouting?: (tenant: Tenant) => TenantRoutingPolicy | null;
  /** Seam for virtual keys: a key's own context-window policy (wins over the model group's). */
  tenantContextPolicy?: (tenant: Tenant) => ContextWindowPolicy | null;
}

export function buildRouter({ config, logger, providers, onCooldown, replyFilter, embedder, tenantRouting, tenantContextPolicy }: BuildRouterOptions): BuiltRouter {
  const rs = config.router_settings;
  const groups = createModelGroups(config.deployments, aliasesFrom(config));
  checkRouteTargets(config, groups);
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
  const routerLogger = logger.child({ stage: 'router' });
  const keys = keyPoliciesFrom(config);
  tenantRouting ??= keys.routing;
  tenantContextPolicy ??= keys.context;
  const virtual = virtualModelsFrom(config).length > 0;
  const routeEmbedder = !virtual ? null : embedder === undefined ? loadRouteEmbedder(config, routerLogger) : embedder;
  const routes = virtual
    ? createRouteSelector({
        deps: { logger: routerLogger, embedder: routeEmbedder, ...(tenantRouting ? { tenantPolicy: tenantRouting } : {}) },
        options: { rules: rs.routing_rules, autoRouter: rs.auto_router },
      })
    : null;
  const contextWindow = createContextWindow({
    deps: { groups, policy, ...(tenantContextPolicy ? { tenantPolicy: tenantContextPolicy } : {}) },
    options: { defaultPolicy: rs.context_window_policy, groupPolicies: rs.context_window_policies },
  });
  const stage = createRouterStage({
    deps: {
      groups,
      providers: providers ?? createProviderRegistry(),
      policy,
      logger: routerLogger,
      // Usage a provider did not report is counted with the model family's tokenizer.
      countTokens: countTextTokens,
      contextWindow,
      ...(routes ? { routeSelector: routes } : {}),
      ...(replyFilter ? { replyFilter } : {}),
    },
    options: { timeouts: timeoutsFrom(config) },
  });
  // A required embedding model that is missing rejects `ready`, so start-up fails with its message.
  const ready = routes ? Promise.all([routes.ready, routeEmbedder]).then(() => undefined) : Promise.resolve();
  return { stage, groups, policy, routes, ready, embedder: routeEmbedder };
}
