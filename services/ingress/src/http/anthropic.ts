// Renders replies for /v1/messages: OpenAI results from the router become Anthropic messages and events.
import { anthropic, type GatewayError, type openai } from '@ai-gateway/kit';
import type { Renderer } from './render.ts';

export function anthropicRenderer(requestedModel: string): Renderer {
  return {
    dialect: 'anthropic',
    body(json) {
      const resp = JSON.parse(json) as openai.ChatCompletion;
      return JSON.stringify(anthropic.openAIResponseToAnthropic(resp, requestedModel));
    },
    errorBody: (err: GatewayError) => JSON.stringify(err.toAnthropic()),
    stream() {
      const encoder = anthropic.createAnthropicStreamEncoder(requestedModel);
      return {
        chunk(json) {
          const events = encoder.push(JSON.parse(json) as openai.ChatCompletionChunk);
          let out = '';
          for (const ev of events) out += anthropic.formatSse(ev);
          return out;
        },
        end() {
          let out = '';
          for (const ev of encoder.end()) out += anthropic.formatSse(ev);
          return out;
        },
        error: (err) => anthropic.formatSse(anthropic.errorEvent(err)),
      };
    },
  };
}

/** /v1/messages request → OpenAI chat request; usage is always asked for so the final events carry it. */
export function anthropicToOpenAI(body: Record<string, unknown>): Record<string, unknown> {
  const req = anthropic.anthropicRequestToOpenAI(body) as unknown as Record<string, unknown>;
  if (req['stream'] === true) req['stream_options'] = { include_usage: true };
  return req;
}
