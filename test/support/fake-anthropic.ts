// A fake Anthropic Messages API on node:http speaking the real wire format, with scripted failures.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUsage { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number }
export interface FakeToolUse { id?: string; name: string; input?: Record<string, unknown>; /** Streamed as input_json_delta pieces. */ jsonPieces?: string[] }

export type FakeAnthropicScript =
  | { kind: 'message'; text?: string; toolUse?: FakeToolUse; stopReason?: string; usage?: FakeUsage; delayMs?: number }
  | {
      kind: 'stream';
      deltas?: string[];
      toolUse?: FakeToolUse;
      stopReason?: string;
      usage?: FakeUsage;
      /** Pause before each event after the first. */
      eventDelayMs?: number;
      /** Pause before the status line and headers. */
      firstByteDelayMs?: number;
      /** Destroy the socket after this many events (no message_stop). */
      killAfterEvents?: number;
      /** Send `event: error` after this many events, then end the body. */
      errorAfterEvents?: { after: number; type: string; message: string };
    }
  | { kind: 'error'; status: number; type: string; message: string; retryAfter?: string; delayMs?: number }
  /** Never answers (or answers 200 + message_start when `afterHeaders`) until the client goes away. */
  | { kind: 'hang'; afterHeaders?: boolean }
  /** Replays a recorded body verbatim, optionally in small writes. */
  | { kind: 'raw'; status?: number; headers?: Record<string, string>; body: string; chunkSize?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  receivedAt: number;
  /** When the connection closed before the reply finished (client abort, or our scripted kill). */
  abortedAt: number | null;
  finished: boolean;
}

export interface FakeAnthropicOptions {
  /** Rejects other keys with 401 authentication_error. */
  apiKey?: string;
  /** Chooses a reply when the queue is empty; the default echoes a short text reply. */
  script?: (body: Record<string, unknown>, req: IncomingMessage) => FakeAnthropicScript | undefined;
}

export interface FakeAnthropic extends AsyncDisposable {
  url: string;
  requests: RecordedRequest[];
  /** Replies used in order by the next requests, before `options.script`. */
  enqueue(...scripts: FakeAnthropicScript[]): void;
  /** Resolves with abortedAt of request `index` once the client went away; rejects after timeoutMs. */
  waitForAbort(index: number, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

const VERSIONS = new Set(['2023-01-01', '2023-06-01', '2026-10-21']);

let seq = 0;
const nextId = (prefix: string) => `${prefix}_fake${Date.now().toString(36)}${(seq++).toString(36).padStart(6, '0')}`;

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: nextId('req') });
}

function usageOf(u: FakeUsage | undefined, output: number) {
  return {
    input_tokens: u?.input_tokens ?? 12,
    output_tokens: u?.output_tokens ?? output,
    cache_creation_input_tokens: u?.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: u?.cache_read_input_tokens ?? 0,
  };
}

function messageOf(model: string, s: Extract<FakeAnthropicScript, { kind: 'message' }>) {
  const content: unknown[] = [];
  if (s.text !== undefined || s.toolUse === undefined) content.push({ type: 'text', text: s.text ?? 'Hello from fake Anthropic.' });
  if (s.toolUse) content.push({ type: 'tool_use', id: s.toolUse.id ?? nextId('toolu'), name: s.toolUse.name, input: s.toolUse.input ?? {} });
  return {
    id: nextId('msg'), type: 'message', role: 'assistant', model, content,
    stop_reason: s.stopReason ?? (s.toolUse ? 'tool_use' : 'end_turn'), stop_sequence: null,
    usage: usageOf(s.usage, 7),
  };
}

