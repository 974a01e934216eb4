// Writes the reply chunks of one request to its HTTP response: JSON for non-stream, SSE for streams.
import { NO_HEADERS, type ReplyChunk, type ReplySink } from '@ai-gateway/kit';
import type { ServerResponse as Response } from 'node:http';
import { errorFromReply, type Renderer, type StreamRenderer } from './render.ts';

export interface RelayOptions {
  res: Response;
  stream: boolean;
  renderer: Renderer;
  requestId: string;
  /** x-request-id (and x-gateway-request-id when the client chose its own id) for the response. */
  idHeaders: Readonly<Record<string, string>>;
  receivedAt: number;
  now: () => number;
  /** Called once when the response is complete (successfully or not). */
  onDone(outcome: 'ok' | 'error'): void;
}

/** Internal header: upstream time the router measured, turned into x-gateway-overhead-ms here. */
export const UPSTREAM_MS_HEADER = 'x-gateway-upstream-ms';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

export function createRelay(o: RelayOptions): ReplySink & { finished(): boolean } {
  const { res } = o;
  let meta: Record<string, string> = NO_HEADERS;
  let streamRenderer: StreamRenderer | null = null;
  let done = false;
  // SSE text of the chunks rendered in this turn of the event loop, written at its end as one res.write: a provider
  // read usually carries many chunks, and one write per chunk costs more in Node's stream machinery than the
  // chunk itself. Nothing waits for I/O in between, so the client still sees each provider read as it arrives.
  let pending = '';
  let flushQueued = false;
  const flush = (): void => {
    flushQueued = false;
    if (pending.length === 0 || done) return;
    const text = pending;
    pending = '';
    res.write(text);
  };
  /** Pending text plus `last`, for the final write of a stream. */
  const drain = (last: string): string => {
    const text = pending + last;
    pending = '';
    return text;
  };

  /** The response's gateway headers: what the stages sent (but the upstream time), the request id and the overhead. */
  function metaHeaders(): Record<string, string> {
    const h: Record<string, string> = { ...o.idHeaders };
    let upstreamMs = 0;
    for (const k in meta) {
      const v = meta[k] as string;
      if (k === UPSTREAM_MS_HEADER) upstreamMs = Number(v) || 0;
      else h[k] = v;
    }
    h['x-gateway-overhead-ms'] = String(Math.max(0, o.now() - o.receivedAt - upstreamMs));
    return h;
  }

  /** Adds a chunk's headers to what the response will carry (the first chunk's are taken as they are: read-only). */
  function addMeta(headers: Record<string, string>): void {
    meta = meta === NO_HEADERS ? headers : { ...meta, ...headers };
  }

  function finish(outcome: 'ok' | 'error'): void {
    if (done) return;
    done = true;
    o.onDone(outcome);
  }

  function startStream(): StreamRenderer {
    if (!streamRenderer) {
      streamRenderer = o.renderer.stream();
      if (!res.headersSent) res.writeHead(200, { ...SSE_HEADERS, ...metaHeaders() });
    }
    return streamRenderer;
  }

  function writeJson(status: number, body: string, extra: Record<string, string>): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const headers = metaHeaders();
    for (const k in extra) headers[k] = extra[k] as string;
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    res.end(body);
  }

  const sink = (chunk: ReplyChunk): void => {
    if (done) return;
    switch (chunk.kind) {
      case 'head':
        addMeta(chunk.headers);
        if (o.stream) startStream();
        return;
      case 'data': {
        const text = startStream().chunk(chunk.data ?? '');
        if (!text) return;
        pending += text;
        if (!flushQueued) {
          flushQueued = true;
          process.nextTick(flush);
        }
        return;
      }
      case 'body':
        addMeta(chunk.headers);
        writeJson(chunk.status || 200, o.renderer.body(chunk.data ?? ''), {});
        finish('ok');
        return;
      case 'error': {
        addMeta(chunk.headers);
        const err = errorFromReply(chunk.status, chunk.data, chunk.headers);
        if (streamRenderer || res.headersSent) {
          res.end(streamRenderer ? drain(streamRenderer.error(err)) : undefined);
        } else {
          writeJson(err.status, o.renderer.errorBody(err), err.headers);
        }
        finish('error');
        return;
      }
      case 'end':
        res.end(drain(startStream().end()));
        finish('ok');
        return;
    }
  };
  return Object.assign(sink, { finished: () => done });
}
