// Inference endpoints: authenticate, parse, validate, build the envelope, dispatch it and relay the reply.
import { randomUUID } from 'node:crypto';
import {
  GatewayError,
  baseCompletedEvent,
  isSafeToken,
  type CallType,
  type InboundApi,
  type RequestEnvelope,
  type Tenant,
} from '@ai-gateway/kit';
import type { IncomingMessage as Request, ServerResponse as Response } from 'node:http';
import { extractToken } from '../auth.ts';
import { readJsonObject } from '../http/body.ts';
import { sendError, toGatewayError } from '../http/errors.ts';
import { createRelay } from '../http/relay.ts';
import type { Renderer } from '../http/render.ts';
import { validateRequest } from '../http/validate.ts';
import type { IngressContext } from '../context.ts';

export interface InferenceRoute {
  callType: CallType;
  inboundApi: InboundApi;
  /** Renderer for a request of `model` (Anthropic echoes the requested model). */
  renderer: (model: string) => Renderer;
  /** Turns the parsed body into an OpenAI request (identity for OpenAI routes). */
  toOpenAI?(body: Record<string, unknown>): Record<string, unknown>;
}

/** Headers copied into envelope metadata: per-request controls for later stages. */
const METADATA_HEADERS = ['cache-control', 'x-gateway-task', 'x-gateway-cache-namespace', 'x-gateway-guardrails', 'x-gateway-context-policy'];

export function requestIdOf(req: Request): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && isSafeToken(given) ? given : randomUUID();
}

function projectOf(req: Request, body: Record<string, unknown>): string | null {
  const header = req.headers['x-gateway-project'];
  if (typeof header === 'string' && header) return header.slice(0, 128);
  const meta = body['metadata'];
  if (meta && typeof meta === 'object' && typeof (meta as Record<string, unknown>)['project'] === 'string') {
    return ((meta as Record<string, unknown>)['project'] as string).slice(0, 128);
  }
  return null;
}

function metadataOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of METADATA_HEADERS) {
    const v = req.headers[name];
    if (typeof v === 'string' && v.length > 0) out[name] = v.slice(0, 256);
  }
  return out;
}

export async function serveInference(ctx: IngressContext, route: InferenceRoute, req: Request, res: Response): Promise<void> {
  const receivedAt = ctx.now();
  const requestId = requestIdOf(req);
  let tenant: Tenant | null = null;
  let model = '';
  let shed = false;
  try {
    tenant = await ctx.auth.authenticate(extractToken(req.headers));
    const raw = await readJsonObject(req, ctx.options.maxBodyBytes);
    const body = route.toOpenAI ? route.toOpenAI(raw) : raw;
    validateRequest(route.callType, body);
    model = body['model'] as string;
    if (!ctx.catalog.resolves(model)) {
      const available = ctx.catalog.list().map((m) => m.id).join(', ');
      throw new GatewayError('model_not_found', { params: { model, available }, param: 'model' });
    }
    if (ctx.overload?.shedding()) {
      shed = true;
      ctx.overload.onShed?.(model, tenant);
      throw new GatewayError('service_unavailable', { params: { detail: 'The gateway is busy recording earlier requests; retry shortly.' }, retryAfterS: 1 });
    }
    const stream = route.callType !== 'embedding' && body['stream'] === true;
    // Model access, limits and budget: a reservation under the request id, settled by its completed event.
    const ticket = ctx.admission
      ? await ctx.admission.admit({ requestId, tenant, model, callType: route.callType, body, deadlineMs: receivedAt + ctx.options.requestTimeoutMs })
      : null;
    const env: RequestEnvelope = {
      requestId,
      tenant: { ...tenant, projectId: projectOf(req, body) ?? tenant.projectId },
      model,
      callType: route.callType,
      inboundApi: route.inboundApi,
      stream,
      slip: ctx.options.slip,
      replyTo: ctx.pipeline.subjects.reply(ctx.options.ingressId, requestId),
      trace: { traceparent: headerOf(req, 'traceparent'), tracestate: headerOf(req, 'tracestate') },
      receivedAtMs: receivedAt,
      deadlineMs: receivedAt + ctx.options.requestTimeoutMs,
      metadata: ticket ? { ...metadataOf(req), ...ticket.metadata } : metadataOf(req),
      verdicts: [],
      body: JSON.stringify(body),
    };
    try {
      dispatchAndRelay(ctx, route, env, res);
    } catch (err) {
      ticket?.release(); // never dispatched: give the reservation back
      throw err;
    }
  } catch (err) {
    const gwErr = toGatewayError(err, ctx.logger, { requestId });
    sendError(res, gwErr, route.inboundApi, { 'x-request-id': requestId });
    if (tenant && !shed) reportRejected(ctx, route, requestId, tenant, model, receivedAt, gwErr);
    ctx.logger.info({ requestId, model, status: gwErr.status, code: gwErr.code }, 'request rejected');
  }
}

function headerOf(req: Request, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : null;
}

function dispatchAndRelay(ctx: IngressContext, route: InferenceRoute, env: RequestEnvelope, res: Response): void {
  let closeReply = (): void => {};
  const relay = createRelay({
    res,
    stream: env.stream,
    renderer: route.renderer(env.model),
    requestId: env.requestId,
    receivedAt: env.receivedAtMs,
    now: ctx.now,
    onDone: () => {
      clearTimeout(timer);
      closeReply();
    },
  });
  closeReply = ctx.pipeline.openReply(env.replyTo, relay);
  res.on('close', () => {
    if (relay.finished()) return;
    // The client left before the answer ended: stop the work upstream and stop listening.
    clearTimeout(timer);
    closeReply();
    ctx.pipeline.cancel(env.requestId);
  });
  const timer = setTimeout(() => {
    if (relay.finished()) return;
    const err = new GatewayError('gateway_timeout', { params: { timeoutMs: ctx.options.requestTimeoutMs } });
    relay({ requestId: env.requestId, seq: -1, kind: 'error', status: err.status, headers: {}, data: JSON.stringify(err.toOpenAI()) });
    ctx.pipeline.cancel(env.requestId);
  }, ctx.options.requestTimeoutMs);
  timer.unref();
  ctx.pipeline.dispatch(env);
}

function reportRejected(
  ctx: IngressContext,
  route: InferenceRoute,
  requestId: string,
  tenant: Tenant,
  model: string,
  receivedAt: number,
  err: GatewayError,
): void {
  const env = {
    requestId,
    tenant,
    model,
    callType: route.callType,
    inboundApi: route.inboundApi,
    stream: false,
    slip: [],
    replyTo: '',
    trace: { traceparent: null, tracestate: null },
    receivedAtMs: receivedAt,
    deadlineMs: receivedAt,
    metadata: {},
    verdicts: [],
    body: '',
  } satisfies RequestEnvelope;
  const evt = baseCompletedEvent(env, ctx.now());
  evt.outcome = err.code === 'budget_exceeded' || err.code === 'rate_limited' || err.code === 'guardrail_violation' ? 'blocked' : 'error';
  evt.httpStatus = err.status;
  evt.errorCode = err.code;
  ctx.pipeline.report(evt);
}
