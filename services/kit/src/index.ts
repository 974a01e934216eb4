// Public surface of @ai-gateway/kit: contracts, errors, logger, bus, config, pipeline.
export * from './contracts/types.ts';
export * from './contracts/index.ts';
export * from './errors/index.ts';
export * from './log/logger.ts';
export * from './bus/port.ts';
export { createInProcessBus, type InProcessBusOptions } from './bus/in-process.ts';
export { connectNatsBus, DEFAULT_STREAM, type NatsBusOptions } from './bus/nats.ts';
export type { StreamOptions as BusStreamOptions } from './bus/nats-durable.ts';
export * as openai from './dialects/openai.ts';
export * from './pipeline/index.ts';
export * as anthropic from './dialects/anthropic.ts';
export * from './config/index.ts';
export * from './telemetry/index.ts';
export * from './pricing/index.ts';
export { cosine, type Embedder } from './embedding/port.ts';
export { TENANT_GUARDRAILS_METADATA, encodeGrantGuardrails, decodeGrantGuardrails, type KeyGrant, type GrantGuardrails } from './contracts/key-grant.ts';
export { answerCalls, startCallWorker, startModuleWorker, workerBootstrap, type CallWorker } from './runtime/ts-worker.ts';
export { seededRand, type Rand } from './runtime/random.ts';
