// Distributed mode building blocks: one ingress or one stage host per process, joined over NATS.
import { avroCodec, connectNatsBus, createPipeline, subjectsFor, type Bus, type GatewayConfig, type Logger, type Subjects } from '@ai-gateway/kit';
import { createModelGroups, type ProviderRegistry } from '@ai-gateway/router';
import { buildIngressServer, closeServer, listen, newIngressId } from './compose/ingress.ts';
import { aliasesFrom } from './compose/router.ts';
import { buildStages, slipFor, type StageName } from './compose/stages.ts';
import { cacheRouters } from './compose/cache.ts';
import { answerStagePings, decorateStage, deploymentsFromPolicy, opsPortFromEnv, stageConsumersCheck, startOpsServer, startTelemetry, storeCheck, teamBudgetsFrom, watchCooldowns } from './compose/telemetry.ts';
import { tracedProviders } from './compose/traced-providers.ts';
import { buildIngressAccounting, startAccounting, type AccountingLocation } from './compose/accounting.ts';
import { reportRouters, startBillingExport } from './compose/relay.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface ServiceHandle {
  url?: string;
  port?: number;
  close(): Promise<void>;
}

export function natsUrlOf(config: GatewayConfig): string {
  return config.general_settings.nats_url ?? 'nats://127.0.0.1:4222';
}

/** Bus namespace: lets several gateways (or test runs) share one NATS. Env GATEWAY_BUS_NAMESPACE. */
export function subjectsFromEnv(env: NodeJS.ProcessEnv = process.env): Subjects {
  return subjectsFor(env['GATEWAY_BUS_NAMESPACE'] ?? '');
}

export async function connectBus(config: GatewayConfig, name: string, subjects: Subjects = subjectsFromEnv()): Promise<Bus> {
  const streamName = `GW_EVENTS${subjects.prefix === 'gw.v1' ? '' : `_${subjects.prefix.split('.')[0]}`}`;
  return connectNatsBus({ servers: natsUrlOf(config), name, stream: { name: streamName, subjects: [subjects.events] } });
}

/** Hosts one or more stages in this process, served from their bus subjects (queue groups). */
export async function startStageService(o: {
  config: GatewayConfig;
  logger: Logger;
  bus: Bus;
  stages: StageName[];
  providers?: ProviderRegistry;
  subjects?: Subjects;
  /** Port of this process's /metrics and health paths (default env GATEWAY_OPS_PORT; null: none). */
  opsPort?: number | null;
}): Promise<ServiceHandle> {
  const subjects = o.subjects ?? subjectsFromEnv();
  const origin = newIngressId();
  const built = await buildStages(o.stages, {
    config: o.config,
    logger: o.logger,
    bus: o.bus,
    providers: tracedProviders(o.providers),
    onCooldown: (id, ms) => o.bus.publish(subjects.cooldowns, encoder.encode(JSON.stringify({ id, ms, origin }))),
    subjects,
  });
  const router = built.router;
  const cooldowns = o.bus.subscribe(subjects.cooldowns);
  void (async () => {
    if (!router) return;
    for await (const msg of cooldowns) {
      try {
        const c = JSON.parse(decoder.decode(msg.data)) as { id: string; ms: number; origin: string };
        if (c.origin !== origin && typeof c.id === 'string' && Number.isFinite(c.ms)) router.policy.applyCooldown(c.id, c.ms, Date.now());
      } catch (err) {
        o.logger.warn({ err }, 'ignored a malformed cooldown message');
      }
    }
  })();
  const pipeline = createPipeline({ bus: o.bus, codec: avroCodec, logger: o.logger, stages: built.stages.map(decorateStage(o.config)) }, { distributed: true, subjects });
  pipeline.serveStages();
  const pings = answerStagePings(o.bus, subjects, built.stages.map((s) => s.name));
  await o.bus.flush();
  const opsPort = o.opsPort === undefined ? opsPortFromEnv() : o.opsPort;
  const ops = opsPort === null ? null : await startOpsServer({ port: opsPort, bus: o.bus, ...(router ? { deployments: deploymentsFromPolicy(o.config, router.policy) } : {}) });
  return {
    ...(ops ? { url: ops.url } : {}),
    async close() {
      await ops?.close();
      for (const p of pings) p.unsubscribe();
      cooldowns.unsubscribe();
      await pipeline.close();
      await built.close();
    },
  };
}

