// Builds the upstream Messages body from the canonical OpenAI request for one target.
import { anthropic, isGatewayError, type openai } from '@ai-gateway/kit';
import { ProviderError, type ProviderTarget } from '../types.ts';

export interface RequestOptions {
  defaultMaxTokens?: number;
}

/** What Anthropic cannot express is the caller's mistake: a non-retriable `bad_request`. */
export function messagesBody(req: openai.ChatCompletionRequest, target: ProviderTarget, stream: boolean, opts: RequestOptions): anthropic.MessageCreateRequest {
  let body: anthropic.MessageCreateRequest;
  try {
    body = anthropic.openAIRequestToAnthropic(req, {
      apiVersion: target.apiVersion ?? anthropic.ANTHROPIC_VERSION,
      ...(opts.defaultMaxTokens === undefined ? {} : { defaultMaxTokens: opts.defaultMaxTokens }),
    });
  } catch (err) {
    if (isGatewayError(err)) throw new ProviderError('bad_request', err.message, { status: 400, retriable: false, cause: err });
    throw err;
  }
  body.model = target.model;
  if (stream) body.stream = true;
  else delete body.stream;
  return body;
}
