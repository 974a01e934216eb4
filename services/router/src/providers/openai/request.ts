// OpenAI request bodies: the client's request with the target's model, unknown fields passed through.
import type { openai } from '@ai-gateway/kit';

/** Non-stream chat: the body goes upstream as the client sent it, except the model name. */
export function chatBody(req: openai.ChatCompletionRequest, model: string | undefined): Record<string, unknown> {
  const { stream: _stream, stream_options: _opts, ...rest } = req;
  return withModel(rest, model);
}

/**
 * Streamed chat always asks for usage: billing needs it even when the client did not ask,
 * and the router strips the usage chunk before the client sees it.
 */
export function chatStreamBody(req: openai.ChatCompletionRequest, model: string | undefined): Record<string, unknown> {
  return withModel({ ...req, stream: true, stream_options: { ...(req.stream_options ?? {}), include_usage: true } }, model);
}

export function completionBody(req: openai.CompletionRequest, model: string | undefined): Record<string, unknown> {
  const { stream: _stream, ...rest } = req;
  return withModel(rest, model);
}

export function embeddingsBody(req: openai.EmbeddingRequest, model: string | undefined): Record<string, unknown> {
  return withModel({ ...req }, model);
}

function withModel(body: Record<string, unknown>, model: string | undefined): Record<string, unknown> {
  if (model === undefined) {
    delete body.model;
    return body;
  }
  body.model = model;
  return body;
}
