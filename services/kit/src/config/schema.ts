// The one zod schema for gateway.yaml (LiteLLM-compatible): every config type is inferred from it.
import { z } from 'zod';

/** Accepts 20000, 20_000 and "20000" (YAML 1.2 reads 20_000 as a string). */
function toNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim().replace(/_/g, '');
  return /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : value;
}
function toBoolean(value: unknown): unknown {
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  return value;
}

const num = () => z.preprocess(toNumber, z.number());
const nonNegative = () => z.preprocess(toNumber, z.number().nonnegative());
const int = () => z.preprocess(toNumber, z.number().int().nonnegative());
const bool = () => z.preprocess(toBoolean, z.boolean());
const stringList = z.array(z.string());

const DURATION_UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** LiteLLM's duration strings ("7d", "24h", "60m", "3600s", also "2w"), or a number of seconds; out: milliseconds. */
const durationMs = () =>
  z.union([z.number(), z.string()]).transform((value, ctx): number => {
    const m = typeof value === 'string' ? /^\s*(\d+)\s*([smhdw])\s*$/.exec(value) : null;
    const ms = typeof value === 'number' ? value * 1_000 : m ? Number(m[1]) * (DURATION_UNIT_MS[m[2] as string] ?? 0) : Number.NaN;
    if (!Number.isFinite(ms) || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a positive duration such as "7d", "24h", "60m" or "3600s", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });

export const ROUTING_STRATEGIES = [
  'simple-shuffle',
  'round-robin',
  'least-busy',
  'latency-based-routing',
  'usage-based-routing',
  'usage-based-routing-v2',
  'cost-based-routing',
] as const;

export const MODEL_MODES = [
  'chat',
  'completion',
  'embedding',
  'image_generation',
  'audio_transcription',
  'audio_speech',
  'moderation',
  'rerank',
  'responses',
  'image_edit',
  'video_generation',
  'realtime',
  'batch',
  'ocr',
  'search',
] as const;

export const CACHE_TYPES = ['local', 'local-semantic', 'qdrant-semantic', 'redis', 'redis-semantic', 's3', 'disk', 'gcs', 'azure-blob'] as const;

/** LiteLLM writes fallbacks as a list of single-key maps; a plain map is accepted too. Output: one map. */
const fallbackMap = z
  .union([z.array(z.record(z.string(), stringList)), z.record(z.string(), stringList)])
  .transform((value): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const entry of Array.isArray(value) ? value : [value]) {
      for (const [group, targets] of Object.entries(entry)) out[group] = [...(out[group] ?? []), ...targets];
    }
    return out;
  });

export const litellmParamsSchema = z.looseObject({
  model: z.string().min(1),
  api_key: z.string().optional(),
  api_base: z.string().optional(),
  api_version: z.string().optional(),
  custom_llm_provider: z.string().optional(),
  organization: z.string().optional(),
  rpm: int().optional(),
  tpm: int().optional(),
  timeout: nonNegative().optional(),
  stream_timeout: nonNegative().optional(),
  max_retries: int().optional(),
  weight: nonNegative().optional(),
  order: int().optional(),
  extra_headers: z.record(z.string(), z.string()).optional(),
  input_cost_per_token: nonNegative().optional(),
  output_cost_per_token: nonNegative().optional(),
  tags: stringList.optional(),
  // Common request defaults, typed so that 1_024 and "0.2" are read as numbers.
  max_tokens: int().optional(),
  max_completion_tokens: int().optional(),
  temperature: num().optional(),
  top_p: num().optional(),
  n: int().optional(),
  presence_penalty: num().optional(),
  frequency_penalty: num().optional(),
  seed: num().optional(),
});

export const modelInfoSchema = z.looseObject({
  id: z.string().min(1).optional(),
  mode: z.enum(MODEL_MODES).optional(),
  base_model: z.string().optional(),
  input_cost_per_token: nonNegative().optional(),
  output_cost_per_token: nonNegative().optional(),
  cache_read_input_token_cost: nonNegative().optional(),
  max_input_tokens: int().optional(),
  max_output_tokens: int().optional(),
  max_tokens: int().optional(),
});

