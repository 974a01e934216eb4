// Typed sample values of every contract. tsc rejects a sample that lacks or adds a field of its TS
// type, so the run-time comparison with the Avro schemas in contracts.test.ts sees every TS field.
import type {
  AuditRecord,
  BillingRecord,
  CacheStatus,
  CallType,
  CompletedEvent,
  FallbackStep,
  GuardrailAction,
  GuardrailVerdict,
  InboundApi,
  Outcome,
  ReplyChunk,
  ReplyKind,
  RequestEnvelope,
  TraceContext,
  Tenant,
  Usage,
} from '../src/contracts/types.ts';
import type { ContractName, ContractTypes } from '../src/contracts/index.ts';

type NullableKeys<T> = { [K in keyof T]-?: null extends T[K] ? K : never }[keyof T];
/** Exactly the nullable keys of T: a missing one, a non-nullable one or an unknown one fails tsc. */
type NullableMap<T> = { [K in NullableKeys<T>]: true } & { [K in Exclude<keyof T, NullableKeys<T>>]?: never };

/** The nullable fields of every TS record, keyed by its Avro record name. */
export const nullableFields = {
  Tenant: { keyId: true, keyAlias: true, teamId: true, userId: true, projectId: true } satisfies NullableMap<Tenant>,
  TraceContext: { traceparent: true, tracestate: true } satisfies NullableMap<TraceContext>,
  GuardrailVerdict: {} satisfies NullableMap<GuardrailVerdict>,
  RequestEnvelope: {} satisfies NullableMap<RequestEnvelope>,
  ReplyChunk: { data: true } satisfies NullableMap<ReplyChunk>,
  Usage: {} satisfies NullableMap<Usage>,
  FallbackStep: {} satisfies NullableMap<FallbackStep>,
  CompletedEvent: {
    modelGroup: true, deploymentId: true, provider: true, providerModel: true, errorCode: true,
    ttftMs: true, cacheSimilarity: true, promptDigest: true, response: true,
  } satisfies NullableMap<CompletedEvent>,
  BillingRecord: {
    keyId: true, teamId: true, userId: true, projectId: true, modelGroup: true, deploymentId: true, provider: true, clientRequestId: true,
  } satisfies NullableMap<BillingRecord>,
  AuditRecord: { keyId: true, teamId: true, userId: true, promptDigest: true } satisfies NullableMap<AuditRecord>,
} as const satisfies Record<string, object>;

/** The symbols of every TS string union that is an Avro enum, keyed by the enum's Avro name. */
export const enumSymbols = {
  CallType: { chat: true, completion: true, embedding: true } satisfies Record<CallType, true>,
  InboundApi: { openai: true, anthropic: true } satisfies Record<InboundApi, true>,
  GuardrailAction: { pass: true, flag: true, block: true, mask: true } satisfies Record<GuardrailAction, true>,
  ReplyKind: { head: true, data: true, body: true, error: true, end: true } satisfies Record<ReplyKind, true>,
  Outcome: { success: true, error: true, cancelled: true, blocked: true } satisfies Record<Outcome, true>,
  CacheStatus: { off: true, bypass: true, miss: true, exact_hit: true, semantic_hit: true } satisfies Record<CacheStatus, true>,
} as const satisfies Record<string, object>;

const tenant = { keyId: 'key_01H', keyAlias: 'checkout-prod', teamId: 'team_pay', userId: 'user_42', projectId: 'proj_7' } satisfies Required<Tenant>;
const verdict = { guardrail: 'pii', action: 'mask', categories: ['email', 'phone'], score: 0.97 } satisfies Required<GuardrailVerdict>;
const body = JSON.stringify({
  model: 'gpt-4o',
  stream: true,
  messages: [
    { role: 'system', content: 'You are a concise assistant.' },
    { role: 'user', content: 'Summarise the invoice for [EMAIL_1] in two sentences.' },
  ],
});

