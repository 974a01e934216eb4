// The Anthropic Messages adapter: canonical OpenAI requests in, canonical completions and chunks out.
import type { openai } from '@ai-gateway/kit';
import type { CallOptions, ProviderAdapter, ProviderTarget } from '../types.ts';
import { createProviderHttp, type HttpCall, type ProviderHttp } from '../shared/http.ts';
import { anthropicHeaders, messagesUrl } from './api.ts';
import { messagesBody, type RequestOptions } from './request.ts';
import { decodeChatCompletion } from './response.ts';
import { chatChunks } from './stream.ts';

export type AnthropicAdapterOptions = RequestOptions;

export function createAnthropicAdapter({ deps = {}, options = {} }: { deps?: { http?: ProviderHttp }; options?: AnthropicAdapterOptions } = {}): ProviderAdapter {
  const http = deps.http ?? createProviderHttp();
  const call = (req: openai.ChatCompletionRequest, target: ProviderTarget, stream: boolean, opts: CallOptions): HttpCall => ({
    url: messagesUrl(target),
    headers: anthropicHeaders(target),
    body: messagesBody(req, target, stream, options),
    signal: opts.signal,
  });

  return {
    name: 'anthropic',
    async chat(req, target, opts) {
      return decodeChatCompletion(await http.postJson(call(req, target, false, opts)));
    },
    async chatStream(req, target, opts) {
      return chatChunks(await http.postSse(call(req, target, true, opts)));
    },
  };
}

export { ANTHROPIC_DEFAULT_BASE, messagesUrl, anthropicHeaders } from './api.ts';
export { ANTHROPIC_ERROR_STATUS, mapStreamError } from './errors.ts';
