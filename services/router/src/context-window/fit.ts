// Context-window fitting before any provider call: count the prompt per provider family, then error, trim or fall back.
import { GatewayError, countMessageTokens, countToolTokens, priceFor, type ContextWindowPolicy, type FallbackStep, type RequestEnvelope, type Tenant, type openai } from '@ai-gateway/kit';
import type { ModelGroups } from '../groups.ts';
import { ProviderError } from '../providers/types.ts';
import type { RouterDeployment, RoutingPolicy } from '../routing-types.ts';
import { fitMessages, type TrimStrategy } from './trim.ts';

/** Envelope metadata key (and request header) naming a per-request policy. */
export const CONTEXT_POLICY_HEADER = 'x-gateway-context-policy';
/** Response header saying what was done: `trimmed:N`, `middle-out:N` or `fallback:<group>`. */
export const CONTEXT_HEADER = 'x-gateway-context';

// OpenAI models are counted with their own encoding; every other family with cl100k as an approximation
// (within about ±15%), so their budget keeps this much headroom to avoid a provider-side overflow.
const APPROXIMATE_HEADROOM = 1.1;
const MAX_FALLBACK_HOPS = 8;

export interface ContextWindowDeps {
  groups: ModelGroups;
  policy: Pick<RoutingPolicy, 'fallbacksFor'>;
  /** Tokens of one message for a provider model; default: kit's tiktoken counting. */
  countMessage?: (message: openai.ChatMessage, model: string) => number;
  /** Seam for virtual keys: a tenant's own policy, which wins over the group's. */
  tenantPolicy?: (tenant: Tenant) => ContextWindowPolicy | null;
}

export interface ContextWindowOptions {
  defaultPolicy: ContextWindowPolicy;
  groupPolicies?: Readonly<Record<string, ContextWindowPolicy>>;
  /** Honour the x-gateway-context-policy request header (default true). */
  allowRequestPolicy?: boolean;
}

export interface ContextPlan {
  /** Group the attempts start from (differs from the requested one after a pre-call fallback). */
  group: string;
  body: Record<string, unknown>;
  /** Value of x-gateway-context, or null when the prompt fit as sent. */
  action: string | null;
  fallbacks: FallbackStep[];
  policy: ContextWindowPolicy;
  /** Upper bound of the planned body's prompt tokens (its UTF-8 size and framing), for the per-attempt shortcut. */
  promptBound?: number;
}

export interface ContextWindow {
  /** Decides, before the first attempt, which group serves the request and with which messages. */
  plan(env: RequestEnvelope, group: string, body: Record<string, unknown>): ContextPlan;
  /** Re-checks one deployment (fallback groups may be smaller); trims again or throws a context_window error. */
  fitAttempt(d: RouterDeployment, plan: ContextPlan, body: Record<string, unknown>): Record<string, unknown>;
}

const POLICIES: readonly string[] = ['error', 'trim', 'middle-out', 'fallback'];
const ALIASES: Record<string, ContextWindowPolicy> = { reject: 'error', truncate: 'trim', middle_out: 'middle-out' };

export function parsePolicy(v: string | undefined): ContextWindowPolicy | null {
  if (!v) return null;
  const s = v.trim().toLowerCase();
  if (Object.hasOwn(ALIASES, s)) return ALIASES[s] ?? null;
  return POLICIES.includes(s) ? (s as ContextWindowPolicy) : null;
}

/** True for models counted exactly by their own tiktoken encoding. */
function exactFamily(d: RouterDeployment): boolean {
  if (d.provider === 'openai' || d.provider === 'azure') return true;
  return /^(gpt-|o\d|text-embedding|chatgpt)/i.test(d.providerModel.slice(d.providerModel.lastIndexOf('/') + 1));
}

/** The deployment's input limit: model_info.max_input_tokens, else the built-in table; null when unknown. */
export function inputLimitOf(d: RouterDeployment): number | null {
  if (d.maxInputTokens && d.maxInputTokens > 0) return d.maxInputTokens;
  const table = priceFor({ providerModel: d.providerModel }).maxInputTokens;
  return table > 0 ? table : null;
}