/** Every field set, every array non-empty: the drift test walks each nested record through these. */
export const fullSamples: { [N in ContractName]: ContractTypes[N] } = {
  RequestEnvelope: {
    requestId: 'req_9f2c1a',
    tenant,
    model: 'gpt-4o',
    callType: 'chat',
    inboundApi: 'openai',
    stream: true,
    slip: ['pii', 'cache', 'router'],
    replyTo: 'gw.v1.reply.ingress-a.req_9f2c1a',
    trace: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'vendor=opaque' },
    receivedAtMs: 1_795_651_200_123,
    deadlineMs: 1_795_651_260_123,
    metadata: { 'cache-control': 'no-store', task: 'summarise' },
    verdicts: [verdict],
    body,
  } satisfies Required<RequestEnvelope>,
  ReplyChunk: {
    requestId: 'req_9f2c1a',
    seq: 3,
    kind: 'data',
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_9f2c1a' },
    data: '{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}',
  } satisfies Required<ReplyChunk>,
  CompletedEvent: {
    requestId: 'req_9f2c1a',
    tenant,
    callType: 'chat',
    inboundApi: 'anthropic',
    stream: true,
    requestedModel: 'gpt-4o',
    modelGroup: 'claude-sonnet',
    deploymentId: 'anthropic-eu-1',
    provider: 'anthropic',
    providerModel: 'claude-sonnet-4-5',
    outcome: 'success',
    httpStatus: 200,
    errorCode: 'upstream_rate_limited',
    usage: { promptTokens: 1_234, completionTokens: 87, cachedTokens: 1_024, totalTokens: 1_321 } satisfies Required<Usage>,
    usageEstimated: true,
    costUsd: 0.004_917,
    receivedAtMs: 1_795_651_200_123,
    finishedAtMs: 1_795_651_202_456,
    latencyMs: 2_333.25,
    ttftMs: 412.5,
    attempts: 4,
    fallbacks: [{ from: 'gpt-4o', to: 'claude-sonnet', reason: 'upstream_rate_limited' } satisfies Required<FallbackStep>],
    cacheStatus: 'semantic_hit',
    cacheSimilarity: 0.962,
    savedUsd: 0.0031,
    verdicts: [verdict],
    promptDigest: 'sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
    response: '{"id":"chatcmpl-1","object":"chat.completion","choices":[]}',
    metadata: { task: 'summarise' },
  } satisfies Required<CompletedEvent>,
  BillingRecord: {
    requestId: 'req_9f2c1a',
    occurredAtMs: 1_795_651_202_456,
    keyId: 'key_01H',
    teamId: 'team_pay',
    userId: 'user_42',
    projectId: 'proj_7',
    requestedModel: 'gpt-4o',
    modelGroup: 'claude-sonnet',
    deploymentId: 'anthropic-eu-1',
    provider: 'anthropic',
    outcome: 'success',
    promptTokens: 1_234,
    completionTokens: 87,
    cachedTokens: 1_024,
    costUsd: 0.004_917,
    savedUsd: 0.0031,
    cacheStatus: 'miss',
    latencyMs: 2_333.25,
    clientRequestId: 'client-run-17',
  } satisfies Required<BillingRecord>,
  AuditRecord: {
    seq: 4_294_967_301,
    requestId: 'req_9f2c1a',
    occurredAtMs: 1_795_651_202_456,
    keyId: 'key_01H',
    teamId: 'team_pay',
    userId: 'user_42',
    action: 'chat.completion',
    model: 'gpt-4o',
    outcome: 'blocked',
    verdicts: [{ guardrail: 'prompt-injection', action: 'block', categories: ['jailbreak'], score: 0.88 }],
    promptDigest: 'sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
    prevHash: '9b74c9897bac770ffc029102a200c5de',
    hash: 'c0ffee254729296a45a3885639ac7ca1',
  } satisfies Required<AuditRecord>,
};

const noTenant = { keyId: null, keyAlias: null, teamId: null, userId: null, projectId: null } satisfies Required<Tenant>;

/** Every nullable field null, every map and array empty, strings empty, numbers zero. */
export const sparseSamples: { [N in ContractName]: ContractTypes[N] } = {
  RequestEnvelope: {
    ...fullSamples.RequestEnvelope, tenant: noTenant, slip: [], replyTo: '', trace: { traceparent: null, tracestate: null },
    receivedAtMs: 0, deadlineMs: 0, metadata: {}, verdicts: [], body: '',
  },
  ReplyChunk: { requestId: 'req_9f2c1a', seq: 0, kind: 'end', status: 0, headers: {}, data: null },
  CompletedEvent: {
    ...fullSamples.CompletedEvent, tenant: noTenant, modelGroup: null, deploymentId: null, provider: null,
    providerModel: null, outcome: 'cancelled', httpStatus: 499, errorCode: null,
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 }, usageEstimated: false,
    costUsd: 0, latencyMs: 0, ttftMs: null, attempts: 0, fallbacks: [], cacheStatus: 'off', cacheSimilarity: null,
    savedUsd: 0, verdicts: [], promptDigest: null, response: null, metadata: {},
  },
  BillingRecord: {
    ...fullSamples.BillingRecord, keyId: null, teamId: null, userId: null, projectId: null, modelGroup: null,
    deploymentId: null, provider: null, outcome: 'error', promptTokens: 0, completionTokens: 0, cachedTokens: 0,
    costUsd: 0, savedUsd: 0, cacheStatus: 'bypass', latencyMs: 0,
  },
  AuditRecord: {
    ...fullSamples.AuditRecord, seq: 1, keyId: null, teamId: null, userId: null, model: '', verdicts: [],
    promptDigest: null, prevHash: '',
  },
};

const unicode = 'Grüße 👋🏽 — 東京 — مرحبا — \u0000\u2028 "quoted" \\ back';

/** Non-ASCII text everywhere strings go, including map keys. */
export const unicodeSamples: { [N in ContractName]: ContractTypes[N] } = {
  RequestEnvelope: {
    ...fullSamples.RequestEnvelope,
    tenant: { ...tenant, keyAlias: unicode },
    metadata: { 'tâche-📎': unicode, '': '' },
    verdicts: [{ ...verdict, categories: ['名前', unicode] }],
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: unicode }] }),
  },
  ReplyChunk: { ...fullSamples.ReplyChunk, data: JSON.stringify({ choices: [{ delta: { content: unicode } }] }) },
  CompletedEvent: { ...fullSamples.CompletedEvent, response: JSON.stringify({ content: unicode }), metadata: { 'ключ': unicode } },
  BillingRecord: { ...fullSamples.BillingRecord, requestedModel: `模型-${unicode}` },
  AuditRecord: { ...fullSamples.AuditRecord, action: unicode },
};
