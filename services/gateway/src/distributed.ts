// `npm run start:distributed`: one process per service over NATS; ingress and router replicated (--replicas).
import cluster, { type Worker } from 'node:cluster';
import { banner, loadConfigOrExit, parseCli, rootLogger } from './cli.ts';
import { slipFor } from './compose/stages.ts';
import { stagesFromEnv } from './node-services.ts';
import { runService, type ServiceRole } from './services/run.ts';

const ROLE_ENV = 'GATEWAY_ROLE';

if (cluster.isPrimary) {
  const cli = parseCli();
  const logger = rootLogger('supervisor');
  const config = loadConfigOrExit(cli.configPath, logger);
  const port = cli.port ?? config.general_settings.port;
  const host = cli.host ?? config.general_settings.host;
  // Ingress and router processes, replicated; the ingress hosts the guardrail stage and the router the cache
  // (GATEWAY_INGRESS_STAGES / GATEWAY_ROUTER_STAGES); any stage they do not host gets processes of its own.
  const slip = slipFor(config);
  const coHosted = new Set([...stagesFromEnv('GATEWAY_INGRESS_STAGES', ['pii']), ...stagesFromEnv('GATEWAY_ROUTER_STAGES', ['cache', 'router'])]);
  const roles: ServiceRole[] = [];
  for (const stage of slip) if (!coHosted.has(stage) && stage !== 'router') roles.push(stage);
  for (let i = 0; i < cli.replicas; i++) roles.push('router', 'ingress');
  // Cost accounting needs Postgres in this mode; without database_url keys and budgets are off (master key only).
  if (config.general_settings.database_url) roles.push('accounting');
  let ready = 0;
  let actualPort: number | null = null;
  let stopping = false;
  const spawn = (role: ServiceRole): Worker => {
    const w = cluster.fork({ [ROLE_ENV]: role });
    w.on('listening', (addr) => {
      actualPort = addr.port;
    });
    w.on('message', (m: unknown) => {
      if (m === 'ready' && ++ready === roles.length) {
        const summary = roles.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r]: (acc[r] ?? 0) + 1 }), {});
        const desc = Object.entries(summary).map(([r, n]) => `${n} ${r}`).join(', ');
        process.stdout.write(`${banner(config, `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort ?? port}`, `distributed mode: ${desc}; NATS ${config.general_settings.nats_url ?? 'nats://127.0.0.1:4222'}`)}\n`);
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
  await runService(process.env[ROLE_ENV] as ServiceRole, { onReady: () => process.send?.('ready') });
}
