// Anthropic SSE events → canonical chunks; `event: error` and a stream cut before message_stop throw ProviderError.
import { anthropic, type openai } from '@ai-gateway/kit';
import { parseEventJson } from '../shared/http.ts';
import { isRecord, malformed } from '../shared/errors.ts';
import type { SseEvent } from '../shared/sse.ts';
import { ProviderError } from '../types.ts';
import { mapStreamError } from './errors.ts';

const EVENT_TYPES = new Set(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error']);

function decodeEvent(ev: SseEvent): anthropic.StreamEvent | null {
  const value = parseEventJson(ev);
  if (!isRecord(value) || typeof value.type !== 'string') throw malformed(`Anthropic stream event without type: ${ev.data.slice(0, 120)}`);
  if (value.type === 'error' || ev.event === 'error') {
    throw mapStreamError(isRecord(value.error) ? value.error : { type: 'api_error', message: 'stream error' });
  }
  // Event types added by later API versions are skipped, as the API's versioning policy asks.
  return EVENT_TYPES.has(value.type) ? (value as unknown as anthropic.StreamEvent) : null;
}

export async function* chatChunks(events: AsyncIterable<SseEvent>): AsyncGenerator<openai.ChatCompletionChunk> {
  const decoder = anthropic.createOpenAIChunkDecoder();
  for await (const ev of events) {
    const event = decodeEvent(ev);
    if (event === null) continue;
    yield* decoder.push(event);
    if (decoder.done) return;
  }
  throw new ProviderError('connection', 'Anthropic stream ended before message_stop', { status: 502 });
}
