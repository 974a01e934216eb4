// The router stage: answers a request from a provider, with retries, fallbacks and timeouts, and reports it.
import {
  GatewayError,
  baseCompletedEvent,
  type CompletedEvent,
  type Logger,
  type ReplyFilter,
  type ReplyFilterFactory,
  type RequestEnvelope,
  type Stage,
  type StageContext,
  type openai,
} from '@ai-gateway/kit';
import { AttemptsFailed, CancelledError, runAttempts, sleepWithSignal, type AttemptContext, type Attempted } from './attempts.ts';
import type { ModelGroups } from './groups.ts';
import { toGatewayError } from './errors.ts';
import type { ProviderAdapter, ProviderName, ProviderTarget } from './providers/types.ts';
import { ProviderError } from './providers/types.ts';
import type { RouterDeployment, RoutingPolicy, TimeoutSettings } from './routing-types.ts';
import { ReplyBlockedError, emptyTally, relayStream, type StreamTally } from './stream-relay.ts';
import { ZERO_USAGE, costOf, estimateUsage, usageFromOpenAI, type TokenCounter } from './usage.ts';
import { bodyForAttempt, prepareRequest, routerHeaders, type RouteSelector } from './routing-rules/index.ts';
import type { ContextPlan, ContextWindow } from './context-window/index.ts';

