// The one structured log line per request, built from its completed event: the prompt's digest, and the prompt and
// response text only when prompt logging put them on the event (opt-in, scrubbed; see prompt-log.ts).
import type { CompletedEvent } from '../contracts/types.ts';
import { CLIENT_REQUEST_ID_METADATA } from '../pipeline/completed.ts';
import { PROMPT_LOG_METADATA, promptLogOf } from './prompt-log.ts';

export const REQUEST_LOG_MESSAGE = 'request completed';

export interface RequestLogFields {
  requestId: string;
  keyId: string | null;
  keyAlias: string | null;
  teamId: string | null;
  projectId: string | null;
  callType: string;
  inboundApi: string;
  stream: boolean;
  model: string;
  modelGroup: string | null;
  deployment: string | null;
  provider: string | null;
  providerModel: string | null;
  outcome: string;
  status: number;
  errorCode: string | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  usageEstimated: boolean;
  costUsd: number;
  savedUsd: number;
  latencyMs: number;
  ttftMs: number | null;
  attempts: number;
  fallbacks: string[];
  cache: string;
  guardrails: string[];
  promptDigest: string | null;
  /** The client's own x-request-id, when it sent one (requestId is always the gateway's). */
  clientRequestId?: string;
  /** Prompt messages (chat), prompt or input: present only with prompt logging on. */
  messages?: unknown;
  /** Response text: present only with prompt logging on. */
  response?: string;
}

export function requestLogFields(evt: CompletedEvent): RequestLogFields {
  const fields: RequestLogFields = {
    requestId: evt.requestId,
    keyId: evt.tenant.keyId,
    keyAlias: evt.tenant.keyAlias,
    teamId: evt.tenant.teamId,
    projectId: evt.tenant.projectId,
    callType: evt.callType,
    inboundApi: evt.inboundApi,
    stream: evt.stream,
    model: evt.requestedModel,
    modelGroup: evt.modelGroup,
    deployment: evt.deploymentId,
    provider: evt.provider,
    providerModel: evt.providerModel,
    outcome: evt.outcome,
    status: evt.httpStatus,
    errorCode: evt.errorCode,
    promptTokens: evt.usage.promptTokens,
    completionTokens: evt.usage.completionTokens,
    cachedTokens: evt.usage.cachedTokens,
    usageEstimated: evt.usageEstimated,
    costUsd: evt.costUsd,
    savedUsd: evt.savedUsd,
    latencyMs: Math.round(evt.latencyMs),
    ttftMs: evt.ttftMs === null ? null : Math.round(evt.ttftMs),
    attempts: evt.attempts,
    fallbacks: evt.fallbacks.map((f) => `${f.from}->${f.to}:${f.reason}`),
    cache: evt.cacheStatus,
    guardrails: evt.verdicts.filter((v) => v.action !== 'pass').map((v) => `${v.guardrail}:${v.action}`),
    promptDigest: evt.promptDigest,
  };
  const clientRequestId = evt.metadata[CLIENT_REQUEST_ID_METADATA];
  if (clientRequestId !== undefined) fields.clientRequestId = clientRequestId;
  if (evt.metadata[PROMPT_LOG_METADATA.messages] !== undefined || evt.metadata[PROMPT_LOG_METADATA.response] !== undefined) Object.assign(fields, promptLogOf(evt));
  return fields;
}
