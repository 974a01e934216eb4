// The SSE transport: a provider stream parsed as it arrives, with backpressure, early stops and errors.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { createProviderHttp } from '../src/providers/shared/http.ts';
import { ProviderError, type PolledIterator } from '../src/providers/types.ts';
import type { SseEvent } from '../src/providers/shared/sse.ts';

interface Upstream {
  url: string;
  /** Sockets the server accepted: a reused keep-alive socket does not count again. */
  connections(): number;
  /** Requests whose response was cut before it ended. */
  aborted(): number;
  close(): Promise<void>;
}

async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Upstream> {
  let connections = 0;
  let aborted = 0;
  const server = createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) aborted++;
    });
    handler(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    aborted: () => aborted,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const agent = new Agent({ keepAliveTimeout: 5_000 });
after(() => agent.close());
const http = createProviderHttp({ options: { dispatcher: agent } });
const call = (u: Upstream, signal = AbortSignal.timeout(10_000)) => ({ url: `${u.url}/v1/chat/completions`, headers: {}, body: { stream: true }, signal });
const sse = (res: ServerResponse, status = 200) => res.writeHead(status, { 'content-type': 'text/event-stream' });
const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('provider SSE transport', () => {
  test('http-sse - a stream far longer than the queue reaches a slow reader whole and in order', { timeout: 15_000 }, async () => {
    // 5000 events in one burst: the socket is paused while the reader lags and resumed as it catches up.
    const u = await upstream((_req, res) => {
      sse(res);
      let text = '';
      for (let i = 0; i < 5000; i++) text += `data: {"n":${i}}\n\n`;
      res.end(`${text}data: [DONE]\n\n`);
    });
    const events = await http.postSse(call(u));
    const got: number[] = [];
    for await (const ev of events) {
      if (ev.data === '[DONE]') break;
      got.push((JSON.parse(ev.data) as { n: number }).n);
      if (got.length % 500 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(got.length, 5000);
    assert.ok(got.every((n, i) => n === i), 'in order, none lost');
    await u.close();
  });

  test('http-sse - events already received are polled without a promise, in order with next(); the paused socket still resumes', { timeout: 15_000 }, async () => {
    let release = (): void => {};
    const more = new Promise<void>((r) => (release = r));
    const u = await upstream((_req, res) => {
      sse(res);
      res.write('data: {"n":0}\n\ndata: {"n":1}\n\ndata: {"n":2}\n\n');
      void more.then(() => {
        let text = '';
        for (let i = 3; i < 3000; i++) text += `data: {"n":${i}}\n\n`;
        res.end(`${text}data: [DONE]\n\n`);
      });
    });
    const events = (await http.postSse(call(u))) as AsyncIterable<SseEvent> & PolledIterator<SseEvent>;
    const n = (r: IteratorResult<SseEvent> | undefined): unknown => (r && !r.done ? (JSON.parse(r.value.data) as { n: number }).n : r);
    assert.equal(n(await events.next()), 0);
    assert.equal(n(events.poll?.()), 1, 'the rest of that read is there at once');
    assert.equal(n(events.poll?.()), 2);
    assert.equal(events.poll?.(), undefined, 'nothing queued: the caller awaits next()');
    release();
    // Mostly polled (3000 events: the socket pauses at the queue bound and must resume as poll drains it).
    const got: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const r = events.poll?.() ?? (await events.next());
      if (r.done || r.value.data === '[DONE]') break;
      got.push(n(r) as number);
    }
    assert.equal(got.length, 2997);
    assert.ok(got.every((v, i) => v === i + 3), 'in order, none lost');
    await events.return?.();
    await u.close();
  });

  test('http-sse - a reader that stops at the end marker leaves the keep-alive socket for the next call', async () => {
    const u = await upstream((_req, res) => {
      sse(res);
      res.write('data: {"a":1}\n\n');
      setTimeout(() => res.write('data: [DONE]\n\n'), 10);
      // The tail after [DONE] arrives later: the transport reads and drops it rather than cutting the socket.
      setTimeout(() => res.end(': trailing comment\n\n'), 40);
    });
    for (let i = 0; i < 3; i++) {
      const events = await http.postSse(call(u));
      for await (const ev of events) if (ev.data === '[DONE]') break;
      await new Promise((r) => setTimeout(r, 60)); // the tail arrives and is dropped
    }
    assert.equal(u.aborted(), 0, 'no response was cut');
    assert.equal(u.connections(), 1, 'one socket served all three streams');
    await u.close();
  });

  test('http-sse - a reader that stops before the end marker cuts the upstream response', async () => {
    const u = await upstream((_req, res) => {
      sse(res);
      res.write('data: {"a":1}\n\n');
      // Never ends on its own.
    });
    const events = await http.postSse(call(u));
    for await (const ev of events) {
      assert.equal(ev.data, '{"a":1}');
      break;
    }
    await until(() => u.aborted() === 1);
    assert.equal(u.aborted(), 1);
    await u.close();
  });

  test('http-sse - a non-2xx answer rejects with the mapped provider error; a cut stream throws a connection error', async () => {
    const limited = await upstream((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error' } }));
    });
    await assert.rejects(http.postSse(call(limited)), (err) => err instanceof ProviderError && err.kind === 'rate_limit' && err.status === 429);
    await limited.close();

    const cut = await upstream((req, res) => {
      sse(res);
      res.write('data: {"a":1}\n\n');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const events = await http.postSse(call(cut));
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of events) seen.push(ev.data);
      })(),
      (err) => err instanceof ProviderError && err.kind === 'connection',
    );
    assert.deepEqual(seen, ['{"a":1}'], 'what arrived before the cut was delivered');
    await cut.close();
  });

  test('http-sse - an abort while waiting for events rejects the pending read with the abort reason', async () => {
    const u = await upstream((_req, res) => {
      sse(res);
      res.write('data: {"a":1}\n\n');
    });
    const controller = new AbortController();
    const events = await http.postSse(call(u, controller.signal));
    const iter = events[Symbol.asyncIterator]();
    assert.equal((await iter.next()).value?.data, '{"a":1}');
    const pending = iter.next();
    const reason = new Error('client went away');
    controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
    await until(() => u.aborted() === 1);
    assert.equal(u.aborted(), 1);
    await u.close();
  });
});
