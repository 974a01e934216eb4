// Decodes OpenAI response bodies into typed values; anything not shaped like one is `malformed`.
import type { openai } from '@ai-gateway/kit';
import { isRecord, malformed, mapStreamErrorObject } from '../shared/errors.ts';

export function decodeChatCompletion(body: unknown): openai.ChatCompletion {
  if (!isRecord(body) || !Array.isArray(body.choices)) throw malformed('chat completion without choices');
  for (const c of body.choices) {
    if (!isRecord(c) || !isRecord(c.message)) throw malformed('chat completion choice without message');
  }
  return { ...body, object: 'chat.completion' } as openai.ChatCompletion;
}

export function decodeTextCompletion(body: unknown): openai.TextCompletion {
  if (!isRecord(body) || !Array.isArray(body.choices)) throw malformed('text completion without choices');
  for (const c of body.choices) {
    if (!isRecord(c) || typeof c.text !== 'string') throw malformed('text completion choice without text');
  }
  return body as unknown as openai.TextCompletion;
}

export function decodeEmbeddings(body: unknown): openai.EmbeddingResponse {
  if (!isRecord(body) || !Array.isArray(body.data)) throw malformed('embedding response without data');
  for (const d of body.data) {
    if (!isRecord(d) || !(Array.isArray(d.embedding) || typeof d.embedding === 'string')) throw malformed('embedding item without vector');
  }
  return body as unknown as openai.EmbeddingResponse;
}

/** Decodes one streamed chunk. An `error` object inside the stream is the provider failing mid-way. */
export function decodeChatChunk(value: unknown): openai.ChatCompletionChunk {
  if (!isRecord(value)) throw malformed('stream chunk is not an object');
  if (value.error !== undefined && value.error !== null) throw mapStreamErrorObject(value.error);
  if (!Array.isArray(value.choices)) throw malformed('stream chunk without choices');
  return value as openai.ChatCompletionChunk;
}