export async function startIngressService(o: { config: GatewayConfig; logger: Logger; bus: Bus; port?: number; host?: string; subjects?: Subjects }): Promise<ServiceHandle> {
  const groups = createModelGroups(o.config.deployments, aliasesFrom(o.config));
  // By default the guardrail stage runs inside the ingress: no extra bus hop, and raw prompts never cross NATS.
  const hosted = stagesFromEnv('GATEWAY_INGRESS_STAGES', ['pii']);
  const local = await buildStages(slipFor(o.config).filter((s) => s !== 'router' && hosted.has(s)), { config: o.config, logger: o.logger, bus: o.bus });
  const subjects = o.subjects ?? subjectsFromEnv();
  const pipeline = createPipeline({ bus: o.bus, codec: avroCodec, logger: o.logger, stages: local.stages.map(decorateStage(o.config)) }, { distributed: true, subjects });
  const cooldowns = watchCooldowns({ config: o.config, bus: o.bus, subjects, logger: o.logger });
  const remote = slipFor(o.config).filter((s) => !local.stages.some((l) => l.name === s));
  const ingressId = newIngressId();
  const telemetry = startTelemetry({ bus: o.bus, pipeline, ingressId, logger: o.logger, deployments: cooldowns.deployments, readiness: [stageConsumersCheck(o.bus, subjects, remote)] });
  pipeline.listenReplies(ingressId);
  // Keys are cached here and invalidated by key-change events; reservations come from this ingress's slices.
  // Without a database there is no accounting service to ask: master-key auth only.
  const keys = o.config.general_settings.database_url ? buildIngressAccounting({ config: o.config, logger: o.logger, bus: o.bus, subjects, ingressId }) : null;
  await o.bus.flush();
  const server = buildIngressServer({
    config: o.config,
    pipeline: telemetry.instrument(pipeline),
    ...(keys ? { auth: keys.auth, admission: keys.admission } : {}),
    routers: [
      telemetry.opsRouter, ...(keys?.routers ?? []),
      ...(keys ? reportRouters({ config: o.config, logger: o.logger, bus: o.bus, subjects }) : []),
      ...cacheRouters({ config: o.config, bus: o.bus, subjects }),
    ],
    logger: o.logger,
    ingressId,
    slip: slipFor(o.config),
    resolves: (m) => groups.has(m),
  });
  const { port, url } = await listen(server, o.port ?? o.config.general_settings.port, o.host ?? o.config.general_settings.host);
  return {
    url,
    port,
    async close() {
      await closeServer(server);
      await keys?.close();
      await telemetry.close();
      cooldowns.stop();
      await pipeline.close();
      await local.close();
    },
  };
}

/**
 * Which stages a process hosts besides its own, from deployment config (env, comma-separated): e.g.
 * GATEWAY_INGRESS_STAGES="" sends guardrails to separate pii-scrubber processes over the bus.
 */
export function stagesFromEnv(name: string, defaults: readonly StageName[], env: NodeJS.ProcessEnv = process.env): Set<string> {
  const raw = env[name];
  if (raw === undefined) return new Set(defaults);
  return new Set(raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
}

export function startRouterService(o: { config: GatewayConfig; logger: Logger; bus: Bus; providers?: ProviderRegistry; subjects?: Subjects }): Promise<ServiceHandle> {
  // By default the cache stage shares the router's process: a hit answers without another hop, a miss goes on in-process.
  const hosted = stagesFromEnv('GATEWAY_ROUTER_STAGES', ['cache', 'router']);
  return startStageService({ ...o, stages: slipFor(o.config).filter((s) => s === 'router' || hosted.has(s)) });
}

/** Distributed mode: one cost-accounting replica (Postgres store, completed-event consumer, holds/keys/admin on the bus). */
export async function startAccountingNode(o: {
  config: GatewayConfig; logger: Logger; bus: Bus; subjects?: Subjects; location?: AccountingLocation;
  /** Its /metrics and health port (0 = any free one); default GATEWAY_OPS_PORT, unset = none. */
  opsPort?: number | null;
}): Promise<ServiceHandle> {
  if (!o.config.general_settings.database_url) throw new Error('cost accounting in distributed mode needs general_settings.database_url (or DATABASE_URL)');
  const subjects = o.subjects ?? subjectsFromEnv();
  const running = await startAccounting({ config: o.config, logger: o.logger, bus: o.bus, subjects, embedded: false, ...(o.location ? { location: o.location } : {}) });
  // Every accounting replica relays: shard locks in Postgres share the outbox between them.
  const opsPort = o.opsPort === undefined ? opsPortFromEnv() : o.opsPort;
  // Its own /metrics: team budgets left and the outbox relay lag; readiness checks the bus and the store.
  const ops = opsPort === null ? null : await startOpsServer({ port: opsPort, bus: o.bus, budgets: teamBudgetsFrom(running.store), readiness: [storeCheck(running.store)] });
  const billing = startBillingExport({ config: o.config, logger: o.logger, bus: o.bus, subjects, store: running.store, ...(ops ? { onLag: (s: number) => ops.recorder.setRelayLag(s) } : {}) });
  return {
    ...(ops ? { url: ops.url } : {}),
    async close() {
      await ops?.close();
      await billing.close();
      await running.close();
    },
  };
}
