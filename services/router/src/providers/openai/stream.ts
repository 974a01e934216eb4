// OpenAI SSE stream → typed chunks; `[DONE]` ends it, in-stream errors throw ProviderError.
import type { openai } from '@ai-gateway/kit';
import { parseEventJson } from '../shared/http.ts';
import type { SseEvent } from '../shared/sse.ts';
import { decodeChatChunk } from './response.ts';

export async function* chatChunks(events: AsyncIterable<SseEvent>): AsyncGenerator<openai.ChatCompletionChunk> {
  for await (const ev of events) {
    if (ev.data === '[DONE]') return;
    yield decodeChatChunk(parseEventJson(ev));
  }
}
