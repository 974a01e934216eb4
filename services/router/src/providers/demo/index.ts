// The built-in offline `demo` provider: deterministic chat, streams and embeddings with no network.
import type { openai } from '@ai-gateway/kit';
import type { ProviderAdapter } from '../types.ts';
import { DEMO_EMBEDDING_DIMS, demoEmbedding } from './embed.ts';
import { approxTokens, demoReplyText, promptTokens, streamPieces } from './reply.ts';

export interface DemoAdapterOptions {
  /** Pause between stream chunks, to make streaming visible in a terminal. 0 in tests. */
  chunkDelayMs?: number;
  now?: () => number;
}

export function createDemoAdapter({ options = {} }: { options?: DemoAdapterOptions } = {}): ProviderAdapter {
  const now = options.now ?? Date.now;
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  let seq = 0;
  const nextId = (prefix: string) => `${prefix}-demo${(++seq).toString(36).padStart(6, '0')}`;

  function usage(req: openai.ChatCompletionRequest, text: string): openai.CompletionUsage {
    const prompt = promptTokens(req);
    const completion = approxTokens(text);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }

  return {
    name: 'demo',
    async chat(req, target, opts) {
      opts.signal.throwIfAborted();
      const text = demoReplyText(req);
      return {
        id: nextId('chatcmpl'),
        object: 'chat.completion',
        created: Math.floor(now() / 1000),
        model: target.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: usage(req, text),
      };
    },
    async chatStream(req, target, opts) {
      opts.signal.throwIfAborted();
      const text = demoReplyText(req);
      const base = { id: nextId('chatcmpl'), object: 'chat.completion.chunk' as const, created: Math.floor(now() / 1000), model: target.model };
      const signal = opts.signal;
      return (async function* (): AsyncGenerator<openai.ChatCompletionChunk> {
        yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
        for (const piece of streamPieces(text)) {
          if (chunkDelayMs > 0) await new Promise((r) => setTimeout(r, chunkDelayMs));
          signal.throwIfAborted();
          yield { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
        }
        yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
        yield { ...base, choices: [], usage: usage(req, text) };
      })();
    },
    async completion(req, target, opts) {
      opts.signal.throwIfAborted();
      const prompt = Array.isArray(req.prompt) ? req.prompt.join('\n') : req.prompt;
      const chatReq: openai.ChatCompletionRequest = { model: req.model, messages: [{ role: 'user', content: prompt }] };
      const text = demoReplyText(chatReq);
      return {
        id: nextId('cmpl'),
        object: 'text_completion',
        created: Math.floor(now() / 1000),
        model: target.model,
        choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: approxTokens(prompt), completion_tokens: approxTokens(text), total_tokens: approxTokens(prompt) + approxTokens(text) },
      };
    },
    async embeddings(req, target, opts) {
      opts.signal.throwIfAborted();
      const inputs = typeof req.input === 'string' ? [req.input] : req.input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
      const dims = req.dimensions ?? DEMO_EMBEDDING_DIMS;
      const tokens = inputs.reduce((n, s) => n + approxTokens(s), 0);
      return {
        object: 'list',
        data: inputs.map((s, index) => ({ object: 'embedding' as const, index, embedding: demoEmbedding(s, dims) })),
        model: target.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    },
  };
}

export { demoEmbedding, DEMO_EMBEDDING_DIMS } from './embed.ts';
