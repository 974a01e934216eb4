// The OpenAI-dialect adapter: openai, openai-compatible and (with its own api) azure share this engine.
import type { openai } from '@ai-gateway/kit';
import type { CallOptions, ProviderAdapter, ProviderName, ProviderTarget } from '../types.ts';
import { createProviderHttp, type ProviderHttp } from '../shared/http.ts';
import { openaiApi, type OpenAIDialectApi, type OpenAIEndpoint } from './api.ts';
import { chatBody, chatStreamBody, completionBody, embeddingsBody } from './request.ts';
import { decodeChatCompletion, decodeEmbeddings, decodeTextCompletion } from './response.ts';
import { chatChunks } from './stream.ts';

export interface OpenAIAdapterOptions {
  name?: ProviderName;
  api?: OpenAIDialectApi;
}

export function createOpenAIAdapter({ deps = {}, options = {} }: { deps?: { http?: ProviderHttp }; options?: OpenAIAdapterOptions } = {}): ProviderAdapter {
  const http = deps.http ?? createProviderHttp();
  const api = options.api ?? openaiApi;
  const call = (endpoint: OpenAIEndpoint, target: ProviderTarget, body: unknown, opts: CallOptions) => ({
    url: api.url(endpoint, target),
    headers: api.headers(target),
    body,
    signal: opts.signal,
  });

  return {
    name: options.name ?? 'openai',
    async chat(req, target, opts) {
      return decodeChatCompletion(await http.postJson(call('chat', target, chatBody(req, api.bodyModel(target)), opts)));
    },
    async chatStream(req, target, opts): Promise<AsyncIterable<openai.ChatCompletionChunk>> {
      const events = await http.postSse(call('chat', target, chatStreamBody(req, api.bodyModel(target)), opts));
      return chatChunks(events);
    },
    async completion(req, target, opts) {
      return decodeTextCompletion(await http.postJson(call('completions', target, completionBody(req, api.bodyModel(target)), opts)));
    },
    async embeddings(req, target, opts) {
      return decodeEmbeddings(await http.postJson(call('embeddings', target, embeddingsBody(req, api.bodyModel(target)), opts)));
    },
  };
}

export { openaiApi, OPENAI_DEFAULT_BASE, type OpenAIDialectApi } from './api.ts';
