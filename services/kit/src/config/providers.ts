// Maps a LiteLLM model string (`provider/name`) to one of our provider adapters, its endpoint and key.
import type { Env } from './env.ts';

export type ProviderKind = 'openai' | 'azure' | 'anthropic' | 'gemini' | 'openai-compatible' | 'demo';

interface ProviderSpec {
  kind: ProviderKind;
  /** Default base URL; undefined means the config must supply api_base. */
  apiBase?: string;
  /** Env vars tried in order for the key when `api_key` is absent. */
  keyEnv: readonly string[];
  /** Env var for the base URL when `api_base` is absent. */
  baseEnv?: string;
  /** False for local servers that usually run without a key. */
  keyRequired: boolean;
}

const openaiCompatible = (apiBase: string | undefined, keyEnv: string[], keyRequired = true, baseEnv?: string): ProviderSpec =>
  ({ kind: 'openai-compatible', apiBase, keyEnv, keyRequired, baseEnv });

/** LiteLLM provider prefixes we serve. Base URLs are each vendor's documented OpenAI-compatible endpoint. */
export const PROVIDERS: Readonly<Record<string, ProviderSpec>> = {
  openai: { kind: 'openai', apiBase: 'https://api.openai.com/v1', keyEnv: ['OPENAI_API_KEY'], keyRequired: true },
  'text-completion-openai': { kind: 'openai', apiBase: 'https://api.openai.com/v1', keyEnv: ['OPENAI_API_KEY'], keyRequired: true },
  azure: { kind: 'azure', keyEnv: ['AZURE_API_KEY'], baseEnv: 'AZURE_API_BASE', keyRequired: true },
  anthropic: { kind: 'anthropic', apiBase: 'https://api.anthropic.com', keyEnv: ['ANTHROPIC_API_KEY'], keyRequired: true },
  gemini: { kind: 'gemini', apiBase: 'https://generativelanguage.googleapis.com', keyEnv: ['GEMINI_API_KEY'], keyRequired: true },
  demo: { kind: 'demo', apiBase: 'demo://local', keyEnv: [], keyRequired: false },
  groq: openaiCompatible('https://api.groq.com/openai/v1', ['GROQ_API_KEY']),
  together_ai: openaiCompatible('https://api.together.xyz/v1', ['TOGETHERAI_API_KEY', 'TOGETHER_API_KEY']),
  deepseek: openaiCompatible('https://api.deepseek.com/v1', ['DEEPSEEK_API_KEY']),
  mistral: openaiCompatible('https://api.mistral.ai/v1', ['MISTRAL_API_KEY']),
  openrouter: openaiCompatible('https://openrouter.ai/api/v1', ['OPENROUTER_API_KEY']),
  fireworks_ai: openaiCompatible('https://api.fireworks.ai/inference/v1', ['FIREWORKS_AI_API_KEY', 'FIREWORKS_API_KEY']),
  xai: openaiCompatible('https://api.x.ai/v1', ['XAI_API_KEY']),
  perplexity: openaiCompatible('https://api.perplexity.ai', ['PERPLEXITYAI_API_KEY', 'PERPLEXITY_API_KEY']),
  deepinfra: openaiCompatible('https://api.deepinfra.com/v1/openai', ['DEEPINFRA_API_KEY']),
  cerebras: openaiCompatible('https://api.cerebras.ai/v1', ['CEREBRAS_API_KEY']),
  nvidia_nim: openaiCompatible('https://integrate.api.nvidia.com/v1', ['NVIDIA_NIM_API_KEY']),
  sambanova: openaiCompatible('https://api.sambanova.ai/v1', ['SAMBANOVA_API_KEY']),
  ollama_chat: openaiCompatible('http://localhost:11434/v1', [], false, 'OLLAMA_API_BASE'),
  lm_studio: openaiCompatible('http://localhost:1234/v1', ['LM_STUDIO_API_KEY'], false, 'LM_STUDIO_API_BASE'),
  hosted_vllm: openaiCompatible(undefined, ['HOSTED_VLLM_API_KEY'], false, 'HOSTED_VLLM_API_BASE'),
  litellm_proxy: openaiCompatible(undefined, ['LITELLM_PROXY_API_KEY'], false, 'LITELLM_PROXY_API_BASE'),
  openai_like: openaiCompatible(undefined, [], false),
};

/** LiteLLM providers we recognise but have no adapter for: their deployments load as unsupported. */
export const UNSUPPORTED_PROVIDERS: readonly string[] = [
  'bedrock', 'bedrock_converse', 'sagemaker', 'sagemaker_chat', 'vertex_ai', 'vertex_ai_beta', 'ollama', 'cohere',
  'cohere_chat', 'huggingface', 'replicate', 'watsonx', 'watsonx_text', 'ai21', 'ai21_chat', 'palm', 'cloudflare',
  'databricks', 'predibase', 'voyage', 'jina_ai', 'anyscale', 'nlp_cloud', 'petals', 'baseten', 'triton', 'clarifai',
  'oci', 'snowflake', 'azure_ai', 'azure_text', 'aleph_alpha', 'vllm', 'friendliai', 'github', 'codestral',
  'text-completion-codestral', 'dashscope', 'volcengine', 'infinity', 'elevenlabs', 'assemblyai', 'deepgram',
  'featherless_ai', 'nscale', 'novita', 'topaz', 'gradient_ai', 'lambda_ai', 'meta_llama', 'moonshot', 'v0',
  'morph', 'hyperbolic', 'nebius', 'datarobot', 'galadriel', 'empower', 'maritalk',
];

