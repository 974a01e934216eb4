// Inference endpoints: authenticate, parse, validate, build the envelope, dispatch it and relay the reply.
import { randomUUID } from 'node:crypto';
import {
  CLIENT_REQUEST_ID_METADATA,
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

/**
 * The client's own x-request-id: echoed on the response and kept on the request's records as a correlation id, but
 * never its identity. Identity must be unique: two requests under one client id would share a reply subject (one
 * could receive the other's answer) and a spend key (the second would go unbilled).
 */
export function clientRequestIdOf(req: Request): string | null {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && isSafeToken(given) ? given : null;
}

/** The response's id headers: the client's id echoed (with the gateway's beside it), or the gateway's. */
function idHeadersOf(requestId: string, clientRequestId: string | null): Record<string, string> {
  return clientRequestId === null ? { 'x-request-id': requestId } : { 'x-request-id': clientRequestId, 'x-gateway-request-id': requestId };
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

function metadataOf(req: Request, clientRequestId: string | null, admitted: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of METADATA_HEADERS) {
    const v = req.headers[name];
    if (typeof v === 'string' && v.length > 0) out[name] = v.slice(0, 256);
  }
  if (clientRequestId !== null) out[CLIENT_REQUEST_ID_METADATA] = clientRequestId;
  if (admitted) for (const k in admitted) out[k] = admitted[k] as string;
  return out;
}

export async function serveInference(ctx: IngressContext, route: InferenceRoute, req: Request, res: Response): Promise<void> {
  const receivedAt = ctx.now();
  const requestId = randomUUID();
  const clientRequestId = clientRequestIdOf(req);
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
      metadata: metadataOf(req, clientRequestId, ticket?.metadata),
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
    sendError(res, gwErr, route.inboundApi, idHeadersOf(requestId, clientRequestId));
    if (tenant && !shed) reportRejected(ctx, route, requestId, clientRequestId, tenant, model, receivedAt, gwErr);
    ctx.logger.info({ requestId, ...(clientRequestId === null ? {} : { clientRequestId }), model, status: gwErr.status, code: gwErr.code }, 'request rejected');
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
    idHeaders: idHeadersOf(env.requestId, env.metadata[CLIENT_REQUEST_ID_METADATA] ?? null),
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
  clientRequestId: string | null,
  tenant: Tenant,
  model: string,
  receivedAt: number,
  err: GatewayError,
): void {
  const replyTo = ctx.pipeline.subjects.reply(ctx.options.ingressId, requestId);
  const env = {
    requestId,
    tenant,
    model,
    callType: route.callType,
    inboundApi: route.inboundApi,
    stream: false,
    slip: [],
    replyTo,
    trace: { traceparent: null, tracestate: null },
    receivedAtMs: receivedAt,
    deadlineMs: receivedAt,
    metadata: (clientRequestId === null ? {} : { [CLIENT_REQUEST_ID_METADATA]: clientRequestId }) as Record<string, string>,
    verdicts: [],
    body: '',
  } satisfies RequestEnvelope;
  const evt = baseCompletedEvent(env, ctx.now());
  evt.outcome = err.code === 'budget_exceeded' || err.code === 'rate_limited' || err.code === 'guardrail_violation' ? 'blocked' : 'error';
  evt.httpStatus = err.status;
  evt.errorCode = err.code;
  ctx.pipeline.report(evt, replyTo);
}
