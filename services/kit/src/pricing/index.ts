// Model prices and token counting: shared by routing (cost, context windows), cache (savings) and accounting.
export { priceFor, costOf, matchModel, BUILTIN_PRICES, type ModelPrice, type ModelInfoOverrides, type ResolvedPrice, type Cost } from './pricing.ts';
export {
  countTextTokens,
  countMessageTokens,
  countToolTokens,
  estimatePromptTokens,
  estimateCompletionTokens,
  encodingForModel,
  warmEncoders,
  DEFAULT_EXPECTED_COMPLETION_TOKENS,
  type EncodingName,
} from './tokens.ts';
