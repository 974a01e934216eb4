// TypeScript shapes of the Avro contracts in schemas/*.avsc (namespace ai.gateway.v1).
// A test (contracts.test.ts) fails when these drift from the schemas.

/** Who is calling: resolved by ingress from the virtual key. */
export interface Tenant {
  keyId: string | null;
  keyAlias: string | null;
  teamId: string | null;
  userId: string | null;
  projectId: string | null;
}

export type CallType = 'chat' | 'completion' | 'embedding';
/** The API the client spoke; ingress renders replies in this dialect. */
export type InboundApi = 'openai' | 'anthropic';

export interface TraceContext {
  traceparent: string | null;
  tracestate: string | null;
}

export type GuardrailAction = 'pass' | 'flag' | 'block' | 'mask';

export interface GuardrailVerdict {
  guardrail: string;
  action: GuardrailAction;
  categories: string[];
  score: number;
}

/** One request travelling along the routing slip. `body` stays OpenAI JSON text. */
export interface RequestEnvelope {
  requestId: string;
  tenant: Tenant;
  model: string;
  callType: CallType;
  inboundApi: InboundApi;
  stream: boolean;
  /** Remaining stages, e.g. ['pii', 'cache', 'router']. */
  slip: string[];
  replyTo: string;
  trace: TraceContext;
  receivedAtMs: number;
  deadlineMs: number;
  /** Small per-request controls: cache-control, task hints, guardrail overrides. */
  metadata: Record<string, string>;
  verdicts: GuardrailVerdict[];
  body: string;
}

export type ReplyKind = 'head' | 'data' | 'body' | 'error' | 'end';

/** A piece of the answer sent back to the ingress that owns the client connection. */
export interface ReplyChunk {
  requestId: string;
  seq: number;
  kind: ReplyKind;
  /** HTTP status for head / body / error. */
  status: number;
  headers: Record<string, string>;
  /** JSON text: a chat.completion.chunk (data), a full response (body) or an error body (error). */
  data: string | null;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  totalTokens: number;
}

export type Outcome = 'success' | 'error' | 'cancelled' | 'blocked';
/** Avro enum symbols allow only [A-Za-z0-9_], hence snake_case. */
export type CacheStatus = 'off' | 'bypass' | 'miss' | 'exact_hit' | 'semantic_hit';

export interface FallbackStep {
  from: string;
  to: string;
  reason: string;
}

/** Published once per request when its response ends, whatever the outcome. */
export interface CompletedEvent {
  requestId: string;
  tenant: Tenant;
  callType: CallType;
  inboundApi: InboundApi;
  stream: boolean;
  requestedModel: string;
  /** Model group that answered (differs from requestedModel after a fallback). */
  modelGroup: string | null;
  deploymentId: string | null;
  provider: string | null;
  providerModel: string | null;
  outcome: Outcome;
  httpStatus: number;
  errorCode: string | null;
  usage: Usage;
  /** True when usage was counted by our tokenizer because the provider sent none. */
  usageEstimated: boolean;
  costUsd: number;
  receivedAtMs: number;
  finishedAtMs: number;
  latencyMs: number;
  ttftMs: number | null;
  attempts: number;
  fallbacks: FallbackStep[];
  cacheStatus: CacheStatus;
  cacheSimilarity: number | null;
  savedUsd: number;
  verdicts: GuardrailVerdict[];
  /** Digest of the (scrubbed) prompt; never the prompt itself. */
  promptDigest: string | null;
  /** Assembled response JSON when the cache should store it, else null. */
  response: string | null;
  metadata: Record<string, string>;
}

/** One row per finished request on ai-gateway.billing.v1; requestId is the idempotency key. */
export interface BillingRecord {
  requestId: string;
  occurredAtMs: number;
  keyId: string | null;
  teamId: string | null;
  userId: string | null;
  projectId: string | null;
  requestedModel: string;
  modelGroup: string | null;
  deploymentId: string | null;
  provider: string | null;
  outcome: Outcome;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
  savedUsd: number;
  cacheStatus: CacheStatus;
  latencyMs: number;
  /** The client's own x-request-id, when it sent one (requestId is the gateway's). */
  clientRequestId: string | null;
}

/** Append-only, hash-chained audit row on ai-gateway.audit.v1. */
export interface AuditRecord {
  seq: number;
  requestId: string;
  occurredAtMs: number;
  keyId: string | null;
  teamId: string | null;
  userId: string | null;
  action: string;
  model: string;
  outcome: Outcome;
  verdicts: GuardrailVerdict[];
  promptDigest: string | null;
  prevHash: string;
  hash: string;
}
