// Builds the ingress HTTP server of one process from the validated config.
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { GatewayConfig, Logger, Pipeline, openai } from '@ai-gateway/kit';
import { createApp, createInferenceFastPath, masterKeyAuthenticator, type Admission, type AppExtensions, type Authenticator, type IngressContext, type ModelCatalog, type Overload } from '@ai-gateway/ingress';
import { aliasesFrom, virtualModelsFrom } from './router.ts';

export function newIngressId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, '').slice(0, 24) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** /v1/models lists every configured model name (and alias), in config order; wildcards as written. */
export function buildCatalog(config: GatewayConfig, resolves: (model: string) => boolean): ModelCatalog {
  const created = Math.floor(Date.now() / 1000);
  const seen = new Set<string>();
  const models: openai.ModelObject[] = [];
  for (const d of config.deployments) {
    if (seen.has(d.modelGroup)) continue;
    seen.add(d.modelGroup);
    models.push({ id: d.modelGroup, object: 'model', created, owned_by: d.provider });
  }
  for (const alias of Object.keys(aliasesFrom(config))) {
    if (!seen.has(alias)) models.push({ id: alias, object: 'model', created, owned_by: 'alias' });
  }
  // Virtual models (`auto`) are resolved per request by the router's rules and semantic routes.
  const virtual = new Set(virtualModelsFrom(config));
  for (const name of virtual) if (!seen.has(name)) models.push({ id: name, object: 'model', created, owned_by: 'router' });
  return { list: () => models, resolves: (model) => virtual.has(model) || resolves(model) };
}

export interface IngressServerOptions {
  config: GatewayConfig;
  pipeline: Pipeline;
  logger: Logger;
  ingressId: string;
  slip: string[];
  resolves: (model: string) => boolean;
  auth?: Authenticator;
  /** Model access, limits and budgets (cost accounting); absent = admit everything. */
  admission?: Admission;
  /** Load shedding (embedded: while completed events wait to be recorded); absent = never shed. */
  overload?: Overload;
  /** Extra routers (ops: /metrics and health; admin API). */
  routers?: AppExtensions['routers'];
}

export function buildIngressServer(o: IngressServerOptions): Server {
  const gs = o.config.general_settings;
  const ctx: IngressContext = {
    pipeline: o.pipeline,
    auth: o.auth ?? masterKeyAuthenticator(gs.master_key ?? null),
    ...(o.admission ? { admission: o.admission } : {}),
    ...(o.overload ? { overload: o.overload } : {}),
    catalog: buildCatalog(o.config, o.resolves),
    logger: o.logger.child({ service: 'ingress' }),
    options: {
      ingressId: o.ingressId,
      slip: o.slip,
      maxBodyBytes: gs.max_request_body_bytes,
      requestTimeoutMs: Math.round(o.config.router_settings.timeout * 1000) + 5_000,
    },
    now: Date.now,
  };
  const ext = { routers: o.routers ?? [] };
  const app = createApp(ctx, ext);
  const fast = createInferenceFastPath(ctx, ext);
  const server = createServer((req, res) => {
    if (!fast(req, res)) app(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({ port: actual, url: `http://${shownHost}:${actual}` });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
