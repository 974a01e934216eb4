// OpenAI SSE stream → typed chunks; `[DONE]` ends it, in-stream errors throw ProviderError.
import type { openai } from '@ai-gateway/kit';
import { malformed } from '../shared/errors.ts';
import { parseEventJson } from '../shared/http.ts';
import type { SseEvent } from '../shared/sse.ts';
import { decodeChatChunk } from './response.ts';

/** Servers that omit `[DONE]` are tolerated; a stream that ends with no chunk at all is not an answer. */
export async function* chatChunks(events: AsyncIterable<SseEvent>): AsyncGenerator<openai.ChatCompletionChunk> {
  let seen = false;
  for await (const ev of events) {
    if (ev.data === '[DONE]') return;
    seen = true;
    yield decodeChatChunk(parseEventJson(ev));
  }
  if (!seen) throw malformed('provider stream ended without any chunk');
}
