// Telemetry: Prometheus metrics from completed events, and OpenTelemetry tracing across the bus.
export { createGatewayMetrics, DURATION_BUCKETS, TTFT_BUCKETS, OVERHEAD_BUCKETS, type GatewayMetrics, type GatewayMetricsOptions, type DeploymentStatus } from './metrics.ts';
export { createMetricsRecorder, NO_TEAM, type MetricsRecorder, type MetricsRecorderOptions } from './recorder.ts';
export { createLabelLimiter, OTHER_LABEL, type LabelLimiter } from './labels.ts';
export {
  TRACER_NAME,
  annotateCompleted,
  contextFromHeaders,
  contextFromTrace,
  endProviderSpan,
  gatewayTracer,
  genAiSystemOf,
  injectHeaders,
  providerResultOf,
  startProviderSpan,
  traceFromContext,
  type GenAiOperation,
  type ProviderCallInfo,
  type ProviderCallResult,
} from './tracing.ts';
export { startMessageSpan, writeTraceHeaders, type MessageSpan, type MessageSpanKind } from './messaging.ts';
export { instrumentPipeline, traceStage, UPSTREAM_MS_HEADER, type InstrumentedPipelineDeps } from './instrument.ts';
export { startTracing, tracingActive, tracingRequested, type TracingHandle, type TracingOptions } from './sdk.ts';
export { requestLogFields, REQUEST_LOG_MESSAGE, type RequestLogFields } from './request-log.ts';
export { capturePrompts, promptLogOf, PROMPT_LOG_METADATA, MAX_LOGGED_CHARS, type PromptCaptureOptions } from './prompt-log.ts';