export const modelEntrySchema = z.strictObject({
  model_name: z.string().min(1),
  litellm_params: litellmParamsSchema,
  model_info: modelInfoSchema.optional(),
  rpm: int().optional(),
  tpm: int().optional(),
});

const modelGroupAlias = z.record(
  z.string(),
  z.union([z.string(), z.strictObject({ model: z.string(), hidden: bool().optional() })]),
);

/** Context-window policies; `reject` and `truncate` are accepted as older spellings of `error` and `trim`. */
export const CONTEXT_WINDOW_POLICIES = ['error', 'trim', 'middle-out', 'fallback'] as const;
const CONTEXT_POLICY_ALIASES: Record<string, (typeof CONTEXT_WINDOW_POLICIES)[number]> = { reject: 'error', truncate: 'trim', middle_out: 'middle-out' };
export const contextWindowPolicySchema = z.preprocess(
  (v) => (typeof v === 'string' && Object.hasOwn(CONTEXT_POLICY_ALIASES, v) ? CONTEXT_POLICY_ALIASES[v] : v),
  z.enum(CONTEXT_WINDOW_POLICIES),
);

/** Conditions of one routing rule; all given conditions must hold. */
export const routingMatchSchema = z.strictObject({
  /** Task hint: header x-gateway-task or body metadata.task. */
  task: z.union([z.string(), stringList]).optional(),
  'metadata.task': z.union([z.string(), stringList]).optional(),
  key_alias: z.union([z.string(), stringList]).optional(),
  key_id: z.union([z.string(), stringList]).optional(),
  team_id: z.union([z.string(), stringList]).optional(),
  min_prompt_tokens: int().optional(),
  max_prompt_tokens: int().optional(),
  has_tools: bool().optional(),
  /** Regular expression (case-insensitive) tested against the last user message. */
  last_user_regex: z.union([z.string(), stringList]).optional(),
});

export const routingRuleSchema = z.strictObject({
  name: z.string().min(1).optional(),
  match: routingMatchSchema,
  /** Model group the request goes to. */
  route_to: z.string().min(1),
  /** Virtual model names this rule serves (default: all of auto_router.model_names). */
  models: stringList.optional(),
});

/** One semantic route (LiteLLM auto-router / semantic-router style: name, utterances, score_threshold). */
export const semanticRouteSchema = z.strictObject({
  name: z.string().min(1),
  route_to: z.string().min(1),
  utterances: z.array(z.string().min(1)).min(1),
  description: z.string().optional(),
  score_threshold: z.preprocess(toNumber, z.number().min(-1).max(2)).optional(),
});

export const autoRouterSchema = z.strictObject({
  model_names: stringList.min(1).default(() => ['auto']),
  /** Model group when no rule or route matches. */
  default_model: z.string().min(1).optional(),
  semantic: z
    .strictObject({
      routes: z.array(semanticRouteSchema).default(() => []),
      /** Minimum route score: cosine similarity + lexical_weight × lexical score (tuned by `npm run route:eval`). */
      score_threshold: z.preprocess(toNumber, z.number().min(-1).max(2)).default(0.2),
      /** Nearest examples averaged per route. */
      top_k: int().default(3),
      /** Weight of the TF-IDF term overlap added to the cosine score (0 = embeddings only). */
      lexical_weight: nonNegative().default(0.5),
      /** Minimum TF-IDF score when routes are matched lexically only (no embedding model). */
      lexical_threshold: nonNegative().default(0.12),
      /** Fail start-up when the local embedding model is missing (default: lexical matching with a warning). */
      require_embedder: bool().default(false),
      embedding_model_dir: z.string().optional(),
      /** Per-request embedding budget; slower lookups fall back to lexical matching. */
      timeout_ms: nonNegative().default(200),
    })
    .optional(),
});

