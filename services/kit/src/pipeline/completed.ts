// Builds the completed event of a request from its envelope, so every stage reports the same way.
import type { CompletedEvent, RequestEnvelope } from '../contracts/types.ts';

/** Envelope and completed-event metadata key of the client's own x-request-id (a correlation id, not the identity). */
export const CLIENT_REQUEST_ID_METADATA = 'x-request-id';

/** Metadata keys with this prefix stay between stages: never in completed events, audit or logs. */
export const PRIVATE_METADATA_PREFIX = 'x-gateway-private-';

export function publicMetadata(m: Record<string, string>): Record<string, string> {
  let out: Record<string, string> | null = null;
  for (const k of Object.keys(m)) {
    if (!k.startsWith(PRIVATE_METADATA_PREFIX)) continue;
    out ??= { ...m };
    delete out[k];
  }
  return out ?? m;
}

export function baseCompletedEvent(env: RequestEnvelope, now: number): CompletedEvent {
  return {
    requestId: env.requestId,
    tenant: env.tenant,
    callType: env.callType,
    inboundApi: env.inboundApi,
    stream: env.stream,
    requestedModel: env.model,
    modelGroup: null,
    deploymentId: null,
    provider: null,
    providerModel: null,
    outcome: 'error',
    httpStatus: 500,
    errorCode: null,
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 },
    usageEstimated: false,
    costUsd: 0,
    receivedAtMs: env.receivedAtMs,
    finishedAtMs: now,
    latencyMs: Math.max(0, now - env.receivedAtMs),
    ttftMs: null,
    attempts: 0,
    fallbacks: [],
    cacheStatus: 'off',
    cacheSimilarity: null,
    savedUsd: 0,
    verdicts: env.verdicts,
    promptDigest: null,
    response: null,
    metadata: publicMetadata(env.metadata),
  };
}
