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

  async function send(call: HttpCall, accept: string): Promise<Dispatcher.ResponseData> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(call.url, {
        method: 'POST',
        dispatcher,
        signal: call.signal,
        headers: { 'content-type': 'application/json', accept, ...call.headers },
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
      const res = await send(call, 'application/json');
      const text = await readText(res, call.signal);
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        throw malformed(`provider answered non-JSON body: ${text.slice(0, 120)}`, err, res.statusCode);
      }
    },
    async postSse(call) {
      const res = await send(call, 'text/event-stream');
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

/** Parses one SSE data payload as JSON or throws a `malformed` ProviderError. */
export function parseEventJson(ev: SseEvent): unknown {
  try {
    return JSON.parse(ev.data) as unknown;
  } catch (err) {
    throw malformed(`provider sent a malformed stream event: ${ev.data.slice(0, 120)}`, err);
  }
}

