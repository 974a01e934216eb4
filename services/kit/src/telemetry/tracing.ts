// Tracing helpers over @opentelemetry/api: W3C trace context in envelopes and bus headers, stage and provider spans.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Context, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { BusHeaders } from '../bus/port.ts';
import type { CompletedEvent, TraceContext } from '../contracts/types.ts';

export const TRACER_NAME = 'ai-gateway';
const propagator = new W3CTraceContextPropagator();

const headerGetter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};
const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key.toLowerCase()] = value;
  },
};

/** The context a W3C `traceparent` (from an envelope or headers) continues; the root context when absent or invalid. */
export function contextFromHeaders(headers: BusHeaders, base: Context = ROOT_CONTEXT): Context {
  return propagator.extract(base, headers, headerGetter);
}

/** Writes `traceparent`/`tracestate` of `ctx` into `headers` (bus or Kafka headers). */
export function injectHeaders(ctx: Context, headers: BusHeaders): BusHeaders {
  propagator.inject(ctx, headers, headerSetter);
  return headers;
}

export function contextFromTrace(t: TraceContext, base: Context = ROOT_CONTEXT): Context {
  const h: Record<string, string> = {};
  if (t.traceparent) h['traceparent'] = t.traceparent;
  if (t.tracestate) h['tracestate'] = t.tracestate;
  return contextFromHeaders(h, base);
}

/** The envelope's trace field for `ctx`; keeps `fallback` when `ctx` carries no valid span. */
export function traceFromContext(ctx: Context, fallback: TraceContext = { traceparent: null, tracestate: null }): TraceContext {
  const h = injectHeaders(ctx, {});
  if (!h['traceparent']) return fallback;
  return { traceparent: h['traceparent'], tracestate: h['tracestate'] ?? null };
}

export function gatewayTracer(): ReturnType<typeof trace.getTracer> {
  return trace.getTracer(TRACER_NAME);
}

/** Outcome, status, tokens and cost of a request on the span that saw it complete. */
export function annotateCompleted(span: Span, evt: CompletedEvent): void {
  span.setAttributes({
    'gateway.outcome': evt.outcome,
    'http.response.status_code': evt.httpStatus,
    'gen_ai.usage.input_tokens': evt.usage.promptTokens,
    'gen_ai.usage.output_tokens': evt.usage.completionTokens,
    'gateway.cost_usd': evt.costUsd,
    'gateway.attempts': evt.attempts,
    'gateway.fallbacks': evt.fallbacks.length,
    'gateway.cache_status': evt.cacheStatus,
  });
  if (evt.modelGroup) span.setAttribute('gateway.model_group', evt.modelGroup);
  if (evt.deploymentId) span.setAttribute('gateway.deployment', evt.deploymentId);
  if (evt.providerModel) span.setAttribute('gen_ai.response.model', evt.providerModel);
  if (evt.outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: evt.errorCode ?? 'error' });
}

export type GenAiOperation = 'chat' | 'text_completion' | 'embeddings';

/** Well-known gen_ai.provider.name values for the gateway's provider names; others pass through. */
const GEN_AI_SYSTEMS: Record<string, string> = {
  openai: 'openai',
  'openai-compatible': 'openai',
  azure: 'azure.ai.openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
};

export function genAiSystemOf(provider: string): string {
  return GEN_AI_SYSTEMS[provider] ?? provider;
}

export interface ProviderCallInfo {
  /** Gateway provider name (openai, anthropic, azure, …): gen_ai.system and gen_ai.provider.name. */
  system: string;
  operation: GenAiOperation;
  requestModel: string;
  deployment: string;
  modelGroup: string;
  stream: boolean;
  attempt: number;
  serverAddress?: string | null;
}

/** A CLIENT span for one provider call, child of the active context (the router stage span). */
export function startProviderSpan(info: ProviderCallInfo, parent: Context = context.active()): Span {
  const span = gatewayTracer().startSpan(
    `${info.operation} ${info.requestModel}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.system': genAiSystemOf(info.system),
        'gen_ai.provider.name': genAiSystemOf(info.system),
        'gateway.provider': info.system,
        'gen_ai.operation.name': info.operation,
        'gen_ai.request.model': info.requestModel,
        'gateway.deployment': info.deployment,
        'gateway.model_group': info.modelGroup,
        'gateway.stream': info.stream,
        'gateway.attempt': info.attempt,
      },
    },
    parent,
  );
  if (info.serverAddress) span.setAttribute('server.address', info.serverAddress);
  return span;
}

export interface ProviderCallResult {
  responseModel?: string | null;
  responseId?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  finishReasons?: string[];
}

/** Ends a provider span with the GenAI response attributes, or with the error that ended the call. */
export function endProviderSpan(span: Span, result: ProviderCallResult | null, error?: unknown): void {
  if (result) {
    if (result.responseModel) span.setAttribute('gen_ai.response.model', result.responseModel);
    if (result.responseId) span.setAttribute('gen_ai.response.id', result.responseId);
    if (typeof result.inputTokens === 'number') span.setAttribute('gen_ai.usage.input_tokens', result.inputTokens);
    if (typeof result.outputTokens === 'number') span.setAttribute('gen_ai.usage.output_tokens', result.outputTokens);
    if (result.finishReasons && result.finishReasons.length > 0) span.setAttribute('gen_ai.response.finish_reasons', result.finishReasons);
  }
  if (error !== undefined) {
    const name = error instanceof Error ? (('kind' in error && typeof error.kind === 'string' ? error.kind : error.name) || 'error') : 'error';
    span.setAttribute('error.type', name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/** GenAI response attributes read from an OpenAI-shaped response body (chat, completion or embeddings). */
export function providerResultOf(body: unknown): ProviderCallResult {
  if (!body || typeof body !== 'object') return {};
  const b = body as { id?: unknown; model?: unknown; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown }; choices?: Array<{ finish_reason?: unknown }> };
  const reasons = Array.isArray(b.choices) ? b.choices.map((c) => c?.finish_reason).filter((r): r is string => typeof r === 'string') : [];
  return {
    responseModel: typeof b.model === 'string' ? b.model : null,
    responseId: typeof b.id === 'string' ? b.id : null,
    inputTokens: typeof b.usage?.prompt_tokens === 'number' ? b.usage.prompt_tokens : null,
    outputTokens: typeof b.usage?.completion_tokens === 'number' ? b.usage.completion_tokens : null,
    finishReasons: reasons,
  };
}