export const routerSettingsSchema = z.strictObject({
  routing_strategy: z.enum(ROUTING_STRATEGIES).default('simple-shuffle'),
  fallbacks: fallbackMap.default(() => ({})),
  context_window_fallbacks: fallbackMap.default(() => ({})),
  content_policy_fallbacks: fallbackMap.default(() => ({})),
  default_fallbacks: stringList.default(() => []),
  num_retries: int().default(2),
  retry_after: nonNegative().default(0),
  timeout: nonNegative().default(600),
  stream_timeout: nonNegative().optional(),
  allowed_fails: int().default(3),
  cooldown_time: nonNegative().default(5),
  model_group_alias: modelGroupAlias.default(() => ({})),
  // ours
  ttft_timeout: nonNegative().optional(),
  stream_idle_timeout: nonNegative().optional(),
  retry_budget: z.preprocess(toNumber, z.number().min(0).max(1)).default(0.2),
  routing_rules: z.array(routingRuleSchema).default(() => []),
  context_window_policy: contextWindowPolicySchema.default('fallback'),
  /** Per model group override of context_window_policy. */
  context_window_policies: z.record(z.string(), contextWindowPolicySchema).default(() => ({})),
  /** Virtual models (`auto`) resolved per request by routing_rules, then semantic routes, then default_model. */
  auto_router: autoRouterSchema.optional(),
});

export const cacheParamsSchema = z.strictObject({
  type: z.enum(CACHE_TYPES).default('local'),
  ttl: nonNegative().default(3600),
  namespace: z.string().optional(),
  similarity_threshold: z.preprocess(toNumber, z.number().min(0).max(1)).default(0.88),
  qdrant_api_base: z.string().optional(),
  qdrant_api_key: z.string().optional(),
  qdrant_collection_name: z.string().optional(),
  qdrant_quantization_config: z.string().optional(),
  embedding_model: z.string().optional(),
  qdrant_semantic_cache_embedding_model: z.string().optional(),
  redis_semantic_cache_embedding_model: z.string().optional(),
  supported_call_types: stringList.optional(),
  mode: z.enum(['default_on', 'default_off']).default('default_on'),
  max_entries: int().optional(),
  // ours (semantic-cache stage)
  /** Cache lookup budget in ms; slower lookups pass through and count a bypass. */
  timeout_ms: nonNegative().default(50),
  /** Responses sampled above this temperature are not stored unless the request asks (cache.store: true). */
  max_store_temperature: nonNegative().default(1),
  /** Local ONNX model directory (default .models/all-MiniLM-L6-v2 or env GATEWAY_EMBEDDING_MODEL_DIR). */
  embedding_model_dir: z.string().optional(),
});

const callbackList = z.union([z.string(), z.array(z.unknown())]);

export const litellmSettingsSchema = z.strictObject({
  cache: bool().default(false),
  cache_params: cacheParamsSchema.prefault({}),
  num_retries: int().optional(),
  request_timeout: nonNegative().optional(),
  drop_params: bool().default(false),
  /** LiteLLM: keep prompts and responses out of logs; wins over general_settings.store_prompts_in_spend_logs. */
  turn_off_message_logging: bool().default(false),
  callbacks: callbackList.optional(),
  success_callback: callbackList.optional(),
  failure_callback: callbackList.optional(),
  service_callbacks: callbackList.optional(),
  /** LiteLLM's legacy guardrails list (single-key maps); kept, not applied. */
  guardrails: z.array(z.record(z.string(), z.unknown())).optional(),
  // LiteLLM also accepts these here; they are merged into router_settings when that leaves them unset.
  fallbacks: fallbackMap.optional(),
  context_window_fallbacks: fallbackMap.optional(),
  content_policy_fallbacks: fallbackMap.optional(),
  default_fallbacks: stringList.optional(),
});

