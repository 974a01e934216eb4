// Distributed mode building blocks: one ingress or one stage host per process, joined over NATS.
import { connectNatsBus, createPipeline, jsonPipelineCodec, subjectsFor, type Bus, type GatewayConfig, type Logger, type Subjects } from '@ai-gateway/kit';
import { createModelGroups, type ProviderRegistry } from '@ai-gateway/router';
import { buildIngressServer, closeServer, listen, newIngressId } from './compose/ingress.ts';
import { aliasesFrom, buildRouter } from './compose/router.ts';
import { DEFAULT_SLIP } from './embedded.ts';

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

export async function startRouterService(o: { config: GatewayConfig; logger: Logger; bus: Bus; providers?: ProviderRegistry; subjects?: Subjects }): Promise<ServiceHandle> {
  const subjects = o.subjects ?? subjectsFromEnv();
  const origin = newIngressId();
  const router = buildRouter({
    config: o.config,
    logger: o.logger,
    ...(o.providers ? { providers: o.providers } : {}),
    onCooldown: (id, ms) => o.bus.publish(subjects.cooldowns, encoder.encode(JSON.stringify({ id, ms, origin }))),
  });
  const cooldowns = o.bus.subscribe(subjects.cooldowns);
  void (async () => {
    for await (const msg of cooldowns) {
      try {
        const c = JSON.parse(decoder.decode(msg.data)) as { id: string; ms: number; origin: string };
        if (c.origin !== origin && typeof c.id === 'string' && Number.isFinite(c.ms)) router.policy.applyCooldown(c.id, c.ms, Date.now());
      } catch (err) {
        o.logger.warn({ err }, 'ignored a malformed cooldown message');
      }
    }
  })();
  const pipeline = createPipeline({ bus: o.bus, codec: jsonPipelineCodec(), logger: o.logger, stages: [router.stage] }, { distributed: true, subjects });
  pipeline.serveStages();
  await o.bus.flush();
  return {
    async close() {
      cooldowns.unsubscribe();
      await pipeline.close();
    },
  };
}

export async function startIngressService(o: { config: GatewayConfig; logger: Logger; bus: Bus; port?: number; host?: string; subjects?: Subjects }): Promise<ServiceHandle> {
  const groups = createModelGroups(o.config.deployments, aliasesFrom(o.config));
  const pipeline = createPipeline({ bus: o.bus, codec: jsonPipelineCodec(), logger: o.logger, stages: [] }, { distributed: true, subjects: o.subjects ?? subjectsFromEnv() });
  const ingressId = newIngressId();
  pipeline.listenReplies(ingressId);
  await o.bus.flush();
  const server = buildIngressServer({ config: o.config, pipeline, logger: o.logger, ingressId, slip: DEFAULT_SLIP, resolves: (m) => groups.has(m) });
  const { port, url } = await listen(server, o.port ?? o.config.general_settings.port, o.host ?? o.config.general_settings.host);
  return {
    url,
    port,
    async close() {
      await closeServer(server);
      await pipeline.close();
    },
  };
}
