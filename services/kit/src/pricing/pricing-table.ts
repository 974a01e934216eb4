// Built-in list prices (USD per token) and context windows for common models; config model_info overrides them.
// Figures follow the providers' public price lists as mirrored in LiteLLM's model_prices_and_context_window.json.

export interface ModelPrice {
  inputCostPerToken: number;
  outputCostPerToken: number;
  /** Price of prompt tokens served from the provider's prompt cache; null means "billed as input". */
  cacheReadInputTokenCost: number | null;
  maxInputTokens: number;
  maxOutputTokens: number;
}

const M = 1_000_000;
function p(inPerM: number, outPerM: number, cachedPerM: number | null, maxIn: number, maxOut: number): ModelPrice {
  return {
    inputCostPerToken: inPerM / M,
    outputCostPerToken: outPerM / M,
    cacheReadInputTokenCost: cachedPerM === null ? null : cachedPerM / M,
    maxInputTokens: maxIn,
    maxOutputTokens: maxOut,
  };
}

/** Keyed by bare model name (no provider prefix, no dated suffix). */
export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  // OpenAI chat
  'gpt-4o': p(2.5, 10, 1.25, 128_000, 16_384),
  'gpt-4o-mini': p(0.15, 0.6, 0.075, 128_000, 16_384),
  'gpt-4.1': p(2, 8, 0.5, 1_047_576, 32_768),
  'gpt-4.1-mini': p(0.4, 1.6, 0.1, 1_047_576, 32_768),
  'gpt-4.1-nano': p(0.1, 0.4, 0.025, 1_047_576, 32_768),
  o1: p(15, 60, 7.5, 200_000, 100_000),
  'o3-mini': p(1.1, 4.4, 0.55, 200_000, 100_000),
  'o4-mini': p(1.1, 4.4, 0.275, 200_000, 100_000),
  'gpt-3.5-turbo': p(0.5, 1.5, null, 16_385, 4_096),
  // OpenAI embeddings (no output tokens)
  'text-embedding-3-small': p(0.02, 0, null, 8_191, 0),
  'text-embedding-3-large': p(0.13, 0, null, 8_191, 0),
  'text-embedding-ada-002': p(0.1, 0, null, 8_191, 0),
  // Anthropic (cache read = 0.1 × input)
  'claude-3-5-sonnet': p(3, 15, 0.3, 200_000, 8_192),
  'claude-3-5-haiku': p(0.8, 4, 0.08, 200_000, 8_192),
  'claude-3-7-sonnet': p(3, 15, 0.3, 200_000, 128_000),
  'claude-sonnet-4': p(3, 15, 0.3, 200_000, 64_000),
  'claude-opus-4': p(15, 75, 1.5, 200_000, 32_000),
  'claude-3-haiku': p(0.25, 1.25, 0.03, 200_000, 4_096),
  // Google Gemini (base tier prices; long-context tiers are not modelled)
  'gemini-1.5-pro': p(1.25, 5, null, 2_097_152, 8_192),
  'gemini-1.5-flash': p(0.075, 0.3, null, 1_048_576, 8_192),
  'gemini-2.0-flash': p(0.1, 0.4, 0.025, 1_048_576, 8_192),
  'gemini-2.5-pro': p(1.25, 10, 0.31, 1_048_576, 65_535),
  'gemini-2.5-flash': p(0.3, 2.5, 0.075, 1_048_576, 65_535),
});

/** Names that differ from the canonical key (aliases providers publish). */
export const PRICE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  'ada-002': 'text-embedding-ada-002',
  'claude-3-5-sonnet-v2': 'claude-3-5-sonnet',
  'claude-sonnet-4-0': 'claude-sonnet-4',
  'claude-opus-4-0': 'claude-opus-4',
  'claude-3-7-sonnet-v1': 'claude-3-7-sonnet',
});
