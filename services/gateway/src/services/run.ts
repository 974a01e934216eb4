// Runs one service of the distributed gateway in this process (containers, k8s pods, cluster workers).
import { startTracing } from '@ai-gateway/kit';
import { loadConfigOrExit, parseCli, rootLogger } from '../cli.ts';
import { connectBus, startAccountingNode, startIngressService, startRouterService, startStageService, type ServiceHandle } from '../node-services.ts';
import type { StageName } from '../compose/stages.ts';

export type ServiceRole = 'ingress' | 'accounting' | StageName;

export async function runService(role: ServiceRole, opts: { onReady?: () => void } = {}): Promise<void> {
  const cli = parseCli();
  const logger = rootLogger(role);
  const config = loadConfigOrExit(cli.configPath, logger);
  // Trace export only when OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_TRACES_EXPORTER ask for it.
  const tracing = startTracing({ options: { serviceName: `ai-gateway-${role}` } });
  const bus = await connectBus(config, `${role}-${process.pid}`);
  const handle: ServiceHandle =
    role === 'ingress'
      ? await startIngressService({
          config,
          logger,
          bus,
          port: cli.port ?? config.general_settings.port,
          host: cli.host ?? config.general_settings.host,
        })
      : role === 'accounting'
        ? await startAccountingNode({ config, logger, bus })
        : role === 'router'
          ? await startRouterService({ config, logger, bus })
          : await startStageService({ config, logger, bus, stages: [role] });
  logger.info({ role, url: handle.url }, 'service ready');
  opts.onReady?.();
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ role, signal }, 'stopping');
    setTimeout(() => process.exit(1), 10_000).unref();
    await handle.close();
    await bus.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
