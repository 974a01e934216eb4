// HTTP edge of the admin API (LiteLLM paths): master-key check, JSON in, JSON out; the work is done by a port
// (the accounting service over the bus) and bad input is answered with an OpenAI-shaped 4xx.
import { timingSafeEqual } from 'node:crypto';
import { Router, json, type NextFunction, type Request, type Response } from 'express';
import { GatewayError, type Logger } from '@ai-gateway/kit';
import { extractToken, secretDigest } from './auth.ts';
import { sendError, toGatewayError } from './http/errors.ts';

export interface AdminCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface AdminPort {
  handle(call: AdminCall): Promise<{ status: number; body: unknown }>;
}

export interface AdminRouterOptions {
  masterKey: string | null;
  /** Routes forwarded to the port. */
  routes: readonly { method: 'GET' | 'POST'; path: string }[];
  maxBodyBytes?: number;
}

function queryOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function createAdminRouter(input: { deps: { admin: AdminPort; logger: Logger }; options: AdminRouterOptions }): Router {
  const { admin, logger } = input.deps;
  const { masterKey, routes } = input.options;
  const expected = masterKey ? secretDigest(masterKey) : null;
  const router = Router();
  const guard = (req: Request): void => {
    // No master key: the admin API is closed (LiteLLM requires one for key management).
    if (!expected) throw new GatewayError('forbidden', { status: 403, params: { detail: 'The admin API needs general_settings.master_key' } });
    const token = extractToken(req.headers);
    if (!token) throw new GatewayError('missing_api_key');
    if (!timingSafeEqual(secretDigest(token), expected)) throw new GatewayError('forbidden', { status: 401, params: { detail: 'Only the master key may call the admin API.' } });
  };
  const forward = async (req: Request, res: Response): Promise<void> => {
    try {
      guard(req);
      const out = await admin.handle({ method: req.method, path: req.path, query: queryOf(req), body: req.method === 'GET' ? null : (req.body ?? {}) });
      const text = JSON.stringify(out.body);
      res.writeHead(out.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch (err) {
      sendError(res, toGatewayError(err, logger, { path: req.path }), 'openai');
    }
  };
  const parse = json({ limit: input.options.maxBodyBytes ?? 1024 * 1024, type: () => true });
  const parseOrReject = (req: Request, res: Response, next: NextFunction): void => {
    parse(req, res, (err?: unknown) => {
      if (err) sendError(res, new GatewayError('invalid_json', { params: { detail: (err as Error).message } }), 'openai');
      else next();
    });
  };
  for (const r of routes) {
    if (r.method === 'GET') router.get(r.path, (req, res) => void forward(req, res));
    else router.post(r.path, parseOrReject, (req, res) => void forward(req, res));
  }
  router.post('/key/:key/regenerate', parseOrReject, (req, res) => void forward(req, res));
  return router;
}
