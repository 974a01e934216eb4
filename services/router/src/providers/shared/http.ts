// HTTP to providers over one keep-alive undici Agent: JSON POST, status check, error mapping, SSE bodies.
import { Agent, type Dispatcher } from 'undici';
import { Fifo } from '@ai-gateway/kit';
import { malformed, mapProviderFailure, mapTransportError } from './errors.ts';
import { SseParser, type SseEvent } from './sse.ts';
import type { PolledIterator } from '../types.ts';

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
    postSse: (call) => openSse(dispatcher, call),
  };
}

/** Origin and path of a provider URL, parsed once per URL: a deployment calls the same few URLs all day. */
const targets = new Map<string, { origin: string; path: string }>();
const MAX_TARGETS = 1024;

function targetOf(href: string): { origin: string; path: string } {
  let t = targets.get(href);
  if (!t) {
    const u = new URL(href);
    t = { origin: u.origin, path: `${u.pathname}${u.search}` };
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(href, t);
  }
  return t;
}

/** The JSON POST both the whole-body and the streaming call send, straight to the dispatcher. */
function postRequest(call: HttpCall, accept: string): Dispatcher.DispatchOptions {
  const url = targetOf(call.url);
  return {
    origin: url.origin,
    path: url.path,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...call.headers },
    body: JSON.stringify(call.body),
    // Provider timeouts are the router's policy (AbortSignal), not the socket's.
    headersTimeout: 0,
    bodyTimeout: 0,
  };
}

/** The provider said its stream is complete: OpenAI's `[DONE]`, Anthropic's `message_stop`. */
const isEndMarker = (ev: SseEvent): boolean => ev.data === '[DONE]' || ev.event === 'message_stop';

/** Events parsed but not yet taken beyond which the socket is paused (the client reads slower than the provider writes). */
const HIGH_WATER_EVENTS = 512;

/** One dispatch tied to its call's signal: an abort cuts the request wherever it is. */
interface AbortLink {
  /** The dispatch's controller once the request started (pause, resume, abort). */
  readonly controller: Dispatcher.DispatchController | null;
  onRequestStart(c: Dispatcher.DispatchController): void;
  /** Unties the signal once the call is over. */
  release(): void;
}

function abortLink(signal: AbortSignal): AbortLink {
  let controller: Dispatcher.DispatchController | null = null;
  const onAbort = (): void => controller?.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    get controller() {
      return controller;
    },
    onRequestStart(c) {
      controller = c;
      if (signal.aborted) c.abort(signal.reason);
    },
    release: () => signal.removeEventListener('abort', onAbort),
  };
}

/**
 * An SSE response straight on the dispatcher: bytes are parsed as they arrive and queued as events, and the
 * consumer takes them one by one; events already queued cost no I/O wait. This replaces a body stream, its async
 * iterator and two generators, which cost more per event than the event itself. Resolves once the provider
 * answered 2xx; a non-2xx answer is read whole and rejects as a ProviderError.
 */
function openSse(dispatcher: Dispatcher, call: HttpCall): Promise<AsyncIterable<SseEvent>> {
  const { signal } = call;
  return new Promise<AsyncIterable<SseEvent>>((resolve, reject) => {
    if (signal.aborted) {
      reject(mapTransportError(signal.reason, signal));
      return;
    }
    const link = abortLink(signal);
    const parser = new SseParser();
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    let opened = false;
    let errorBody: Buffer[] | null = null;
    const queue = new Fifo<SseEvent>();
    let ended = false;
    let sawEndMarker = false;
    let failure: unknown = null;
    let stopped = false;
    let paused = false;
    let waiter: { resolve: (r: IteratorResult<SseEvent>) => void; reject: (e: unknown) => void } | null = null;

    /** The oldest queued event; resumes the socket once the queue has drained to half. */
    const take = (): SseEvent => {
      const ev = queue.shift() as SseEvent;
      if (paused && queue.size < HIGH_WATER_EVENTS / 2) {
        paused = false;
        link.controller?.resume();
      }
      return ev;
    };
    /** Answers the waiting read with the next event, the failure or the end, whichever is due; else it waits on. */
    const wake = (): void => {
      if (!waiter) return;
      const w = waiter;
      if (queue.size > 0) {
        waiter = null;
        w.resolve({ value: take(), done: false });
      } else if (failure !== null) {
        waiter = null;
        w.reject(failure);
      } else if (ended) {
        waiter = null;
        w.resolve({ value: undefined, done: true });
      }
    };
    const push = (events: SseEvent[]): void => {
      for (const ev of events) {
        if (isEndMarker(ev)) sawEndMarker = true;
        if (!stopped) queue.push(ev);
      }
      if (!paused && !stopped && queue.size >= HIGH_WATER_EVENTS) {
        paused = true;
        link.controller?.pause();
      }
      wake();
    };
    const fail = (err: unknown): void => {
      link.release();
      const mapped = mapTransportError(err, signal);
      if (!opened) {
        opened = true;
        reject(mapped);
        return;
      }
      if (ended) return;
      ended = true;
      failure = mapped;
      wake();
    };

    const events: PolledIterator<SseEvent> & AsyncIterable<SseEvent> = {
      [Symbol.asyncIterator]() {
        return events;
      },
      poll() {
        return !stopped && waiter === null && queue.size > 0 ? { value: take(), done: false } : undefined;
      },
      next() {
        if (stopped) return Promise.resolve({ value: undefined, done: true });
        return new Promise((res, rej) => {
          waiter = { resolve: res, reject: rej };
          wake();
        });
      },
      return() {
        // The consumer stopped early (client gone, timeout, blocked reply). After the end marker only the body's
        // tail is left: it is read and dropped, keeping the keep-alive socket. Before it, the call is cut.
        stopped = true;
        queue.clear();
        if (!ended) {
          if (sawEndMarker && !signal.aborted) {
            if (paused) link.controller?.resume();
          } else {
            link.controller?.abort(new Error('stream consumer stopped'));
          }
        }
        return Promise.resolve({ value: undefined, done: true });
      },
    };

    try {
      dispatcher.dispatch(postRequest(call, 'text/event-stream'), {
        onRequestStart: link.onRequestStart,
        onResponseStart(_c, statusCode, responseHeaders) {
          status = statusCode;
          headers = responseHeaders as Record<string, string | string[] | undefined>;
          if (statusCode >= 200 && statusCode < 300) {
            opened = true;
            resolve(events);
          } else {
            errorBody = [];
          }
        },
        onResponseData(_c, chunk) {
          if (errorBody) errorBody.push(chunk);
          else if (!stopped) push(parser.push(chunk));
        },
        onResponseEnd() {
          link.release();
          if (errorBody) {
            const text = Buffer.concat(errorBody).toString('utf8');
            opened = true;
            reject(mapProviderFailure({ status, headers, body: parseMaybeJson(text) }));
            return;
          }
          if (!stopped) push(parser.end());
          ended = true;
          wake();
        },
        onResponseError(_c, err) {
          if (stopped && sawEndMarker) return link.release();
          fail(err);
        },
      });
    } catch (err) {
      fail(err);
    }
  });
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
    const link = abortLink(signal);
    let status = 0;
    let headers: Exchanged['headers'] = {};
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (err: unknown, value?: Exchanged): void => {
      if (settled) return;
      settled = true;
      link.release();
      if (err !== null) reject(mapTransportError(err, signal));
      else resolve(value as Exchanged);
    };
    try {
      dispatcher.dispatch(postRequest(call, 'application/json'), {
        onRequestStart: link.onRequestStart,
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
      });
    } catch (err) {
      finish(err);
    }
  });
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

