// Anthropic Messages dialect: wire types and pure translations to and from the canonical OpenAI shapes.
export * from './anthropic-types.ts';
export { validateMessageRequest } from './anthropic-validate.ts';
export { anthropicRequestToOpenAI, openAIResponseToAnthropic, finishReasonToStopReason, usageToAnthropic } from './anthropic-inbound.ts';
export { createAnthropicStreamEncoder, errorEvent, formatSse, type AnthropicStreamEncoder, type StreamEncoderOptions } from './anthropic-stream-encoder.ts';
export {
  openAIRequestToAnthropic, anthropicResponseToOpenAI, stopReasonToFinishReason, usageToOpenAI,
  DEFAULT_MAX_TOKENS, type OutboundOptions,
} from './anthropic-outbound.ts';
export { createOpenAIChunkDecoder, type OpenAIChunkDecoder } from './anthropic-stream-decoder.ts';
