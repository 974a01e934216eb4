// Test fixtures: completed events and limits.
import type { CompletedEvent } from '@ai-gateway/kit';
import type { ScopeLimits } from '../src/domain/reservation.ts';

export function completedEvent(over: Partial<CompletedEvent> & { requestId: string }): CompletedEvent {
  return {
    tenant: { keyId: 'k1', keyAlias: 'ci-bot', teamId: 't1', userId: 'u1', projectId: null },
    callType: 'chat',
    inboundApi: 'openai',
    stream: false,
    requestedModel: 'gpt-4o',
    modelGroup: 'gpt-4o',
    deploymentId: 'openai-gpt-4o-1',
    provider: 'openai',
    providerModel: 'gpt-4o-2024-08-06',
    outcome: 'success',
    httpStatus: 200,
    errorCode: null,
    usage: { promptTokens: 100, completionTokens: 50, cachedTokens: 0, totalTokens: 150 },
    usageEstimated: false,
    costUsd: 0.01,
    receivedAtMs: 1_790_000_000_000,
    finishedAtMs: 1_790_000_001_000,
    latencyMs: 1000,
    ttftMs: 200,
    attempts: 1,
    fallbacks: [],
    cacheStatus: 'miss',
    cacheSimilarity: null,
    savedUsd: 0,
    verdicts: [{ guardrail: 'pii', action: 'mask', categories: ['email'], score: 0.93 }],
    promptDigest: 'sha256:abc',
    response: null,
    metadata: {},
    ...over,
  };
}

export function limits(over: Partial<ScopeLimits> = {}): ScopeLimits {
  return { label: null, maxBudgetUsd: null, budgetDuration: null, rpmLimit: null, tpmLimit: null, maxParallelRequests: null, ...over };
}

export const amount = (costUsd: number, tokens = 100) => ({ costUsd, requests: 1, tokens, parallel: 1 });
