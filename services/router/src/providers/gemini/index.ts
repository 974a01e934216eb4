// Gemini adapter: OpenAI chat/embeddings in, Gemini generateContent / streamGenerateContent / batchEmbedContents out.
import type { openai } from '@ai-gateway/kit';
import type { ProviderAdapter } from '../types.ts';
import { createProviderHttp, type ProviderHttp } from '../shared/http.ts';
import { geminiHeaders, geminiModelName, geminiUrl } from './api.ts';
import { decodeBatchEmbedResponse, toBatchEmbedRequest, toEmbeddingResponse } from './embeddings.ts';
import { toGeminiRequest } from './request.ts';
import { decodeGeminiResponse, toChatCompletion } from './response.ts';
import { geminiChunks } from './stream.ts';

export function createGeminiAdapter({ deps = {} }: { deps?: { http?: ProviderHttp } } = {}): ProviderAdapter {
  const http = deps.http ?? createProviderHttp();
  return {
    name: 'gemini',
    async chat(req, target, opts) {
      const body = await http.postJson({ url: geminiUrl('generateContent', target), headers: geminiHeaders(target), body: toGeminiRequest(req), signal: opts.signal });
      return toChatCompletion(decodeGeminiResponse(body), geminiModelName(target));
    },
    async chatStream(req, target, opts) {
      const events = await http.postSse({ url: geminiUrl('streamGenerateContent', target), headers: geminiHeaders(target), body: toGeminiRequest(req), signal: opts.signal });
      return primed(geminiChunks(events, geminiModelName(target)));
    },
    async embeddings(req, target, opts) {
      const model = geminiModelName(target);
      const body = await http.postJson({ url: geminiUrl('batchEmbedContents', target), headers: geminiHeaders(target), body: toBatchEmbedRequest(req, model), signal: opts.signal });
      return toEmbeddingResponse(decodeBatchEmbedResponse(body), req, model);
    },
  };
}

/**
 * Reads the first chunk before resolving: a blocked prompt or an error event arrives as the first
 * event of a 200 stream, and must throw from the call so the router can still retry or fall back.
 */
async function primed(chunks: AsyncGenerator<openai.ChatCompletionChunk>): Promise<AsyncIterable<openai.ChatCompletionChunk>> {
  const first = await chunks.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      yield* chunks;
    },
  };
}
