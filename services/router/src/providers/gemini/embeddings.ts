// OpenAI embeddings request ↔ Gemini batchEmbedContents.
import type { openai } from '@ai-gateway/kit';
import { isRecord, malformed } from '../shared/errors.ts';
import type { GeminiBatchEmbedRequest, GeminiBatchEmbedResponse } from './wire.ts';

export function toBatchEmbedRequest(req: openai.EmbeddingRequest, model: string): GeminiBatchEmbedRequest {
  const inputs = typeof req.input === 'string' ? [req.input] : req.input;
  return {
    requests: inputs.map((input) => {
      if (typeof input !== 'string') throw new TypeError('gemini embeddings take text input, not token arrays');
      return {
        model: `models/${model}`,
        content: { parts: [{ text: input }] },
        ...(req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {}),
      };
    }),
  };
}

export function decodeBatchEmbedResponse(body: unknown): GeminiBatchEmbedResponse {
  if (!isRecord(body) || !Array.isArray(body.embeddings)) throw malformed('gemini embeddings response without embeddings');
  for (const e of body.embeddings) if (!isRecord(e) || !Array.isArray(e.values)) throw malformed('gemini embedding without values');
  return body as unknown as GeminiBatchEmbedResponse;
}

/** Gemini reports no token usage for embeddings: approximate with 4 characters per token. */
export function toEmbeddingResponse(res: GeminiBatchEmbedResponse, req: openai.EmbeddingRequest, model: string): openai.EmbeddingResponse {
  const inputs = typeof req.input === 'string' ? [req.input] : req.input;
  const tokens = inputs.reduce<number>((n, s) => n + (typeof s === 'string' ? Math.ceil(s.length / 4) : 0), 0);
  return {
    object: 'list',
    data: res.embeddings.map((e, index) => ({ object: 'embedding', index, embedding: e.values })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
