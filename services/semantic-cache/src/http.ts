// Admin routes: GET /cache/stats and POST /cache/flush, answered by the cache host over the bus (any mode, any process).
import express, { type Router } from 'express';
import { GatewayError, type Bus, type Logger } from '@ai-gateway/kit';
import type { SemanticCache } from './cache.ts';
import { statsReport } from './stats.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export type CacheControlRequest = { op: 'stats' } | { op: 'flush'; namespace?: string; key?: string };

/** The cache host's side: answers control requests on `subject` (one answer per request; replicas share a queue). */
export function serveCacheControl(o: { bus: Bus; subject: string; cache: SemanticCache; logger: Logger }): { stop(): void } {
  const sub = o.bus.subscribe(o.subject, { queue: 'semantic-cache-control' });
  void (async () => {
    for await (const msg of sub) {
      let out: unknown;
      try {
        const req = JSON.parse(dec.decode(msg.data)) as CacheControlRequest;
        if (req.op === 'stats') out = { ...statsReport(o.cache.stats), entries: await o.cache.index.count(), index: o.cache.index.kind, semantic: o.cache.options.semantic };
        else out = { flushed: await o.cache.flush({ ...(req.namespace !== undefined ? { namespace: req.namespace } : {}), ...(req.key ? { key: req.key } : {}) }) };
      } catch (err) {
        o.logger.warn({ err }, 'cache control request failed');
        out = { error: { message: 'cache control request failed', type: 'api_error', code: 'cache_unavailable' } };
      }
      msg.respond(enc.encode(JSON.stringify(out)));
    }
  })();
  return { stop: () => sub.unsubscribe() };
}

function sendError(res: express.Response, err: GatewayError): void {
  res.status(err.status).json(err.toOpenAI());
}

/** Ingress side: admin-only routes (master key when one is configured). */
export function createCacheAdminRouter(o: { bus: Bus; subject: string; masterKey: string | null; timeoutMs?: number }): Router {
  const router = express.Router();
  const timeoutMs = o.timeoutMs ?? 2_000;
  const admin: express.RequestHandler = (req, res, next) => {
    if (o.masterKey === null) return next();
    const auth = req.headers.authorization ?? '';
    if (auth === `Bearer ${o.masterKey}`) return next();
    sendError(res, new GatewayError('forbidden', { params: { detail: 'cache admin endpoints need the master key' } }));
  };
  const ask = async (res: express.Response, body: CacheControlRequest) => {
    try {
      const reply = await o.bus.request(o.subject, enc.encode(JSON.stringify(body)), { timeoutMs });
      const out = JSON.parse(dec.decode(reply.data)) as Record<string, unknown>;
      res.status(out['error'] ? 503 : 200).json(out);
    } catch {
      sendError(res, new GatewayError('service_unavailable', { params: { detail: 'the cache did not answer' } }));
    }
  };
  router.get('/cache/stats', admin, (_req, res) => void ask(res, { op: 'stats' }));
  router.post('/cache/flush', admin, express.json({ limit: '16kb' }), (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const namespace = typeof b['namespace'] === 'string' ? b['namespace'] : undefined;
    const key = typeof b['key'] === 'string' ? b['key'] : undefined;
    if (namespace === undefined && key === undefined && b['all'] !== true) {
      sendError(res, new GatewayError('invalid_request', { params: { detail: 'give "namespace", "key" or "all": true' } }));
      return;
    }
    void ask(res, { op: 'flush', ...(namespace !== undefined ? { namespace } : {}), ...(key ? { key } : {}) });
  });
  return router;
}
