// One behavioural suite for every adapter of the Bus port: in-process and NATS must pass the same tests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BusNoRespondersError, BusTimeoutError, type Bus } from '../src/index.ts';
import { runDurableContract } from './bus-contract-durable.ts';
import { dec, drain, enc, serve, sleep, unique, until, withTimeout } from './bus-contract-support.ts';

export interface BusContractOptions {
  /** Prefix for core subjects (must not be captured by a durable stream). */
  corePrefix: string;
  /** Prefix for durable subjects (captured by the adapter's durable stream). */
  durablePrefix: string;
}

export function runBusContract(name: string, makeBus: () => Bus | Promise<Bus>, opts: BusContractOptions): void {
  const core = (): string => `${opts.corePrefix}.${unique()}`;

  async function withBus(fn: (bus: Bus) => Promise<void>): Promise<void> {
    const bus = await makeBus();
    try {
      await fn(bus);
    } finally {
      await withTimeout(bus.close(), 5_000, 'bus.close()');
    }
  }

  describe(`bus contract: ${name}`, () => {
    test('subscribe - delivers to exact, `*` and `>` subscribers and skips non-matching ones', () =>
      withBus(async (bus) => {
        const p = core();
        const subs = {
          exact: drain(bus.subscribe(`${p}.a.b`)),
          star: drain(bus.subscribe(`${p}.*.b`)),
          tail: drain(bus.subscribe(`${p}.>`)),
          shorter: drain(bus.subscribe(`${p}.a`)),
          starOne: drain(bus.subscribe(`${p}.*`)),
        };
        bus.publish(`${p}.a.b`, enc.encode('one'));
        bus.publish(`${p}.x.y.z`, enc.encode('two'));
        await bus.flush();
        await until(() => subs.tail.got.length === 2 && subs.exact.got.length === 1 && subs.star.got.length === 1, 2_000, 'deliveries');
        await sleep(50);
        assert.deepEqual(subs.tail.got.map((m) => dec.decode(m.data)), ['one', 'two']);
        assert.equal(subs.exact.got[0]?.subject, `${p}.a.b`);
        assert.equal(subs.star.got.length, 1);
        assert.equal(subs.shorter.got.length, 0);
        assert.equal(subs.starOne.got.length, 0);
      }));

    test('subscribe - unsubscribe ends the for-await loop', () =>
      withBus(async (bus) => {
        const sub = bus.subscribe(core());
        const { done } = drain(sub);
        sub.unsubscribe();
        await withTimeout(done, 1_000, 'loop end');
      }));

    test('request - resolves with the reply of a responder', () =>
      withBus(async (bus) => {
        const s = core();
        serve(bus, s, (m) => m.respond(enc.encode(dec.decode(m.data).toUpperCase())));
        await bus.flush();
        const reply = await bus.request(s, enc.encode('ping'), { timeoutMs: 2_000 });
        assert.equal(dec.decode(reply.data), 'PING');
      }));

    test('request - rejects with BusTimeoutError within the bound when the responder stays silent', () =>
      withBus(async (bus) => {
        const s = core();
        serve(bus, s, () => {});
        await bus.flush();
        const started = performance.now();
        await assert.rejects(bus.request(s, enc.encode('x'), { timeoutMs: 200 }), BusTimeoutError);
        const took = performance.now() - started;
        assert.ok(took >= 190 && took < 1_000, `took ${took} ms`);
      }));

    test('request - rejects with BusNoRespondersError promptly when nobody subscribes', () =>
      withBus(async (bus) => {
        const started = performance.now();
        await assert.rejects(bus.request(core(), enc.encode('x'), { timeoutMs: 5_000 }), BusNoRespondersError);
        assert.ok(performance.now() - started < 1_000);
      }));

    test('request - an AbortSignal rejects a pending request promptly with its reason', () =>
      withBus(async (bus) => {
        const s = core();
        serve(bus, s, () => {});
        await bus.flush();
        const ac = new AbortController();
        const started = performance.now();
        setTimeout(() => ac.abort(), 50);
        await assert.rejects(bus.request(s, enc.encode('x'), { timeoutMs: 10_000, signal: ac.signal }), { name: 'AbortError' });
        assert.ok(performance.now() - started < 1_000);
        await assert.rejects(bus.request(s, enc.encode('x'), { timeoutMs: 10_000, signal: AbortSignal.abort() }), { name: 'AbortError' });
      }));

    test('headers - travel with publish, request and reply', () =>
      withBus(async (bus) => {
        const s = core();
        serve(bus, s, (m) => m.respond(m.data, { 'x-echo': m.headers['x-trace'] ?? 'missing', 'content-type': 'text/plain' }));
        const watcher = drain(bus.subscribe(`${s}.watch`));
        await bus.flush();
        const reply = await bus.request(s, enc.encode('x'), { timeoutMs: 2_000, headers: { 'x-trace': 'abc-123' } });
        assert.equal(reply.headers['x-echo'], 'abc-123');
        assert.equal(reply.headers['content-type'], 'text/plain');
        bus.publish(`${s}.watch`, enc.encode('y'), { 'x-tenant': 't1', 'x-multi': 'a b c' });
        await until(() => watcher.got.length === 1, 2_000, 'published message');
        assert.equal(watcher.got[0]?.headers['x-tenant'], 't1');
        assert.equal(watcher.got[0]?.headers['x-multi'], 'a b c');
      }));

    test('queue group - two members share 100 messages exactly once; a plain subscriber gets all', () =>
      withBus(async (bus) => {
        const s = core();
        const members = [drain(bus.subscribe(s, { queue: 'workers' })), drain(bus.subscribe(s, { queue: 'workers' }))];
        const plain = drain(bus.subscribe(s));
        await bus.flush();
        for (let i = 0; i < 100; i++) bus.publish(s, enc.encode(String(i)));
        await bus.flush();
        const total = (): number => members[0]!.got.length + members[1]!.got.length;
        await until(() => total() >= 100 && plain.got.length === 100, 5_000, '100 deliveries');
        await sleep(100);
        const seen = members.flatMap((m) => m.got.map((x) => Number(dec.decode(x.data))));
        assert.equal(seen.length, 100);
        assert.deepEqual([...new Set(seen)].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
        assert.ok(members[0]!.got.length > 0 && members[1]!.got.length > 0, 'both members got some');
      }));

    test('streamed reply - 200 sequenced messages to a reply subject arrive in order', () =>
      withBus(async (bus) => {
        const s = core();
        serve(bus, s, (m) => {
          const to = m.headers['reply-to'] as string;
          for (let i = 0; i < 200; i++) bus.publish(to, enc.encode(String(i)));
        });
        const replyTo = `${s}.reply.${unique()}`;
        const stream = drain(bus.subscribe(replyTo));
        await bus.flush();
        bus.publish(s, enc.encode('go'), { 'reply-to': replyTo });
        await until(() => stream.got.length === 200, 5_000, '200 chunks');
        assert.deepEqual(stream.got.map((m) => Number(dec.decode(m.data))), Array.from({ length: 200 }, (_, i) => i));
      }));

    test('close - delivers what was published before close, then ends subscription loops', async () => {
      const bus = await makeBus();
      const s = core();
      const sub = drain(bus.subscribe(s));
      await bus.flush();
      for (let i = 0; i < 10; i++) bus.publish(s, enc.encode(String(i)));
      await withTimeout(bus.close(), 5_000, 'bus.close()');
      await withTimeout(sub.done, 2_000, 'loop end');
      assert.equal(sub.got.length, 10);
    });

    runDurableContract(withBus, opts.durablePrefix);
  });
}
