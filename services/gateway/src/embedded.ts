// Embedded mode: every stage and the ingress in one process, joined by the in-process bus.
import { createInProcessBus, createPipeline, jsonPipelineCodec, type Bus, type GatewayConfig, type Logger, type Stage } from '@ai-gateway/kit';
import type { ProviderRegistry } from '@ai-gateway/router';
import { buildIngressServer, closeServer, listen, newIngressId } from './compose/ingress.ts';
import { buildRouter, type BuiltRouter } from './compose/router.ts';

export interface RunningGateway {
  url: string;
  port: number;
  mode: 'embedded' | 'distributed';
  router: BuiltRouter | null;
  bus: Bus;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  config: GatewayConfig;
  logger: Logger;
  port?: number;
  host?: string;
  /** Test seam: provider adapters (e.g. pointing at fakes). */
  providers?: ProviderRegistry;
  bus?: Bus;
}

/** The stages every request passes through, in order (the router answers). */
export const DEFAULT_SLIP = ['router'];

export async function startEmbedded(o: EmbeddedOptions): Promise<RunningGateway> {
  const bus = o.bus ?? createInProcessBus();
  const router = buildRouter({ config: o.config, logger: o.logger, ...(o.providers ? { providers: o.providers } : {}) });
  const stages: Stage[] = [router.stage];
  const pipeline = createPipeline({ bus, codec: jsonPipelineCodec(), logger: o.logger, stages }, { distributed: false });
  const server = buildIngressServer({
    config: o.config,
    pipeline,
    logger: o.logger,
    ingressId: newIngressId(),
    slip: DEFAULT_SLIP,
    resolves: (m) => router.groups.has(m),
  });
  const { port, url } = await listen(server, o.port ?? o.config.general_settings.port, o.host ?? o.config.general_settings.host);
  return {
    url,
    port,
    mode: 'embedded',
    router,
    bus,
    async close() {
      await closeServer(server);
      await pipeline.close();
      if (!o.bus) await bus.close();
    },
  };
}
