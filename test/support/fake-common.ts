// Scriptable fake-provider HTTP engine shared by the OpenAI and Gemini fakes: behaviours, recording, fast mode.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface FakeToolCall { name: string; arguments: string }

/** What the fake does with one request. `delayMs` is the wait before the first byte (TTFT tests). */
export type FakeBehaviour =
  | { type: 'reply'; content?: string; toolCalls?: FakeToolCall[]; finishReason?: string; delayMs?: number }
  | {
      type: 'stream';
      content?: string;
      /** Number of content chunks the content is split into (default 5). */
      chunks?: number;
      chunkDelayMs?: number;
      toolCalls?: FakeToolCall[];
      finishReason?: string;
      delayMs?: number;
      /** socket.destroy() after this many events were written. */
      killAfter?: number;
      /** Write an unparseable event after this many events, then end. */
      malformedAfter?: number;
      /** Write the provider's in-stream error object after this many events, then end. */
      errorAfter?: number;
      /** Stop writing after this many events and keep the connection open. */
      hangAfter?: number;
    }
  | { type: 'error'; status: number; message?: string; code?: string; retryAfter?: string; retryAfterMs?: number; body?: unknown; delayMs?: number }
  /** Any status with a raw (e.g. non-JSON) body. */
  | { type: 'raw'; status: number; body: string; contentType?: string; delayMs?: number }
  /** Never answer: the request stays open until the client aborts. */
  | { type: 'hang' };

export type FakeOp = 'chat' | 'completion' | 'embeddings';

export interface FakeRoute { op: FakeOp; stream: boolean; model: string }

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  route: FakeRoute | null;
  behaviour: FakeBehaviour['type'] | 'default';
  /** performance.now() when the request arrived. */
  receivedAt: number;
  /** performance.now() when the client went away before the response ended, else null. */
  abortedAt: number | null;
  /** Resolves with performance.now() when the client went away before the response ended. */
  aborted: Promise<number>;
}

/** The provider-specific part: routing, bodies and SSE framing. */
export interface FakeDialect {
  route(method: string, path: string, query: URLSearchParams, body: Record<string, unknown>): FakeRoute | null;
  replyBody(route: FakeRoute, b: Extract<FakeBehaviour, { type: 'reply' }>, req: Record<string, unknown>): unknown;
  /** Complete SSE events (framing included), in order, without the terminator. */
  streamEvents(route: FakeRoute, b: Extract<FakeBehaviour, { type: 'stream' }>, req: Record<string, unknown>): string[];
  streamTerminator: string | null;
  errorBody(status: number, message: string, code: string | undefined): unknown;
  streamErrorEvent(message: string): string;
  malformedEvent: string;
  /** The API key the request carried, as this provider sends it. */
  apiKeyOf(req: IncomingMessage, query: URLSearchParams): string | undefined;
  /** The provider's real answer to a wrong key. */
  authError: { status: number; body: unknown };
}

export interface FakeServerOptions {
  /** Benchmark mode: no recording, no scripting, default answers pre-serialized and cached per model. */
  fast?: boolean;
  /**
   * Behaviour when nothing else is scripted (default: reply, or stream when the request streams).
   * Fast mode honours a reply/stream default too (content, chunks, chunkDelayMs) for realistic benchmarks.
   */
  defaultBehaviour?: FakeBehaviour;
  /** When set, other keys get the provider's real wrong-key answer (OpenAI 401, Gemini 400 API_KEY_INVALID). */
  apiKey?: string;
}

