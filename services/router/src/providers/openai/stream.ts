// OpenAI SSE stream → typed chunks; `[DONE]` ends it, in-stream errors throw ProviderError.
import type { openai } from '@ai-gateway/kit';
import { malformed } from '../shared/errors.ts';
import { parseEventJson } from '../shared/http.ts';
import type { SseEvent } from '../shared/sse.ts';
import type { PolledIterator } from '../types.ts';
import { decodeChatChunk } from './response.ts';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Servers that omit `[DONE]` are tolerated; a stream that ends with no chunk at all is not an answer. A mapping
 * iterator, not an async generator: a chunk costs one promise instead of a generator resumption on top of it.
 */
export function chatChunks(events: AsyncIterable<SseEvent>): AsyncIterableIterator<openai.ChatCompletionChunk> & PolledIterator<openai.ChatCompletionChunk> {
  const source: PolledIterator<SseEvent> = events[Symbol.asyncIterator]();
  let seen = false;
  let finished = false;
  /** Ends this iterator early and lets the source go (which keeps or cuts the upstream socket). */
  const stopSource = (): Promise<unknown> | undefined => {
    finished = true;
    return source.return?.();
  };
  const step = (r: IteratorResult<SseEvent>): IteratorResult<openai.ChatCompletionChunk> => {
    if (r.done) {
      finished = true;
      if (!seen) throw malformed('provider stream ended without any chunk');
      return DONE;
    }
    if (r.value.data === '[DONE]') {
      void stopSource();
      return DONE;
    }
    seen = true;
    try {
      return { done: false, value: decodeChatChunk(parseEventJson(r.value)) };
    } catch (err) {
      void stopSource();
      throw err;
    }
  };
  const chunks: AsyncIterableIterator<openai.ChatCompletionChunk> & PolledIterator<openai.ChatCompletionChunk> = {
    [Symbol.asyncIterator]: () => chunks,
    next: () => (finished ? Promise.resolve(DONE) : source.next().then(step)),
    // An event already queued is mapped at once (a malformed one throws here as it would reject from next()).
    poll() {
      if (finished) return undefined;
      const r = source.poll?.();
      return r === undefined ? undefined : step(r);
    },
    return: async () => {
      if (!finished) await stopSource();
      return DONE;
    },
  };
  return chunks;
}
