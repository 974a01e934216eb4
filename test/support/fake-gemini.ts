// Fake Gemini API server speaking its real wire format: generateContent, streamGenerateContent?alt=sse, batchEmbedContents.
import { DEFAULT_CONTENT, fakeVector, splitContent, startFakeServer, type FakeDialect, type FakeServer, type FakeServerOptions, type FakeToolCall } from './fake-common.ts';

export type { FakeBehaviour, FakeServer, RecordedRequest } from './fake-common.ts';

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

/** Gemini frames SSE events with CRLF. */
const sse = (v: unknown) => `data: ${JSON.stringify(v)}\r\n\r\n`;
const promptTokens = (req: Record<string, unknown>) => Math.max(1, Math.ceil(JSON.stringify(req.contents ?? req.requests ?? '').length / 4));

function usageMetadata(prompt: number, completion: number) {
  return { promptTokenCount: prompt, candidatesTokenCount: completion, totalTokenCount: prompt + completion, promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }] };
}

function parseArgs(s: string): unknown {
  try { return JSON.parse(s); } catch { return {}; }
}

const callParts = (calls: FakeToolCall[]) => calls.map((c) => ({ functionCall: { name: c.name, args: parseArgs(c.arguments) } }));

function finish(reason: string | undefined): string {
  const map: Record<string, string> = { stop: 'STOP', length: 'MAX_TOKENS', content_filter: 'SAFETY' };
  return reason === undefined ? 'STOP' : (map[reason] ?? reason);
}

export const geminiDialect: FakeDialect = {
  route(method, path, query) {
    const m = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(path);
    if (method !== 'POST' || !m) return null;
    const model = decodeURIComponent(m[1] ?? '');
    if (m[2] === 'batchEmbedContents') return { op: 'embeddings', stream: false, model };
    return { op: 'chat', stream: m[2] === 'streamGenerateContent' && query.get('alt') === 'sse', model };
  },

  replyBody(route, b, req) {
    if (route.op === 'embeddings') {
      const requests = Array.isArray(req.requests) ? (req.requests as { content?: { parts?: { text?: string }[] }; outputDimensionality?: number }[]) : [];
      return { embeddings: requests.map((r) => ({ values: fakeVector(r.content?.parts?.[0]?.text ?? '', r.outputDimensionality ?? 8) })) };
    }
    const content = b.content ?? (b.toolCalls ? '' : DEFAULT_CONTENT);
    const parts = [...(content ? [{ text: content }] : []), ...callParts(b.toolCalls ?? [])];
    return {
      candidates: [{ content: { parts, role: 'model' }, finishReason: finish(b.finishReason), avgLogprobs: -0.12, index: 0 }],
      usageMetadata: usageMetadata(promptTokens(req), Math.max(1, Math.ceil(content.length / 4))),
      modelVersion: route.model,
      responseId: 'fakeResp0001',
    };
  },

  streamEvents(route, b, req) {
    const calls = b.toolCalls ?? [];
    const content = b.content ?? (calls.length > 0 ? '' : DEFAULT_CONTENT);
    const pieces = content ? splitContent(content, b.chunks ?? 5) : [];
    const prompt = promptTokens(req);
    const events: string[] = [];
    let sent = '';
    pieces.forEach((piece, i) => {
      sent += piece;
      const last = i === pieces.length - 1 && calls.length === 0;
      events.push(sse({
        candidates: [{ content: { parts: [{ text: piece }], role: 'model' }, ...(last ? { finishReason: finish(b.finishReason) } : {}), index: 0 }],
        usageMetadata: last ? usageMetadata(prompt, Math.ceil(sent.length / 4)) : { promptTokenCount: prompt, totalTokenCount: prompt, promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }] },
        modelVersion: route.model,
        responseId: 'fakeResp0002',
      }));
    });
    if (calls.length > 0) {
      events.push(sse({
        candidates: [{ content: { parts: callParts(calls), role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: usageMetadata(prompt, Math.ceil(sent.length / 4) + calls.length * 8),
        modelVersion: route.model,
        responseId: 'fakeResp0002',
      }));
    }
    return events;
  },
  streamTerminator: null,

  errorBody(status, message, code) {
    return { error: { code: status, message, status: code ?? STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION') } };
  },
  streamErrorEvent: (message) => sse({ error: { code: 500, message, status: 'INTERNAL' } }),
  malformedEvent: 'data: {"candidates": [{"content": {"parts": [{"text": "trunc\r\n\r\n',
  authError: {
    status: 400,
    body: { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }] } },
  },
  apiKeyOf(req, query) {
    const header = req.headers['x-goog-api-key'];
    return typeof header === 'string' ? header : (query.get('key') ?? undefined);
  },
};

/** Starts the fake on 127.0.0.1 with a random port; point a gemini target's api_base at `url`. */
export function startFakeGemini(opts: FakeServerOptions = {}): Promise<FakeServer> {
  return startFakeServer(geminiDialect, opts);
}
