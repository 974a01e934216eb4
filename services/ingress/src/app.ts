// The ingress HTTP application: OpenAI and Anthropic endpoints, models, health, and the edge error mapper.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { GatewayError } from '@ai-gateway/kit';
import type { IngressContext } from './context.ts';
import { sendError, toGatewayError } from './http/errors.ts';
import { openAIRenderer } from './http/render.ts';
import { anthropicRenderer, anthropicToOpenAI } from './http/anthropic.ts';
import { serveInference, type InferenceRoute } from './routes/inference.ts';
import { getModel, listModels } from './routes/models.ts';

export interface AppExtensions {
  /** Serve Anthropic /v1/messages (default true). */
  anthropic?: boolean;
  /** Extra routers mounted before the 404 handler (admin API, metrics, health). */
  routers?: express.Router[];
}

/** POST paths of the inference endpoints and what serves each. */
function inferenceRoutes(ext: AppExtensions): Array<[path: string, route: InferenceRoute]> {
  const chat: InferenceRoute = { callType: 'chat', inboundApi: 'openai', renderer: () => openAIRenderer };
  const completion: InferenceRoute = { callType: 'completion', inboundApi: 'openai', renderer: () => openAIRenderer };
  const embedding: InferenceRoute = { callType: 'embedding', inboundApi: 'openai', renderer: () => openAIRenderer };
  const out: Array<[string, InferenceRoute]> = [];
  for (const prefix of ['/v1', '']) {
    out.push([`${prefix}/chat/completions`, chat], [`${prefix}/completions`, completion], [`${prefix}/embeddings`, embedding]);
  }
  if (ext.anthropic !== false) {
    out.push(['/v1/messages', { callType: 'chat', inboundApi: 'anthropic', renderer: anthropicRenderer, toOpenAI: anthropicToOpenAI }]);
  }
  return out;
}

/**
 * The hot path without the router walk: a POST to an inference path exactly as spelled is served directly and
 * returns true; anything else (other spellings, admin, health, 404s) returns false for the app to handle.
 */
export function createInferenceFastPath(ctx: IngressContext, ext: AppExtensions = {}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const routes = new Map(inferenceRoutes(ext));
  return (req, res) => {
    if (req.method !== 'POST' || !req.url) return false;
    const q = req.url.indexOf('?');
    const route = routes.get(q < 0 ? req.url : req.url.slice(0, q));
    if (!route) return false;
    void serveInference(ctx, route, req, res);
    return true;
  };
}

export function createApp(ctx: IngressContext, ext: AppExtensions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  for (const [path, r] of inferenceRoutes(ext)) {
    app.post(path, (req: Request, res: Response) => {
      void serveInference(ctx, r, req, res);
    });
  }
  for (const prefix of ['/v1', '']) {
    app.get(`${prefix}/models`, (req, res) => void listModels(ctx, req, res));
    app.get(`${prefix}/models/*id`, (req, res) => void getModel(ctx, req, res));
  }
  for (const r of ext.routers ?? []) app.use(r);

  app.use((req: Request, res: Response) => {
    const dialect = req.path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
    sendError(res, new GatewayError('not_found', { params: { detail: `Unknown route ${req.method} ${req.path}` } }), dialect);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const dialect = req.path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
    sendError(res, toGatewayError(err, ctx.logger, { path: req.path }), dialect);
  });
  return app;
}
