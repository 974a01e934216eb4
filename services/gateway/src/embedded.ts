// Embedded mode: every stage and the ingress in one process, joined by the in-process bus.
import { avroCodec, createInProcessBus, createPipeline, type Bus, type GatewayConfig, type Logger } from '@ai-gateway/kit';
import type { ProviderRegistry } from '@ai-gateway/router';
import { buildIngressServer, closeServer, listen, newIngressId } from './compose/ingress.ts';
import type { BuiltRouter } from './compose/router.ts';
import { buildStages, slipFor } from './compose/stages.ts';
import { cacheRouters } from './compose/cache.ts';
import { decorateStage, deploymentsFromPolicy, startTelemetry, storeCheck, teamBudgetsFrom } from './compose/telemetry.ts';
import { tracedProviders } from './compose/traced-providers.ts';
import { buildIngressAccounting, startAccounting, type AccountingLocation } from './compose/accounting.ts';
import { reportRouters, startBillingExport } from './compose/relay.ts';
import { backlogShedder, DEFAULT_SHED_BACKLOG } from './compose/overload.ts';

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
  /** Where embedded accounting keeps its data (default `.data/pg`; database_url wins). */
  accounting?: AccountingLocation;
  /** Completed events held unrecorded before new requests are shed (default DEFAULT_SHED_BACKLOG). */
  shedBacklog?: number;
}

export async function startEmbedded(o: EmbeddedOptions): Promise<RunningGateway> {
  // Interest retention: every durable here starts before the first request, so acked events need not be kept,
  // and none is dropped before every durable acked it (so the ingress sheds load when too many wait).
  const inProcess = o.bus ? null : createInProcessBus({ retention: 'interest' });
  const bus = o.bus ?? (inProcess as Bus);
  const slip = slipFor(o.config);
  const built = await buildStages(slip, { config: o.config, logger: o.logger, bus, providers: tracedProviders(o.providers) });
  const router = built.router;
  if (!router) throw new Error('the router stage is missing from the slip');
  const pipeline = createPipeline({ bus, codec: avroCodec, logger: o.logger, stages: built.stages.map(decorateStage(o.config)) }, { distributed: false });
  const ingressId = newIngressId();
  const telemetry = startTelemetry({
    bus,
    pipeline,
    ingressId,
    logger: o.logger,
    deployments: deploymentsFromPolicy(o.config, router.policy),
    // Read at scrape / probe time, once accounting (started below) is up.
    budgets: () => teamBudgetsFrom(accounting.store)(),
    readiness: [{ name: 'store', check: () => storeCheck(accounting.store).check() }],
  });
  const accounting = await startAccounting({ config: o.config, logger: o.logger, bus, subjects: pipeline.subjects, embedded: true, ...(o.accounting ? { location: o.accounting } : {}) });
  const keys = buildIngressAccounting({ config: o.config, logger: o.logger, bus, subjects: pipeline.subjects, ingressId, authority: accounting.authority });
  // Kafka export when kafka_brokers is configured (else the outbox keeps the records); reports over the in-process bus.
  const billing = startBillingExport({ config: o.config, logger: o.logger, bus, subjects: pipeline.subjects, store: accounting.store, onLag: (s) => telemetry.recorder.setRelayLag(s) });
  const reports = reportRouters({ config: o.config, logger: o.logger, bus, subjects: pipeline.subjects });
  const server = buildIngressServer({
    config: o.config,
    pipeline: telemetry.instrument(pipeline),
    routers: [telemetry.opsRouter, ...keys.routers, ...reports, ...cacheRouters({ config: o.config, bus, subjects: pipeline.subjects })],
    auth: keys.auth,
    admission: keys.admission,
    ...(inProcess
      ? {
          overload: backlogShedder({
            backlog: () => inProcess.durableBacklog(),
            limit: o.shedBacklog ?? DEFAULT_SHED_BACKLOG,
            logger: o.logger,
            onShed: (model, tenant) => telemetry.recorder.recordShed(model, tenant.teamId, 503),
          }),
        }
      : {}),
    logger: o.logger,
    ingressId,
    slip,
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
      await keys.close();
      await telemetry.close();
      await pipeline.close();
      await built.close();
      await billing.close();
      await accounting.close();
      if (!o.bus) await bus.close();
    },
  };
}
