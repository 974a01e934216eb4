// Decorators that add spans without touching the code they wrap: the ingress side of a pipeline, and a stage.
import { SpanKind, SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import type { ReplyChunk, RequestEnvelope } from '../contracts/types.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { CLIENT_REQUEST_ID_METADATA } from '../pipeline/completed.ts';
import { contextWith, type ReplySink, type Stage, type StageContext } from '../pipeline/stage.ts';
import { tracingActive } from './sdk.ts';
import { annotateCompleted, contextFromTrace, gatewayTracer, traceFromContext } from './tracing.ts';

/** Internal reply header: upstream time the router measured (same name the ingress relay reads). */
export const UPSTREAM_MS_HEADER = 'x-gateway-upstream-ms';

interface RequestState {
  span: Span | null;
  receivedAt: number;
  measured: boolean;
  done: boolean;
}

export interface InstrumentedPipelineDeps {
  pipeline: Pipeline;
  /** Gateway time before the first answer byte, excluding the provider's own time (seconds). */
  onOverhead?: (seconds: number) => void;
  now?: () => number;
  /** Open a SERVER span per request (default: while this process exports traces); the overhead is measured either way. */
  tracing?: boolean;
}

const isFinal = (c: ReplyChunk): boolean => c.kind === 'body' || c.kind === 'error' || c.kind === 'end';

/**
 * The ingress side of a pipeline with one SERVER span per request (continuing the client's traceparent),
 * whose context travels on in envelope.trace, and the overhead measurement from the router's upstream time.
 */
export function instrumentPipeline({ deps }: { deps: InstrumentedPipelineDeps }): Pipeline {
  const { pipeline } = deps;
  const now = deps.now ?? Date.now;
  const tracing = deps.tracing ?? tracingActive();
  const states = new Map<string, RequestState>();

  function finish(st: RequestState, chunk: ReplyChunk | null): void {
    if (st.done) return;
    st.done = true;
    if (!st.span) return;
    if (chunk) st.span.setAttribute('http.response.status_code', chunk.status);
    if (chunk === null) st.span.setAttribute('gateway.outcome', 'cancelled');
    else if (chunk.kind === 'error' || chunk.status >= 500) st.span.setStatus({ code: SpanStatusCode.ERROR, message: `status ${chunk.status}` });
    st.span.end();
  }

  return {
    ...pipeline,
    subjects: pipeline.subjects,
    openReply(replyTo: string, sink: ReplySink) {
      const st: RequestState = { span: null, receivedAt: now(), measured: false, done: false };
      states.set(replyTo, st);
      const unregister = pipeline.openReply(replyTo, (chunk) => {
        if (!st.measured && (chunk.kind === 'head' || chunk.kind === 'body')) {
          st.measured = true;
          const upstream = Number(chunk.headers[UPSTREAM_MS_HEADER]);
          if (Number.isFinite(upstream) && chunk.headers[UPSTREAM_MS_HEADER] !== undefined) deps.onOverhead?.(Math.max(0, now() - st.receivedAt - upstream) / 1000);
        }
        if (isFinal(chunk)) finish(st, chunk);
        sink(chunk);
      });
      return () => {
        finish(st, null);
        states.delete(replyTo);
        unregister();
      };
    },
    dispatch(env: RequestEnvelope) {
      const st = states.get(env.replyTo);
      if (!tracing) {
        // No span: the client's own trace context (if any) travels on unchanged.
        if (st) st.receivedAt = env.receivedAtMs;
        pipeline.dispatch(env);
        return;
      }
      const parent = contextFromTrace(env.trace);
      const span = gatewayTracer().startSpan(
        `gateway ${env.callType}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'gateway.request_id': env.requestId,
            'gateway.inbound_api': env.inboundApi,
            'gateway.stream': env.stream,
            'gen_ai.operation.name': env.callType === 'chat' ? 'chat' : env.callType === 'completion' ? 'text_completion' : 'embeddings',
            'gen_ai.request.model': env.model,
          },
        },
        parent,
      );
      // The client's own x-request-id, when it sent one: the id its logs know the request by.
      const clientRequestId = env.metadata[CLIENT_REQUEST_ID_METADATA];
      if (clientRequestId !== undefined) span.setAttribute('gateway.client_request_id', clientRequestId);
      if (st) {
        st.span = span;
        st.receivedAt = env.receivedAtMs;
      } else span.end();
      pipeline.dispatch({ ...env, trace: traceFromContext(trace.setSpan(parent, span), env.trace) });
    },
  };
}

/** A stage whose every request runs inside a span continuing envelope.trace; forwarded envelopes carry it on. */
export function traceStage(stage: Stage): Stage {
  return {
    name: stage.name,
    handle(env: RequestEnvelope, ctx: StageContext): Promise<void> {
      const parent = contextFromTrace(env.trace);
      const span = gatewayTracer().startSpan(
        `stage ${stage.name}`,
        { kind: SpanKind.CONSUMER, attributes: { 'gateway.stage': stage.name, 'gateway.request_id': env.requestId, 'gen_ai.request.model': env.model } },
        parent,
      );
      const active = trace.setSpan(parent, span);
      const traced: StageContext = contextWith(ctx, {
        reply: ctx.reply,
        forward: (next) => ctx.forward({ ...next, trace: traceFromContext(active, next.trace) }),
        complete: (evt, t) => {
          annotateCompleted(span, evt);
          // The completed event's consumers continue this stage's span (without a recording tracer: the envelope's trace).
          ctx.complete(evt, t ?? (span.isRecording() ? traceFromContext(active, env.trace) : undefined));
        },
      });
      let run: Promise<void>;
      try {
        run = context.with(active, () => stage.handle(env, traced));
      } catch (err) {
        run = Promise.reject(err);
      }
      return run.then(
        () => span.end(),
        (err: unknown) => {
          span.recordException(err instanceof Error ? err : String(err));
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          throw err;
        },
      );
    },
  };
}
