// Decodes a Messages response body into a typed Anthropic Message, then into the canonical completion.
import { anthropic, type openai } from '@ai-gateway/kit';
import { isRecord, malformed } from '../shared/errors.ts';

export function decodeMessage(body: unknown): anthropic.Message {
  if (!isRecord(body) || body.type !== 'message' || !Array.isArray(body.content)) throw malformed('Anthropic response is not a message');
  if (!isRecord(body.usage) || typeof body.usage.input_tokens !== 'number') throw malformed('Anthropic message without usage');
  for (const b of body.content) {
    if (!isRecord(b) || typeof b.type !== 'string') throw malformed('Anthropic message with a malformed content block');
  }
  return body as anthropic.Message;
}

export function decodeChatCompletion(body: unknown): openai.ChatCompletion {
  return anthropic.anthropicResponseToOpenAI(decodeMessage(body));
}
