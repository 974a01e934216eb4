// What a chat request reserves before dispatch: prompt tokens counted with tiktoken, expected output from
// max_tokens / max_completion_tokens (or a default), both priced at the deployment's rates.
import { estimateCompletionTokens, estimatePromptTokens, priceFor, type ModelInfoOverrides, type openai } from '@ai-gateway/kit';
import { estimateAmount, type Amount } from './reservation.ts';

export interface ChatReservationEstimate {
  amount: Amount;
  promptTokens: number;
  completionTokens: number;
  /** False when the model has no price: the reservation then holds requests/tokens but no money. */
  priced: boolean;
}

export function estimateChatReservation(input: {
  request: Pick<openai.ChatCompletionRequest, 'model' | 'messages' | 'tools' | 'max_tokens' | 'max_completion_tokens' | 'n'>;
  providerModel?: string | null;
  overrides?: ModelInfoOverrides | null;
  defaultCompletionTokens?: number;
}): ChatReservationEstimate {
  const price = priceFor({ providerModel: input.providerModel ?? input.request.model, overrides: input.overrides ?? null });
  const promptTokens = estimatePromptTokens(input.request);
  const completionTokens = estimateCompletionTokens(input.request, {
    ...(input.defaultCompletionTokens !== undefined ? { defaultTokens: input.defaultCompletionTokens } : {}),
    ...(price.maxOutputTokens > 0 ? { maxOutputTokens: price.maxOutputTokens } : {}),
  });
  const amount = estimateAmount({ promptTokens, completionTokens, inputCostPerToken: price.inputCostPerToken, outputCostPerToken: price.outputCostPerToken });
  return { amount, promptTokens, completionTokens, priced: price.priced };
}
