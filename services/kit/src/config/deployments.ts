// Normalises model_list entries into Deployments (provider, endpoint, limits, prices) and resolves wildcards.
import { createHash } from 'node:crypto';
import type { Env } from './env.ts';
import { formatPath, isRecord, isSecretKey, type ConfigWarning } from './problems.ts';
import { resolveProvider, type ProviderKind } from './providers.ts';
import type { ConfigFile, LiteLLMParams, ModelEntry, ModelMode } from './schema.ts';

export interface Deployment {
  /** model_info.id, or a hash of model_name + litellm_params without secrets. */
  id: string;
  /** The `model_name` clients ask for (a pattern such as `openai/*` when wildcard). */
  modelGroup: string;
  provider: ProviderKind;
  /** LiteLLM provider prefix as resolved (`groq`, `bedrock`, … ; `*` entries: empty until matched). */
  providerPrefix: string;
  /** Model name sent to the provider (no prefix); `*` parts stay in wildcard deployments. */
  providerModel: string;
  /** `litellm_params.model` as written, e.g. `azure/gpt-4o-eu`. */
  litellmModel: string;
  apiBase: string | null;
  apiKey: string | null;
  apiVersion: string | null;
  headers: Record<string, string>;
  timeoutMs: number;
  streamTimeoutMs: number;
  /** Per-deployment override of router_settings.num_retries; null = use the router's. */
  maxRetries: number | null;
  rpm: number | null;
  tpm: number | null;
  weight: number;
  order: number | null;
  inputCostPerToken: number | null;
  outputCostPerToken: number | null;
  cachedInputCostPerToken: number | null;
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  mode: ModelMode;
  baseModel: string | null;
  tags: string[];
  /** Other litellm_params (temperature, max_tokens, …) applied when the request leaves them unset. */
  requestDefaults: Record<string, unknown>;
  /** False when this deployment cannot serve: unsupported provider or missing credentials. */
  supported: boolean;
  unsupportedReason: string | null;
  wildcard: boolean;
}

/** litellm_params that configure the deployment rather than the request. */
const DEPLOYMENT_PARAMS = new Set([
  'model', 'api_key', 'api_base', 'api_version', 'custom_llm_provider', 'organization', 'rpm', 'tpm', 'timeout',
  'stream_timeout', 'max_retries', 'weight', 'order', 'extra_headers', 'input_cost_per_token', 'output_cost_per_token',
  'tags', 'region_name', 'use_in_pass_through', 'merge_reasoning_content_in_choices', 'litellm_credential_name',
  'base_model', 'mock_response',
]);
const CREDENTIAL_PARAM = /^(aws_|vertex_|azure_ad_|tenant_id$|client_id$|client_secret$|azure_username$|azure_password$|api_type$)/;

export interface DeploymentContext {
  env: Env;
  /** YAML path → env var that path referenced but was unset. */
  unset: ReadonlyMap<string, string>;
  warn: (w: ConfigWarning) => void;
  /** model_list as written (before env resolution), so ids do not change with the environment. */
  rawModelList?: readonly unknown[];
}

const seconds = (s: number): number => Math.round(s * 1000);

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([k]) => !isSecretKey(k)).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function deploymentHash(modelName: string, params: LiteLLMParams): string {
  return createHash('sha256').update(stableJson({ model_name: modelName, litellm_params: params })).digest('hex').slice(0, 16);
}

function inferMode(model: string): ModelMode {
  if (/embed/i.test(model)) return 'embedding';
  if (model.startsWith('text-completion-')) return 'completion';
  return 'chat';
}

function requestDefaultsOf(params: LiteLLMParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (!DEPLOYMENT_PARAMS.has(key) && !CREDENTIAL_PARAM.test(key) && value !== undefined) out[key] = value;
  }
  return out;
}

function rawParams(rawEntry: unknown): LiteLLMParams | undefined {
  const params = isRecord(rawEntry) ? rawEntry.litellm_params : undefined;
  return isRecord(params) && typeof params.model === 'string' ? (params as LiteLLMParams) : undefined;
}