export interface RouterStageDeps {
  groups: ModelGroups;
  providers: (name: ProviderName) => ProviderAdapter | undefined;
  policy: RoutingPolicy;
  logger: Logger;
  countTokens?: TokenCounter;
  /** Post-call guardrails (output filter, pseudonym restore), applied to every chat answer. */
  replyFilter?: ReplyFilterFactory;
  /** Resolves virtual models (`auto`) by rules and semantic routes. */
  routeSelector?: RouteSelector;
  /** Fits prompts to the chosen group's context window before any call. */
  contextWindow?: ContextWindow;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface RouterStageOptions {
  timeouts: TimeoutSettings;
}

/** Envelope metadata flag set by the cache stage when the answer should be stored. */
export const CACHE_STORE_FLAG = 'x-gateway-cache-store';
const UPSTREAM_MS = 'x-gateway-upstream-ms';

export function targetOf(d: RouterDeployment): ProviderTarget {
  return { provider: d.provider, model: d.providerModel, apiBase: d.apiBase, apiKey: d.apiKey, apiVersion: d.apiVersion, headers: d.headers };
}

/** Request fields that steer the gateway itself and must not reach a provider. */
const GATEWAY_FIELDS = ['cache', 'fallbacks', 'context_window_fallbacks', 'num_retries', 'guardrails', 'mock_response', 'metadata', 'caching', 'ttl'];

/** The body a provider sees: gateway-only fields removed, the deployment's litellm_params defaults filled in. */
function withDefaults<T extends Record<string, unknown>>(body: T, d: RouterDeployment): T {
  const out: Record<string, unknown> = { ...body };
  for (const k of GATEWAY_FIELDS) delete out[k];
  for (const k of Object.keys(d.requestDefaults)) if (out[k] === undefined) out[k] = d.requestDefaults[k];
  return out as T;
}

/** Applies the reply filter to each choice of a full answer; returns the block, if any. */
function filterCompletion(filter: ReplyFilter, resp: openai.ChatCompletion): ReplyBlockedError | null {
  for (const choice of resp.choices ?? []) {
    const content = choice.message?.content;
    if (typeof content !== 'string' || content.length === 0) continue;
    const r = filter.text(choice.index, content);
    if (!r.ok) return new ReplyBlockedError(r.error, r.verdict);
    choice.message.content = r.value;
  }
  return null;
}

export function createRouterStage({ deps, options }: { deps: RouterStageDeps; options: RouterStageOptions }): Stage {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? sleepWithSignal;
  const { timeouts } = options;

  function adapterFor(d: RouterDeployment): ProviderAdapter {
    const adapter = deps.providers(d.provider);
    if (!adapter || !d.supported) {
      throw new ProviderError('not_found', d.unsupportedReason ?? `provider ${d.provider} is not available`, { status: 503, retriable: false });
    }
    return adapter;
  }

  function headersOf(a: Attempted<unknown>, upstreamMs: number): Record<string, string> {
    const h: Record<string, string> = {
      'x-gateway-model-deployment': a.deployment.id,
      'x-gateway-attempts': String(a.attempts),
      [UPSTREAM_MS]: String(Math.max(0, Math.round(upstreamMs))),
    };
    if (a.fallbacks.length > 0) h['x-gateway-fallback'] = a.group;
    return h;
  }

  /** Headers an earlier stage asked the answer to carry (e.g. the cache stage's `x-gateway-cache: miss`). */
  function withStageHeaders(env: RequestEnvelope, h: Record<string, string>): Record<string, string> {
    for (const [k, v] of Object.entries(env.metadata)) if (k.startsWith('x-gateway-cache') && k !== CACHE_STORE_FLAG && k !== 'x-gateway-cache-namespace') h[k] = v;
    routerHeaders(env, h);
    // A pre-call guardrail that flagged (not blocked) the request names itself here.
    const flagged = env.metadata['x-gateway-guardrail'];
    if (flagged) h['x-gateway-guardrail'] = flagged;
    return h;
  }

  function finishEvent(env: RequestEnvelope, evt: CompletedEvent, a: Attempted<unknown> | null): CompletedEvent {
    if (a) {
      evt.modelGroup = a.group;
      evt.deploymentId = a.deployment.id;
      evt.provider = a.deployment.provider;
      evt.providerModel = a.deployment.providerModel;
      evt.attempts = a.attempts;
      evt.fallbacks = a.fallbacks;
    }
    evt.finishedAtMs = now();
    evt.latencyMs = Math.max(0, evt.finishedAtMs - env.receivedAtMs);
    const cache = env.metadata['x-gateway-cache'];
    if (cache === 'miss' || cache === 'bypass') evt.cacheStatus = cache;
    return evt;
  }

  function fail(env: RequestEnvelope, ctx: StageContext, err: unknown): void {
    const evt = baseCompletedEvent(env, now());
    let failure: AttemptsFailed['failure'] | null = null;
    if (err instanceof AttemptsFailed) failure = err.failure;
    const cause = failure ? failure.error : err;
    if (cause instanceof CancelledError) {
      evt.outcome = 'cancelled';
      evt.httpStatus = 499;
      evt.errorCode = 'cancelled';
    } else {
      const gw = toGatewayError(cause, deps.logger, env.requestId);
      evt.httpStatus = gw.status;
      evt.errorCode = gw.code;
      ctx.reply.send('error', gw.status, routerHeaders(env, { ...gw.headers }), JSON.stringify(gw.toOpenAI()));
    }
    if (failure) {
      evt.attempts = failure.attempts;
      evt.fallbacks = failure.fallbacks;
      if (failure.deployment) {
        evt.deploymentId = failure.deployment.id;
        evt.provider = failure.deployment.provider;
        evt.modelGroup = failure.deployment.modelGroup;
      }
    }
    ctx.complete(finishEvent(env, evt, null));
  }

  function attemptContext(ctx: StageContext, stream: boolean): AttemptContext {
    return { groups: deps.groups, policy: deps.policy, now, sleep, cancel: ctx, stream };
  }

  const totalTimeout = (d: RouterDeployment) => {
    const ms = d.timeoutMs ?? timeouts.timeoutMs;
    return { ms, what: `no answer within ${ms} ms` };
  };
  const ttftTimeout = (d: RouterDeployment) => {
    const ms = Math.min(d.streamTimeoutMs ?? timeouts.ttftTimeoutMs, timeouts.ttftTimeoutMs);
    return { ms, what: `no first token within ${ms} ms` };
  };

  async function nonStream(env: RequestEnvelope, ctx: StageContext, body: Record<string, unknown>, plan: ContextPlan): Promise<void> {
    const a = await runAttempts(
      attemptContext(ctx, false),
      plan.group,
      async (d, guard) => {
        const adapter = adapterFor(d);
        const target = targetOf(d);
        const req = withDefaults(bodyForAttempt(deps, env, plan, d, body), d);
        const opts = { signal: guard.signal };
        if (env.callType === 'embedding') {
          if (!adapter.embeddings) throw new ProviderError('bad_request', `${d.provider} does not serve embeddings`, { status: 400 });
          return adapter.embeddings(req as unknown as openai.EmbeddingRequest, target, opts);
        }
        if (env.callType === 'completion') {
          if (!adapter.completion) throw new ProviderError('bad_request', `${d.provider} does not serve text completions`, { status: 400 });
          return adapter.completion(req as unknown as openai.CompletionRequest, target, opts);
        }
        return adapter.chat(req as unknown as openai.ChatCompletionRequest, target, opts);
      },
      totalTimeout,
    );
    a.fallbacks.unshift(...plan.fallbacks);
    a.guard.dispose();
    const upstreamMs = now() - a.startedAt;
    const result = a.value as openai.ChatCompletion | openai.TextCompletion | openai.EmbeddingResponse;
    const reported = usageFromOpenAI(result.usage as openai.CompletionUsage | undefined);
    const usage = reported ?? estimateUsage(env.body, JSON.stringify(result).length / 2, deps.countTokens ?? null, a.deployment.providerModel);
    const tokens = usage.totalTokens;
    deps.policy.onSuccess(a.deployment, { latencyMs: upstreamMs, ttftMs: null, tokens }, now());
    const evt = baseCompletedEvent(env, now());
    const filter = env.callType === 'chat' ? (deps.replyFilter?.(env) ?? null) : null;
    if (filter) {
      const blocked = filterCompletion(filter, result as openai.ChatCompletion);
      evt.verdicts = [...env.verdicts, ...filter.verdicts()];
      if (blocked) {
        ctx.reply.send('error', blocked.gatewayError.status, null, JSON.stringify(blocked.gatewayError.toOpenAI()));
        evt.outcome = 'blocked';
        evt.httpStatus = blocked.gatewayError.status;
        evt.errorCode = blocked.gatewayError.code;
        evt.usage = usage;
        evt.usageEstimated = reported === null;
        evt.costUsd = costOf(usage, a.deployment);
        ctx.complete(finishEvent(env, evt, a));
        return;
      }
    }
    const json = JSON.stringify(result);
    ctx.reply.send('body', 200, withStageHeaders(env, headersOf(a, upstreamMs)), json);
    evt.outcome = 'success';
    evt.httpStatus = 200;
    evt.usage = usage;
    evt.usageEstimated = reported === null;
    evt.costUsd = costOf(usage, a.deployment);
    if (env.metadata[CACHE_STORE_FLAG] === '1') evt.response = json;
    ctx.complete(finishEvent(env, evt, a));
  }

  async function stream(env: RequestEnvelope, ctx: StageContext, body: openai.ChatCompletionRequest, plan: ContextPlan): Promise<void> {
    const a = await runAttempts(
      attemptContext(ctx, true),
      plan.group,
      async (d, guard) => {
        const adapter = adapterFor(d);
        const iterable = await adapter.chatStream(withDefaults(bodyForAttempt(deps, env, plan, d, body), d), targetOf(d), { signal: guard.signal });
        const iter = iterable[Symbol.asyncIterator]();
        const first = await iter.next();
        if (first.done) throw new ProviderError('malformed', 'provider closed the stream before sending anything', { status: 502 });
        return { iter, first: first.value, firstAt: now() };
      },
      ttftTimeout,
    );
    a.fallbacks.unshift(...plan.fallbacks);
    // Committed: from here on nothing is retried elsewhere; tokens may already reach the client.
    const { iter, first, firstAt } = a.value;
    const tally: StreamTally = emptyTally();
    const filter = deps.replyFilter?.(env) ?? null;
    ctx.reply.send('head', 200, withStageHeaders(env, headersOf(a, firstAt - a.startedAt)), null);
    const evt = baseCompletedEvent(env, now());
    let failure: unknown = null;
    try {
      await relayStream(first, iter, a.guard, ctx.reply, tally, {
        filter,
        includeUsage: body.stream_options?.include_usage === true,
        assemble: env.metadata[CACHE_STORE_FLAG] === '1',
        idleTimeoutMs: timeouts.streamIdleTimeoutMs,
        now,
      });
    } catch (err) {
      failure = err;
    } finally {
      a.guard.dispose();
    }
    const reported = usageFromOpenAI(tally.usage);
    const usage =
      reported ?? (tally.completionChars === 0 && failure ? { ...ZERO_USAGE } : estimateUsage(env.body, tally.completionChars, deps.countTokens ?? null, a.deployment.providerModel, tally.completionText));
    evt.usage = usage;
    evt.usageEstimated = reported === null;
    evt.costUsd = costOf(usage, a.deployment);
    evt.ttftMs = (tally.firstTokenAt ?? firstAt) - env.receivedAtMs;
    if (filter) evt.verdicts = [...env.verdicts, ...filter.verdicts()];
    if (failure instanceof ReplyBlockedError) {
      // A post-call guardrail stopped the stream: stop reading upstream and end with its error event.
      a.guard.controller.abort();
      deps.policy.onSuccess(a.deployment, { latencyMs: now() - a.startedAt, ttftMs: firstAt - a.startedAt, tokens: usage.totalTokens }, now());
      ctx.reply.send('error', failure.gatewayError.status, null, JSON.stringify(failure.gatewayError.toOpenAI()));
      evt.outcome = 'blocked';
      evt.httpStatus = failure.gatewayError.status;
      evt.errorCode = failure.gatewayError.code;
      if (!evt.verdicts.includes(failure.verdict)) evt.verdicts = [...evt.verdicts, failure.verdict];
    } else if (failure === null) {
      ctx.reply.send('end', 200, null, null);
      deps.policy.onSuccess(a.deployment, { latencyMs: now() - a.startedAt, ttftMs: firstAt - a.startedAt, tokens: usage.totalTokens }, now());
      evt.outcome = 'success';
      evt.httpStatus = 200;
      if (tally.assembled) evt.response = JSON.stringify(tally.assembled);
    } else if (ctx.cancelled) {
      deps.policy.onAbandon(a.deployment, now(), a.startedAt);
      evt.outcome = 'cancelled';
      evt.httpStatus = 499;
      evt.errorCode = 'cancelled';
    } else {
      const pe = failure instanceof ProviderError ? failure : a.guard.timedOut ? new ProviderError('timeout', a.guard.timedOut, { status: 408 }) : null;
      if (pe) deps.policy.onFailure(a.deployment, pe, now(), a.startedAt);
      else deps.policy.onAbandon(a.deployment, now(), a.startedAt);
      const gw = new GatewayError(pe?.kind === 'timeout' ? 'upstream_timeout' : 'stream_interrupted', {
        params: { detail: `The provider stream failed after ${tally.chunks} chunks: ${pe ? pe.message : 'internal error'}` },
      });
      if (!pe) deps.logger.error({ err: failure, requestId: env.requestId }, 'stream relay failed');
      ctx.reply.send('error', gw.status, null, JSON.stringify(gw.toOpenAI()));
      evt.httpStatus = gw.status;
      evt.errorCode = gw.code;
    }
    ctx.complete(finishEvent(env, evt, a));
  }

  return {
    name: 'router',
    async handle(env, ctx) {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(env.body) as Record<string, unknown>;
      } catch {
        fail(env, ctx, new GatewayError('invalid_json', { params: { detail: 'envelope body is not JSON' } }));
        return;
      }
      try {
        const plan = await prepareRequest(deps, env, body, ctx);
        if (env.stream && env.callType === 'chat') await stream(env, ctx, plan.body as unknown as openai.ChatCompletionRequest, plan);
        else if (env.stream && env.callType === 'completion') {
          throw new GatewayError('invalid_request', { params: { detail: 'stream is not supported on /v1/completions by this gateway yet' }, param: 'stream' });
        } else await nonStream(env, ctx, plan.body, plan);
      } catch (err) {
        fail(env, ctx, err);
      }
    },
  };
}
