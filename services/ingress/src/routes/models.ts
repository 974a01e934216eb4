// GET /v1/models and /v1/models/{id}, OpenAI-shaped.
import { GatewayError } from '@ai-gateway/kit';
import type { Request, Response } from 'express';
import type { IngressContext } from '../context.ts';
import { extractToken } from '../auth.ts';
import { sendError, toGatewayError } from '../http/errors.ts';

function sendJson(res: Response, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function listModels(ctx: IngressContext, req: Request, res: Response): Promise<void> {
  try {
    await ctx.auth.authenticate(extractToken(req.headers));
    sendJson(res, 200, { object: 'list', data: ctx.catalog.list() });
  } catch (err) {
    sendError(res, toGatewayError(err, ctx.logger), 'openai');
  }
}

export async function getModel(ctx: IngressContext, req: Request, res: Response): Promise<void> {
  try {
    await ctx.auth.authenticate(extractToken(req.headers));
    const raw = req.params['id'];
    const id = Array.isArray(raw) ? raw.join('/') : String(raw ?? '');
    const found = ctx.catalog.list().find((m) => m.id === id);
    if (!found) {
      const available = ctx.catalog.list().map((m) => m.id).join(', ');
      throw new GatewayError('model_not_found', { params: { model: id, available }, param: 'model' });
    }
    sendJson(res, 200, found);
  } catch (err) {
    sendError(res, toGatewayError(err, ctx.logger), 'openai');
  }
}
