// One behavioural suite for every adapter of the Bus port: in-process and NATS must pass the same tests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BusNoRespondersError, BusTimeoutError, type Bus, type BusMessage, type DurableMessage, type Subscription } from '../src/index.ts';

export interface BusContractOptions {
  /** Prefix for core subjects (must not be captured by a durable stream). */
  corePrefix: string;
  /** Prefix for durable subjects (captured by the adapter's durable stream). */
  durablePrefix: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
let uniq = 0;

function unique(): string {
  return `u${(++uniq).toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Reads every message of `sub` into an array until unsubscribed. */
function drain(sub: Subscription): { got: BusMessage[]; done: Promise<void> } {
  const got: BusMessage[] = [];
  const done = (async () => {
    for await (const m of sub) got.push(m);
  })();
  return { got, done };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Answers every request on `subject` with `reply(msg)`; returns the subscription. */
function serve(bus: Bus, subject: string, reply: (m: BusMessage) => void, queue?: string): Subscription {
  const sub = bus.subscribe(subject, { queue });
  void (async () => {
    for await (const m of sub) reply(m);
  })();
  return sub;
}

export function runBusContract(name: string, makeBus: () => Bus | Promise<Bus>, opts: BusContractOptions): void {
  const core = (): string => `${opts.corePrefix}.${unique()}`;
  const durableSubject = (): string => `${opts.durablePrefix}.${unique()}`;

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

    describe('durable', () => {
      test('durable - an unacked message is redelivered to another member after ackWait, with deliveries > 1', () =>
        withBus(async (bus) => {
          const s = durableSubject();
          const durable = unique();
          const first = deferred<DurableMessage>();
          const crashed = await bus.consumeDurable(s, durable, (m) => first.resolve(m), { ackWaitMs: 500 });
          await bus.publishDurable(s, enc.encode('payload'), { 'x-trace': 't' });
          const m1 = await withTimeout(first.promise, 5_000, 'first delivery');
          assert.equal(m1.deliveries, 1);
          await crashed.stop(); // never acked: the member "crashed"
          const second = deferred<DurableMessage>();
          const started = performance.now();
          const survivor = await bus.consumeDurable(s, durable, (m) => { m.ack(); second.resolve(m); }, { ackWaitMs: 500 });
          const m2 = await withTimeout(second.promise, 5_000, 'redelivery');
          assert.ok(m2.deliveries > 1, `deliveries ${m2.deliveries}`);
          assert.equal(dec.decode(m2.data), 'payload');
          assert.equal(m2.headers['x-trace'], 't');
          assert.ok(performance.now() - started < 4_000);
          await survivor.stop();
        }));

      test('durable - two durable names each see every message', () =>
        withBus(async (bus) => {
          const s = durableSubject();
          const seen: Record<string, string[]> = { a: [], b: [] };
          const consumers = await Promise.all(
            ['a', 'b'].map((k) => bus.consumeDurable(s, `${k}${unique()}`, (m) => { seen[k]!.push(dec.decode(m.data)); m.ack(); })),
          );
          for (let i = 0; i < 20; i++) await bus.publishDurable(s, enc.encode(String(i)));
          await until(() => seen.a!.length >= 20 && seen.b!.length >= 20, 5_000, 'both durables');
          const all = Array.from({ length: 20 }, (_, i) => String(i));
          assert.deepEqual(seen.a, all);
          assert.deepEqual(seen.b, all);
          await Promise.all(consumers.map((c) => c.stop()));
        }));

      test('durable - members of one durable name share messages, each acked message delivered once', () =>
        withBus(async (bus) => {
          const s = durableSubject();
          const durable = unique();
          const seen: string[] = [];
          const handler = (m: DurableMessage): void => { seen.push(dec.decode(m.data)); m.ack(); };
          const consumers = [await bus.consumeDurable(s, durable, handler), await bus.consumeDurable(s, durable, handler)];
          for (let i = 0; i < 40; i++) await bus.publishDurable(s, enc.encode(String(i)));
          await until(() => seen.length >= 40, 5_000, '40 deliveries');
          await sleep(100);
          assert.equal(seen.length, 40);
          assert.equal(new Set(seen).size, 40);
          await Promise.all(consumers.map((c) => c.stop()));
        }));

      test('durable - messages published before the consumer started are delivered in order', () =>
        withBus(async (bus) => {
          const s = durableSubject();
          for (let i = 0; i < 5; i++) await bus.publishDurable(s, enc.encode(String(i)));
          const seen: string[] = [];
          const c = await bus.consumeDurable(s, unique(), (m) => { seen.push(dec.decode(m.data)); m.ack(); });
          await until(() => seen.length >= 5, 5_000, 'replay');
          assert.deepEqual(seen, ['0', '1', '2', '3', '4']);
          await c.stop();
        }));

      test('durable - a repeated idempotency-key is stored once', () =>
        withBus(async (bus) => {
          const s = durableSubject();
          const key = unique();
          await bus.publishDurable(s, enc.encode('a'), { 'idempotency-key': key });
          await bus.publishDurable(s, enc.encode('a-again'), { 'idempotency-key': key });
          await bus.publishDurable(s, enc.encode('b'), { 'idempotency-key': unique() });
          const seen: string[] = [];
          const c = await bus.consumeDurable(s, unique(), (m) => { seen.push(dec.decode(m.data)); m.ack(); });
          await until(() => seen.includes('b'), 5_000, 'sentinel');
          assert.deepEqual(seen, ['a', 'b']);
          await c.stop();
        }));

      test('durable - at most maxInFlight messages are unacked at once per durable name', () =>
        withBus(async (bus) => {
          const s = durableSubject();
          const held: DurableMessage[] = [];
          const c = await bus.consumeDurable(s, unique(), (m) => void held.push(m), { maxInFlight: 3, ackWaitMs: 10_000 });
          for (let i = 0; i < 10; i++) await bus.publishDurable(s, enc.encode(String(i)));
          await until(() => held.length >= 3, 5_000, 'first three');
          await sleep(150);
          assert.equal(held.length, 3);
          held.forEach((m) => m.ack());
          await until(() => held.length >= 6, 5_000, 'next three after acks');
          await sleep(150);
          assert.equal(held.length, 6);
          assert.deepEqual(held.map((m) => dec.decode(m.data)), ['0', '1', '2', '3', '4', '5']);
          held.forEach((m) => m.ack());
          await c.stop();
        }));

      test('durable - nak with a delay redelivers after the delay', () =>
        withBus(async (bus) => {
          const s = durableSubject();
          const deliveries: number[] = [];
          const times: number[] = [];
          const c = await bus.consumeDurable(s, unique(), (m) => {
            deliveries.push(m.deliveries);
            times.push(performance.now());
            if (m.deliveries === 1) m.nak(200);
            else m.ack();
          }, { ackWaitMs: 10_000 });
          await bus.publishDurable(s, enc.encode('x'));
          await until(() => deliveries.length >= 2, 5_000, 'redelivery after nak');
          assert.deepEqual(deliveries, [1, 2]);
          assert.ok(times[1]! - times[0]! >= 150, `gap ${times[1]! - times[0]!} ms`);
          await c.stop();
        }));
    });
  });
}
