// Renders the router's OpenAI-shaped replies in the dialect the client spoke.
import { GatewayError, gatewayErrorFromBody } from '@ai-gateway/kit';

export interface StreamRenderer {
  /** SSE text for one OpenAI chunk JSON ('' when nothing should be written). */
  chunk(json: string): string;
  /** SSE text that closes a successful stream. */
  end(): string;
  /** SSE text for a failure after the stream started. */
  error(err: GatewayError): string;
}

export interface Renderer {
  readonly dialect: 'openai' | 'anthropic';
  /** Full (non-stream) response body in the client's dialect. */
  body(json: string): string;
  errorBody(err: GatewayError): string;
  stream(): StreamRenderer;
}

export function errorFromReply(status: number, data: string | null, headers: Record<string, string>): GatewayError {
  let parsed: unknown = null;
  try {
    parsed = data ? JSON.parse(data) : null;
  } catch {
    parsed = null;
  }
  return gatewayErrorFromBody(status, parsed, headers);
}

export const openAIRenderer: Renderer = {
  dialect: 'openai',
  body: (json) => json,
  errorBody: (err) => JSON.stringify(err.toOpenAI()),
  stream: () => ({
    chunk: (json) => `data: ${json}\n\n`,
    end: () => 'data: [DONE]\n\n',
    // The OpenAI SDKs raise on a data event that carries an `error` object; no [DONE] follows.
    error: (err) => `data: ${JSON.stringify(err.toOpenAI())}\n\n`,
  }),
};