export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/** Every env var a provider entry may read (for CONFIG_ENV_VARS). */
export function providerEnvVars(): string[] {
  const names = new Set<string>(['AZURE_API_VERSION']);
  for (const spec of Object.values(PROVIDERS)) {
    for (const name of spec.keyEnv) names.add(name);
    if (spec.baseEnv) names.add(spec.baseEnv);
  }
  return [...names];
}

/** LiteLLM's inference for model strings without a provider prefix. */
export function inferPrefix(model: string): string | undefined {
  if (/^(gpt-|o1|o3|o4-|chatgpt-|text-embedding-|davinci|babbage|dall-e|whisper-|tts-|omni-moderation|text-moderation|computer-use-)/.test(model)) return 'openai';
  if (model.startsWith('claude-')) return 'anthropic';
  if (model.startsWith('gemini-')) return 'gemini';
  return undefined;
}

export interface ProviderInput {
  model: string;
  apiBase?: string | undefined;
  apiKey?: string | undefined;
  apiVersion?: string | undefined;
  customProvider?: string | undefined;
  /** Env var that `api_key` referenced but was unset, if any. */
  unsetKeyEnv?: string | undefined;
}

export interface ResolvedProvider {
  prefix: string;
  provider: ProviderKind;
  providerModel: string;
  apiBase: string | null;
  apiKey: string | null;
  apiVersion: string | null;
  supported: boolean;
  unsupportedReason: string | null;
  /** Name of the env var whose absence disabled the deployment. */
  missingEnv: string | null;
}

function splitPrefix(input: ProviderInput): { prefix: string | undefined; name: string } {
  if (input.customProvider) {
    const stripped = input.model.startsWith(`${input.customProvider}/`) ? input.model.slice(input.customProvider.length + 1) : input.model;
    return { prefix: input.customProvider, name: stripped };
  }
  const slash = input.model.indexOf('/');
  if (slash > 0) {
    const head = input.model.slice(0, slash);
    if (head in PROVIDERS || UNSUPPORTED_PROVIDERS.includes(head)) return { prefix: head, name: input.model.slice(slash + 1) };
  }
  return { prefix: inferPrefix(input.model), name: input.model };
}

function unsupported(prefix: string, name: string, reason: string): ResolvedProvider {
  return {
    prefix, provider: 'openai-compatible', providerModel: name, apiBase: null, apiKey: null, apiVersion: null,
    supported: false, unsupportedReason: reason, missingEnv: null,
  };
}

export function resolveProvider(input: ProviderInput, env: Env): ResolvedProvider {
  const { prefix, name } = splitPrefix(input);
  if (prefix === undefined) {
    const head = input.model.includes('/') ? input.model.slice(0, input.model.indexOf('/')) : undefined;
    return unsupported(head ?? '', name, head ? `unknown provider "${head}"` : `cannot infer the provider of model "${input.model}"; write it as provider/model`);
  }
  const spec = PROVIDERS[prefix];
  if (!spec) return unsupported(prefix, name, `provider "${prefix}" is not supported by this gateway`);

  const envKey = spec.keyEnv.map((n) => ({ n, v: env[n] })).find((e) => e.v !== undefined && e.v !== '');
  const apiKey = input.apiKey ?? envKey?.v ?? null;
  let apiBase = input.apiBase ?? (spec.baseEnv ? env[spec.baseEnv] : undefined) ?? spec.apiBase ?? null;
  if (prefix === 'ollama_chat' && apiBase && !/\/v1\/?$/.test(apiBase)) apiBase = `${apiBase.replace(/\/$/, '')}/v1`;

  // openai/ with a custom api_base is an OpenAI-compatible server, not OpenAI itself.
  const custom = spec.kind === 'openai' && input.apiBase !== undefined && !/^https:\/\/api\.openai\.com/.test(input.apiBase);
  const provider: ProviderKind = custom ? 'openai-compatible' : spec.kind;
  const apiVersion = spec.kind === 'azure' ? (input.apiVersion ?? env.AZURE_API_VERSION ?? DEFAULT_AZURE_API_VERSION) : (input.apiVersion ?? null);

  const base: ResolvedProvider = {
    prefix, provider, providerModel: name, apiBase, apiKey, apiVersion, supported: true, unsupportedReason: null, missingEnv: null,
  };
  if (apiBase === null) {
    const envName = spec.baseEnv;
    return { ...base, supported: false, missingEnv: envName ?? null, unsupportedReason: envName ? `api_base not set (${envName} not set)` : 'api_base not set' };
  }
  if (apiKey === null && spec.keyRequired && !custom) {
    const envName = input.unsetKeyEnv ?? spec.keyEnv[0] ?? 'api_key';
    return { ...base, supported: false, missingEnv: envName, unsupportedReason: `${envName} not set` };
  }
  return base;
}
