// Fake OpenAI (and Azure OpenAI) server speaking the real wire format: chat, streams, completions, embeddings, errors.
import { DEFAULT_CONTENT, fakeVector, splitContent, startFakeServer, type FakeDialect, type FakeRoute, type FakeServer, type FakeServerOptions, type FakeToolCall } from './fake-common.ts';

export type { FakeBehaviour, FakeServer, RecordedRequest } from './fake-common.ts';

const CREATED = 1_764_115_200;

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

function usage(prompt: number, completion: number) {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } };
}

const promptTokens = (req: Record<string, unknown>) => Math.max(1, Math.ceil(JSON.stringify(req.messages ?? req.prompt ?? '').length / 4));
const toolCallId = (i: number) => `call_fake${String(i).padStart(4, '0')}`;
const sse = (v: unknown) => `data: ${JSON.stringify(v)}\n\n`;

function toolCalls(calls: FakeToolCall[]) {
  return calls.map((c, i) => ({ id: toolCallId(i), type: 'function', function: { name: c.name, arguments: c.arguments } }));
}

export const openaiDialect: FakeDialect = {
  route(method, path, _query, body) {
    if (method !== 'POST') return null;
    const azure = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/.exec(path);
    const tail = azure ? azure[2] : /(?:^|\/)(chat\/completions|completions|embeddings)$/.exec(path)?.[1];
    if (!tail) return null;
    const model = azure?.[1] ? decodeURIComponent(azure[1]) : typeof body.model === 'string' ? body.model : 'unknown';
    const op = tail === 'chat/completions' ? 'chat' : tail === 'completions' ? 'completion' : 'embeddings';
    return { op, stream: body.stream === true, model } satisfies FakeRoute;
  },

  replyBody(route, b, req) {
    const content = b.content ?? DEFAULT_CONTENT;
    const completion = Math.max(1, Math.ceil(content.length / 4));
    if (route.op === 'embeddings') {
      const inputs = Array.isArray(req.input) ? req.input : [req.input];
      const dims = typeof req.dimensions === 'number' ? req.dimensions : 8;
      return { object: 'list', data: inputs.map((x, index) => ({ object: 'embedding', index, embedding: fakeVector(String(x), dims) })), model: route.model, usage: { prompt_tokens: promptTokens({ prompt: inputs }), total_tokens: promptTokens({ prompt: inputs }) } };
    }
    if (route.op === 'completion') {
      return { id: 'cmpl-fake0001', object: 'text_completion', created: CREATED, model: route.model, choices: [{ text: content, index: 0, logprobs: null, finish_reason: b.finishReason ?? 'stop' }], usage: usage(promptTokens(req), completion) };
    }
    const calls = b.toolCalls ?? [];
    return {
      id: 'chatcmpl-fake0001', object: 'chat.completion', created: CREATED, model: route.model,
      choices: [{
        index: 0,
        message: { role: 'assistant', content: calls.length > 0 && b.content === undefined ? null : content, refusal: null, annotations: [], ...(calls.length > 0 ? { tool_calls: toolCalls(calls) } : {}) },
        logprobs: null,
        finish_reason: b.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop'),
      }],
      usage: usage(promptTokens(req), completion), service_tier: 'default', system_fingerprint: 'fp_fake',
    };
  },

  streamEvents(route, b, req) {
    const base = { id: 'chatcmpl-fake0002', object: 'chat.completion.chunk', created: CREATED, model: route.model, service_tier: 'default', system_fingerprint: 'fp_fake' };
    const includeUsage = typeof req.stream_options === 'object' && req.stream_options !== null && (req.stream_options as { include_usage?: unknown }).include_usage === true;
    const u = includeUsage ? { usage: null } : {};
    const events: string[] = [sse({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], ...u })];
    const calls = b.toolCalls ?? [];
    const content = b.content ?? (calls.length > 0 ? '' : DEFAULT_CONTENT);
    if (content) for (const piece of splitContent(content, b.chunks ?? 5)) events.push(sse({ ...base, choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }], ...u }));
    calls.forEach((c, i) => {
      events.push(sse({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, id: toolCallId(i), type: 'function', function: { name: c.name, arguments: '' } }] }, logprobs: null, finish_reason: null }], ...u }));
      for (const piece of splitContent(c.arguments, 2)) events.push(sse({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }], ...u }));
    });
    events.push(sse({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: b.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop') }], ...u }));
    if (includeUsage) events.push(sse({ ...base, choices: [], usage: usage(promptTokens(req), Math.max(1, Math.ceil(content.length / 4)) + calls.length * 8) }));
    return events;
  },
  streamTerminator: 'data: [DONE]\n\n',

  errorBody(status, message, code) {
    const known = ERROR_TYPES[status] ?? (status >= 500 ? { type: 'server_error', code: null } : { type: 'invalid_request_error', code: null });
    return { error: { message, type: known.type, param: null, code: code ?? known.code } };
  },
  streamErrorEvent: (message) => sse({ error: { message, type: 'server_error', param: null, code: null } }),
  malformedEvent: 'data: {"id":"chatcmpl-fake0002","choices":[{"delta":\n\n',
  authError: { status: 401, body: { error: { message: 'Incorrect API key provided: sk-****. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } },
  apiKeyOf(req) {
    const azureKey = req.headers['api-key'];
    if (typeof azureKey === 'string') return azureKey;
    return /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  },
};

/** Starts the fake on 127.0.0.1 with a random port. Azure paths (`/openai/deployments/{d}/…`) are served too. */
export function startFakeOpenAI(opts: FakeServerOptions = {}): Promise<FakeServer> {
  return startFakeServer(openaiDialect, opts);
}
