// Prices a model call: resolves a provider model name to a price (built-in table + config overrides) and costs usage.
import type { Usage } from '../contracts/types.ts';
import { BUILTIN_PRICES, PRICE_ALIASES, type ModelPrice } from './pricing-table.ts';

export type { ModelPrice } from './pricing-table.ts';
export { BUILTIN_PRICES } from './pricing-table.ts';

/** The LiteLLM `model_info` fields an operator may set per deployment in config.yaml. */
export interface ModelInfoOverrides {
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  cache_read_input_token_cost?: number;
  max_input_tokens?: number;
  max_output_tokens?: number;
  /** LiteLLM's older single limit; read as max_output_tokens when that is absent. */
  max_tokens?: number;
}

export interface ResolvedPrice extends ModelPrice {
  /** False when neither the table nor the overrides know the model: every cost is then 0. */
  priced: boolean;
  /** The table key that matched, or null. */
  matched: string | null;
}

export interface Cost {
  costUsd: number;
  inputCostUsd: number;
  outputCostUsd: number;
  priced: boolean;
}

// Suffixes that name a snapshot of the same model (dates, version pins); stripped one at a time.
const SNAPSHOT_SUFFIXES: readonly RegExp[] = [
  /-v\d+(:\d+)?$/, // bedrock: -v1:0, -v2:0
  /@\d{8}$/, // vertex: claude-3-5-sonnet@20240620
  /-\d{4}-\d{2}-\d{2}$/, // openai: -2024-08-06
  /-\d{8}$/, // anthropic: -20241022
  /-\d{4}$/, // openai: gpt-3.5-turbo-0125
  /-\d{3}$/, // gemini: -002
  /-latest$/,
  /-preview$/,
  /-exp$/,
];

/** `anthropic/claude-3-5-sonnet-20241022`, `bedrock/us.anthropic.claude-…-v2:0`, `azure/gpt-4o` → table key. */
export function matchModel(providerModel: string): string | null {
  let name = providerModel.trim().toLowerCase();
  const slash = name.lastIndexOf('/');
  if (slash >= 0) name = name.slice(slash + 1);
  name = name.replace(/^(?:[a-z]{2}\.)?anthropic\./, ''); // bedrock ids: us.anthropic.claude-…
  name = name.replace(/^models\//, '');
  for (let i = 0; i < 4; i++) {
    const hit = lookup(name);
    if (hit) return hit;
    const next = stripOneSuffix(name);
    if (next === name) return null;
    name = next;
  }
  return lookup(name);
}

function lookup(name: string): string | null {
  if (Object.hasOwn(BUILTIN_PRICES, name)) return name;
  const alias = Object.hasOwn(PRICE_ALIASES, name) ? PRICE_ALIASES[name] : undefined;
  return alias ?? null;
}

function stripOneSuffix(name: string): string {
  for (const re of SNAPSHOT_SUFFIXES) {
    const stripped = name.replace(re, '');
    if (stripped !== name && stripped.length > 0) return stripped;
  }
  return name;
}

const UNPRICED: ModelPrice = {
  inputCostPerToken: 0,
  outputCostPerToken: 0,
  cacheReadInputTokenCost: null,
  maxInputTokens: 0,
  maxOutputTokens: 0,
};

function finite(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Price for a provider model; config overrides win field by field. Never throws. */
export function priceFor(input: { providerModel: string | null; overrides?: ModelInfoOverrides | null }): ResolvedPrice {
  const matched = input.providerModel ? matchModel(input.providerModel) : null;
  const base = (matched ? BUILTIN_PRICES[matched] : undefined) ?? UNPRICED;
  const o = input.overrides ?? {};
  const inCost = finite(o.input_cost_per_token);
  const outCost = finite(o.output_cost_per_token);
  const priced = matched !== null || inCost !== undefined || outCost !== undefined;
  return {
    inputCostPerToken: inCost ?? base.inputCostPerToken,
    outputCostPerToken: outCost ?? base.outputCostPerToken,
    cacheReadInputTokenCost: finite(o.cache_read_input_token_cost) ?? base.cacheReadInputTokenCost,
    maxInputTokens: finite(o.max_input_tokens) ?? base.maxInputTokens,
    maxOutputTokens: finite(o.max_output_tokens) ?? finite(o.max_tokens) ?? base.maxOutputTokens,
    priced,
    matched,
  };
}

/** Cost of a call: cached prompt tokens at the cache-read rate, the rest of the prompt at the input rate. */
export function costOf(usage: Pick<Usage, 'promptTokens' | 'completionTokens' | 'cachedTokens'>, price: ResolvedPrice): Cost {
  if (!price.priced) return { costUsd: 0, inputCostUsd: 0, outputCostUsd: 0, priced: false };
  const prompt = Math.max(0, usage.promptTokens);
  const cached = Math.min(Math.max(0, usage.cachedTokens), prompt);
  const cachedRate = price.cacheReadInputTokenCost ?? price.inputCostPerToken;
  const inputCostUsd = (prompt - cached) * price.inputCostPerToken + cached * cachedRate;
  const outputCostUsd = Math.max(0, usage.completionTokens) * price.outputCostPerToken;
  return { costUsd: inputCostUsd + outputCostUsd, inputCostUsd, outputCostUsd, priced: true };
}