export interface FakeServer extends AsyncDisposable {
  url: string;
  requests: RecordedRequest[];
  /** Queue behaviours: each request takes the next one; an empty queue falls back to header/model/default. */
  script(...behaviours: FakeBehaviour[]): void;
  /** Resolves with abortedAt of request `index` once the client went away; rejects after timeoutMs. */
  waitForAbort(index: number, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

export const DEFAULT_CONTENT = 'Hello from the fake provider.';

/** Splits text into `n` non-empty pieces (fewer only when the text is shorter) that concatenate back to it. */
export function splitContent(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(n, text.length));
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(text.slice(Math.floor((i * text.length) / count), Math.floor(((i + 1) * text.length) / count)));
  return out;
}

/**
 * The model name can select a behaviour too, for callers that only control config:
 * `fake-hang`, `fake-error-429`, `fake-slow-300` (300 ms before the first byte).
 */
function behaviourFromModel(model: string, stream: boolean): FakeBehaviour | null {
  if (model.includes('fake-hang')) return { type: 'hang' };
  const err = /fake-error-(\d{3})/.exec(model);
  if (err) return { type: 'error', status: Number(err[1]) };
  const slow = /fake-slow-(\d+)/.exec(model);
  if (slow) return { type: stream ? 'stream' : 'reply', delayMs: Number(slow[1]) };
  return null;
}

function behaviourFromHeader(req: IncomingMessage): FakeBehaviour | null {
  const h = req.headers['x-fake-behaviour'];
  if (typeof h !== 'string') return null;
  return JSON.parse(h) as FakeBehaviour;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startFakeServer(dialect: FakeDialect, opts: FakeServerOptions = {}): Promise<FakeServer> {
  const queue: FakeBehaviour[] = [];
  const requests: RecordedRequest[] = [];
  const cache = new Map<string, Buffer | Buffer[]>();
  const sockets = new Set<Socket>();

  const server = createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
        else res.destroy();
      });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://fake');
    let body: Record<string, unknown> = {};
    try {
      if (raw.length > 0) body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(res, 400, dialect.errorBody(400, 'request body is not valid JSON', 'invalid_json'));
    }
    const route = dialect.route(req.method ?? 'GET', u.pathname, u.searchParams, body);
    if (opts.apiKey !== undefined && dialect.apiKeyOf(req, u.searchParams) !== opts.apiKey) {
      return json(res, dialect.authError.status, dialect.authError.body);
    }
    if (opts.fast) return fast(res, route, body);
    let abortedResolve: (t: number) => void = () => {};
    const rec: RecordedRequest = {
      method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body, route,
      behaviour: 'default', receivedAt: performance.now(), abortedAt: null,
      aborted: new Promise<number>((r) => { abortedResolve = r; }),
    };
    requests.push(rec);
    res.on('close', () => {
      if (res.writableFinished) return;
      rec.abortedAt = performance.now();
      abortedResolve(rec.abortedAt);
    });
    if (!route) return json(res, 404, dialect.errorBody(404, `no route for ${req.method} ${u.pathname}`, 'not_found'));
    const scripted = queue.shift() ?? behaviourFromHeader(req) ?? behaviourFromModel(route.model, route.stream) ?? opts.defaultBehaviour ?? null;
    rec.behaviour = scripted?.type ?? 'default';
    const b: FakeBehaviour = scripted ?? (route.stream ? { type: 'stream' } : { type: 'reply' });
    await perform(res, route, b, body);
  }

  async function perform(res: ServerResponse, route: FakeRoute, b: FakeBehaviour, body: Record<string, unknown>): Promise<void> {
    if (b.type === 'hang') return; // response stays open; the close handler records the abort
    if (b.delayMs) await sleep(b.delayMs);
    if (res.destroyed) return;
    switch (b.type) {
      case 'reply':
        return json(res, 200, dialect.replyBody(route, b, body));
      case 'error': {
        const headers: Record<string, string> = {};
        if (b.retryAfter !== undefined) headers['retry-after'] = b.retryAfter;
        if (b.retryAfterMs !== undefined) headers['retry-after-ms'] = String(b.retryAfterMs);
        return json(res, b.status, b.body ?? dialect.errorBody(b.status, b.message ?? `fake error ${b.status}`, b.code), headers);
      }
      case 'raw':
        res.writeHead(b.status, { 'content-type': b.contentType ?? 'text/html' }).end(b.body);
        return;
      case 'stream':
        return stream(res, route, b, body);
    }
  }

  async function stream(res: ServerResponse, route: FakeRoute, b: Extract<FakeBehaviour, { type: 'stream' }>, body: Record<string, unknown>): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    const events = dialect.streamEvents(route, b, body);
    for (let i = 0; i < events.length; i++) {
      if (res.destroyed) return;
      // Data written before the kill must reach the client first: destroy only after it is flushed.
      if (b.killAfter === i) { await flushed(res); res.socket?.destroy(); return; }
      if (b.hangAfter === i) return;
      if (b.malformedAfter === i) { res.end(dialect.malformedEvent); return; }
      if (b.errorAfter === i) { res.end(dialect.streamErrorEvent('fake mid-stream failure')); return; }
      if (i > 0 && b.chunkDelayMs) await sleep(b.chunkDelayMs);
      res.write(events[i]);
    }
    if (b.killAfter !== undefined && b.killAfter >= events.length) { await flushed(res); res.socket?.destroy(); return; }
    if (b.hangAfter !== undefined && b.hangAfter >= events.length) return;
    res.end(dialect.streamTerminator ?? undefined);
  }

  const fastReply = opts.defaultBehaviour?.type === 'reply' ? opts.defaultBehaviour : { type: 'reply' as const };
  const fastStream = opts.defaultBehaviour?.type === 'stream' ? opts.defaultBehaviour : { type: 'stream' as const };

  async function fast(res: ServerResponse, route: FakeRoute | null, body: Record<string, unknown>): Promise<void> {
    if (!route) return json(res, 404, dialect.errorBody(404, 'no route', 'not_found'));
    const key = `${route.op}:${route.stream}:${route.model}:${JSON.stringify(body.stream_options ?? null)}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = route.stream
        ? [...dialect.streamEvents(route, fastStream, body), ...(dialect.streamTerminator ? [dialect.streamTerminator] : [])].map((s) => Buffer.from(s))
        : Buffer.from(JSON.stringify(dialect.replyBody(route, fastReply, body)));
      if (cache.size < 1000) cache.set(key, hit);
    }
    if (Buffer.isBuffer(hit)) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': hit.length }).end(hit);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let i = 0; i < hit.length; i++) {
      if (i > 0 && fastStream.chunkDelayMs) await sleep(fastStream.chunkDelayMs);
      if (res.destroyed) return;
      res.write(hit[i]);
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...bs) => { queue.push(...bs); },
    waitForAbort: (index, timeoutMs) => waitForAbort(requests, index, timeoutMs),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function waitForAbort(requests: RecordedRequest[], index: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!requests[index]) {
    if (performance.now() > deadline) throw new Error(`fake: request ${index} never arrived`);
    await sleep(2);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fake: request ${index} was not aborted within ${timeoutMs} ms`)), Math.max(0, deadline - performance.now()));
  });
  try {
    return await Promise.race([requests[index].aborted, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function flushed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.write('', () => resolve()));
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

/** Deterministic small vectors for fake embeddings. */
export function fakeVector(text: string, dims: number): number[] {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return Array.from({ length: dims }, (_, i) => Number((Math.sin(h + i) / 2).toFixed(6)));
}
