// The OpenTelemetry trace SDK, started from the standard OTEL_* variables (or from explicit processors in tests).
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';

export interface TracingOptions {
  /** service.name unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  env?: NodeJS.ProcessEnv;
  /** Use these processors instead of the env-configured exporter (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

export interface TracingHandle {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

let active = 0;

/**
 * True while a tracer provider started here is installed (this process exports spans). Composition reads it to
 * leave out the per-stage and per-provider span wrappers when nothing would record them.
 */
export function tracingActive(): boolean {
  return active > 0;
}

/** True when the environment asks for trace export (OTLP endpoint set, or an exporter other than none). */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const exporter = env['OTEL_TRACES_EXPORTER'];
  if (exporter === 'none' || env['OTEL_SDK_DISABLED'] === 'true') return false;
  return Boolean(exporter || env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}

function processorsFromEnv(env: NodeJS.ProcessEnv): SpanProcessor[] {
  const names = (env['OTEL_TRACES_EXPORTER'] ?? 'otlp').split(',').map((s) => s.trim());
  const out: SpanProcessor[] = [];
  // The OTLP exporter reads its endpoint, headers, protocol details and timeout from OTEL_EXPORTER_OTLP_* itself.
  if (names.includes('otlp')) out.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  if (names.includes('console')) out.push(new BatchSpanProcessor({ exporter: new ConsoleSpanExporter() }));
  return out;
}

/** Registers a global tracer provider, the AsyncLocalStorage context manager and the W3C propagator; null when not requested. */
export function startTracing({ options }: { options: TracingOptions }): TracingHandle | null {
  const env = options.env ?? process.env;
  const processors = options.spanProcessors ?? (tracingRequested(env) ? processorsFromEnv(env) : []);
  if (processors.length === 0) return null;
  const resource = detectResources({ detectors: [envDetector] }).merge(resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] ?? options.serviceName }));
  const provider = new TracerProvider({ resource, spanProcessors: processors });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  active++;
  let stopped = false;
  return {
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      if (!stopped) active--;
      stopped = true;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
