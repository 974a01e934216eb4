// Operations endpoints: Prometheus /metrics and the LiteLLM-compatible health paths, over ports the composition root fills.
import express, { Router, type Express, type Request, type Response } from 'express';

/** One dependency readiness depends on (bus, store, stage consumers); throws or rejects when not ready. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** A deployment as /health reports it (no credentials). */
export interface DeploymentHealth {
  id: string;
  modelGroup: string;
  provider: string;
  providerModel: string;
  supported: boolean;
  state: 'healthy' | 'cooling' | 'probing' | 'unsupported';
  cooldownRemainingMs: number;
}

export interface OpsDeps {
  /** Exposition text of this process's metrics; absent: /metrics answers 404. */
  metricsText?: () => Promise<string>;
  readiness: readonly ReadinessCheck[];
  deployments?: () => readonly DeploymentHealth[];
}

export interface OpsOptions {
  version: string;
  /** Per-check time limit for /health/readiness (default 2000 ms). */
  checkTimeoutMs?: number;
  metricsContentType?: string;
}

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

export function createOpsRouter({ deps, options }: { deps: OpsDeps; options: OpsOptions }): Router {
  const router = Router();
  const checkTimeoutMs = options.checkTimeoutMs ?? 2000;

  router.get('/metrics', (_req: Request, res: Response) => {
    if (!deps.metricsText) {
      res.status(404).type('text/plain').send('metrics are disabled\n');
      return;
    }
    deps.metricsText().then(
      (text) => res.status(200).type(options.metricsContentType ?? PROMETHEUS_TEXT).send(text),
      () => res.status(500).type('text/plain').send('metrics collection failed\n'),
    );
  });

  const alive = (_req: Request, res: Response): void => {
    res.status(200).json("I'm alive!");
  };
  router.get('/health/liveliness', alive);
  router.get('/health/liveness', alive);

  router.get('/health/readiness', (_req: Request, res: Response) => {
    void Promise.all(
      deps.readiness.map(async (c) => {
        try {
          await withTimeout(c.check(), checkTimeoutMs);
          return [c.name, 'connected'] as const;
        } catch (err) {
          return [c.name, `not connected: ${err instanceof Error ? err.message : String(err)}`] as const;
        }
      }),
    ).then((results) => {
      const checks = Object.fromEntries(results);
      const healthy = results.every(([, v]) => v === 'connected');
      res.status(healthy ? 200 : 503).json({
        status: healthy ? 'healthy' : 'unhealthy',
        db: checks['store'] ?? 'Not connected',
        cache: null,
        checks,
        litellm_version: options.version,
      });
    });
  });

  router.get('/health', (_req: Request, res: Response) => {
    const all = deps.deployments?.() ?? [];
    const view = (d: DeploymentHealth) => ({
      model: d.providerModel,
      model_name: d.modelGroup,
      model_id: d.id,
      provider: d.provider,
      status: d.state,
      cooldown_remaining_s: Math.ceil(d.cooldownRemainingMs / 1000),
    });
    const healthy = all.filter((d) => d.state === 'healthy' || d.state === 'probing').map(view);
    const unhealthy = all.filter((d) => d.state === 'cooling' || d.state === 'unsupported').map(view);
    res.status(200).json({ healthy_endpoints: healthy, unhealthy_endpoints: unhealthy, healthy_count: healthy.length, unhealthy_count: unhealthy.length });
  });

  return router;
}

/** A standalone app with only the ops endpoints: for stage processes that serve no inference traffic. */
export function createOpsApp(o: { deps: OpsDeps; options: OpsOptions }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(createOpsRouter(o));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { message: 'Not found', type: 'invalid_request_error', code: 'not_found' } });
  });
  return app;
}
