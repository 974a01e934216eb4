// Spans around messages that carry W3C trace context in headers (JetStream completed events, Kafka records).
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { BusHeaders } from '../bus/port.ts';
import type { TraceContext } from '../contracts/types.ts';
import { contextFromHeaders, gatewayTracer, traceFromContext } from './tracing.ts';

/** A span continuing the trace of a message, and the context to hand on to what the message causes. */
export interface MessageSpan {
  /** traceparent of this span (or of the message's context when no tracer records): what the next hop continues. */
  readonly traceparent: string | null;
  readonly tracestate: string | null;
  /** Ends the span; with an error it is marked failed. */
  end(error?: unknown): void;
}

export type MessageSpanKind = 'consumer' | 'producer';

/**
 * Starts `name` as a child of the trace carried by `headers` (keys `traceparent`/`tracestate`). Null when they carry
 * none (nothing to continue): no span and no allocation beyond the lookup, so untraced messages cost nothing.
 */
export function startMessageSpan(
  name: string,
  kind: MessageSpanKind,
  headers: Readonly<BusHeaders>,
  attributes?: Record<string, string | number | boolean>,
): MessageSpan | null {
  if (!headers['traceparent']) return null;
  const parent = contextFromHeaders(headers);
  if (!trace.getSpanContext(parent)) return null; // invalid traceparent: nothing to continue
  const span = gatewayTracer().startSpan(name, { kind: kind === 'consumer' ? SpanKind.CONSUMER : SpanKind.PRODUCER, ...(attributes ? { attributes } : {}) }, parent);
  const t = traceFromContext(span.isRecording() ? trace.setSpan(parent, span) : parent);
  return {
    traceparent: t.traceparent,
    tracestate: t.tracestate,
    end(error?: unknown) {
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
    },
  };
}

/** Copies an envelope's trace context into message headers (no-op when it has none). */
export function writeTraceHeaders(t: TraceContext, headers: BusHeaders): BusHeaders {
  if (t.traceparent) {
    headers['traceparent'] = t.traceparent;
    if (t.tracestate) headers['tracestate'] = t.tracestate;
  }
  return headers;
}
