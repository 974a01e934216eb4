// Which stages a request passes through (the routing slip) and how each stage is built from config.
import type { Bus, GatewayConfig, Logger, ReplyFilterFactory, Stage } from '@ai-gateway/kit';
import type { ProviderRegistry } from '@ai-gateway/router';
import { buildRouter, type BuiltRouter } from './router.ts';

export type StageName = 'pii' | 'cache' | 'router';

/** The slip every request carries, from config: guardrails → cache → router (the router answers). */
export function slipFor(config: GatewayConfig): StageName[] {
  const slip: StageName[] = [];
  // (stages are added here as they exist: 'pii' when guardrails are configured, 'cache' when caching is on)
  void config;
  slip.push('router');
  return slip;
}

export interface StageDeps {
  config: GatewayConfig;
  logger: Logger;
  bus: Bus;
  providers?: ProviderRegistry;
  onCooldown?: (deploymentId: string, cooldownMs: number) => void;
}

export interface BuiltStages {
  stages: Stage[];
  router: BuiltRouter | null;
  /** Background work of the hosted stages (consumers); stopped on close. */
  close(): Promise<void>;
}

/** Builds the named stages for this process (embedded: all of them; distributed: one). */
export async function buildStages(names: readonly StageName[], deps: StageDeps): Promise<BuiltStages> {
  const stages: Stage[] = [];
  const closers: Array<() => Promise<void>> = [];
  let router: BuiltRouter | null = null;
  let replyFilter: ReplyFilterFactory | undefined;
  for (const name of names) {
    if (name === 'router') {
      router = buildRouter({
        config: deps.config,
        logger: deps.logger,
        ...(deps.providers ? { providers: deps.providers } : {}),
        ...(deps.onCooldown ? { onCooldown: deps.onCooldown } : {}),
        ...(replyFilter ? { replyFilter } : {}),
      });
      stages.push(router.stage);
    }
  }
  return {
    stages,
    router,
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
}
