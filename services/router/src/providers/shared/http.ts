// HTTP to providers over one keep-alive undici Agent: JSON POST, status check, error mapping, SSE bodies.
import { Agent, request, type Dispatcher } from 'undici';
import { malformed, mapProviderFailure, mapTransportError } from './errors.ts';
import { sseEvents, type SseEvent } from './sse.ts';

export interface HttpCall {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
}

/** The transport port the adapters use; tests and the composition root may pass their own dispatcher. */
export interface ProviderHttp {
  postJson(call: HttpCall): Promise<unknown>;
  /** Resolves once the provider answered 2xx; the iterator yields SSE events and throws ProviderError. */
  postSse(call: HttpCall): Promise<AsyncIterable<SseEvent>>;
}

export interface ProviderHttpOptions {
  dispatcher?: Dispatcher;
}

let sharedAgent: Agent | null = null;

/** One process-wide pool: keep-alive connections are what make provider calls cheap. */
export function sharedProviderAgent(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256, pipelining: 1 });
  return sharedAgent;
}

export function createProviderHttp({ options = {} }: { options?: ProviderHttpOptions } = {}): ProviderHttp {
  const dispatcher = options.dispatcher ?? sharedProviderAgent();

  /** Opens an SSE response; a non-2xx status is read whole and thrown as a ProviderError. */
  async function openStream(call: HttpCall): Promise<Dispatcher.ResponseData> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(call.url, {
        method: 'POST',
        dispatcher,
        signal: call.signal,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...call.headers },
        body: JSON.stringify(call.body),
        // Provider timeouts are the router's policy (AbortSignal), not the socket's.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (err) {
      throw mapTransportError(err, call.signal);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const text = await readText(res, call.signal);
    throw mapProviderFailure({ status: res.statusCode, headers: res.headers, body: parseMaybeJson(text) });
  }

  return {
    async postJson(call) {
      const res = await exchange(dispatcher, call);
      if (res.status < 200 || res.status >= 300) throw mapProviderFailure({ status: res.status, headers: res.headers, body: parseMaybeJson(res.text) });
      try {
        return JSON.parse(res.text) as unknown;
      } catch (err) {
        throw malformed(`provider answered non-JSON body: ${res.text.slice(0, 120)}`, err, res.status);
      }
    },
    async postSse(call) {
      const res = await openStream(call);
      return guardedEvents(res.body, call.signal);
    },
  };
}

/** The provider said its stream is complete: OpenAI's `[DONE]`, Anthropic's `message_stop`. */
const isEndMarker = (ev: SseEvent): boolean => ev.data === '[DONE]' || ev.event === 'message_stop';

async function* guardedEvents(body: Dispatcher.ResponseData['body'], signal: AbortSignal): AsyncGenerator<SseEvent> {
  let ended = false;
  try {
    // Not destroyed when the consumer stops early: the finally below decides between reading the tail and destroying.
    for await (const ev of sseEvents(body.iterator({ destroyOnReturn: false }))) {
      ended = isEndMarker(ev);
      yield ev;
    }
  } catch (err) {
    throw mapTransportError(err, signal);
  } finally {
    // A consumer that stops early (client gone, timeout) must release the upstream socket now, not at GC.
    // One that stopped at the end marker only has the body's tail left: reading it keeps the keep-alive socket
    // and avoids building an abort error (with its stack) on every stream.
    if (!body.destroyed) {
      // Nothing reads the body any more: its abort error has nobody else to go to.
      body.on('error', () => {});
      if (signal.aborted || !ended) body.destroy();
      else await body.dump({ limit: 16 * 1024 }).catch(() => body.destroy());
    }
  }
}

interface Exchanged {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One JSON POST read whole, straight on the dispatcher: no body stream, no request wrapper, no promise per chunk
 * (undici's request() builds all three; a non-streamed call needs none of them). Errors as request() would give.
 */
function exchange(dispatcher: Dispatcher, call: HttpCall): Promise<Exchanged> {
  const { signal } = call;
  return new Promise<Exchanged>((resolve, reject) => {
    if (signal.aborted) {
      reject(mapTransportError(signal.reason, signal));
      return;
    }
    const url = new URL(call.url);
    let controller: Dispatcher.DispatchController | null = null;
    let status = 0;
    let headers: Exchanged['headers'] = {};
    const chunks: Buffer[] = [];
    let settled = false;
    const onAbort = (): void => controller?.abort(signal.reason);
    const finish = (err: unknown, value?: Exchanged): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err !== null) reject(mapTransportError(err, signal));
      else resolve(value as Exchanged);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...call.headers },
          body: JSON.stringify(call.body),
          // Provider timeouts are the router's policy (AbortSignal), not the socket's.
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        {
          onRequestStart(c) {
            controller = c;
            if (signal.aborted) c.abort(signal.reason);
          },
          onResponseStart(_c, statusCode, responseHeaders) {
            status = statusCode;
            headers = responseHeaders as Exchanged['headers'];
          },
          onResponseData(_c, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            finish(null, { status, headers, text: chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8') });
          },
          onResponseError(_c, err) {
            finish(err);
          },
        },
      );
    } catch (err) {
      finish(err);
    }
  });
}

async function readText(res: Dispatcher.ResponseData, signal: AbortSignal): Promise<string> {
  try {
    return await res.body.text();
  } catch (err) {
    throw mapTransportError(err, signal);
  }
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The text a parsed event object came from, as a hidden (non-enumerable) property: JSON, spreads and deep equality
 * ignore it. Not a WeakMap: an entry per chunk made every young-generation GC walk an ephemeron table (measured:
 * ~8 % more CPU per streamed request).
 */
const RECEIVED = Symbol('received JSON text');

/**
 * The provider's own JSON text of an object parseEventJson returned: a chunk passed on unchanged can be sent as
 * it arrived instead of serialised again. Undefined for objects built here (translated from another wire format).
 */
export function receivedJsonOf(value: object): string | undefined {
  return (value as { [RECEIVED]?: string })[RECEIVED];
}

/** Parses one SSE data payload as JSON or throws a `malformed` ProviderError. */
export function parseEventJson(ev: SseEvent): unknown {
  let value: unknown;
  try {
    value = JSON.parse(ev.data) as unknown;
  } catch (err) {
    throw malformed(`provider sent a malformed stream event: ${ev.data.slice(0, 120)}`, err);
  }
  // A payload sent over several `data:` lines holds newlines, which would break our own SSE framing: never reused.
  if (value !== null && typeof value === 'object' && !ev.data.includes('\n') && !ev.data.includes('\r')) {
    Object.defineProperty(value, RECEIVED, { value: ev.data });
  }
  return value;
}