function buildOne(entry: ModelEntry, index: number, file: ConfigFile, ctx: DeploymentContext): Deployment {
  const lp = entry.litellm_params;
  const info = entry.model_info ?? {};
  const path = formatPath(['model_list', index, 'litellm_params', 'api_key']);
  const catchAll = /^\*/.test(lp.model) && !lp.custom_llm_provider;
  const resolved = catchAll
    ? // `*` → `*`: the provider is only known per request (see matchWildcard).
      { provider: 'openai-compatible' as const, prefix: '', providerModel: lp.model, apiBase: lp.api_base ?? null, apiKey: lp.api_key ?? null, apiVersion: lp.api_version ?? null, supported: true, unsupportedReason: null }
    : resolveProvider(
        { model: lp.model, apiBase: lp.api_base, apiKey: lp.api_key, apiVersion: lp.api_version, customProvider: lp.custom_llm_provider, unsetKeyEnv: ctx.unset.get(path) },
        ctx.env,
      );
  const headers: Record<string, string> = { ...(lp.extra_headers ?? {}) };
  if (lp.organization) headers['OpenAI-Organization'] = lp.organization;
  const timeoutS = lp.timeout ?? file.router_settings.timeout;
  const wildcard = entry.model_name.includes('*') || lp.model.includes('*');
  const cached = info.cache_read_input_token_cost;
  return {
    id: info.id ?? deploymentHash(entry.model_name, rawParams(ctx.rawModelList?.[index]) ?? lp),
    modelGroup: entry.model_name,
    provider: resolved.provider,
    providerPrefix: resolved.prefix,
    providerModel: resolved.providerModel,
    litellmModel: lp.model,
    apiBase: resolved.apiBase,
    apiKey: resolved.apiKey,
    apiVersion: resolved.apiVersion,
    headers,
    timeoutMs: seconds(timeoutS),
    streamTimeoutMs: seconds(lp.stream_timeout ?? file.router_settings.stream_timeout ?? timeoutS),
    maxRetries: lp.max_retries ?? null,
    rpm: lp.rpm ?? entry.rpm ?? null,
    tpm: lp.tpm ?? entry.tpm ?? null,
    weight: lp.weight ?? 1,
    order: lp.order ?? null,
    inputCostPerToken: info.input_cost_per_token ?? lp.input_cost_per_token ?? null,
    outputCostPerToken: info.output_cost_per_token ?? lp.output_cost_per_token ?? null,
    cachedInputCostPerToken: cached ?? null,
    maxInputTokens: info.max_input_tokens ?? null,
    maxOutputTokens: info.max_output_tokens ?? info.max_tokens ?? null,
    mode: info.mode ?? inferMode(resolved.providerModel),
    baseModel: info.base_model ?? null,
    tags: lp.tags ?? [],
    requestDefaults: requestDefaultsOf(lp),
    supported: resolved.supported,
    unsupportedReason: resolved.unsupportedReason,
    wildcard,
  };
}

export function buildDeployments(file: ConfigFile, ctx: DeploymentContext): Deployment[] {
  const seen = new Map<string, number>();
  return file.model_list.map((entry, index) => {
    const d = buildOne(entry, index, file, ctx);
    const at = formatPath(['model_list', index]);
    const count = (seen.get(d.id) ?? 0) + 1;
    seen.set(d.id, count);
    if (count > 1) {
      ctx.warn({ code: 'duplicate_id', path: at, message: `${at}: deployment id "${d.id}" is used more than once; this one becomes "${d.id}-${count}"` });
      d.id = `${d.id}-${count}`;
    }
    if (!d.supported) {
      const credential = d.unsupportedReason?.includes(' not set') ?? false;
      ctx.warn({
        code: credential ? 'credential_missing' : 'unsupported_provider',
        path: at,
        message: `${at}: deployment "${d.modelGroup}" (${d.litellmModel}) is disabled: ${d.unsupportedReason}`,
      });
    }
    return d;
  });
}

const patternCache = new Map<string, RegExp>();

/** `openai/*` → /^openai\/(.+)$/ (cached: the router asks per request). */
export function wildcardPattern(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'));
    re = new RegExp(`^${escaped.join('(.+)')}$`);
    patternCache.set(pattern, re);
  }
  return re;
}

function literalLength(pattern: string): number {
  return pattern.replace(/\*/g, '').length;
}

/**
 * Resolves a requested model against wildcard deployments (`openai/*`, `*`). Returns concrete copies of the
 * deployments of the most specific matching pattern (empty when none match). `env` supplies provider keys for
 * catch-all entries whose provider is only known from the requested name (pass GatewayConfig.providerEnv).
 */
export function matchWildcard(deployments: readonly Deployment[], requestedModel: string, env: Env = {}): Deployment[] {
  let best: { score: number; matches: Deployment[] } | undefined;
  for (const d of deployments) {
    if (!d.wildcard) continue;
    const m = wildcardPattern(d.modelGroup).exec(requestedModel);
    if (!m) continue;
    const score = literalLength(d.modelGroup);
    if (best && score < best.score) continue;
    const concrete = concreteDeployment(d, m.slice(1), requestedModel, env);
    if (!best || score > best.score) best = { score, matches: [concrete] };
    else best.matches.push(concrete);
  }
  return best?.matches ?? [];
}

function concreteDeployment(d: Deployment, captures: string[], requestedModel: string, env: Env): Deployment {
  let i = 0;
  const model = d.litellmModel.replace(/\*/g, () => captures[i++] ?? '');
  const base: Deployment = {
    ...d, id: `${d.id}:${model}`, modelGroup: requestedModel, litellmModel: model, wildcard: false,
    headers: { ...d.headers }, tags: [...d.tags], requestDefaults: { ...d.requestDefaults },
  };
  if (d.providerPrefix !== '') {
    const prefix = `${d.providerPrefix}/`;
    return { ...base, providerModel: model.startsWith(prefix) ? model.slice(prefix.length) : model };
  }
  // A bare `*` template: the provider comes from the requested name, credentials from the environment.
  const r = resolveProvider({ model, apiBase: d.apiBase ?? undefined, apiKey: d.apiKey ?? undefined }, env);
  return {
    ...base,
    provider: r.provider,
    providerPrefix: r.prefix,
    providerModel: r.providerModel,
    apiBase: r.apiBase,
    apiKey: r.apiKey,
    apiVersion: r.apiVersion,
    mode: inferMode(r.providerModel),
    supported: r.supported,
    unsupportedReason: r.unsupportedReason,
  };
}