/** The full event list of a scripted stream, as [event, data] pairs. */
export function streamEvents(model: string, s: Extract<FakeAnthropicScript, { kind: 'stream' }>): Array<[string, unknown]> {
  const deltas = s.deltas ?? (s.toolUse ? [] : ['Hello', ' from', ' fake', ' Anthropic.']);
  const usage = usageOf(s.usage, deltas.length + (s.toolUse?.jsonPieces?.length ?? 0));
  const out: Array<[string, unknown]> = [];
  out.push(['message_start', { type: 'message_start', message: {
    id: nextId('msg'), type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
    usage: { ...usage, output_tokens: 1 },
  } }]);
  let index = 0;
  if (deltas.length > 0) {
    out.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
    out.push(['ping', { type: 'ping' }]);
    for (const text of deltas) out.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }]);
    out.push(['content_block_stop', { type: 'content_block_stop', index }]);
    index++;
  }
  if (s.toolUse) {
    const t = s.toolUse;
    out.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: t.id ?? nextId('toolu'), name: t.name, input: {} } }]);
    for (const partial_json of t.jsonPieces ?? [JSON.stringify(t.input ?? {})]) {
      out.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } }]);
    }
    out.push(['content_block_stop', { type: 'content_block_stop', index }]);
  }
  out.push(['message_delta', { type: 'message_delta', delta: { stop_reason: s.stopReason ?? (s.toolUse ? 'tool_use' : 'end_turn'), stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }]);
  out.push(['message_stop', { type: 'message_stop' }]);
  return out;
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const queue: FakeAnthropicScript[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const abortWaiters = new Map<number, Array<(t: number) => void>>();

  const sleep = (ms: number, res: ServerResponse) => new Promise<boolean>((resolve) => {
    if (ms <= 0) return resolve(!res.destroyed);
    const t = setTimeout(() => { timers.delete(t); resolve(!res.destroyed); }, ms);
    timers.add(t);
    res.once('close', () => { clearTimeout(t); timers.delete(t); resolve(false); });
  });

  const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': nextId('req') };

  async function reply(s: FakeAnthropicScript, model: string, res: ServerResponse): Promise<void> {
    switch (s.kind) {
      case 'message': {
        if (!(await sleep(s.delayMs ?? 0, res))) return;
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': nextId('req') }).end(JSON.stringify(messageOf(model, s)));
        return;
      }
      case 'error': {
        if (!(await sleep(s.delayMs ?? 0, res))) return;
        const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': nextId('req') };
        if (s.retryAfter !== undefined) headers['retry-after'] = s.retryAfter;
        if (s.status === 529 || s.status >= 500) headers['x-should-retry'] = 'true';
        res.writeHead(s.status, headers).end(errorBody(s.type, s.message));
        return;
      }
      case 'hang': {
        if (s.afterHeaders) {
          res.writeHead(200, sseHeaders);
          const first = streamEvents(model, { kind: 'stream' })[0];
          if (first) res.write(frame(first[0], first[1]));
        }
        return; // the socket stays open until the client goes away or close() runs
      }
      case 'raw': {
        res.writeHead(s.status ?? 200, { 'content-type': 'text/event-stream; charset=utf-8', ...(s.headers ?? {}) });
        const size = s.chunkSize ?? s.body.length;
        for (let i = 0; i < s.body.length; i += size) res.write(s.body.slice(i, i + size));
        res.end();
        return;
      }
      case 'stream': {
        if (!(await sleep(s.firstByteDelayMs ?? 0, res))) return;
        res.writeHead(200, sseHeaders);
        const events = streamEvents(model, s);
        for (let i = 0; i < events.length; i++) {
          if (s.killAfterEvents !== undefined && i === s.killAfterEvents) { res.socket?.destroy(); return; }
          if (s.errorAfterEvents !== undefined && i === s.errorAfterEvents.after) {
            res.end(frame('error', { type: 'error', error: { type: s.errorAfterEvents.type, message: s.errorAfterEvents.message } }));
            return;
          }
          if (i > 0 && !(await sleep(s.eventDelayMs ?? 0, res))) return;
          const [event, data] = events[i] as [string, unknown];
          res.write(frame(event, data));
        }
        res.end();
      }
    }
  }

  function choose(body: Record<string, unknown>, req: IncomingMessage): FakeAnthropicScript {
    return queue.shift() ?? options.script?.(body, req) ?? (body.stream === true ? { kind: 'stream' } : { kind: 'message' });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try { body = JSON.parse(raw); } catch { /* recorded as text */ }
      const index = requests.length;
      const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, receivedAt: Date.now(), abortedAt: null, finished: false };
      requests.push(rec);
      res.on('finish', () => { rec.finished = true; });
      res.on('close', () => {
        if (rec.finished) return;
        rec.abortedAt = Date.now();
        for (const w of abortWaiters.get(index) ?? []) w(rec.abortedAt);
        abortWaiters.delete(index);
      });
      handle(rec, req, res).catch(() => res.destroy());
    });
  });

  async function handle(rec: RecordedRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (rec.method !== 'POST' || rec.path.split('?')[0] !== '/v1/messages') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(errorBody('not_found_error', 'Not Found'));
      return;
    }
    const fail = (status: number, type: string, message: string) => { res.writeHead(status, { 'content-type': 'application/json' }).end(errorBody(type, message)); };
    // SDK majors since 2026-10-21 send the key as a bearer token; when both are present x-api-key wins.
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const key = req.headers['x-api-key'] ?? bearer;
    if (options.apiKey !== undefined && key !== options.apiKey) return fail(401, 'authentication_error', 'invalid x-api-key');
    const version = req.headers['anthropic-version'];
    if (version === undefined) return fail(400, 'invalid_request_error', 'anthropic-version: header is required');
    if (!VERSIONS.has(String(version))) return fail(400, 'invalid_request_error', `anthropic-version: unknown version ${String(version)}`);
    const body = typeof rec.body === 'object' && rec.body !== null ? (rec.body as Record<string, unknown>) : null;
    if (body === null) return fail(400, 'invalid_request_error', 'There was an issue with the format of your request: invalid JSON');
    if (version >= '2026-10-21') {
      const removed = ['temperature', 'top_p', 'top_k'].find((k) => k in body);
      if (removed) return fail(400, 'invalid_request_error', `${removed}: Extra inputs are not permitted`);
    }
    await reply(choose(body, req), typeof body.model === 'string' ? body.model : 'claude-unknown', res);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  async function close(): Promise<void> {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...scripts) => { queue.push(...scripts); },
    waitForAbort(index, timeoutMs) {
      const rec = requests[index];
      if (rec?.abortedAt != null) return Promise.resolve(rec.abortedAt);
      return new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => { timers.delete(t); reject(new Error(`request ${index} was not aborted within ${timeoutMs} ms`)); }, timeoutMs);
        timers.add(t);
        const list = abortWaiters.get(index) ?? [];
        list.push((at) => { clearTimeout(t); timers.delete(t); resolve(at); });
        abortWaiters.set(index, list);
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