function messagesOf(body: Record<string, unknown>): openai.ChatMessage[] | null {
  const m = body['messages'];
  return Array.isArray(m) ? (m as openai.ChatMessage[]) : null;
}

interface Measure {
  tokens: number;
  limit: number;
  budget: number;
  model: string;
}

export function createContextWindow({ deps, options }: { deps: ContextWindowDeps; options: ContextWindowOptions }): ContextWindow {
  const countOne = deps.countMessage ?? ((m: openai.ChatMessage, model: string) => countMessageTokens([m], model) - 3);
  const allowRequest = options.allowRequestPolicy !== false;

  function policyFor(env: RequestEnvelope, group: string): ContextWindowPolicy {
    const requested = allowRequest ? parsePolicy(env.metadata[CONTEXT_POLICY_HEADER]) : null;
    return requested ?? deps.tenantPolicy?.(env.tenant) ?? options.groupPolicies?.[group] ?? options.defaultPolicy;
  }

  /** Per-deployment accounting: the tokens this deployment's tokenizer sees, against its own limit. */
  function measure(d: RouterDeployment, body: Record<string, unknown>, messages: readonly openai.ChatMessage[]): Measure | null {
    const limit = inputLimitOf(d);
    if (limit === null) return null;
    const model = d.providerModel;
    const overhead = 3 + countToolTokens(body['tools'] as openai.ToolDefinition[] | undefined, model);
    let tokens = overhead;
    for (const m of messages) tokens += countOne(m, model);
    const budget = exactFamily(d) ? limit : Math.floor(limit / APPROXIMATE_HEADROOM);
    return { tokens, limit, budget, model };
  }

  /** The tightest deployment of a group for this prompt (smallest budget), or null when no limit is known. */
  function tightest(group: string, body: Record<string, unknown>, messages: readonly openai.ChatMessage[]): { d: RouterDeployment; m: Measure } | null {
    let worst: { d: RouterDeployment; m: Measure } | null = null;
    for (const d of deps.groups.resolve(group) ?? []) {
      if (!d.supported) continue;
      const m = measure(d, body, messages);
      if (m && (!worst || m.budget - m.tokens < worst.m.budget - worst.m.tokens)) worst = { d, m };
    }
    return worst;
  }

  /**
   * Hot-path shortcut: a byte-level BPE token covers at least one byte, so the body's UTF-8 size (plus framing
   * and a generous allowance per image) bounds the prompt's tokens; below every budget no tokenizer runs.
   */
  function promptBound(raw: string, messages: readonly openai.ChatMessage[]): number {
    let images = 0;
    for (const m of messages) if (Array.isArray(m.content)) for (const part of m.content) if (part.type !== 'text') images++;
    return Buffer.byteLength(raw) + 8 * messages.length + 1_600 * images + 16;
  }

  function boundFits(d: RouterDeployment, bound: number): boolean {
    const limit = inputLimitOf(d);
    return limit === null || bound <= Math.floor(limit / APPROXIMATE_HEADROOM);
  }

  function surelyFits(group: string, bound: number): boolean {
    for (const d of deps.groups.resolve(group) ?? []) if (d.supported && !boundFits(d, bound)) return false;
    return true;
  }

  function exceeded(group: string, m: Measure, detail = ''): GatewayError {
    return new GatewayError('context_length_exceeded', {
      param: 'messages',
      params: {
        detail:
          `This request needs ${m.tokens} input tokens but model group ${group} accepts at most ${m.budget}` +
          `${m.budget === m.limit ? '' : ` (${m.limit} less headroom for an approximate tokenizer)`}.${detail}`,
      },
      headers: { 'x-gateway-context-tokens': String(m.tokens), 'x-gateway-context-limit': String(m.budget) },
    });
  }

  function trimmed(body: Record<string, unknown>, messages: readonly openai.ChatMessage[], m: Measure, strategy: TrimStrategy) {
    const overhead = 3 + countToolTokens(body['tools'] as openai.ToolDefinition[] | undefined, m.model);
    return fitMessages(messages, m.budget, (msg) => countOne(msg, m.model), overhead, strategy);
  }

  function plan(env: RequestEnvelope, group: string, body: Record<string, unknown>): ContextPlan {
    const policy = policyFor(env, group);
    const messages = messagesOf(body);
    const fits: ContextPlan = { group, body, action: null, fallbacks: [], policy };
    if (!messages || env.callType !== 'chat') return fits;
    const bound = promptBound(env.body, messages);
    if (surelyFits(group, bound)) return { ...fits, promptBound: bound };
    const worst = tightest(group, body, messages);
    if (!worst || worst.m.tokens <= worst.m.budget) return fits;
    if (policy === 'trim' || policy === 'middle-out') {
      const r = trimmed(body, messages, worst.m, policy);
      if (!r.fits) throw exceeded(group, { ...worst.m, tokens: r.tokens }, ' The system prompt and the latest user turn alone do not fit.');
      return { group, body: { ...body, messages: r.messages }, action: `${policy === 'trim' ? 'trimmed' : 'middle-out'}:${r.dropped}`, fallbacks: [], policy };
    }
    if (policy === 'fallback') {
      const found = largerGroup(group, body, messages);
      if (found) return { group: found.group, body, action: `fallback:${found.group}`, fallbacks: found.steps, policy };
      throw exceeded(group, worst.m, ' No context_window_fallbacks group is large enough.');
    }
    throw exceeded(group, worst.m);
  }

  /** Follows context_window_fallbacks (then the general fallbacks) to the first group the prompt fits. */
  function largerGroup(from: string, body: Record<string, unknown>, messages: readonly openai.ChatMessage[]): { group: string; steps: FallbackStep[] } | null {
    const visited = new Set<string>([from]);
    const queue: Array<{ group: string; steps: FallbackStep[] }> = [{ group: from, steps: [] }];
    const err = new ProviderError('context_window', 'prompt exceeds the context window', { status: 400 });
    for (let hops = 0; queue.length > 0 && hops < MAX_FALLBACK_HOPS; hops++) {
      const at = queue.shift() as { group: string; steps: FallbackStep[] };
      for (const next of deps.policy.fallbacksFor(at.group, err)) {
        if (visited.has(next) || !deps.groups.has(next)) continue;
        visited.add(next);
        const steps = [...at.steps, { from: at.group, to: next, reason: 'context_window' }];
        const w = tightest(next, body, messages);
        if (!w || w.m.tokens <= w.m.budget) return { group: next, steps };
        queue.push({ group: next, steps });
      }
    }
    return null;
  }

  function fitAttempt(d: RouterDeployment, p: ContextPlan, body: Record<string, unknown>): Record<string, unknown> {
    const messages = messagesOf(body);
    if (!messages) return body;
    // The body as planned, already bounded below this deployment's budget: no tokenizer on the hot path.
    if (body === p.body && p.promptBound !== undefined && boundFits(d, p.promptBound)) return body;
    const m = measure(d, body, messages);
    if (!m || m.tokens <= m.budget) return body;
    if (p.policy === 'trim' || p.policy === 'middle-out') {
      const r = trimmed(body, messages, m, p.policy);
      if (r.fits) {
        p.action = `${p.policy === 'trim' ? 'trimmed' : 'middle-out'}:${r.dropped}`;
        return { ...body, messages: r.messages };
      }
    }
    // Decided without calling the provider; the attempt loop follows context_window_fallbacks from here.
    throw new ProviderError('context_window', `prompt of ${m.tokens} tokens exceeds ${d.modelGroup}'s limit of ${m.budget} (decided before the call)`, {
      status: 400,
      retriable: false,
    });
  }

  return { plan, fitAttempt };
}