export const guardrailSchema = z.strictObject({
  guardrail_name: z.string().min(1),
  litellm_params: z.looseObject({
    guardrail: z.string().min(1),
    mode: z.union([z.string(), stringList]).default('pre_call'),
    default_on: bool().default(false),
  }),
  guardrail_info: z.record(z.string(), z.unknown()).optional(),
});

const brokerList = z
  .union([z.string(), stringList])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0));

export const generalSettingsSchema = z.strictObject({
  master_key: z.string().min(1).optional(),
  database_url: z.string().optional(),
  nats_url: z.string().optional(),
  kafka_brokers: brokerList.default(() => []),
  /**
   * Keep each request's billing and audit records in the outbox for the Kafka relay. Default: on exactly when
   * kafka_brokers is set (without a consumer the rows only pile up); true keeps them for a later export.
   */
  billing_outbox: bool().optional(),
  qdrant_url: z.string().optional(),
  qdrant_api_key: z.string().optional(),
  host: z.string().default('127.0.0.1'),
  port: z.preprocess(toNumber, z.number().int().min(0).max(65535)).default(4000),
  log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Prompt messages and response text on the request log line (PII-scrubbed when a pii guardrail is configured). */
  store_prompts_in_spend_logs: bool().default(false),
  max_request_body_bytes: int().default(10 * 1024 * 1024),
  /** LiteLLM: spend logs older than this are deleted (audit rows are kept: the chain is append-only). Unset: kept forever. */
  maximum_spend_logs_retention_period: durationMs().optional(),
  /** LiteLLM: how often the retention job runs; default one day. */
  maximum_spend_logs_retention_interval: durationMs().optional(),
  ingress: z.record(z.string(), z.unknown()).default(() => ({})),
});

export const virtualKeySchema = z.strictObject({
  key: z.string().min(1).optional(),
  key_alias: z.string().optional(),
  max_budget: nonNegative().optional(),
  budget_duration: z.string().optional(),
  rpm_limit: int().optional(),
  tpm_limit: int().optional(),
  allowed_models: stringList.optional(),
  /** LiteLLM's /key/generate name for allowed_models. */
  models: stringList.optional(),
  team_id: z.string().optional(),
  user_id: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).default(() => ({})),
}).transform(({ models, ...key }) => ({ ...key, allowed_models: key.allowed_models ?? models }));

export const configSchema = z.strictObject({
  model_list: z.array(modelEntrySchema).default(() => []),
  router_settings: routerSettingsSchema.prefault({}),
  litellm_settings: litellmSettingsSchema.prefault({}),
  general_settings: generalSettingsSchema.prefault({}),
  guardrails: z.array(guardrailSchema).default(() => []),
  virtual_keys: z.array(virtualKeySchema).default(() => []),
  environment_variables: z.record(z.string(), z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string())).default(() => ({})),
});

export type LiteLLMParams = z.output<typeof litellmParamsSchema>;
export type ModelInfo = z.output<typeof modelInfoSchema>;
export type ModelEntry = z.output<typeof modelEntrySchema>;
export type ModelMode = (typeof MODEL_MODES)[number];
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];
export type RouterSettings = z.output<typeof routerSettingsSchema>;
export type CacheParams = z.output<typeof cacheParamsSchema>;
export type LiteLLMSettings = z.output<typeof litellmSettingsSchema>;
export type GuardrailConfig = z.output<typeof guardrailSchema>;
export type GeneralSettings = z.output<typeof generalSettingsSchema>;
export type VirtualKeyConfig = z.output<typeof virtualKeySchema>;
export type ContextWindowPolicy = (typeof CONTEXT_WINDOW_POLICIES)[number];
export type RoutingRuleConfig = z.output<typeof routingRuleSchema>;
export type SemanticRouteConfig = z.output<typeof semanticRouteSchema>;
export type AutoRouterConfig = z.output<typeof autoRouterSchema>;
/** The validated file, as written (secrets resolved, defaults filled, times in seconds). */
export type ConfigFile = z.output<typeof configSchema>;
