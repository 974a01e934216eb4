// `npm start`: the whole gateway in one process (embedded mode).
import { startTracing } from '@ai-gateway/kit';
import { banner, loadConfigOrExit, parseCli, rootLogger } from './cli.ts';
import { startEmbedded } from './embedded.ts';

const cli = parseCli();
const logger = rootLogger('gateway');
const config = loadConfigOrExit(cli.configPath, logger);
// Trace export only when OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_TRACES_EXPORTER ask for it.
const tracing = startTracing({ options: { serviceName: 'ai-gateway' } });
const gateway = await startEmbedded({
  config,
  logger,
  ...(cli.port !== null ? { port: cli.port } : {}),
  ...(cli.host !== null ? { host: cli.host } : {}),
});
process.stdout.write(`${banner(config, gateway.url, 'embedded mode: one process')}\n`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const timer = setTimeout(() => process.exit(1), 10_000);
  timer.unref();
  await gateway.close();
  await tracing?.shutdown();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
