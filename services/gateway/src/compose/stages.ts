// Which stages a request passes through (the routing slip) and how each stage is built from config.
import type { Bus, GatewayConfig, Logger, ReplyFilterFactory, Stage, Subjects } from '@ai-gateway/kit';
import type { ProviderRegistry } from '@ai-gateway/router';
import { buildRouter, routeModelDir, type BuiltRouter } from './router.ts';
import { buildCache, cacheEnabled, sharedRouteEmbedder, type BuiltCache } from './cache.ts';
import { buildGuardrailStage, buildReplyFilter, needsGuardrailStage } from './guardrails.ts';

export type StageName = 'pii' | 'cache' | 'router';

/** The slip every request carries, from config: guardrails → cache → router (the router answers). */
export function slipFor(config: GatewayConfig): StageName[] {
  const slip: StageName[] = [];
  // (stages are added here as they exist: 'pii' when guardrails are configured, 'cache' when caching is on)
  if (needsGuardrailStage(config)) slip.push('pii');
  if (cacheEnabled(config)) slip.push('cache');
  slip.push('router');
  return slip;
}

export interface StageDeps {
  config: GatewayConfig;
  logger: Logger;
  bus: Bus;
  providers?: ProviderRegistry;
  onCooldown?: (deploymentId: string, cooldownMs: number) => void;
  /** Bus subjects (namespace) of this gateway; the cache writer consumes its completed events. */
  subjects?: Subjects;
}

export interface BuiltStages {
  stages: Stage[];
  router: BuiltRouter | null;
  cache: BuiltCache | null;
  /** Background work of the hosted stages (consumers); stopped on close. */
  close(): Promise<void>;
}

/** Builds the named stages for this process (embedded: all of them; distributed: one). */
export async function buildStages(names: readonly StageName[], deps: StageDeps): Promise<BuiltStages> {
  const stages: Stage[] = [];
  const closers: Array<() => Promise<void>> = [];
  let router: BuiltRouter | null = null;
  let cache: BuiltCache | null = null;
  // Pseudonyms are restored wherever the router runs, so its reply filter is always built.
  const replyFilter: ReplyFilterFactory = buildReplyFilter(deps.config);
  for (const name of names) {
    if (name === 'pii') stages.push(buildGuardrailStage(deps.config, deps.logger));
    if (name === 'cache') {
      cache = await buildCache({ config: deps.config, logger: deps.logger, bus: deps.bus, replyFilter, ...(deps.subjects ? { subjects: deps.subjects } : {}), ...(deps.providers ? { providers: deps.providers } : {}) });
      const built = cache;
      stages.push(built.stage);
      closers.push(() => built.close());
    }
    if (name === 'router') {
      // One local model per process: semantic routes reuse the cache's embedder (the cache is built first on the slip).
      const shared = sharedRouteEmbedder(cache, routeModelDir(deps.config));
      router = buildRouter({
        config: deps.config,
        logger: deps.logger,
        ...(deps.providers ? { providers: deps.providers } : {}),
        ...(deps.onCooldown ? { onCooldown: deps.onCooldown } : {}),
        replyFilter,
        ...(shared ? { embedder: shared } : {}),
      });
      await router.ready; // semantic routes embedded before the first request
      stages.push(router.stage);
    }
  }
  return {
    stages,
    router,
    cache,
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
}
