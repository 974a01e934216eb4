// Usage and cost of one answer: from the provider's report when present, else estimated.
import type { Usage, openai } from '@ai-gateway/kit';
import type { RouterDeployment } from './routing-types.ts';

export function usageFromOpenAI(u: openai.CompletionUsage | null | undefined): Usage | null {
  if (!u) return null;
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    promptTokens: u.prompt_tokens ?? 0,
    completionTokens: u.completion_tokens ?? 0,
    cachedTokens: cached,
    totalTokens: u.total_tokens ?? (u.prompt_tokens ?? 0) + (u.completion_tokens ?? 0),
  };
}

/** Rough count used only when neither the provider nor a tokenizer gave one: ~4 characters a token. */
export function roughTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

export type TokenCounter = (text: string, model: string) => number;

export function estimateUsage(promptText: string, completionChars: number, count: TokenCounter | null, model: string, completionText?: string): Usage {
  const promptTokens = count ? count(promptText, model) : roughTokens(promptText.length);
  // Tool-call arguments are in completionChars but not in completionText: those are estimated by length.
  const completionTokens =
    count && completionText ? count(completionText, model) + roughTokens(Math.max(0, completionChars - completionText.length)) : roughTokens(completionChars);
  return { promptTokens, completionTokens, cachedTokens: 0, totalTokens: promptTokens + completionTokens };
}

export function costOf(usage: Usage, d: RouterDeployment): number {
  const input = d.inputCostPerToken ?? 0;
  const output = d.outputCostPerToken ?? 0;
  const cachedRate = d.cachedInputCostPerToken ?? input;
  const uncached = Math.max(0, usage.promptTokens - usage.cachedTokens);
  return uncached * input + usage.cachedTokens * cachedRate + usage.completionTokens * output;
}

export const ZERO_USAGE: Usage = Object.freeze({ promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 });
