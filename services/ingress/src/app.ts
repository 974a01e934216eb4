// The ingress HTTP application: OpenAI and Anthropic endpoints, models, health, and the edge error mapper.
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

export function createApp(ctx: IngressContext, ext: AppExtensions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const route = (r: InferenceRoute) => (req: Request, res: Response) => {
    void serveInference(ctx, r, req, res);
  };
  const chat = route({ callType: 'chat', inboundApi: 'openai', renderer: () => openAIRenderer });
  const completion = route({ callType: 'completion', inboundApi: 'openai', renderer: () => openAIRenderer });
  const embedding = route({ callType: 'embedding', inboundApi: 'openai', renderer: () => openAIRenderer });
  for (const prefix of ['/v1', '']) {
    app.post(`${prefix}/chat/completions`, chat);
    app.post(`${prefix}/completions`, completion);
    app.post(`${prefix}/embeddings`, embedding);
    app.get(`${prefix}/models`, (req, res) => void listModels(ctx, req, res));
    app.get(`${prefix}/models/*id`, (req, res) => void getModel(ctx, req, res));
  }
  if (ext.anthropic !== false) {
    app.post('/v1/messages', route({ callType: 'chat', inboundApi: 'anthropic', renderer: anthropicRenderer, toOpenAI: anthropicToOpenAI }));
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
