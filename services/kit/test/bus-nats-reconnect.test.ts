// NATS adapter across a server restart: core subscriptions, requests and durable consumers resume by themselves.
// Starts its own nats-server (from PATH) on a free loopback port; skipped when the binary is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNatsBus, type Bus } from '../src/index.ts';

const hasServer = spawnSync('nats-server', ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1', () => s.end(() => resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startServer(port: number, dir: string): ChildProcess {
  return spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function eventually<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test('nats reconnect - requests, subscriptions and durable consumers resume after a server restart', { skip: !hasServer, timeout: 60_000 }, async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bus-reconnect-'));
  let server = startServer(port, dir);
  const buses: Bus[] = [];
  try {
    await waitForPort(port, 10_000);
    const stream = { name: 'RECONNECT', subjects: ['rc.evt.>'] };
    const opts = { servers: `nats://127.0.0.1:${port}`, stream };
    const client = await connectNatsBus({ ...opts, name: 'reconnect-client' });
    const worker = await connectNatsBus({ ...opts, name: 'reconnect-worker' });
    buses.push(client, worker);
    const sub = worker.subscribe('rc.echo');
    void (async () => {
      for await (const m of sub) m.respond(m.data);
    })();
    const seen: string[] = [];
    await worker.consumeDurable('rc.evt.>', 'rc', (m) => {
      seen.push(new TextDecoder().decode(m.data));
      m.ack();
    }, { ackWaitMs: 1_000 });
    await worker.flush();
    assert.equal((await client.request('rc.echo', new Uint8Array([1]), { timeoutMs: 2_000 })).data[0], 1);
    await client.publishDurable('rc.evt.a', new TextEncoder().encode('before'));

    await stopServer(server);
    await new Promise((r) => setTimeout(r, 300));
    server = startServer(port, dir);
    await waitForPort(port, 10_000);

    const reply = await eventually(() => client.request('rc.echo', new Uint8Array([2]), { timeoutMs: 500 }), 15_000);
    assert.equal(reply.data[0], 2);
    await eventually(() => client.publishDurable('rc.evt.a', new TextEncoder().encode('after')), 15_000);
    const deadline = Date.now() + 30_000;
    while (!seen.includes('after') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(seen.includes('before') && seen.includes('after'), `durable saw ${JSON.stringify(seen)}`);
  } finally {
    await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});
