// `npm run start:distributed`: one process per service over NATS; ingress and router replicated (--replicas).
import cluster, { type Worker } from 'node:cluster';
import { banner, loadConfigOrExit, parseCli, rootLogger } from './cli.ts';
import { connectBus, startIngressService, startRouterService, type ServiceHandle } from './node-services.ts';

type Role = 'ingress' | 'router';
const ROLE_ENV = 'GATEWAY_ROLE';

const cli = parseCli();
const logger = rootLogger(cluster.isPrimary ? 'supervisor' : (process.env[ROLE_ENV] ?? 'worker'));
const config = loadConfigOrExit(cli.configPath, logger);
const port = cli.port ?? config.general_settings.port;
const host = cli.host ?? config.general_settings.host;

if (cluster.isPrimary) {
  const roles: Role[] = [...Array<Role>(cli.replicas).fill('router'), ...Array<Role>(cli.replicas).fill('ingress')];
  let ready = 0;
  let stopping = false;
  const spawn = (role: Role): Worker => {
    const w = cluster.fork({ [ROLE_ENV]: role });
    w.on('message', (m: unknown) => {
      if (m === 'ready' && ++ready === roles.length) {
        process.stdout.write(`${banner(config, `http://${host}:${port}`, `distributed (${cli.replicas} ingress, ${cli.replicas} router, NATS ${config.general_settings.nats_url ?? 'nats://127.0.0.1:4222'})`)}\n`);
      }
    });
    w.on('exit', (code) => {
      if (stopping) return;
      logger.error({ role, code }, 'worker exited; restarting in 1 s');
      setTimeout(() => spawn(role), 1000).unref();
    });
    return w;
  };
  for (const role of roles) spawn(role);
  const stop = (): void => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  const role = process.env[ROLE_ENV] as Role;
  const bus = await connectBus(config, `${role}-${process.pid}`);
  const handle: ServiceHandle =
    role === 'ingress'
      ? await startIngressService({ config, logger, bus, port, host })
      : await startRouterService({ config, logger, bus });
  process.send?.('ready');
  const stop = async (): Promise<void> => {
    await handle.close();
    await bus.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}
