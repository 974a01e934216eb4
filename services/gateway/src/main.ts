// `npm start`: the whole gateway in one process (embedded mode).
import { banner, loadConfigOrExit, parseCli, rootLogger } from './cli.ts';
import { startEmbedded } from './embedded.ts';

const cli = parseCli();
const logger = rootLogger('gateway');
const config = loadConfigOrExit(cli.configPath, logger);
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
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
